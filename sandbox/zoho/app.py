"""`FakeZoho`: the fake Zoho accounts server, Inventory v1 and CRM v7 in one FastAPI app.

Mounted by the service at /sandbox/zoho, so the real clients reach `/sandbox/zoho/oauth/v2/token`,
`/sandbox/zoho/inventory/v1/...` and `/sandbox/zoho/crm/v7/...`. Tests run `FakeZoho().app` on loopback.
A test drives it through the Python methods below; a person (or an out-of-process test) through the same
operations over HTTP under `/_control`.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Literal

from fastapi import APIRouter, FastAPI, HTTPException, Request
from pydantic import BaseModel

from sandbox.zoho.core import FakeClock, FakeZohoConfig, Fault, FaultKind, FaultPlan, LoggedRequest, Product
from sandbox.zoho.crm import CrmState, crm_router
from sandbox.zoho.gate import Limits, ZohoGate
from sandbox.zoho.inventory import InventoryState, inventory_router
from sandbox.zoho.oauth import CRM_SCOPE, INVENTORY_SCOPE, OAuthState, oauth_router

DEMO_REFRESH_TOKENS = {
    "demo-inventory-refresh-token": INVENTORY_SCOPE,
    "demo-crm-refresh-token": CRM_SCOPE,
}


class FaultIn(BaseModel):
    kind: FaultKind = "status"
    product: Product | Literal["any"] = "any"
    status: int = 500
    code: int | str | None = None
    message: str | None = None
    count: int = 1
    method: str | None = None
    path: str | None = None
    retry_after: str | None = None
    seconds: float = 0.0


class AdvanceIn(BaseModel):
    seconds: float


class RefreshTokenIn(BaseModel):
    refresh_token: str
    scope: str = INVENTORY_SCOPE


class FakeZoho:
    """Fake Zoho OAuth + Inventory + CRM.

    Args:
        clock: the fake's clock (token expiry, rate windows, indexing delay, timestamps); default follows
            the wall clock and can be advanced.
        refresh_tokens: refresh token -> scope; default the two demo tokens from `server/settings.py`.
        seed: load the demo items, price books, contacts and CRM records.
        **config: any `FakeZohoConfig` field (organization_id, client_id, client_secret, token_lifetime,
            per_minute_limit, daily_limit, concurrency_limit, sales_order_key, pdf_mode, search_index_delay,
            deal_pipelines, ...).
    """

    def __init__(
        self,
        *,
        clock: FakeClock | None = None,
        refresh_tokens: dict[str, str] | None = None,
        seed: bool = True,
        **config: Any,
    ) -> None:
        self.clock = clock or FakeClock()
        self.config = FakeZohoConfig(**config)
        self.faults = FaultPlan()
        self.requests: list[LoggedRequest] = []
        self.limits: dict[str, Limits] = {"inventory": Limits(), "crm": Limits()}
        self.oauth = OAuthState(self.clock, self.config, dict(refresh_tokens or DEMO_REFRESH_TOKENS))
        self.inventory = InventoryState(self.clock, self.config)
        self.crm = CrmState(self.clock, self.config)
        self._seed = seed
        self.reset()
        self.app = FastAPI(title="Fake Zoho (OAuth, Inventory v1, CRM v7)", docs_url="/_control/docs")
        self.app.include_router(oauth_router(self.oauth))
        self.app.include_router(inventory_router(self.inventory))
        self.app.include_router(crm_router(self.crm))
        self.app.include_router(self._control_router())
        self.app.add_middleware(ZohoGate, fake=self)

    # ---- Python controls -----------------------------------------------------------------------------

    def reset(self) -> None:
        """Back to the seeded data; faults, counters and the request log cleared (tokens stay valid)."""
        self.faults.clear()
        self.requests.clear()
        self.limits = {"inventory": Limits(), "crm": Limits()}
        if self._seed:
            self.inventory.seed()
            self.crm.seed()
        else:
            self.inventory.items, self.inventory.contacts, self.inventory.pricebooks = {}, {}, {}
            self.inventory.salesorders = {}
            self.crm.records = {module: {} for module in ("Contacts", "Deals", "Notes", "Accounts", "Leads")}

    def add_fault(self, fault: Fault) -> Fault:
        return self.faults.add(fault)

    def fail_next(
        self,
        count: int,
        status: int,
        *,
        product: Product | Literal["any"] = "any",
        code: int | str | None = None,
        method: str | None = None,
        path: str | None = None,
        retry_after: str | None = None,
    ) -> Fault:
        """The next `count` matching requests answer `status` (401/429/5xx) in the product's error shape."""
        return self.add_fault(
            Fault(
                kind="status",
                product=product,
                status=status,
                code=code,
                count=count,
                method=method,
                path=path,
                retry_after=retry_after,
            )
        )

    def fail_after_write(
        self,
        count: int = 1,
        status: int = 500,
        *,
        product: Product | Literal["any"] = "inventory",
        method: str | None = "POST",
        path: str | None = "/salesorders",
    ) -> Fault:
        """Let the write happen, then answer `status` anyway (how a retried POST duplicates a record)."""
        return self.add_fault(
            Fault(kind="after_write", product=product, status=status, count=count, method=method, path=path)
        )

    def slow_next(
        self,
        count: int,
        seconds: float,
        *,
        after_write: bool = False,
        product: Product | Literal["any"] = "any",
        method: str | None = None,
        path: str | None = None,
    ) -> Fault:
        """Delay the next `count` matching responses by real `seconds` (before or after doing the work)."""
        kind: FaultKind = "delay_after" if after_write else "delay"
        return self.add_fault(Fault(kind=kind, product=product, count=count, method=method, path=path, seconds=seconds))

    def clear_faults(self) -> None:
        self.faults.clear()

    def expire_tokens(self) -> int:
        """Invalidate every access token issued so far (the next API call gets 401)."""
        return self.oauth.expire_all()

    def revoke_refresh_token(self, refresh_token: str) -> bool:
        """The refresh token stops working (`{"error": "invalid_code"}`)."""
        return self.oauth.revoke(refresh_token)

    def refresh_count(self, refresh_token: str) -> int:
        """Access tokens issued for this refresh token so far."""
        return self.oauth.refresh_count.get(refresh_token, 0)

    def request_count(self, product: str | None = None, method: str | None = None, path: str | None = None) -> int:
        return sum(
            1
            for r in self.requests
            if (product is None or r.product == product)
            and (method is None or r.method == method)
            and (path is None or r.path.startswith(path))
        )

    def patch_item(self, item_id: str, changes: dict[str, Any]) -> dict[str, Any] | None:
        return self.inventory.patch_item(item_id, changes)

    def state(self) -> dict[str, Any]:
        return {
            "clock": self.clock.now(),
            "config": self.config.public(),
            "counts": {
                "items": len(self.inventory.items),
                "inventory_contacts": len(self.inventory.contacts),
                "pricebooks": len(self.inventory.pricebooks),
                "salesorders": len(self.inventory.salesorders),
                **{f"crm_{m.lower()}": len(r) for m, r in self.crm.records.items()},
            },
            "faults": [dataclasses.asdict(f) for f in self.faults.faults],
            "refresh_counts": dict(self.oauth.refresh_count),
            "requests": len(self.requests),
        }

    # ---- HTTP controls (/_control) --------------------------------------------------------------------

    def _control_router(self) -> APIRouter:
        router = APIRouter(prefix="/_control", tags=["control"])

        @router.get("/state")
        async def state() -> dict[str, Any]:
            return self.state()

        @router.post("/reset")
        async def reset() -> dict[str, Any]:
            self.reset()
            return self.state()

        @router.patch("/config")
        async def patch_config(request: Request) -> dict[str, Any]:
            changes = await request.json()
            if not isinstance(changes, dict):
                raise HTTPException(422, "expected an object")
            names = {f.name for f in dataclasses.fields(FakeZohoConfig)}
            unknown = sorted(set(changes) - names)
            if unknown:
                raise HTTPException(422, f"unknown config fields: {unknown}")
            for name, value in changes.items():
                setattr(self.config, name, value)
            return self.config.public()

        @router.post("/clock/advance")
        async def advance(body: AdvanceIn) -> dict[str, float]:
            return {"now": self.clock.advance(body.seconds)}

        @router.get("/faults")
        async def faults() -> list[dict[str, Any]]:
            return [dataclasses.asdict(f) for f in self.faults.faults]

        @router.post("/faults")
        async def add_fault(body: FaultIn) -> dict[str, Any]:
            return dataclasses.asdict(self.add_fault(Fault(**body.model_dump())))

        @router.delete("/faults")
        async def clear_faults() -> dict[str, bool]:
            self.clear_faults()
            return {"ok": True}

        @router.post("/oauth/expire_tokens")
        async def expire_tokens() -> dict[str, int]:
            return {"expired": self.expire_tokens()}

        @router.post("/oauth/revoke")
        async def revoke(body: RefreshTokenIn) -> dict[str, bool]:
            return {"revoked": self.revoke_refresh_token(body.refresh_token)}

        @router.post("/oauth/refresh_tokens")
        async def add_refresh_token(body: RefreshTokenIn) -> dict[str, bool]:
            self.oauth.refresh_tokens[body.refresh_token] = body.scope
            return {"ok": True}

        @router.patch("/inventory/items/{item_id}")
        async def patch_item(item_id: str, request: Request) -> dict[str, Any]:
            changes = await request.json()
            if not isinstance(changes, dict):
                raise HTTPException(422, "expected an object")
            item = self.patch_item(item_id, changes)
            if item is None:
                raise HTTPException(404, "no such item")
            return item

        @router.get("/requests")
        async def requests(product: str | None = None, limit: int = 200) -> dict[str, Any]:
            chosen = [r.view() for r in self.requests if product is None or r.product == product]
            return {"count": len(chosen), "requests": chosen[-limit:]}

        @router.delete("/requests")
        async def clear_requests() -> dict[str, bool]:
            self.requests.clear()
            return {"ok": True}

        return router
