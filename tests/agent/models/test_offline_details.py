"""Contact details a customer gives in one message, labelled or not, with or without commas: the offline model's
reading of them (agent/models/offline/details.py). Phrasings written for these tests, not taken from the evals."""

from __future__ import annotations

import pytest

from agent.models.offline.details import read_details

CASES = [
    (
        "Hi, Omar Haddad here from Blue Dune Events, omar@bluedune.ae - we need 12 of VC-STCK-ST-BLK delivered to "
        "Dubai Silicon Oasis",
        {
            "name": "Omar Haddad",
            "company": "Blue Dune Events",
            "email": "omar@bluedune.ae",
            "delivery_area": "Dubai Silicon Oasis",
        },
    ),
    (
        "name: Lina Farouk\ncompany: Farouk Design Studio\nemail lina@faroukdesign.com\n"
        "address: Office 1204, Bay Square 7, Business Bay",
        {
            "name": "Lina Farouk",
            "company": "Farouk Design Studio",
            "email": "lina@faroukdesign.com",
            "delivery_area": "Office 1204, Bay Square 7, Business Bay",
        },
    ),
    (
        "It's Ahmed from Horizon Interiors. Please send the quotation to ahmed@horizon-int.ae, delivery to JLT "
        "Cluster D",
        {
            "name": "Ahmed",
            "company": "Horizon Interiors",
            "email": "ahmed@horizon-int.ae",
            "delivery_area": "JLT Cluster D",
        },
    ),
    (
        "Karim Nassar, Nassar Brothers Logistics, karim.n@nassarbros.com",
        {"name": "Karim Nassar", "company": "Nassar Brothers Logistics", "email": "karim.n@nassarbros.com"},
    ),
    (
        "معك سارة العلي من شركة النخبة للديكور، الايميل sara@nukhba.ae، التوصيل إلى الخليج التجاري",
        {
            "name": "سارة العلي",
            "company": "شركة النخبة للديكور",
            "email": "sara@nukhba.ae",
            "delivery_area": "الخليج التجاري",
        },
    ),
    (
        "السلام عليكم انا عبدالله الكعبي من مؤسسة الفجر ايميلي abdulla@alfajr.ae نحتاج ٦ كراسي والتوصيل الى النهدة",
        {"name": "عبدالله الكعبي", "company": "مؤسسة الفجر", "email": "abdulla@alfajr.ae", "delivery_area": "النهدة"},
    ),
    (
        "Здравствуйте, это Олег Петров, компания Дельта Групп, oleg@delta-group.ae, доставка в Dubai Marina",
        {
            "name": "Олег Петров",
            "company": "Дельта Групп",
            "email": "oleg@delta-group.ae",
            "delivery_area": "Dubai Marina",
        },
    ),
    (
        "salam, ana Sultan mn sharikat al noor, sultan@alnoor.ae, abi 5 MC-AIRO-LB-GRY, tawseel Mirdif",
        {"name": "Sultan", "company": "sharikat al noor", "email": "sultan@alnoor.ae", "delivery_area": "Mirdif"},
    ),
]


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_details_given_together_are_each_read(text: str, expected: dict[str, str]) -> None:
    assert read_details(text, {}, []) == expected


def test_a_request_with_an_area_word_is_no_address() -> None:
    assert "delivery_area" not in read_details("Hi, I need 4 desks for our office, Noura", {}, [])


def test_a_bare_answer_to_the_one_question_asked_is_that_detail() -> None:
    assert read_details("Gulf Star Shipping", {}, ["company"]) == {"company": "Gulf Star Shipping"}
    assert read_details("Warehouse 9, Al Quoz Industrial 3", {}, ["delivery_area"]) == {
        "delivery_area": "Warehouse 9, Al Quoz Industrial 3"
    }
