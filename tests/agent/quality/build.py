"""Transcripts for tests, written like the chat they are: ("customer", text), ("bot", text, facts?), ...

Message ids are 1, 2, 3... in order; ("escalation", reason) records a hand-over opened after the message
before it; ("manager", text) is a person of Treejar writing.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from agent.quality.transcript import EscalationOpened, Message, Transcript

START = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def transcript(*lines: tuple[Any, ...], name: str | None = None, conversation_id: int = 1) -> Transcript:
    messages: list[Message] = []
    escalations: list[EscalationOpened] = []
    for line in lines:
        who, text, *rest = line
        if who == "escalation":
            escalations.append(
                EscalationOpened(id=len(escalations) + 1, reason=text, reasons=(text,), after_message_id=len(messages))
            )
            continue
        number = len(messages) + 1
        messages.append(
            Message(
                id=number,
                direction="in" if who == "customer" else "out",
                author=who,
                text=text,
                facts=rest[0] if rest else ({} if who == "bot" else None),
                at=START + timedelta(minutes=number),
            )
        )
    return Transcript(
        conversation_id=conversation_id, customer_name=name, messages=tuple(messages), escalations=tuple(escalations)
    )


CHAIRS = {
    "kind": "recommend",
    "reason": "fits",
    "options": [
        {"sku": "OC-ZEPH-MB-BLK", "name": "Zephyr Mesh Chair", "price": 399.0, "available_stock": 40, "total": 3990.0},
        {
            "sku": "OC-NOVA-HB-GRY",
            "name": "Nova High-Back Chair",
            "price": 549.0,
            "available_stock": 25,
            "total": 5490.0,
        },
    ],
}
QUOTE = {
    "kind": "quote_confirm",
    "lines": [{"sku": "OC-ZEPH-MB-BLK", "quantity": 10, "unit_price": 399.0, "line_total": 3990.0}],
    "subtotal": 3990.0,
    "vat": 199.5,
    "total": 4189.5,
}
