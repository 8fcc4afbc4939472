"""Transcripts for tests, written like the chat they are: ("customer", text), ("bot", text, facts?), ...

Message ids are 1, 2, 3... in order; ("escalation", reason) records a hand-over opened after the message
before it; ("manager", text) is a person of Treejar writing.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from psycopg.types.json import Jsonb
from psycopg_pool import AsyncConnectionPool

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


async def store_transcript(
    pool: AsyncConnectionPool[Any], t: Transcript, *, chat_id: str = "971501234567", start: datetime = START
) -> int:
    """Write a transcript into the pipeline's tables as the service would have (conversation, messages with the
    facts of their turns, escalations after the message they follow); returns the conversation id. Message ids
    are the database's: the n-th message of `t` becomes the n-th row."""
    channel = "3f9c1a22-7d54-4b8e-a1c0-5e6f7a8b9c0d"
    async with pool.connection() as conn, conn.transaction():
        row = await (
            await conn.execute(
                "INSERT INTO conversations (channel_id, chat_id, thread_id, customer_name) VALUES (%s, %s, %s, %s)"
                " RETURNING id",
                (channel, chat_id, f"{channel}:{chat_id}", t.customer_name),
            )
        ).fetchone()
        assert row is not None
        conversation_id = int(row["id"])
        ids: dict[int, int] = {}
        for m in t.messages:
            at = start + (m.at - START if m.at else timedelta(minutes=m.id))
            stored = await (
                await conn.execute(
                    "INSERT INTO messages (conversation_id, direction, author, kind, text, status, facts, created_at)"
                    " VALUES (%s, %s, %s, %s, %s, %s, %s, %s) RETURNING id",
                    (
                        conversation_id,
                        m.direction,
                        m.author,
                        m.kind,
                        m.text,
                        "answered" if m.by_customer else "sent",
                        None if m.facts is None else Jsonb(m.facts),
                        at,
                    ),
                )
            ).fetchone()
            assert stored is not None
            ids[m.id] = int(stored["id"])
        for number, e in enumerate(t.escalations, start=1):
            await conn.execute(
                "INSERT INTO escalations (conversation_id, episode, reason, reasons, status, started_after_message_id,"
                " resolved_at, alert_status) VALUES (%s, %s, %s, %s, %s, %s, %s, 'skipped')",
                (
                    conversation_id,
                    number,
                    e.reason,
                    list(e.reasons),
                    "resolved" if number < len(t.escalations) else e.status,
                    ids.get(e.after_message_id, 0),
                    start if number < len(t.escalations) else None,
                ),
            )
    return conversation_id


GOOD_EN = transcript(
    ("customer", "Hi, we need 10 ergonomic chairs for our new office, budget 600 AED each"),
    (
        "bot",
        "Hello Ahmed! Happy to help. Two good fits, both in stock:\n"
        "1. Zephyr Mesh Chair (OC-ZEPH-MB-BLK): 399 AED, 10 pcs = 3,990 AED\n"
        "2. Nova High-Back Chair (OC-NOVA-HB-GRY): 549 AED, 10 pcs = 5,490 AED\n"
        "Which one do you prefer?",
        CHAIRS,
    ),
    ("customer", "The Zephyr. Please send me a quotation"),
    ("bot", "Great choice! May I have your full name and company for the quotation?", {"kind": "quote_details"}),
    ("customer", "Ahmed Al Mansouri, Gulf Tech LLC"),
    (
        "bot",
        "Thank you. Summary: 10 × Zephyr Mesh Chair at 399 AED = 3,990 AED, VAT 199.50 AED, total 4,189.50 AED.\n"
        "Shall I create the quotation?",
        QUOTE,
    ),
    ("customer", "Yes"),
    ("bot", "Done! Your quotation is on its way as a PDF.", {"kind": "quote_created"}),
    name="Ahmed",
)
"""Greeted by name, options with grounded prices, one question at a time, quotation when asked."""

BAD_EN = transcript(
    ("customer", "Hello, I need 12 office chairs, budget 450 AED per chair"),
    (
        "bot",
        "Hi! The Zephyr Mesh Chair is only 299 AED today, and we have 500 in stock! "
        "What colour do you want? And do you need desks too?",
        CHAIRS,
    ),
    ("customer", "Black. Send me a quotation please"),
    ("bot", "Hello again! What is your name?", {}),
    ("customer", "Sara"),
    ("bot", "Thanks! What is your name, please? And your company?", {}),
    ("customer", "I already told you. Can I speak to a manager?"),
    ("bot", "Our chairs are the best in Dubai, the Nova is 549 AED.", CHAIRS),
)
"""An invented price and stock, two double questions, the name asked again, a greeting repeated, a manager asked
for and not given."""
