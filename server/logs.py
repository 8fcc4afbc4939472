"""Structured (JSON line) logs; phone numbers and e-mail addresses are masked in every record.

The masking happens when a record is created (`mask_personal_data_in_logs`), not in one formatter: every handler
then sees the masked record, ours and any other (uvicorn's, pytest's, an error tracker's), message, arguments and
exception text alike.
"""

from __future__ import annotations

import json
import logging
import re
import sys
from datetime import UTC, datetime
from typing import Any

# a number on its own, or URL-encoded after "+" (…/search?phone=%2B971501234567)
_PHONE = re.compile(r"(?:(?<=%2B)|(?<=%2b)|(?<![\w.-]))(\+?\d[\d \-]{7,16}\d)(?![\w.-])")
_EMAIL = re.compile(r"(?<![\w.+-])([\w.+-]+)@([\w-]+(?:\.[\w-]+)+)")


def mask_phones(text: str) -> str:
    def mask(match: re.Match[str]) -> str:
        digits = re.sub(r"\D", "", match.group(1))
        if not 9 <= len(digits) <= 15:
            return match.group(0)
        return f"{digits[:3]}{'*' * (len(digits) - 6)}{digits[-3:]}"

    return _PHONE.sub(mask, text)


def mask_emails(text: str) -> str:
    """sara.k@example.ae → s***@example.ae: the domain tells which company wrote, the person stays private."""
    return _EMAIL.sub(lambda m: f"{m.group(1)[0]}***@{m.group(2)}", text)


def mask_personal_data(text: str) -> str:
    return mask_emails(mask_phones(text))


_formatter = logging.Formatter()
_base_factory = logging.getLogRecordFactory()


def _masked_arg(value: Any) -> Any:
    text = value if isinstance(value, str) else str(value)
    masked = mask_personal_data(text)
    return value if masked == text else masked


def _masked_record(*args: Any, **kwargs: Any) -> logging.LogRecord:
    record = _base_factory(*args, **kwargs)
    try:
        message = record.getMessage()
    except Exception:  # a broken format string: logging reports it when a handler formats the record
        return record
    masked = mask_personal_data(message)
    if masked != message:
        # arguments masked one by one keep their types for handlers that read them (uvicorn's access log);
        # when the personal data is split between the template and an argument, the whole message replaces both
        record.msg = mask_personal_data(str(record.msg))
        if isinstance(record.args, tuple):
            record.args = tuple(_masked_arg(a) for a in record.args)
        elif isinstance(record.args, dict):
            record.args = {k: _masked_arg(v) for k, v in record.args.items()}
        try:
            kept = record.getMessage() == masked
        except Exception:
            kept = False
        if not kept:
            record.msg, record.args = masked, None
    if record.exc_info and not record.exc_text:
        record.exc_text = mask_personal_data(_formatter.formatException(record.exc_info))
    if record.stack_info:
        record.stack_info = mask_personal_data(record.stack_info)
    return record


def mask_personal_data_in_logs() -> None:
    """Mask phones and e-mails in every log record this process creates from now on (idempotent)."""
    logging.setLogRecordFactory(_masked_record)


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": mask_personal_data(record.getMessage()),
        }
        if record.exc_info:
            entry["error"] = record.exc_text or mask_personal_data(self.formatException(record.exc_info))
        return json.dumps(entry, ensure_ascii=False)


def configure_logging(level: str = "INFO") -> None:
    mask_personal_data_in_logs()
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for noisy in ("httpx", "httpcore", "uvicorn.access"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
