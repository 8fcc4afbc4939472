"""Messaging channels: how customers' messages come in and replies go out.

A channel owns three things, and nothing else in the service knows its wire format: the webhook that stores
the provider's raw bodies (answered at once), the ingestion that turns a stored body into conversations,
messages and delivery statuses (idempotent by the provider's ids), and the sender that delivers the outbox
(a stable id per part, so a retry never duplicates). The composition roots pick the channel; Wazzup (WhatsApp)
is the one Treejar uses (server/channels/wazzup/).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from fastapi import APIRouter
from psycopg_pool import AsyncConnectionPool

from server.loops import WokenLoop


class RawBodies(Protocol):
    """Where a webhook puts a provider's body before answering (durably: the answer means "we have it")."""

    async def store(self, body: str) -> None: ...


class Channel(Protocol):
    name: str

    def webhook_router(self, bodies: Callable[[], RawBodies]) -> APIRouter:
        """The provider-facing routes; `bodies` gives the store once the service is up."""
        ...

    def ingestor(
        self, pool: AsyncConnectionPool[Any], on_work: Callable[[], None], poll_interval_seconds: float
    ) -> WokenLoop:
        """The worker's loop over stored bodies; `on_work` wakes the dispatcher when customers wrote."""
        ...

    def sender(self, pool: AsyncConnectionPool[Any]) -> WokenLoop:
        """The worker's loop that delivers queued reply parts exactly once; `wake()` when a reply was queued."""
        ...

    async def aclose(self) -> None: ...
