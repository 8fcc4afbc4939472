"""Word forms meet through the Snowball stemmers, number words and Arabizi skeletons; unrelated words do not."""

from __future__ import annotations

import pytest

from tools.catalog import vocabulary as V
from tools.catalog.lexical import skeleton_term, terms_of
from tools.catalog.normalize import normalize_text, tokenize
from tools.catalog.numbers import count_terms, spell_out_numbers
from tools.catalog.query import parse_query
from tools.catalog.stemming import stem

CHAIRS = sorted(V.CHAIRS)


def _stems(text: str) -> list[str]:
    return [stem(t) for t in tokenize(text)]


@pytest.mark.parametrize(
    "forms",
    [
        ["кресло", "кресла", "креслами", "креслу"],
        ["стол", "стола", "столы", "столами"],
        ["руководителя", "руководитель", "руководителей"],
        ["оплаты", "оплатить", "оплату"],
        ["كرسي", "الكرسي", "بالكرسي", "وكرسي"],
        ["طاولة", "الطاولة", "طاولات"],
        ["اجتماع", "اجتماعات", "الاجتماعات"],
        ["drawer", "drawers"],
        ["chair", "chairs"],
    ],
)
def test_inflected_forms_share_a_stem(forms: list[str]) -> None:
    assert len({stem(normalize_text(f)) for f in forms}) == 1, {f: stem(normalize_text(f)) for f in forms}


@pytest.mark.parametrize(
    ("a", "b"),
    [("стол", "стул"), ("кресло", "крест"), ("كرسي", "كرم"), ("chair", "chain"), ("drawer", "draw"), ("шкаф", "шкала")],
)
def test_unrelated_words_do_not(a: str, b: str) -> None:
    assert stem(normalize_text(a)) != stem(normalize_text(b))


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        # Russian adjectives and nouns in the forms customers write, none of them listed in the vocabulary
        ("Нужны чёрные кожаные кресла руководителя", {"categories": [V.EC], "colors": ["Black"]}),
        ("стеклянными столиками", {"categories": [V.CT], "materials": ["Tempered Glass"]}),
        ("металлическими стеллажами", {"categories": [V.BK], "materials": ["Aluminium", "Steel"]}),
        ("с натуральной кожей", {"materials": ["Genuine Leather"]}),
        ("есть в наличии?", {"in_stock_only": True}),
        # Arabic with the article and proclitics
        ("بالكراسي السوداء", {"categories": CHAIRS, "colors": ["Black"]}),
        ("طاولات الاجتماعات", {"categories": [V.MT]}),
        # Arabizi in other spellings than the vocabulary's
        ("kanabat jild", {"categories": [V.SF], "materials": ["Genuine Leather", "PU Leather"]}),
        ("tawlah ejtima3at", {"categories": [V.MT]}),
        ("maktaba lel kutub", {"categories": [V.BK]}),
        ("kursi a8al men 600", {"categories": CHAIRS, "max_price": 600.0}),
        ("kursi agal min 600", {"categories": CHAIRS, "max_price": 600.0}),
    ],
)
def test_filters_from_forms_the_vocabulary_does_not_list(query: str, expected: dict[str, object]) -> None:
    filters = parse_query(query).filters.model_dump()
    for key, value in expected.items():
        assert filters[key] == value, (query, key, filters[key])


@pytest.mark.parametrize(
    ("query", "absent"),
    [
        ("cable management kit", V.EC),  # "management" is not "manager" (same English stem)
        ("мраморный стол", V.ST),  # a marble table is not a stool
        ("مكتبة خشب", V.ED),  # a bookcase (مكتبة) is not a desk (مكتب), though both stem to مكتب
        ("glass divider between desks", V.OD),  # the desks are where the divider goes
    ],
)
def test_look_alike_words_do_not_bring_their_category(query: str, absent: str) -> None:
    assert absent not in parse_query(query).filters.categories


@pytest.mark.parametrize(
    ("text", "spelled"),
    [
        ("طاولة لعشرة أشخاص", "طاوله 10 اشخاص"),
        ("ميزانيتي ألفين وخمسمية", "ميزانيتي 2500"),
        ("до полутора тысяч", "до 1500"),
        ("до тысячи дирхам", "до 1000 дирхам"),
        ("budget two thousand", "budget 2000"),
        ("budget alf", "budget 1000"),
        ("desk 160x80", "desk 160x80"),
    ],
)
def test_number_words(text: str, spelled: str) -> None:
    assert spell_out_numbers(normalize_text(text)) == spelled


def test_prices_in_number_words() -> None:
    assert parse_query("ابي مكتب مدير حدود ألفين وخمسمية").filters.max_price == 2500
    assert parse_query("кресло руководителя до полутора тысяч").filters.max_price == 1500
    assert parse_query("kursi modeer a8al men alfain").filters.max_price == 2000


def test_a_unit_price_is_not_divided_by_the_quantity() -> None:
    f = parse_query("нужно 10 кресел, бюджет до 800 дирхам за штуку").filters
    assert (f.quantity, f.max_price, f.budget_total) == (10, 800, None)
    f = parse_query("10 chairs, budget 8000 AED total").filters
    assert (f.max_price, f.budget_total) == (800, 8000)


@pytest.mark.parametrize(
    "text",
    ["8 Seater", "for 8 people", "на 8 человек", "لثمانية أشخاص", "8 ashkhas", "8-Person"],
)
def test_a_count_of_seats_is_one_term_in_every_language(text: str) -> None:
    assert count_terms(tokenize(spell_out_numbers(normalize_text(text)))) == ["8:seat"]


def test_counts_of_other_parts() -> None:
    assert count_terms(tokenize("4 drawers")) == ["4:drawer"] == count_terms(tokenize("с 4 ящиками"))
    assert count_terms(tokenize("dual monitor arm")) == ["2:monitor"] == count_terms(tokenize("حامل شاشه مزدوج"))
    assert count_terms(tokenize("трехместный диван")) == ["3:seat"]
    assert count_terms(tokenize("4 black chairs")) == []


def test_lexical_terms_join_forms_and_arabizi_spellings() -> None:
    name = "Atlas Mesh Chair – Black, Adjustable Arms + Headrest"
    name_ar = "كرسي مكتب شبكي طراز أطلس – أسود، بمساند أذرع قابلة للتعديل ومسند للرأس"
    doc = set(terms_of(name)) | set(terms_of(name_ar, skeletons=True))
    assert set(terms_of("chairs with headrests")) >= {stem("chair"), stem("headrest")}
    assert stem("chairs") in doc
    assert stem("headrests") in doc
    # Arabizi words find the Arabic words they spell: "masnad" مسند, "shabaki" شبكي; "kanaba" (sofa) is not there
    assert skeleton_term("masnad") in doc
    assert skeleton_term("shabaki") in doc
    assert skeleton_term("kanaba") not in doc
