"""The fake Zoho over real HTTP, as a raw client (and Zoho's documented shapes) sees it."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from sandbox import seed
from sandbox.zoho import FakeClock, FakeZoho
from tests.support.live import live_server

ORG = {"organization_id": "20071234567"}
CREDS = {"grant_type": "refresh_token", "client_id": "demo-client-id", "client_secret": "demo-client-secret"}


@pytest.fixture
def fake() -> FakeZoho:
    return FakeZoho(clock=FakeClock(1_789_000_000.0))


@pytest.fixture
def http(fake: FakeZoho) -> Iterator[httpx.Client]:
    with live_server(fake.app) as server, httpx.Client(base_url=server.url) as client:
        yield client


def token(http: httpx.Client, product: str = "inventory") -> dict[str, str]:
    body = http.post("/oauth/v2/token", data={**CREDS, "refresh_token": f"demo-{product}-refresh-token"}).json()
    return {"Authorization": f"Zoho-oauthtoken {body['access_token']}"}


def test_mounted_under_sandbox_zoho_with_query_param_refresh() -> None:
    fake = FakeZoho()
    service = FastAPI()
    service.mount("/sandbox/zoho", fake.app)
    with live_server(service) as server, httpx.Client(base_url=server.url) as http:
        body = http.post(
            "/sandbox/zoho/oauth/v2/token", params={**CREDS, "refresh_token": "demo-inventory-refresh-token"}
        ).json()
        assert body["expires_in"] == 3600
        assert body["token_type"] == "Bearer"
        assert body["api_domain"] == f"{server.url}/sandbox/zoho"
        auth = {"Authorization": f"Zoho-oauthtoken {body['access_token']}"}
        items = http.get("/sandbox/zoho/inventory/v1/items", params={**ORG, "per_page": 3}, headers=auth)
        assert items.status_code == 200
        assert len(items.json()["items"]) == 3
        assert http.get("/sandbox/zoho/_control/state").json()["counts"]["items"] == 863


def test_oauth_errors_inside_http_200_and_the_refresh_throttle(fake: FakeZoho, http: httpx.Client) -> None:
    bad = http.post("/oauth/v2/token", data={**CREDS, "refresh_token": "nope"})
    assert (bad.status_code, bad.json()) == (200, {"error": "invalid_code"})
    wrong = http.post("/oauth/v2/token", data={**CREDS, "client_secret": "x", "refresh_token": "nope"})
    assert wrong.json() == {"error": "invalid_client_secret"}
    for _ in range(10):
        assert (
            "access_token"
            in http.post("/oauth/v2/token", data={**CREDS, "refresh_token": "demo-crm-refresh-token"}).json()
        )
    denied = http.post("/oauth/v2/token", data={**CREDS, "refresh_token": "demo-crm-refresh-token"})
    assert denied.status_code == 200
    assert denied.json()["error"] == "Access Denied"
    assert (
        "access_token"
        in http.post("/oauth/v2/token", data={**CREDS, "refresh_token": "demo-inventory-refresh-token"}).json()
    )
    fake.clock.advance(601)
    assert (
        "access_token" in http.post("/oauth/v2/token", data={**CREDS, "refresh_token": "demo-crm-refresh-token"}).json()
    )


def test_inventory_auth_and_org_errors(fake: FakeZoho, http: httpx.Client) -> None:
    auth = token(http)
    missing = http.get("/inventory/v1/items", params=ORG)
    assert (missing.status_code, missing.json()["code"]) == (401, 14)
    assert http.get("/inventory/v1/items", headers=auth).json()["code"] == 2
    crm_token = token(http, "crm")
    assert http.get("/inventory/v1/items", params=ORG, headers=crm_token).json()["code"] == 57
    fake.clock.advance(3600)
    expired = http.get("/inventory/v1/items", params=ORG, headers=auth)
    assert (expired.status_code, expired.json()["code"]) == (401, 57)
    assert http.get("/inventory/v1/items/1", params=ORG, headers=token(http)).json() == {
        "code": 1002,
        "message": "Item does not exist.",
    }


def test_inventory_paging_filters_and_envelope(http: httpx.Client) -> None:
    auth = token(http)
    page = http.get("/inventory/v1/items", params={**ORG, "per_page": 500, "page": 5}, headers=auth).json()
    assert (page["code"], page["message"]) == (0, "success")
    assert page["page_context"]["per_page"] == 200
    assert page["page_context"]["has_more_page"] is False
    assert len(page["items"]) == 863 - 4 * 200
    active = http.get("/inventory/v1/items", params={**ORG, "filter_by": "Status.Active"}, headers=auth).json()
    assert active["page_context"]["has_more_page"] is True
    inactive = http.get("/inventory/v1/items", params={**ORG, "status": "inactive"}, headers=auth).json()
    assert len(inactive["items"]) == 43
    nova = http.get("/inventory/v1/items", params={**ORG, "search_text": "NOVA"}, headers=auth).json()
    assert len(nova["items"]) == 22
    ids = [i["item_id"] for i in seed.demo_items()[:3]]
    details = http.get("/inventory/v1/itemdetails", params={**ORG, "item_ids": ",".join(ids)}, headers=auth).json()
    assert sorted(i["item_id"] for i in details["items"]) == sorted(ids)
    assert details["items"][0]["locations"][0]["is_primary"] is True


def test_rate_limits_44_45_and_1070(fake: FakeZoho, http: httpx.Client) -> None:
    auth = token(http)
    fake.config.per_minute_limit = 2
    for _ in range(2):
        assert http.get("/inventory/v1/pricebooks", params=ORG, headers=auth).status_code == 200
    limited = http.get("/inventory/v1/pricebooks", params=ORG, headers=auth)
    assert (limited.status_code, limited.json()["code"]) == (429, 44)
    assert 1 <= int(limited.headers["Retry-After"]) <= 60
    fake.clock.advance(60)
    assert http.get("/inventory/v1/pricebooks", params=ORG, headers=auth).status_code == 200
    fake.config.per_minute_limit = 100
    fake.config.daily_limit = 3
    quota = http.get("/inventory/v1/pricebooks", params=ORG, headers=auth)
    assert (quota.status_code, quota.json()["code"]) == (429, 45)
    fake.config.daily_limit = 1000
    fake.config.concurrency_limit = 1
    fake.slow_next(1, 0.5, product="inventory")
    base = str(http.base_url)

    async def both() -> list[httpx.Response]:
        async with httpx.AsyncClient(base_url=base) as client:
            slow = asyncio.create_task(client.get("/inventory/v1/pricebooks", params=ORG, headers=auth))
            await asyncio.sleep(0.2)
            fast = await client.get("/inventory/v1/pricebooks", params=ORG, headers=auth)
            return [await slow, fast]

    slow, fast = asyncio.run(both())
    assert slow.status_code == 200
    assert (fast.status_code, fast.json()["code"]) == (429, 1070)


def test_sales_orders_keys_filters_statuses_and_pdf(fake: FakeZoho, http: httpx.Client) -> None:
    auth = token(http)
    item = seed.demo_items()[0]
    body = {
        "customer_id": "4815000000003880006",
        "reference_number": "R-1",
        "line_items": [{"item_id": item["item_id"], "quantity": 1}],
    }
    created = http.post("/inventory/v1/salesorders", params=ORG, headers=auth, json=body)
    assert created.status_code == 201
    order = created.json()["salesorder"]
    assert order["total"] == round(item["rate"] * 1.05, 2)
    fake.config.sales_order_key = "sales_order"
    again = http.post("/inventory/v1/salesorders", params=ORG, headers=auth, json=body).json()
    assert "sales_order" in again  # Zoho does not deduplicate by reference_number
    listed = http.get("/inventory/v1/salesorders", params={**ORG, "reference_number": "R-1"}, headers=auth).json()
    assert len(listed["salesorders"]) == 2
    assert "line_items" not in listed["salesorders"][0]
    confirm = http.post(
        f"/inventory/v1/salesorders/{order['salesorder_id']}/status/confirmed", params=ORG, headers=auth
    )
    assert confirm.json() == {"code": 0, "message": "Sales order status has been changed to 'Confirmed'."}
    pdf = http.get(f"/inventory/v1/salesorders/{order['salesorder_id']}", params={**ORG, "accept": "pdf"}, headers=auth)
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF-")
    fake.config.pdf_mode = "html"
    html = http.get(
        f"/inventory/v1/salesorders/{order['salesorder_id']}", params={**ORG, "accept": "pdf"}, headers=auth
    )
    assert html.status_code == 200
    assert html.text.startswith("<!DOCTYPE html>")
    assert (
        http.post("/inventory/v1/salesorders", params=ORG, headers=auth, json={"customer_id": "x"}).json()["code"]
        == 1002
    )


def test_crm_envelopes_204_fields_upsert_notes_and_delay(fake: FakeZoho, http: httpx.Client) -> None:
    auth = token(http, "crm")
    assert http.get("/crm/v7/Contacts/search", params={"phone": "+971500000001"}, headers=auth).status_code == 204
    found = http.get("/crm/v7/Contacts/search", params={"phone": "971543030800"}, headers=auth).json()
    assert found["info"]["count"] == 1
    assert found["data"][0]["id"] == "6104223000000418029"
    assert http.get("/crm/v7/Deals", headers=auth).json()["code"] == "REQUIRED_PARAM_MISSING"
    assert http.get("/crm/v7/Widgets/1", headers=auth).json()["code"] == "INVALID_MODULE"
    assert http.get("/crm/v7/Contacts/1", headers=auth).status_code == 204
    inventory_token = token(http)
    assert http.get("/crm/v7/Contacts/1", headers=inventory_token).json()["code"] == "OAUTH_SCOPE_MISMATCH"
    fake.config.search_index_delay = 10
    upsert: dict[str, Any] = {
        "data": [{"Last_Name": "Omar", "Mobile": "+971559990000"}],
        "duplicate_check_fields": ["Mobile"],
    }
    first = http.post("/crm/v7/Contacts/upsert", headers=auth, json=upsert)
    assert first.status_code == 201
    assert first.json()["data"][0]["action"] == "insert"
    second = http.post("/crm/v7/Contacts/upsert", headers=auth, json=upsert).json()["data"][0]
    assert (second["action"], second["duplicate_field"]) == ("update", "Mobile")
    assert http.get("/crm/v7/Contacts/search", params={"phone": "971559990000"}, headers=auth).status_code == 204
    fake.clock.advance(10)
    assert http.get("/crm/v7/Contacts/search", params={"phone": "971559990000"}, headers=auth).status_code == 200
    deal = {"data": [{"Deal_Name": "D", "Stage": "Qualification", "Pipeline": "Standard (Standard)"}]}
    deal_id = http.post("/crm/v7/Deals", headers=auth, json=deal).json()["data"][0]["details"]["id"]
    put = http.put(f"/crm/v7/Deals/{deal_id}", headers=auth, json={"data": [{"Stage": "Closed Won"}]})
    assert put.json()["data"][0]["message"] == "record updated"
    old_shape = {"data": [{"Parent_Id": deal_id, "se_module": "Deals", "Note_Content": "x"}]}
    rejected = http.post("/crm/v7/Notes", headers=auth, json=old_shape)
    assert rejected.status_code == 400
    assert rejected.json()["data"][0]["details"]["api_name"] == "Parent_Id"
    added = http.post(f"/crm/v7/Deals/{deal_id}/Notes", headers=auth, json={"data": [{"Note_Content": "Summary"}]})
    assert added.status_code == 201
    notes = http.get(f"/crm/v7/Deals/{deal_id}/Notes", headers=auth).json()["data"]
    assert notes[0]["Parent_Id"]["module"]["api_name"] == "Deals"
    criteria = "((Stage:equals:Closed Won)and(Deal_Name:equals:D))"
    assert http.get("/crm/v7/Deals/search", params={"criteria": criteria}, headers=auth).json()["info"]["count"] >= 1
    fake.expire_tokens()
    assert http.get("/crm/v7/Contacts/1", headers=auth).json() == {
        "code": "INVALID_TOKEN",
        "details": {},
        "message": "invalid oauth token",
        "status": "error",
    }


def test_http_controls(fake: FakeZoho, http: httpx.Client) -> None:
    auth = token(http)
    fault = {"product": "inventory", "status": 503, "count": 2, "path": "/items"}
    assert http.post("/_control/faults", json=fault).status_code == 200
    assert [http.get("/inventory/v1/items", params=ORG, headers=auth).status_code for _ in range(3)] == [503, 503, 200]
    http.post(
        "/_control/faults", json={"product": "inventory", "kind": "after_write", "method": "POST", "path": "/contacts"}
    )
    failed = http.post("/inventory/v1/contacts", params=ORG, headers=auth, json={"contact_name": "Ghost LLC"})
    assert failed.status_code == 500
    listed = http.get("/inventory/v1/contacts", params={**ORG, "contact_name": "Ghost LLC"}, headers=auth).json()
    assert len(listed["contacts"]) == 1  # the write happened
    assert (
        http.patch("/_control/config", json={"sales_order_key": "sales_order"}).json()["sales_order_key"]
        == "sales_order"
    )
    assert http.patch("/_control/config", json={"nope": 1}).status_code == 422
    item_id = seed.demo_items()[0]["item_id"]
    http.post("/_control/clock/advance", json={"seconds": 30})
    patched = http.patch(f"/_control/inventory/items/{item_id}", json={"stock_on_hand": "5"}).json()
    assert patched["stock_on_hand"] == "5"
    requests = http.get("/_control/requests", params={"product": "inventory"}).json()
    assert requests["count"] == 5  # 3 item lists, the contact POST, the contact list
    assert http.post("/_control/oauth/expire_tokens").json()["expired"] >= 1
    assert http.get("/inventory/v1/items", params=ORG, headers=auth).status_code == 401
    state = http.post("/_control/reset").json()
    assert state["counts"]["inventory_contacts"] == 40
    assert state["faults"] == []
