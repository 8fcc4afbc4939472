from __future__ import annotations

import pytest

from bench.search_quality import load_queries
from tools.catalog import vocabulary as V
from tools.catalog.normalize import arabizi_skeleton, canonical_sku, compact_sku, normalize_text
from tools.catalog.query import (
    _TOKEN_RE,
    _entries,
    _longest_entries,
    _match_quality,
    _spell,
    _word_matches,
    parse_query,
)

CHAIRS = sorted(V.CHAIRS)


def test_normalisation() -> None:
    assert normalize_text("كرسيّ مكتبٍ أسودُ ـــ إطار") == "كرسي مكتب اسود اطار"
    assert normalize_text("مكتبة كبرى") == "مكتبه كبري"
    assert normalize_text("٨٠٠ و ۱۲۰") == "800 و 120"
    assert normalize_text("Чёрный") == "черный"
    assert compact_sku("CH 616") == compact_sku("ch-616") == compact_sku("ch616") == compact_sku("СН-616") == "CH616"
    assert canonical_sku("Tc-Novp-Aa-Blk ") == canonical_sku("tc novp aa blk") == "TC-NOVP-AA-BLK"
    assert {arabizi_skeleton(w) for w in ("korsi", "kursi", "kirsi", "karasi")} == {"krs"}
    assert arabizi_skeleton("a7mar") == arabizi_skeleton("ahmar")


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("ergonomic chair under 800 AED", {"categories": [V.ETC], "max_price": 800.0}),
        ("أقل من ٨٠٠ درهم كرسي", {"categories": CHAIRS, "max_price": 800.0}),
        ("до 800 дирхам кресло", {"categories": CHAIRS, "max_price": 800.0}),
        ("korsi aswad a2al men 500 derham", {"categories": CHAIRS, "colors": ["Black"], "max_price": 500.0}),
        (
            "black leather executive chair",
            {"categories": [V.EC], "colors": ["Black"], "materials": ["Genuine Leather", "PU Leather"]},
        ),
        ("كرسي جلد أسود", {"categories": CHAIRS, "colors": ["Black"], "materials": ["Genuine Leather", "PU Leather"]}),
        ("стол 160 см", {"min_width_cm": 155.0, "max_width_cm": 165.0}),
        ("desk 160x80", {"categories": sorted(V.DESKS), "min_width_cm": 155.0, "max_width_cm": 165.0}),
        ("grey oak operator desk 1.6m", {"categories": [V.OD], "colors": ["Grey Oak"], "min_width_cm": 155.0}),
        ("between 500 and 1000 aed mesh chair", {"materials": ["Mesh"], "min_price": 500.0, "max_price": 1000.0}),
        ("كراسي بين ٥٠٠ و ١٠٠٠ درهم", {"categories": CHAIRS, "min_price": 500.0, "max_price": 1000.0}),
        ("кресло от 2000 до 3000 дирхам", {"categories": CHAIRS, "min_price": 2000.0, "max_price": 3000.0}),
        ("10 chairs, budget 8000 AED total", {"quantity": 10, "budget_total": 8000.0, "max_price": 800.0}),
        ("١٠ كراسي بميزانية ٥٠٠٠ درهم", {"quantity": 10, "budget_total": 5000.0, "max_price": 500.0}),
        ("ergonmic chiar in stock", {"categories": [V.ETC], "in_stock_only": True}),
        ("ابي كرسي مريح للظهر متوفر", {"categories": [V.ETC], "in_stock_only": True}),
        ("черное кресло в наличии", {"colors": ["Black"], "in_stock_only": True}),
        ("стол руководителя из шпона орех", {"categories": [V.ED], "colors": ["Walnut"], "materials": ["Wood Veneer"]}),
        ("tawlat ejtima3at zujaj", {"categories": [V.MT], "materials": ["Tempered Glass"]}),
        ("maktab esteqbal", {"categories": [V.RD]}),
        ("chair 800 aed", {"max_price": 800.0}),
    ],
)
def test_parse_query_filters(query: str, expected: dict[str, object]) -> None:
    filters = parse_query(query).filters.model_dump()
    for key, value in expected.items():
        assert filters[key] == value, (query, key, filters[key])


def test_language_and_sku_candidates() -> None:
    assert parse_query("كرسي أسود").language == "ar"
    assert parse_query("чёрное кресло").language == "ru"
    assert parse_query("korsi a7mar").language == "arabizi"
    assert parse_query("black chair").language == "en"
    assert "CH616" in parse_query("do you have CH 616?").sku_candidates
    assert "CH616" in parse_query("СН616").sku_candidates  # Cyrillic look-alikes
    assert "TCNOVPAABLK" in parse_query("price of tc novp aa blk").sku_candidates


def test_sizes_are_not_prices() -> None:
    f = parse_query("стол до 160 см до 3000 дирхам").filters
    assert f.max_width_cm == 160
    assert f.max_price == 3000
    f = parse_query("desk at least 180 cm").filters
    assert f.min_width_cm == 180
    assert f.max_price is None


def _scan(tokens: list[str], i: int) -> list[str]:
    """The longest, then best matched, vocabulary entries at position i, found the slow way: every entry tried."""
    best: list[str] = []
    best_key = (0, 0)
    for entry in _entries():
        n = len(entry.words)
        if i + n > len(tokens) or not all(_word_matches(p, tokens[i + k]) for k, p in enumerate(entry.words)):
            continue
        key = (n, sum(_match_quality(p, tokens[i + k]) for k, p in enumerate(entry.words)))
        if key > best_key:
            best, best_key = [entry.phrase], key
        elif key == best_key:
            best.append(entry.phrase)
    return best


def test_vocabulary_lookup_finds_what_a_scan_of_every_entry_finds() -> None:
    """The vocabulary is matched through an index on each entry's first word (exact, prefix, Arabizi skeleton),
    with the same longest-match result as trying all ~900 entries at every token."""
    texts = [q["query"] for q in load_queries()[::2]]
    alternatives = [a for spec, _ in [*V.CATEGORY_TERMS, *V.COLOR_TERMS, *V.MATERIAL_TERMS] for a in spec.split("|")]
    for n, alternative in enumerate(alternatives[::3]):
        words = alternative.replace("~", "").split()
        ending = ("", "ات", "ing")[n % 3]  # the word, an Arabic plural, an English form
        texts.append(("ال" if n % 2 else "") + " ".join(w + ending for w in words))
    texts += ["wal korsi", "بالكراسي والمكاتب", "ergonmic chiar", "kanaba jeld", "стулья и столы"]
    positions = 0
    for text in texts:
        tokens = [_spell(t) for t in _TOKEN_RE.findall(normalize_text(text))]
        for i in range(len(tokens)):
            assert [e.phrase for e in _longest_entries(tokens, i)] == _scan(tokens, i), (text, i)
            positions += 1
    assert positions > 600, positions
