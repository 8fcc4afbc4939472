"""The running service's parts, handed to routes through one Annotated dependency."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Request
from langgraph.graph.state import CompiledStateGraph
from psycopg_pool import AsyncConnectionPool

from agent.model import SalesModel
from server.dispatcher import Dispatcher
from server.sender import Sender
from server.settings import Settings


@dataclass
class Services:
    settings: Settings
    pool: AsyncConnectionPool[Any]
    database_url: str
    graph: CompiledStateGraph[Any, Any, Any, Any]
    model: SalesModel
    dispatcher: Dispatcher
    sender: Sender


def get_services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


ServicesDep = Annotated[Services, Depends(get_services)]
