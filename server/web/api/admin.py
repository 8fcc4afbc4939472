"""The admin's REST API under `/api/v1/admin/...` (admin access; cookie writes need the CSRF header like the rest
of the API): manager accounts, runtime settings and their audit log, prompt versions (add, activate, roll back)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, Response
from pydantic import BaseModel, ConfigDict, Field

from server.desk import accounts, prompt_versions, runtime_settings
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


class SettingsOut(BaseModel):
    items: list[runtime_settings.SettingView]


class SettingIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    value: Any = Field(description="The new value, checked like the configuration's (null where that allows it)")


class AuditOut(BaseModel):
    items: list[runtime_settings.AuditEntry]


@router.get("/settings")
async def list_settings(session: AdminSession, services: ServicesDep) -> SettingsOut:
    async with services.pool.connection() as conn:
        return SettingsOut(items=await runtime_settings.listing(conn, services.settings))


@router.put("/settings/{key}")
async def change_setting(
    key: str, body: SettingIn, session: AdminSession, services: ServicesDep
) -> runtime_settings.SettingView:
    async with services.pool.connection() as conn:
        try:
            return await runtime_settings.change(conn, services.settings, key, body.value, session.manager.id)
        except runtime_settings.SettingError as exc:
            raise HTTPException(404 if key not in runtime_settings.TUNABLE else 422, str(exc)) from None


@router.delete("/settings/{key}")
async def reset_setting(key: str, session: AdminSession, services: ServicesDep) -> runtime_settings.SettingView:
    """Back to the configured value."""
    if key not in runtime_settings.TUNABLE:
        raise HTTPException(404, f"{key!r} is not a runtime setting")
    async with services.pool.connection() as conn:
        return await runtime_settings.change(conn, services.settings, key, None, session.manager.id, reset=True)


@router.get("/settings/audit")
async def settings_audit(session: AdminSession, services: ServicesDep, limit: int = 100) -> AuditOut:
    async with services.pool.connection() as conn:
        return AuditOut(items=await runtime_settings.audit(conn, max(1, min(limit, 1000))))


class PromptsOut(BaseModel):
    items: list[prompt_versions.PromptState]


class ActivationsOut(BaseModel):
    items: list[prompt_versions.Activation]


class VersionTextIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str = Field(max_length=100_000, description="The whole text the model gets (offline templates: TOML)")


class ActivateIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: str = Field(max_length=200, description="A stored version of this prompt, e.g. system.en@1a2b3c4d5e6f")


def prompt_error_status(exc: Exception) -> int:
    """Unknown prompt or version 404, nothing left to roll back 409, a text or version refused 422."""
    if isinstance(exc, LookupError):
        return 404
    return 409 if isinstance(exc, prompt_versions.NothingToRollBack) else 422


def _prompt_refused(exc: Exception) -> HTTPException:
    return HTTPException(prompt_error_status(exc), str(exc))


PROMPT_ERRORS = (prompt_versions.UnknownPrompt, prompt_versions.UnknownVersion, prompt_versions.PromptRefused)


@router.get("/prompts")
async def list_prompts(session: AdminSession, services: ServicesDep) -> PromptsOut:
    """Each prompt: the version the files hold and the one in effect (activated, else the file's)."""
    async with services.pool.connection() as conn:
        return PromptsOut(items=await prompt_versions.prompt_states(conn))


@router.get("/prompts/activations")
async def prompt_activations(session: AdminSession, services: ServicesDep, limit: int = 100) -> ActivationsOut:
    async with services.pool.connection() as conn:
        return ActivationsOut(items=await prompt_versions.activations(conn, max(1, min(limit, 1000))))


@router.post("/prompts/{name}/versions", status_code=201)
async def add_prompt_version(
    name: str, body: VersionTextIn, session: AdminSession, services: ServicesDep, response: Response
) -> prompt_versions.NewVersion:
    """Store a new text (not activated yet); the same text again answers 200 with the same version."""
    async with services.pool.connection() as conn:
        try:
            added = await prompt_versions.add_version(conn, name, body.text)
        except PROMPT_ERRORS as exc:
            raise _prompt_refused(exc) from None
    if not added.created:
        response.status_code = 200
    return added


@router.post("/prompts/{name}/activate")
async def activate_prompt(
    name: str, body: ActivateIn, session: AdminSession, services: ServicesDep
) -> prompt_versions.PromptState:
    """Workers run with this version from their next turn on."""
    async with services.pool.connection() as conn:
        try:
            return await prompt_versions.activate(conn, name, body.version, session.manager.id)
        except PROMPT_ERRORS as exc:
            raise _prompt_refused(exc) from None


@router.post("/prompts/{name}/rollback")
async def roll_back_prompt(name: str, session: AdminSession, services: ServicesDep) -> prompt_versions.PromptState:
    """Back to the version the latest activation replaced (409 when nothing is left to undo)."""
    async with services.pool.connection() as conn:
        try:
            return await prompt_versions.rollback(conn, name, session.manager.id)
        except PROMPT_ERRORS as exc:
            raise _prompt_refused(exc) from None
