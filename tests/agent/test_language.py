from __future__ import annotations

import pytest

from agent.language import Language, detect_language, is_arabizi


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Hi, do you have ergonomic chairs in stock?", "en"),
        ("مرحبا، عندكم كراسي مكتب؟", "ar"),
        ("أبي ٨ كراسي أقل من ٨٠٠ درهم", "ar"),
        ("Здравствуйте, есть офисные кресла?", "ru"),
        ("salam, 3ndkm korsi maktab?", "ar"),
        ("mar7aba abi tawila", "ar"),
        ("I need a desk 160 cm, CH-616", "en"),
        ("Есть AC-STEP-RK-BLK?", "ru"),
        ("Нужно 8 x MC-AIRO-MB-BLK и 2 OD-FORM-12070-BLK", "ru"),
        ("كم سعر MC-AIRO-MB-BLK؟", "ar"),
        ("عندكم AC-STEP-RK-BLK", "ar"),
        ("Price of MC-AIRO-MB-BLK", "en"),
    ],
)
def test_detects_the_customers_language(text: str, expected: Language) -> None:
    assert detect_language(text) == expected


def test_short_latin_reply_keeps_the_conversation_language() -> None:
    assert detect_language("ok 12", previous="ar") == "ar"
    assert detect_language("👍", previous="ru") == "ru"
    assert detect_language("Thanks, please send the quotation to my email", previous="ar") == "en"


def test_plain_english_is_not_arabizi() -> None:
    assert not is_arabizi("Can you send me the price list for mesh chairs")
    assert is_arabizi("shlonak, abi korsi")
