"""Settings from the environment: an empty variable is the same as an unset one."""

from __future__ import annotations

import pytest

from server.components.model import build_model
from server.settings import Settings


def test_an_empty_openrouter_key_means_the_offline_model(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NOOR_OPENROUTER_API_KEY", "")
    monkeypatch.setenv("NOOR_DATABASE_URL", "")
    monkeypatch.setenv("NOOR_PORT", "")
    settings = Settings(_env_file=None)
    assert settings.openrouter_api_key is None
    assert settings.database_url is None
    assert settings.port == 8000
    assert build_model(settings).name == "offline"


def test_a_set_key_still_selects_openrouter(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NOOR_OPENROUTER_API_KEY", "sk-or-v1-test")
    settings = Settings(_env_file=None)
    assert settings.openrouter_api_key is not None
    assert build_model(settings).name == settings.openrouter_model
