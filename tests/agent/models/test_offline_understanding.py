"""The offline model's understanding rules (agent/models/offline/understand.py): what a customer's message says,
read first as the answer to what the bot just asked. Phrasings written for these tests, not taken from the evals."""

from __future__ import annotations

import pytest

from agent.models.offline.understand import understand_text
from agent.understanding import Question

DETAILS: list[Question] = ["name", "company", "email", "delivery_area"]


def test_a_street_address_after_the_area_question_is_the_area_even_when_it_says_deliver() -> None:
    understood = understand_text("Unit 807, Churchill Tower, Business Bay - you can deliver there", ["delivery_area"])
    assert understood.intent == "quotation"
    assert understood.answers == "delivery_area"
    assert understood.slots.delivery_address is not None
    assert "Churchill Tower" in understood.slots.delivery_address


def test_the_same_words_without_the_question_are_a_delivery_question() -> None:
    understood = understand_text("do you deliver to Business Bay?")
    assert understood.intent == "faq"
    assert understood.faq_topic == "delivery"


@pytest.mark.parametrize("text", ["yes go ahead", "ok confirmed", "نعم أكد الطلب", "да, оформляйте"])
def test_a_yes_after_the_summary_is_a_confirmation(text: str) -> None:
    understood = understand_text(text, ["confirmation"])
    assert understood.slots.confirmation == "yes"
    assert understood.answers == "confirmation"


def test_a_price_question_with_a_quantity_and_no_quote_keeps_all_three() -> None:
    understood = understand_text("whats the price of OC-LYNX-HB-BLK, how many do u have? we need 11, no quote for now")
    assert "OC-LYNX-HB-BLK" in understood.slots.skus
    assert understood.slots.quantity == 11
    assert understood.slots.no_quotation_yet
    assert not understood.has("quotation")


@pytest.mark.parametrize(
    ("text", "name", "company"),
    [
        ("Hello, this is Mariam from Desert Rose Interiors", "Mariam", "Desert Rose Interiors"),
        ("انا نورة من شركة الواحة للتجارة", "نورة", "شركة الواحة للتجارة"),
    ],
)
def test_names_and_companies_stated_in_the_text(text: str, name: str, company: str) -> None:
    understood = understand_text(text)
    assert understood.slots.customer_name == name
    assert understood.slots.company == company


@pytest.mark.parametrize(
    "text", ["can i talk to a real person", "is there any human there?", "pls get me your supervisor"]
)
def test_requests_for_a_person_in_unusual_words(text: str) -> None:
    understood = understand_text(text)
    assert understood.slots.person_requested
    assert understood.intent == "human_request"


@pytest.mark.parametrize("text", ["do you have a manager desk?", "عندكم كرسي مدير جلد؟", "есть кресло для менеджера?"])
def test_furniture_for_managers_is_not_a_request_for_one(text: str) -> None:
    assert not understand_text(text).slots.person_requested


@pytest.mark.parametrize(("text", "quantity"), [("20 please", 20), ("twelve", 12), ("خمسة كراسي", 5), ("десять", 10)])
def test_quantities_in_words_or_alone(text: str, quantity: int) -> None:
    assert understand_text(text).slots.quantity == quantity


def test_a_complaint_is_not_a_question_about_the_refund_policy() -> None:
    assert understand_text("the chair we got last week is broken, I want my money back").slots.complaint
    assert not understand_text("what's your refund policy for office chairs?").slots.complaint


def test_a_change_of_topic_wins_over_the_question_asked() -> None:
    understood = understand_text("forget it, I want to speak to someone from your team", ["delivery_area"])
    assert understood.answers is None
    assert understood.slots.person_requested


def test_details_given_together_answer_the_details_question() -> None:
    understood = understand_text("Omar Saeed, Saeed Contracting LLC, omar@saeedcontracting.ae, JLT cluster X", DETAILS)
    assert understood.answers == "name"
    assert understood.slots.customer_name == "Omar Saeed"
    assert understood.slots.email == "omar@saeedcontracting.ae"
    assert understood.slots.company == "Saeed Contracting LLC"


@pytest.mark.parametrize(
    "text",
    [
        "pls stop sending me reminders",
        "no thanks",
        "لا شكرا",
        "لا ترسلوا لي رسائل بعد اليوم",
        "не пишите мне больше",
        "la shukran",
    ],
)
def test_asking_not_to_be_messaged_is_an_opt_out(text: str) -> None:
    assert understand_text(text).slots.opt_out


@pytest.mark.parametrize("text", ["can I stop by your showroom on Sunday?", "no thanks, just the 4 chairs then"])
def test_ordinary_words_are_no_opt_out(text: str) -> None:
    assert not understand_text(text).slots.opt_out


@pytest.mark.parametrize(
    "text", ["Позовите кого-нибудь живого, пожалуйста", "momken 7ad mn el mabee3at yitwasal m3ai bukra?"]
)
def test_asking_for_someone_in_russian_and_arabizi(text: str) -> None:
    assert understand_text(text).slots.person_requested


def test_bad_service_is_a_complaint() -> None:
    assert understand_text("really bad service, nobody called me back").slots.complaint


@pytest.mark.parametrize("text", ["make it 9 instead", "can we get the grey one instead?"])
def test_a_new_quantity_or_colour_at_the_summary_changes_the_quotation(text: str) -> None:
    understood = understand_text(text, ["confirmation"])
    assert understood.slots.confirmation == "change"
    assert understood.answers == "confirmation"


def test_a_price_question_comes_before_the_faq_in_the_same_message() -> None:
    understood = understand_text("whats the price of OD-TEMP-16080-WHT and do you deliver to Ajman?")
    assert understood.intents == ["price_stock", "faq"]
    assert understood.faq_topic == "delivery"
