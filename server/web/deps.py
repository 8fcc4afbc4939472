"""The running service's parts, handed to routes through one Annotated dependency."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Request
from psycopg_pool import AsyncConnectionPool

from agent.models.base import SalesModel
from server.channels.wazzup.deliveries import DeliveryWriter
from server.channels.wazzup.window import WabaDirectory
from server.settings import Settings
from server.worker.supervisor import WorkerSupervisor


@dataclass
class Services:
    settings: Settings
    pool: AsyncConnectionPool[Any]
    database_url: str
    model: SalesModel
    deliveries: DeliveryWriter
    workers: WorkerSupervisor | None
    """None on an API-only node: `noor worker` processes elsewhere run the turns."""
    waba: WabaDirectory
    """The 24-hour window's rules: whether the channel is a WABA one, and its approved templates."""


def get_services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


async def services_dependency(request: Request) -> Services:
    return get_services(request)


ServicesDep = Annotated[Services, Depends(services_dependency)]
