"""Runtime settings reach a running worker: every `SETTINGS_REFRESH_SECONDS` (and at start) the worker reads the
tuned values (server/desk/runtime_settings.py) and, when they changed, hands the effective Settings to `apply`
(server/worker/main.py Pipeline.apply_runtime_settings), which updates the parts that use them."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from psycopg_pool import AsyncConnectionPool

from server.desk.runtime_settings import TUNABLE, effective
from server.loops import WokenLoop
from server.settings import Settings

log = logging.getLogger(__name__)

SETTINGS_REFRESH_SECONDS = 15.0


class RuntimeSettingsWatcher(WokenLoop):
    def __init__(
        self,
        pool: AsyncConnectionPool[Any],
        settings: Settings,
        apply: Callable[[Settings], None],
        poll_interval_seconds: float = SETTINGS_REFRESH_SECONDS,
    ) -> None:
        super().__init__("runtime-settings", poll_interval_seconds)
        self.pool = pool
        self.configured = settings
        self.apply = apply
        self.current = settings

    async def run_pass(self) -> bool:
        async with self.pool.connection() as conn:
            latest = await effective(conn, self.configured)
        changed = {key: getattr(latest, key) for key in TUNABLE if getattr(latest, key) != getattr(self.current, key)}
        if changed:
            log.info("runtime settings changed: %s", changed)
            self.apply(latest)
            self.current = latest
        return False
