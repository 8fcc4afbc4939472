"""Describing a customer's photo into catalog search slots: category, colour, material, style.

``ImageDescriber`` is the interface. ``OfflineImageDescriber`` knows nothing and says so ("unknown"
everywhere): offline, the reply acknowledges the photo and asks one clarifying question. ``OpenRouterImage
Describer`` sends the image (base64 data URL) to a vision-capable chat model on OpenRouter
(``/chat/completions``, OpenAI schema, docs/contracts.md §6) with a JSON schema for the answer.
"""

from __future__ import annotations

import base64
import json
import logging
from typing import Any, Protocol, runtime_checkable

import httpx
from pydantic import BaseModel, ValidationError

log = logging.getLogger(__name__)

UNKNOWN = "unknown"
SLOT_NAMES = ("category", "colour", "material", "style")


class ImageSlots(BaseModel):
    """What the photo shows, in catalog terms; ``unknown`` where the describer cannot tell."""

    category: str = UNKNOWN
    """e.g. office chair, desk, meeting table, sofa, cabinet, workstation, partition."""
    colour: str = UNKNOWN
    material: str = UNKNOWN
    style: str = UNKNOWN
    description: str = ""
    is_furniture: bool | None = None
    provider: str = "offline"
    model: str | None = None

    @property
    def known(self) -> bool:
        return any(getattr(self, name) != UNKNOWN for name in SLOT_NAMES)

    def search_slots(self) -> dict[str, str]:
        """Only the slots the describer recognised (for the catalog search)."""
        return {name: getattr(self, name) for name in SLOT_NAMES if getattr(self, name) != UNKNOWN}


@runtime_checkable
class ImageDescriber(Protocol):
    async def describe(self, image: bytes, *, content_type: str, language: str | None = None) -> ImageSlots: ...


class OfflineImageDescriber:
    """No vision model: every slot is ``unknown``."""

    provider = "offline"

    async def describe(self, image: bytes, *, content_type: str, language: str | None = None) -> ImageSlots:
        return ImageSlots(provider=self.provider)


class VisionError(Exception):
    """The hosted describer failed; callers fall back to ``unknown`` slots."""


_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "is_furniture": {"type": "boolean"},
        "category": {"type": "string", "description": "furniture type in English, or 'unknown'"},
        "colour": {"type": "string", "description": "main colour in English, or 'unknown'"},
        "material": {"type": "string", "description": "main material (mesh, leather, fabric, wood...), or 'unknown'"},
        "style": {"type": "string", "description": "style (modern, executive, classic, industrial...), or 'unknown'"},
        "description": {"type": "string", "description": "one short sentence"},
    },
    "required": ["is_furniture", "category", "colour", "material", "style", "description"],
    "additionalProperties": False,
}
_PROMPT = (
    "A customer of an office furniture shop sent this photo. Say what furniture it shows, in English, as search "
    "slots for the shop's catalog: category, main colour, main material, style. Use 'unknown' for anything you "
    "cannot see. If the photo is not furniture, set is_furniture to false."
)


class _Answer(BaseModel):
    is_furniture: bool | None = None
    category: str | None = None
    colour: str | None = None
    material: str | None = None
    style: str | None = None
    description: str | None = None


def _slot(value: str | None) -> str:
    value = (value or "").strip().lower()
    return value if value and value not in ("none", "n/a", "unknown", "null") else UNKNOWN


class OpenRouterImageDescriber:
    """``POST {base_url}/chat/completions`` with an ``image_url`` data URL and a JSON-schema answer."""

    provider = "openrouter"

    def __init__(
        self,
        base_url: str,
        api_key: str,
        http: httpx.AsyncClient | None = None,
        *,
        model: str = "google/gemini-2.5-flash",
        timeout: float = 30.0,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.model = model
        self.timeout = timeout
        self._http = http or httpx.AsyncClient()
        self._owns_http = http is None
        self._headers = {"Authorization": f"Bearer {api_key}"}

    async def aclose(self) -> None:
        if self._owns_http:
            await self._http.aclose()

    async def describe(self, image: bytes, *, content_type: str, language: str | None = None) -> ImageSlots:
        data_url = f"data:{content_type};base64,{base64.b64encode(image).decode('ascii')}"
        body = {
            "model": self.model,
            "messages": [
                {
                    "role": "user",
                    "content": [
                        {"type": "text", "text": _PROMPT},
                        {"type": "image_url", "image_url": {"url": data_url}},
                    ],
                }
            ],
            "response_format": {
                "type": "json_schema",
                "json_schema": {"name": "image_slots", "strict": True, "schema": _SCHEMA},
            },
            "temperature": 0,
        }
        try:
            response = await self._http.post(
                f"{self.base_url}/chat/completions", json=body, headers=self._headers, timeout=self.timeout
            )
        except httpx.HTTPError as exc:
            raise VisionError(f"vision request failed: {exc}") from exc
        if not response.is_success:
            raise VisionError(f"vision request answered {response.status_code}: {response.text[:200]}")
        try:
            payload = response.json()
            if payload.get("error"):
                raise VisionError(f"vision error in body: {payload['error']}")
            content = payload["choices"][0]["message"]["content"] or "{}"
            answer = _Answer.model_validate(json.loads(content))
        except (ValueError, KeyError, IndexError, TypeError, ValidationError) as exc:
            raise VisionError(f"unreadable vision answer: {exc}") from exc
        return ImageSlots(
            category=_slot(answer.category),
            colour=_slot(answer.colour),
            material=_slot(answer.material),
            style=_slot(answer.style),
            description=(answer.description or "").strip()[:300],
            is_furniture=answer.is_furniture,
            provider=self.provider,
            model=str(payload.get("model") or self.model),
        )
