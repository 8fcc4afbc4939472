"""Settings the client tunes at run time, stored in `runtime_settings` with every change in `settings_audit`.

Only the names in `TUNABLE` can be changed; each value is validated by the field's own definition in
server/settings.py (type and bounds), plus the checks below (a discount tier list must parse). A key absent from
the table takes its configured value. `effective(conn, settings)` is the configured Settings with the stored
values on top: the worker reads it at start and then every `SETTINGS_REFRESH_SECONDS`
(server/worker/jobs/runtime_settings.py), so a change reaches running workers without a restart.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from psycopg import AsyncConnection
from psycopg.types.json import Jsonb
from pydantic import BaseModel, TypeAdapter, ValidationError

from agent.policies.pricing import parse_tiers
from server.settings import Settings

TUNABLE: dict[str, str] = {
    "escalation_order_value_aed": "An order worth more than this (AED) goes to a manager",
    "discount_tiers": "Volume tiers 'min_subtotal:max_percent,...' (AED excl. VAT)",
    "discount_bot_max_percent": "The most discount the bot grants itself; beyond it a manager approves",
    "discount_approval_from": "From this subtotal every discount needs a manager (empty: never)",
    "debounce_seconds": "Wait this long after a customer's message for more before answering",
    "debounce_cap_seconds": "Answer a burst of messages after this long at most",
    "human_idle_release_minutes": "Human mode ends after this long without messages (0: never)",
}


# Bounds the configuration itself does not set, so a slip of the keyboard cannot stall the bot.
RANGES: dict[str, tuple[float, float]] = {
    "escalation_order_value_aed": (0, 10_000_000),
    "debounce_seconds": (0, 60),
    "debounce_cap_seconds": (0, 600),
    "human_idle_release_minutes": (0, 7 * 24 * 60),
}


class SettingError(ValueError):
    """A change refused, with a message for the person who asked."""


class SettingView(BaseModel):
    key: str
    description: str
    value: Any
    default: Any
    overridden: bool
    updated_by: str | None = None
    updated_at: datetime | None = None


class AuditEntry(BaseModel):
    id: int
    key: str
    old_value: Any
    new_value: Any
    changed_by: str | None
    changed_by_name: str | None
    changed_at: datetime


def _adapter(key: str) -> TypeAdapter[Any]:
    field = Settings.model_fields[key]
    hint: Any = Annotated[(field.annotation, *field.metadata)] if field.metadata else field.annotation
    return TypeAdapter(hint)


def validate(key: str, raw: Any) -> Any:
    """The value as the code uses it, or SettingError saying why not."""
    if key not in TUNABLE:
        raise SettingError(f"{key!r} cannot be changed here; tunable: {', '.join(TUNABLE)}")
    try:
        value = _adapter(key).validate_python(raw)
        if key == "discount_tiers":
            parse_tiers(value)
    except ValidationError as exc:
        raise SettingError(f"{key}: {exc.errors()[0]['msg']}") from None
    except ValueError as exc:
        raise SettingError(f"{key}: {exc}") from None
    low, high = RANGES.get(key, (float("-inf"), float("inf")))
    if value is not None and not isinstance(value, str) and not low <= float(value) <= high:
        raise SettingError(f"{key}: must be between {low:g} and {high:g}")
    return value


def _json(key: str, value: Any) -> Any:
    return _adapter(key).dump_python(value, mode="json")


async def stored(conn: AsyncConnection[Any]) -> dict[str, Any]:
    """The stored values that are still valid (one made invalid by a newer release is ignored, not fatal)."""
    rows = await (await conn.execute("SELECT key, value FROM runtime_settings")).fetchall()
    values: dict[str, Any] = {}
    for row in rows:
        try:
            values[row["key"]] = validate(row["key"], row["value"])
        except SettingError:
            continue
    return values


async def effective(conn: AsyncConnection[Any], settings: Settings) -> Settings:
    return settings.model_copy(update=await stored(conn))


async def listing(conn: AsyncConnection[Any], settings: Settings) -> list[SettingView]:
    rows = {
        row["key"]: row
        for row in await (await conn.execute("SELECT key, updated_by, updated_at FROM runtime_settings")).fetchall()
    }
    values = await stored(conn)
    return [
        SettingView(
            key=key,
            description=description,
            value=_json(key, values.get(key, getattr(settings, key))),
            default=_json(key, getattr(settings, key)),
            overridden=key in values,
            updated_by=rows[key]["updated_by"] if key in rows else None,
            updated_at=rows[key]["updated_at"] if key in rows else None,
        )
        for key, description in TUNABLE.items()
    ]


async def change(
    conn: AsyncConnection[Any],
    settings: Settings,
    key: str,
    raw: Any,
    manager_id: str | None,
    *,
    reset: bool = False,
) -> SettingView:
    """Set `key` to `raw` (or, with `reset`, back to the configured value) and audit it, in one transaction.
    Setting the value it already has changes and audits nothing."""
    value = None if reset else _json(key, validate(key, raw))
    if key not in TUNABLE:
        raise SettingError(f"{key!r} cannot be changed here; tunable: {', '.join(TUNABLE)}")
    async with conn.transaction():
        await conn.execute("SELECT pg_advisory_xact_lock(hashtext('runtime_settings:' || %s))", (key,))
        row = await (await conn.execute("SELECT value FROM runtime_settings WHERE key = %s", (key,))).fetchone()
        if (row is None and reset) or (row is not None and not reset and row["value"] == value):
            return next(view for view in await listing(conn, settings) if view.key == key)
        if reset:
            await conn.execute("DELETE FROM runtime_settings WHERE key = %s", (key,))
        else:
            await conn.execute(
                "INSERT INTO runtime_settings (key, value, updated_by) VALUES (%s, %s, %s)"
                " ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, updated_by = EXCLUDED.updated_by,"
                " updated_at = now()",
                (key, Jsonb(value), manager_id),
            )
        # NULL in the audit: the configured value (before the first change, after a reset)
        await conn.execute(
            "INSERT INTO settings_audit (key, old_value, new_value, changed_by) VALUES (%s, %s, %s, %s)",
            (key, None if row is None else Jsonb(row["value"]), None if reset else Jsonb(value), manager_id),
        )
    return next(view for view in await listing(conn, settings) if view.key == key)


async def audit(conn: AsyncConnection[Any], limit: int = 100) -> list[AuditEntry]:
    rows = await (
        await conn.execute(
            "SELECT a.id, a.key, a.old_value, a.new_value, a.changed_by, m.name AS changed_by_name, a.changed_at"
            " FROM settings_audit a LEFT JOIN managers m ON m.id = a.changed_by"
            " ORDER BY a.changed_at DESC, a.id DESC LIMIT %s",
            (limit,),
        )
    ).fetchall()
    return [AuditEntry.model_validate(dict(row)) for row in rows]
