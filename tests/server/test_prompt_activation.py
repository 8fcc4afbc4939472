"""A prompt version activated in the admin reaches the running worker without a restart: the next turn's reply is
written from its text and the bot message records it; a roll back brings the file's text back the same way."""

from __future__ import annotations

import httpx

from prompts import file_prompt
from tests.support.inbox import DEMO_PASSWORD, connect, csrf_from, sign_in
from tests.support.wazzup import NoorClient

DANIEL = "daniel.whitaker@treejar.com"
GREETING = "Marhaba{name_part}! Noor here, from the Treejar showroom. What are you furnishing today?"


async def _admin(url: str) -> httpx.AsyncClient:
    client = await sign_in(url, DANIEL, DEMO_PASSWORD)
    client.headers["x-csrf-token"] = csrf_from((await client.get("/inbox")).text)
    return client


async def _recorded(database_url: str, chat: str) -> list[tuple[str, str]]:
    async with await connect(database_url) as conn:
        rows = await (
            await conn.execute(
                "SELECT m.text, m.prompt_version FROM messages m JOIN conversations c ON c.id = m.conversation_id"
                " WHERE c.chat_id = %s AND m.author = 'bot' ORDER BY m.id",
                (chat,),
            )
        ).fetchall()
    return [(row["text"], row["prompt_version"]) for row in rows]


async def test_the_turn_after_an_activation_is_written_with_the_new_version(
    noor: NoorClient, service_url: str, service_database_url: str
) -> None:
    file = file_prompt("offline-en")
    greeting_line = next(line for line in file.text.splitlines() if line.startswith("greeting = "))
    text = file.text.replace(greeting_line, f'greeting = "{GREETING}"')
    admin = await _admin(service_url)
    try:
        added = await admin.post("/api/v1/admin/prompts/offline-en/versions", json={"text": text})
        version = added.json()["version"]
        activated = await admin.post("/api/v1/admin/prompts/offline-en/activate", json={"version": version})
        assert activated.status_code == 200, activated.text

        await noor.say("971500000801", "Hello")
        (reply,) = await noor.wait_for_replies("971500000801")
        assert reply["text"].startswith("Marhaba")
        assert reply["text"].endswith("Noor here, from the Treejar showroom. What are you furnishing today?")
        assert await _recorded(service_database_url, "971500000801") == [(reply["text"], version)]

        assert (await admin.post("/api/v1/admin/prompts/offline-en/rollback")).status_code == 200
        await noor.say("971500000802", "Hello")
        (reply,) = await noor.wait_for_replies("971500000802")
        assert "I'm Noor from Treejar, office furniture in Dubai" in reply["text"]
        assert [v for _, v in await _recorded(service_database_url, "971500000802")] == [file.version]
    finally:
        await admin.aclose()
