"""Settings from the environment: an empty variable is the same as an unset one; outside sandbox mode no demo
secret is accepted, by Settings nor by `noor` at start-up."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from pydantic import ValidationError

from server.components.model import build_judge, build_model
from server.settings import DEMO_SECRETS, Settings
from tests.support.secrets import PRODUCTION_SECRETS, production_env


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


def test_outside_sandbox_mode_no_demo_secret_is_accepted(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in DEMO_SECRETS:
        monkeypatch.delenv(f"NOOR_{name.upper()}", raising=False)
    assert Settings(_env_file=None).sandbox  # the demo runs on its demo secrets
    with pytest.raises(ValidationError) as refused:
        Settings(_env_file=None, sandbox=False, document_link_secret="our-own-document-secret")
    message = str(refused.value)
    for name in DEMO_SECRETS:
        if name != "document_link_secret":
            assert f"NOOR_{name.upper()}" in message
    assert "NOOR_DOCUMENT_LINK_SECRET" not in message  # only the ones still on their demo value are named
    production = Settings.model_validate({"sandbox": False, **PRODUCTION_SECRETS})
    assert production.wazzup_webhook_token.get_secret_value() == PRODUCTION_SECRETS["wazzup_webhook_token"]


def test_noor_refuses_to_start_on_demo_secrets_outside_sandbox_mode(tmp_path: Path) -> None:
    environment = {key: value for key, value in os.environ.items() if not key.startswith("NOOR_")}
    environment |= production_env(wazzup_webhook_token="demo-webhook-token") | {"NOOR_SANDBOX": "false"}
    for command in (["run"], ["worker"], ["managers", "list"]):
        started = subprocess.run(
            [sys.executable, "-m", "server", *command], env=environment, cwd=tmp_path, capture_output=True, timeout=60
        )
        assert started.returncode == 1
        assert started.stderr.decode().strip() == (
            "noor: not started: NOOR_SANDBOX is false but these still hold their public demo values: "
            "NOOR_WAZZUP_WEBHOOK_TOKEN. Set each to your own value (or run with NOOR_SANDBOX=true for the demo)."
        )


def test_the_llm_judge_reviews_beside_the_offline_reviewer_only_with_a_model_and_a_key() -> None:
    assert build_judge(Settings(_env_file=None, quality_judge_model="openai/gpt-4o-mini")) is None  # no key
    assert build_judge(Settings(_env_file=None, openrouter_api_key="sk-or-v1-test")) is None  # no judge model
    judge = build_judge(
        Settings(_env_file=None, openrouter_api_key="sk-or-v1-test", quality_judge_model="openai/gpt-4o-mini")
    )
    assert judge is not None
    assert judge.name == "llm:openai/gpt-4o-mini"
