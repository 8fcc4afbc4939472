"""Structured (JSON line) logs; phone numbers are masked wherever they appear."""

from __future__ import annotations

import json
import logging
import re
import sys
from datetime import UTC, datetime

_PHONE = re.compile(r"(?<![\w.-])(\+?\d[\d \-]{7,16}\d)(?![\w.-])")


def mask_phones(text: str) -> str:
    def mask(match: re.Match[str]) -> str:
        digits = re.sub(r"\D", "", match.group(1))
        if not 9 <= len(digits) <= 15:
            return match.group(0)
        return f"{digits[:3]}{'*' * (len(digits) - 6)}{digits[-3:]}"

    return _PHONE.sub(mask, text)


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": mask_phones(record.getMessage()),
        }
        if record.exc_info:
            entry["error"] = mask_phones(self.formatException(record.exc_info))
        return json.dumps(entry, ensure_ascii=False)


def configure_logging(level: str = "INFO") -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for noisy in ("httpx", "httpcore", "uvicorn.access"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
