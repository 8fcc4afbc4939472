"""The admin's REST API under `/api/v1/admin/...` (admin access; cookie writes need the CSRF header like the rest
of the API): manager accounts."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException
from pydantic import BaseModel, ConfigDict, Field

from server.desk import accounts
from server.web.auth import AdminSession
from server.web.deps import ServicesDep

router = APIRouter(prefix="/api/v1/admin", tags=["admin"])


class AccountsOut(BaseModel):
    items: list[accounts.Account]


class PasswordIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    password: str | None = Field(
        default=None, min_length=accounts.MIN_PASSWORD_CHARS, max_length=200, description="None: one is generated"
    )


def _refused(exc: accounts.AccountError) -> HTTPException:
    return HTTPException(404 if isinstance(exc, accounts.NoSuchAccount) else 409, str(exc))


@router.get("/managers")
async def list_managers(session: AdminSession, services: ServicesDep) -> AccountsOut:
    async with services.pool.connection() as conn:
        return AccountsOut(items=await accounts.list_accounts(conn))


@router.post("/managers", status_code=201)
async def create_manager(
    body: accounts.NewAccount, session: AdminSession, services: ServicesDep
) -> accounts.IssuedPassword:
    async with services.pool.connection() as conn:
        try:
            return await accounts.create_account(conn, body)
        except accounts.AccountError as exc:
            raise _refused(exc) from None


@router.post("/managers/{manager_id}/disable")
async def disable_manager(manager_id: str, session: AdminSession, services: ServicesDep) -> accounts.Account:
    if manager_id == session.manager.id:
        raise HTTPException(409, "you cannot disable your own account")
    async with services.pool.connection() as conn:
        try:
            return await accounts.set_disabled(conn, manager_id, True)
        except accounts.AccountError as exc:
            raise _refused(exc) from None


@router.post("/managers/{manager_id}/enable")
async def enable_manager(manager_id: str, session: AdminSession, services: ServicesDep) -> accounts.Account:
    async with services.pool.connection() as conn:
        try:
            return await accounts.set_disabled(conn, manager_id, False)
        except accounts.AccountError as exc:
            raise _refused(exc) from None


@router.post("/managers/{manager_id}/reset-password")
async def reset_password(
    manager_id: str, body: PasswordIn, session: AdminSession, services: ServicesDep
) -> accounts.IssuedPassword:
    async with services.pool.connection() as conn:
        try:
            return await accounts.reset_password(conn, manager_id, body.password)
        except accounts.AccountError as exc:
            raise _refused(exc) from None
