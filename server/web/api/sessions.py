"""Bearer tokens for the managers' REST API: `POST/DELETE /api/v1/auth/token`, `GET /api/v1/me`."""

from __future__ import annotations

from datetime import timedelta

from fastapi import APIRouter, HTTPException, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from server.desk.login_throttle import LoginThrottled
from server.desk.managers import Access, create_session, end_session
from server.web.auth import ApiSession, bearer_token, sign_in
from server.web.deps import ServicesDep

router = APIRouter(prefix="/api/v1", tags=["auth"])


class TokenIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    login: str = Field(min_length=1, max_length=200, description="E-mail or manager id")
    password: str = Field(min_length=1, max_length=200)


class ManagerOut(BaseModel):
    id: str
    name: str
    email: str
    role: str | None
    languages: list[str]
    access: Access = Field(description="manager, head_of_sales or admin: what the account may do")


class TokenOut(BaseModel):
    token: str
    token_type: str = "bearer"
    expires_in: int
    manager: ManagerOut


@router.post(
    "/auth/token",
    responses={401: {"description": "Wrong login or password"}, 429: {"description": "Too many failed sign-ins"}},
)
async def issue_token(body: TokenIn, request: Request, services: ServicesDep) -> TokenOut:
    lifetime = timedelta(days=services.settings.inbox_bearer_token_days)
    async with services.pool.connection() as conn:
        try:
            manager = await sign_in(conn, request, services.settings, body.login, body.password)
        except LoginThrottled as exc:
            raise HTTPException(429, str(exc), headers={"Retry-After": str(exc.retry_after_seconds)}) from None
        if manager is None:
            raise HTTPException(401, "wrong login or password", headers={"WWW-Authenticate": "Bearer"})
        token, _ = await create_session(
            conn, manager.id, kind="bearer", lifetime=lifetime, user_agent=request.headers.get("user-agent")
        )
    return TokenOut(
        token=token,
        expires_in=int(lifetime.total_seconds()),
        manager=ManagerOut(**manager.__dict__),
    )


@router.delete("/auth/token", status_code=204)
async def revoke_token(session: ApiSession, request: Request, services: ServicesDep) -> Response:
    token = bearer_token(request)
    if token is None:
        raise HTTPException(400, "send the bearer token to revoke")
    async with services.pool.connection() as conn:
        await end_session(conn, token)
    return Response(status_code=204)


@router.get("/me")
async def me(session: ApiSession) -> ManagerOut:
    return ManagerOut(**session.manager.__dict__)
