"""Phones and e-mails never reach a log line: whole conversations through the service, every record scanned."""

from __future__ import annotations

import logging
import re
from pathlib import Path

import pytest

from agent.models.offline import OfflineModel
from evals.service import EvalService
from server.logs import mask_personal_data
from tests.support.db import TestDatabases
from tests.support.wazzup import NoorClient

CHAT_PHONE = "971507654321"
SPOKEN_PHONE = "+971 55 123 4567"
EMAIL = "layla.haddad@example.ae"
CONVERSATIONS = {
    CHAT_PHONE: [
        "Hello, I need 12 office chairs for our new office",
        f"Send the quotation to {EMAIL} please, or call me on {SPOKEN_PHONE}",
        "My name is Layla Haddad, company Haddad Trading",
    ],
    "971509998877": ["Marhaba, do you have a meeting table for 8?", f"email me at {EMAIL.upper()}"],
}
PERSONAL = [CHAT_PHONE, "971509998877", SPOKEN_PHONE, "551234567", "0551234567", EMAIL, EMAIL.upper()]


def record_texts(record: logging.LogRecord) -> list[str]:
    """Everything a handler could write of a record: message, raw arguments, exception and stack text."""
    args = record.args if isinstance(record.args, tuple) else tuple((record.args or {}).values())
    return [record.getMessage(), str(record.msg), *map(str, args), record.exc_text or "", record.stack_info or ""]


def leaks(text: str) -> list[str]:
    digits = re.sub(r"\D", "", text)
    found = [p for p in PERSONAL if p.lower() in text.lower()]
    return found + [p for p in (CHAT_PHONE, "971509998877", "971551234567") if p in digits and p not in found]


def test_masking_covers_phones_in_any_spacing_and_emails() -> None:
    masked = mask_personal_data(
        f"chat {CHAT_PHONE} said call {SPOKEN_PHONE} or write to {EMAIL}; GET /search?phone=%2B{CHAT_PHONE}&page=1"
    )
    assert leaks(masked) == []
    assert "971******321" in masked
    assert "l***@example.ae" in masked
    assert mask_personal_data("order SO-00042 of 2026-12-04, 12 chairs at 1250.00 AED") == (
        "order SO-00042 of 2026-12-04, 12 chairs at 1250.00 AED"
    )


def test_an_exception_logged_with_a_phone_in_it_is_masked(caplog: pytest.LogCaptureFixture) -> None:
    from server.logs import mask_personal_data_in_logs

    mask_personal_data_in_logs()
    log = logging.getLogger("tests.privacy")
    with caplog.at_level(logging.INFO):
        try:
            raise RuntimeError(f"send to {CHAT_PHONE} failed for {EMAIL}")
        except RuntimeError:
            log.exception("turn for chat %s failed", CHAT_PHONE)
    [record] = [r for r in caplog.records if r.name == "tests.privacy"]
    assert [t for t in record_texts(record) if leaks(t)] == []
    assert "971******321" in record.getMessage()
    assert "RuntimeError" in (record.exc_text or "")


async def test_no_log_record_of_whole_conversations_holds_a_phone_or_an_email(
    test_databases: TestDatabases, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    async with EvalService(OfflineModel(), database_url=test_databases.fresh(), data_dir=tmp_path) as service:
        noor = NoorClient(service.url)
        try:
            for chat, messages in CONVERSATIONS.items():
                for number, text in enumerate(messages, 1):
                    await noor.say(chat, text)
                    await noor.wait_for_replies(chat, count=number, timeout=60)
        finally:
            await noor.aclose()
    assert len(caplog.records) > 100  # the scan below read the service's real logs, debug lines included
    leaked = {
        f"{record.name}: {text[:160]}": found
        for record in caplog.records
        for text in record_texts(record)
        if (found := leaks(text))
    }
    assert leaked == {}
    assert any("971******321" in record.getMessage() for record in caplog.records)  # the chat was logged, masked
