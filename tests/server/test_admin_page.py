"""The admin: KPIs over the API and on the /admin page for heads of sales and admins only, from a database whose
answers are known (tests/support/kpis.py); the page in real Chromium (saves docs/admin.png)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from server.web.app import create_app
from tests.server.conftest import service_settings
from tests.support.db import TestDatabases as Databases
from tests.support.inbox import DEMO_PASSWORD, FATIMA, OMAR, connect, csrf_from, sign_in
from tests.support.kpis import seed_known_weeks
from tests.support.live import free_port, live_server

CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOT = Path(__file__).resolve().parents[2] / "docs" / "admin.png"
DANIEL = "daniel.whitaker@treejar.com"
PERIOD = {"since": "2026-11-23", "until": "2026-12-07"}


@pytest.fixture(scope="module")
def admin_database_url(test_databases: Databases) -> str:
    return test_databases.fresh()


@pytest.fixture(scope="module")
def admin_url(admin_database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    port = free_port()
    settings = service_settings(admin_database_url, tmp_path_factory.mktemp("admin"), port, worker_processes=0)
    with live_server(create_app(settings), port) as server:
        yield server.url


@pytest.fixture(scope="module")
async def seeded(admin_url: str, admin_database_url: str) -> dict[str, int]:
    async with await connect(admin_database_url) as conn:
        return await seed_known_weeks(conn)


async def test_kpis_are_for_heads_of_sales_and_admins(admin_url: str, seeded: dict[str, int]) -> None:
    async with httpx.AsyncClient(base_url=admin_url) as http:
        assert (await http.get("/api/v1/metrics")).status_code == 401
    manager = await sign_in(admin_url, FATIMA)
    head = await sign_in(admin_url, OMAR)
    try:
        assert (await manager.get("/api/v1/metrics")).status_code == 403
        response = await head.get("/api/v1/metrics", params=PERIOD)
        assert response.status_code == 200
        body = response.json()
        assert body["totals"]["conversations"] == 3
        assert body["totals"]["order_value_aed"] == "1575.00"
        assert [w["week"] for w in body["by_week"]] == ["2026-W48", "2026-W49"]
        week = (await head.get("/api/v1/metrics", params={"week": "2026-W49"})).json()
        assert (week["totals"]["conversations"], week["totals"]["escalation_reasons"]) == (1, {"human_request": 1})
        backwards = await head.get("/api/v1/metrics", params={"since": "2026-12-07", "until": "2026-11-23"})
        assert backwards.status_code == 422
        assert "until must be after since" in backwards.text
        assert (await head.get("/api/v1/metrics", params={"week": "49"})).status_code == 422

        assert (await manager.get("/admin")).status_code == 403
        page = await head.get("/admin", params=PERIOD)
        assert page.status_code == 200
        assert page.headers["content-security-policy"].startswith("default-src 'self'")
        assert 'data-kpi="conversations">3<' in page.text
        assert f'href="http://127.0.0.1:{admin_url.rsplit(":", 1)[1]}/inbox/threads/{seeded["ar"]}"' in page.text
        assert 'id="accounts"' not in page.text  # accounts are for admins
        admin = await sign_in(admin_url, DANIEL)
        assert 'id="accounts"' in (await admin.get("/admin", params=PERIOD)).text
        await admin.aclose()
    finally:
        await manager.aclose()
        await head.aclose()


@pytest.fixture
async def browser() -> AsyncIterator[Any]:
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        chromium = await playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=["--headless", "--no-sandbox", "--disable-gpu"]
        )
        yield chromium
        await chromium.close()


@pytest.mark.skipif(not CHROMIUM.exists(), reason="Chromium is not installed (make system-deps)")
async def test_a_head_of_sales_reads_the_admin_in_chromium(
    browser: Any, admin_url: str, seeded: dict[str, int]
) -> None:
    page = await browser.new_page(viewport={"width": 1280, "height": 900}, locale="en-GB")
    target = f"{admin_url}/admin?since={PERIOD['since']}&until={PERIOD['until']}"
    await page.goto(target)
    assert "/inbox/login" in page.url
    await page.fill("input[name=login]", OMAR)
    await page.fill("input[name=password]", DEMO_PASSWORD)
    async with page.expect_navigation():
        await page.click("button[type=submit]")
    assert page.url == target  # back where the head of sales was going

    assert await page.locator("[data-kpi=conversations]").inner_text() == "3"
    assert await page.locator("[data-kpi=orders]").inner_text() == "3 → 2"
    assert await page.locator("[data-kpi=order_value]").inner_text() == "AED 1,575.00"
    assert await page.locator("[data-kpi=quality]").inner_text() == "70%"
    # the charts are drawn: every figure holds a visible SVG with bars or dots
    charts = page.locator("figure.chart svg")
    assert await charts.count() == 5
    for index in range(5):
        box = await charts.nth(index).bounding_box()
        assert box is not None
        assert box["width"] > 300
        assert box["height"] > 100
    escalated_bars = page.locator("figure[data-chart=conversations] rect[fill='#a65f00']:has(title)")
    assert await escalated_bars.count() == 2  # a bar a week
    assert await page.locator("figure[data-chart=quality] circle").count() == 2
    # the dashboard stylesheet applied (not blocked by the CSP): KPI cards sit in a grid
    assert await page.locator("#kpis").evaluate("e => getComputedStyle(e).display") == "grid"

    lowest = page.locator("#lowest tbody tr")
    assert await lowest.count() == 3
    assert "50%" in await lowest.first.inner_text()
    assert await page.locator("#lowest tr.low").count() == 1
    await page.screenshot(path=str(SCREENSHOT), full_page=True)
    async with page.expect_navigation():
        await lowest.first.locator("a").click()
    assert page.url.endswith(f"/inbox/threads/{seeded['ar']}")
    await page.close()
    assert SCREENSHOT.stat().st_size > 20_000


async def _admin_api(url: str) -> httpx.AsyncClient:
    client = await sign_in(url, DANIEL)
    client.headers["x-csrf-token"] = csrf_from((await client.get("/inbox")).text)
    return client


async def test_an_admin_tunes_runtime_settings_with_an_audit_trail(
    admin_url: str, admin_database_url: str, seeded: dict[str, int]
) -> None:
    admin = await _admin_api(admin_url)
    head = await sign_in(admin_url, OMAR)
    try:
        listed = {s["key"]: s for s in (await admin.get("/api/v1/admin/settings")).json()["items"]}
        assert listed["debounce_seconds"] == listed["debounce_seconds"] | {"value": 0.3, "overridden": False}
        assert (await head.get("/api/v1/admin/settings")).status_code == 403
        forged = await admin.put(
            "/api/v1/admin/settings/debounce_seconds", json={"value": 2.5}, headers={"x-csrf-token": "forged"}
        )
        assert forged.status_code == 403

        changed = await admin.put("/api/v1/admin/settings/debounce_seconds", json={"value": "2.5"})
        assert changed.status_code == 200, changed.text
        assert changed.json() | {"updated_at": None} == changed.json() | {
            "value": 2.5,
            "default": 0.3,
            "overridden": True,
            "updated_by": "mgr_05",
            "updated_at": None,
        }
        assert (await admin.put("/api/v1/admin/settings/debounce_seconds", json={"value": 2.5})).status_code == 200
        too_long = await admin.put("/api/v1/admin/settings/debounce_seconds", json={"value": 3600})
        assert (too_long.status_code, too_long.json()["detail"]) == (422, "debounce_seconds: must be between 0 and 60")
        tiers = await admin.put("/api/v1/admin/settings/discount_tiers", json={"value": "lots:5"})
        assert tiers.status_code == 422
        assert (await admin.put("/api/v1/admin/settings/port", json={"value": 1})).status_code == 404
        policy = await admin.put("/api/v1/admin/settings/discount_approval_from", json={"value": None})
        assert policy.json()["value"] is None  # "never": a value of its own, not a reset
        assert policy.json()["overridden"] is True

        from server.desk.runtime_settings import effective
        from server.settings import Settings

        async with await connect(admin_database_url) as conn:
            tuned = await effective(conn, Settings(debounce_seconds=0.3))
        assert (tuned.debounce_seconds, tuned.discount_approval_from) == (2.5, None)

        reset = await admin.delete("/api/v1/admin/settings/debounce_seconds")
        assert reset.json()["value"] == 0.3
        assert reset.json()["overridden"] is False
        audit = (await admin.get("/api/v1/admin/settings/audit")).json()["items"]
        assert [(a["key"], a["old_value"], a["new_value"], a["changed_by_name"]) for a in audit] == [
            ("debounce_seconds", 2.5, None, "Daniel Whitaker"),
            ("discount_approval_from", None, None, "Daniel Whitaker"),
            ("debounce_seconds", None, 2.5, "Daniel Whitaker"),
        ]  # the repeated 2.5 changed nothing and is not in the log
        page = (await admin.get("/admin", params=PERIOD)).text
        assert 'id="settings"' in page
        assert "debounce_seconds: 2.5 → configured" in page
    finally:
        await admin.aclose()
        await head.aclose()


async def test_quality_reviews_and_prompt_versions_over_the_api(
    admin_url: str, admin_database_url: str, seeded: dict[str, int]
) -> None:
    from prompts import load_system_prompt
    from server.desk.prompt_versions import record_current_texts

    async with await connect(admin_database_url) as conn:
        await record_current_texts(conn)  # as a worker does when it starts
        await conn.execute(
            "INSERT INTO prompt_texts (version, name, text) VALUES ('system.en@1111', 'system.en', %s)",
            ("You are Noor.\nBe brief.\n",),
        )
    head = await sign_in(admin_url, OMAR)
    manager = await sign_in(admin_url, FATIMA)
    try:
        assert (await manager.get("/api/v1/quality/reviews")).status_code == 403
        low = (await head.get("/api/v1/quality/reviews", params={"below": 0.6})).json()["items"]
        assert [(r["review"]["conversation_id"], r["review"]["share"]) for r in low] == [
            (seeded["old"], 0.1),
            (seeded["ar"], 0.5),
        ]
        one = (await head.get(f"/api/v1/quality/conversations/{seeded['en']}")).json()["items"]
        assert [r["review"]["summary"] for r in one] == ["Clear and correct."]
        versions = {v["version"]: v for v in (await head.get("/api/v1/quality/prompts")).json()["items"]}
        system = versions["system.en@1111"]
        assert (system["replies"], system["conversations"], system["quotations"], system["orders"]) == (5, 4, 3, 2)
        assert system["average_quality"] == pytest.approx(0.55)
        assert system["current"] is False  # not the text prompts/ holds now
        offline = versions["offline-en@aaaa"]
        assert (offline["replies"], offline["conversations"], offline["average_quality"]) == (1, 1, 0.9)
        assert (system["text_stored"], offline["text_stored"]) == (True, False)

        now = load_system_prompt("en").version
        compared = await head.get("/api/v1/quality/prompts/diff", params={"from": "system.en@1111", "to": now})
        assert compared.status_code == 200
        lines = compared.json()["diff"].splitlines()
        assert lines[:2] == ["--- system.en@1111", f"+++ {now}"]
        assert "-Be brief." in lines
        unknown = await head.get("/api/v1/quality/prompts/diff", params={"from": "offline-en@aaaa", "to": now})
        assert unknown.status_code == 404
    finally:
        await head.aclose()
        await manager.aclose()


async def test_an_admin_adds_activates_and_rolls_back_prompt_versions(
    admin_url: str, admin_database_url: str, seeded: dict[str, int]
) -> None:
    from prompts import file_prompt, version_of

    base = file_prompt("system.en")
    first = base.text + "\nEnd every reply with one short question.\n"
    second = base.text + "\nNever use emoji.\n"
    admin = await _admin_api(admin_url)
    head = await sign_in(admin_url, OMAR)
    head.headers["x-csrf-token"] = csrf_from((await head.get("/inbox")).text)
    anonymous = httpx.AsyncClient(base_url=admin_url)
    versions_url = "/api/v1/admin/prompts/system.en/versions"
    try:
        assert (await anonymous.post(versions_url, json={"text": first})).status_code == 401
        assert (await head.post(versions_url, json={"text": first})).status_code == 403  # a head of sales is no admin
        forged = await admin.post(versions_url, json={"text": first}, headers={"x-csrf-token": "forged"})
        assert forged.status_code == 403
        assert (await admin.get("/api/v1/quality/prompts")).json()["items"] == (
            await head.get("/api/v1/quality/prompts")
        ).json()["items"]  # nothing was stored by the refused calls

        added = await admin.post(versions_url, json={"text": first})
        assert (added.status_code, added.json()) == (
            201,
            {"version": version_of("system.en", first), "name": "system.en", "created": True},
        )
        again = await admin.post(versions_url, json={"text": first})
        assert (again.status_code, again.json()["created"]) == (200, False)
        v1 = added.json()["version"]
        v2 = (await admin.post(versions_url, json={"text": second})).json()["version"]
        refused = {
            "empty": await admin.post(versions_url, json={"text": "  "}),
            "toml": await admin.post("/api/v1/admin/prompts/offline-en/versions", json={"text": "greeting = "}),
            "rubric": await admin.post("/api/v1/admin/prompts/quality_judge/versions", json={"text": "Grade it."}),
            "name": await admin.post("/api/v1/admin/prompts/system.fr/versions", json={"text": first}),
            "placeholder": await admin.post(
                "/api/v1/admin/prompts/offline-en/versions",
                json={"text": file_prompt("offline-en").text.replace("{name_part}!", "{nickname}!", 1)},
            ),
        }
        assert {key: r.status_code for key, r in refused.items()} == {
            "empty": 422,
            "toml": 422,
            "rubric": 422,
            "name": 404,
            "placeholder": 422,
        }
        assert "never given: nickname" in refused["placeholder"].json()["detail"]
        assert "{checklist}" in refused["rubric"].json()["detail"]

        def activate(version: str, name: str = "system.en") -> Any:
            return admin.post(f"/api/v1/admin/prompts/{name}/activate", json={"version": version})

        unknown = await activate("system.en@000000000000")
        assert (unknown.status_code, unknown.json()["detail"]) == (
            404,
            "no stored version 'system.en@000000000000' of system.en; add its text first",
        )
        assert (await activate(v1, name="system.ar")).status_code == 404  # a version of another prompt
        assert (await head.post("/api/v1/admin/prompts/system.en/activate", json={"version": v1})).status_code == 403
        states = {s["name"]: s for s in (await admin.get("/api/v1/admin/prompts")).json()["items"]}
        assert states["system.en"] | {"file_version": None} == {
            "name": "system.en",
            "file_version": None,
            "version": base.version,
            "activated": False,
            "activated_by": None,
            "activated_at": None,
            "can_roll_back": False,
        }  # nothing changed
        assert (await admin.get("/api/v1/admin/prompts/activations")).json()["items"] == []
        nothing = await admin.post("/api/v1/admin/prompts/system.en/rollback")
        assert nothing.status_code == 409

        on = await activate(v1)
        assert on.status_code == 200, on.text
        assert (on.json()["version"], on.json()["activated"], on.json()["activated_by"]) == (v1, True, "mgr_05")
        assert (await activate(v1)).json()["version"] == v1  # the same again: nothing recorded
        assert (await activate(v2)).json()["version"] == v2
        listed = {v["version"]: v for v in (await head.get("/api/v1/quality/prompts")).json()["items"]}
        assert (listed[v2]["active"], listed[v1]["active"], listed[v2]["replies"]) == (True, False, 0)

        back = await admin.post("/api/v1/admin/prompts/system.en/rollback")
        assert back.json()["version"] == v1
        back = await admin.post("/api/v1/admin/prompts/system.en/rollback")
        assert (back.json()["version"], back.json()["activated"], back.json()["can_roll_back"]) == (
            base.version,
            False,
            False,
        )  # back on the file
        assert (await admin.post("/api/v1/admin/prompts/system.en/rollback")).status_code == 409
        log = (await admin.get("/api/v1/admin/prompts/activations")).json()["items"]
        assert [(a["from_version"], a["to_version"], a["undoes"] is not None, a["activated_by_name"]) for a in log] == [
            (v1, None, True, "Daniel Whitaker"),
            (v2, v1, True, "Daniel Whitaker"),
            (v1, v2, False, "Daniel Whitaker"),
            (None, v1, False, "Daniel Whitaker"),
        ]
    finally:
        await admin.aclose()
        await head.aclose()
        await anonymous.aclose()


async def _signed_in_page(browser: Any, admin_url: str, login: str) -> Any:
    page = await browser.new_page(viewport={"width": 1280, "height": 900}, locale="en-GB")
    await page.goto(f"{admin_url}/admin")
    await page.fill("input[name=login]", login)
    await page.fill("input[name=password]", DEMO_PASSWORD)
    async with page.expect_navigation():
        await page.click("button[type=submit]")
    return page


@pytest.mark.skipif(not CHROMIUM.exists(), reason="Chromium is not installed (make system-deps)")
async def test_an_admin_activates_and_rolls_back_a_prompt_version_in_chromium(
    browser: Any, admin_url: str, seeded: dict[str, int]
) -> None:
    from prompts import file_prompt

    text = file_prompt("understand").text + "\nRead Arabizi as Arabic.\n"
    api = await _admin_api(admin_url)
    version = (await api.post("/api/v1/admin/prompts/understand/versions", json={"text": text})).json()["version"]
    page = await _signed_in_page(browser, admin_url, DANIEL)
    try:
        group = page.locator("tbody[data-prompt=understand]")
        row = group.locator(f"tr[data-version='{version}']")
        assert "not yet" in await row.inner_text()  # stored, never used
        assert await group.locator("[data-action=rollback]").count() == 0  # nothing activated yet
        async with page.expect_navigation():
            await row.locator("[data-action=activate]").click()
        assert "active" in await row.locator(".badge").first.inner_text()
        assert await row.locator("[data-action=activate]").count() == 0
        states = {s["name"]: s for s in (await api.get("/api/v1/admin/prompts")).json()["items"]}
        assert (states["understand"]["version"], states["understand"]["activated_by"]) == (version, "mgr_05")
        assert f"understand: file → {version}" in await page.locator("#activations").inner_text()

        async with page.expect_navigation():
            await group.locator("[data-action=rollback]").click()
        states = {s["name"]: s for s in (await api.get("/api/v1/admin/prompts")).json()["items"]}
        assert states["understand"]["activated"] is False
        assert await row.locator("[data-action=activate]").count() == 1
    finally:
        await page.close()
        await api.aclose()


@pytest.mark.skipif(not CHROMIUM.exists(), reason="Chromium is not installed (make system-deps)")
async def test_an_admin_changes_a_runtime_setting_on_the_page_and_a_bad_value_changes_nothing(
    browser: Any, admin_url: str, seeded: dict[str, int]
) -> None:
    page = await _signed_in_page(browser, admin_url, DANIEL)
    api = await _admin_api(admin_url)
    try:
        row = page.locator("tr[data-setting=escalation_order_value_aed]")
        await row.locator("input[name=value]").fill("25000")
        async with page.expect_navigation():
            await row.locator("[data-action=save]").click()
        assert await row.locator("input[name=value]").input_value() == "25000.0"
        assert "escalation_order_value_aed: configured → 25000.0" in await page.locator("#audit").inner_text()

        await row.locator("input[name=value]").fill("a lot")
        async with page.expect_navigation() as refused:
            await row.locator("[data-action=save]").click()
        response = await refused.value
        assert response is not None
        assert response.status == 422
        problem = page.locator("[data-problem=escalation_order_value_aed]")
        assert "escalation_order_value_aed: Input should be a valid number" in await problem.inner_text()
        listed = {s["key"]: s for s in (await api.get("/api/v1/admin/settings")).json()["items"]}
        assert listed["escalation_order_value_aed"]["value"] == 25000.0  # the bad value changed nothing

        row = page.locator("tr[data-setting=escalation_order_value_aed]")
        async with page.expect_navigation():
            await row.locator("[data-action=reset]").click()
        listed = {s["key"]: s for s in (await api.get("/api/v1/admin/settings")).json()["items"]}
        assert listed["escalation_order_value_aed"]["overridden"] is False
    finally:
        await page.close()
        await api.aclose()


async def test_the_page_forms_need_an_admin_and_the_csrf_token(admin_url: str, seeded: dict[str, int]) -> None:
    admin = await sign_in(admin_url, DANIEL)
    head = await sign_in(admin_url, OMAR)
    try:
        token = csrf_from((await admin.get("/inbox")).text)
        forged = await admin.post("/admin/settings/debounce_seconds", data={"value": "2", "csrf_token": "forged"})
        assert forged.status_code == 403
        head_token = csrf_from((await head.get("/inbox")).text)
        as_head = await head.post("/admin/settings/debounce_seconds", data={"value": "2", "csrf_token": head_token})
        assert as_head.status_code == 403
        as_head = await head.post("/admin/prompts/understand/rollback", data={"csrf_token": head_token})
        assert as_head.status_code == 403
        unknown = await admin.post(
            "/admin/prompts/system.en/activate", data={"version": "system.en@000000000000", "csrf_token": token}
        )
        assert unknown.status_code == 404
        assert "no stored version" in unknown.text
        audit = (await admin.get("/api/v1/admin/settings/audit")).json()["items"]
        assert not any(a["key"] == "debounce_seconds" and a["new_value"] == 2.0 for a in audit)
    finally:
        await admin.aclose()
        await head.aclose()
