"""Time from `make run` to the first reply, on a machine where the environment is already installed (issue 2).

Starts `make run` as a person would, waits for /health, sends a customer message through the sandbox phone's
endpoint and waits for Noor's reply. Target: <= 10 s. Baseline in the same run: a bare FastAPI app started by
uvicorn to its first answer.
"""

from __future__ import annotations

import os
import tempfile
import time

import httpx

from bench.common import free_port, process, python, scratch_database, wait_until_healthy


def first_reply(port: int, started: float) -> tuple[float, float]:
    healthy = wait_until_healthy(f"http://127.0.0.1:{port}/health", timeout=120)
    base = f"http://127.0.0.1:{port}"
    httpx.post(f"{base}/sandbox/wazzup/_control/inbound", json={"chatId": "971501234567", "text": "Hello"}, timeout=30)
    while not httpx.get(f"{base}/sandbox/wazzup/sent", params={"chatId": "971501234567"}, timeout=10).json():
        time.sleep(0.02)
    return healthy, time.monotonic() - started


def main() -> None:
    bare_port, port = free_port(), free_port()
    started = time.monotonic()
    with process([python(), "-m", "uvicorn", "bench.bare_app:app", "--port", str(bare_port), "--log-level", "warning"]):
        bare = wait_until_healthy(f"http://127.0.0.1:{bare_port}/health")
    del started
    with scratch_database() as database_url, tempfile.TemporaryDirectory() as data_dir:
        env = {
            "NOOR_PORT": str(port),
            "NOOR_DATABASE_URL": database_url,
            "NOOR_DATA_DIR": data_dir,
            "PATH": os.environ["PATH"],
        }
        started = time.monotonic()
        with process(["make", "run"], env):
            healthy, reply = first_reply(port, started)
    print(
        f"make run: healthy after {healthy:.1f} s, first reply after {reply:.1f} s (target <= 10 s):"
        f" {'PASS' if reply <= 10 else 'MISS'}"
    )
    print(f"baseline: bare FastAPI under uvicorn answers after {bare:.1f} s; ratio {reply / bare:.1f}")


if __name__ == "__main__":
    main()
