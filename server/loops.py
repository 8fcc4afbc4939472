"""The background loop the sender, the ingestor and the alert dispatcher share."""

from __future__ import annotations

import asyncio
import contextlib
import logging

log = logging.getLogger(__name__)


class WokenLoop:
    """Repeats `run_pass` while it finds work; otherwise waits until woken, or polls."""

    def __init__(self, name: str, poll_interval_seconds: float) -> None:
        self.name = name
        self.poll_interval = poll_interval_seconds
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    async def run_pass(self) -> bool:
        """Do what is due; True when there was something (then the next pass starts at once)."""
        raise NotImplementedError

    def wake(self) -> None:
        self._wake.set()

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name=self.name)

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None

    async def _run(self) -> None:
        while True:
            self._wake.clear()  # cleared before the pass: a wake-up during it is not lost
            try:
                found = await self.run_pass()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("%s pass failed; carrying on", self.name)
                found = False
            if not found:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), timeout=self.poll_interval)
