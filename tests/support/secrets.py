"""Non-demo secrets for a service run with NOOR_SANDBOX=false (which refuses every demo secret at start-up)."""

from __future__ import annotations

from server.settings import DEMO_SECRETS

PRODUCTION_SECRETS: dict[str, str] = {name: f"test-{name.replace('_', '-')}-0123456789" for name in DEMO_SECRETS}


def production_env(**overrides: str) -> dict[str, str]:
    """The same as NOOR_* variables; `overrides` by setting name (e.g. wazzup_api_key="test-key")."""
    return {f"NOOR_{name.upper()}": value for name, value in (PRODUCTION_SECRETS | overrides).items()}
