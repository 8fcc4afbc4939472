"""The fake Wazzup as a WABA channel and the Wazzup client's templates (docs/contracts.md §1.6)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import httpx
import pytest

from sandbox.wazzup import FakeWazzup
from tools.wazzup import SendMessageRequest, WazzupClient, WazzupRejected, WazzupWindowClosed, quick_replies

CHANNEL = "3f9c1a22-7d54-4b8e-a1c0-5e6f7a8b9c0d"


@pytest.fixture
def fake() -> FakeWazzup:
    fake = FakeWazzup(api_key="k", channel_id=CHANNEL)
    fake.transport = "wapi"
    return fake


@pytest.fixture
async def client(fake: FakeWazzup) -> AsyncIterator[WazzupClient]:
    http = httpx.AsyncClient(transport=httpx.ASGITransport(app=fake.app))
    yield WazzupClient("http://wazzup/v3", "k", http=http)
    await http.aclose()


def text(chat: str, body: str, crm_id: str) -> SendMessageRequest:
    return SendMessageRequest(channel_id=CHANNEL, chat_id=chat, text=body, crm_message_id=crm_id)


async def test_free_text_reaches_a_waba_customer_only_within_24_hours(fake: FakeWazzup, client: WazzupClient) -> None:
    with pytest.raises(WazzupWindowClosed) as refused:
        await client.send_message(text("971500000001", "Hello", "a-1"))  # the customer never wrote
    assert refused.value.code == "24_HOURS_EXCEEDED"
    fake.state.last_inbound["971500000001"] = fake.now()
    assert (await client.send_message(text("971500000001", "Hello", "a-2"))).message_id
    fake.set_clock_offset(timedelta(hours=25).total_seconds())
    with pytest.raises(WazzupWindowClosed):
        await client.send_message(text("971500000001", "Still there?", "a-3"))
    assert [m["text"] for m in fake.sent_to("971500000001")] == ["Hello"]


async def test_an_approved_template_goes_out_of_the_window_with_its_values(
    fake: FakeWazzup, client: WazzupClient
) -> None:
    templates = await client.list_templates(page_size=4)  # paged like the real API
    assert len(templates) == len(fake.templates)
    approved = [t for t in templates if t.approved]
    assert "old_promo" not in {t.name for t in approved}  # archived templates are listed but cannot be sent
    reminder = next(t for t in approved if t.name == "noor_quote_reminder" and t.language == "en")
    assert reminder.variables == ["name", "quote"]

    chat = "971500000002"
    with pytest.raises(WazzupRejected) as wrong:
        await client.send_message(
            SendMessageRequest(
                channel_id=CHANNEL, chat_id=chat, template_id=reminder.template_guid, template_values=["Sara"]
            )
        )
    assert wrong.value.code == "INVALID_MESSAGE_DATA"
    await client.send_message(
        SendMessageRequest(
            channel_id=CHANNEL,
            chat_id=chat,
            template_id=reminder.template_guid,
            template_values=["Sara", "Q-7"],
            crm_message_id="t-1",
        )
    )
    (sent,) = fake.sent_to(chat)
    assert sent["templateId"] == reminder.template_guid
    assert sent["templateText"] == reminder.render(["Sara", "Q-7"])
    assert "Hello Sara" in sent["templateText"]
    assert "Q-7" in sent["templateText"]


async def test_a_plain_whatsapp_channel_has_no_window_and_no_templates(fake: FakeWazzup, client: WazzupClient) -> None:
    fake.transport = "whatsapp"
    assert (await client.send_message(text("971500000003", "Hello", "b-1"))).message_id
    (channel,) = await client.list_channels()
    assert channel["transport"] == "whatsapp"


async def test_quick_reply_buttons_go_to_a_waba_channel_only(fake: FakeWazzup, client: WazzupClient) -> None:
    chat = "971500000004"
    fake.state.last_inbound[chat] = fake.now()
    ask = SendMessageRequest(
        channel_id=CHANNEL,
        chat_id=chat,
        text="Shall I confirm?",
        buttons_object=quick_replies([{"text": "Yes, confirm", "payload": "confirm_yes"}]),
    )
    assert (await client.send_message(ask)).message_id
    too_long = ask.model_copy(update={"buttons_object": {"buttons": [{"text": "x" * 21, "type": "text"}]}})
    with pytest.raises(WazzupRejected):
        await client.send_message(too_long)
    fake.transport = "whatsapp"
    with pytest.raises(WazzupRejected):
        await client.send_message(ask)
    (sent,) = fake.sent_to(chat)
    assert sent["buttonsObject"] == {"buttons": [{"text": "Yes, confirm", "type": "text", "payload": "confirm_yes"}]}
