"""Text normalisation for search: Arabic letters, digits, Cyrillic look-alikes, SKUs and Arabizi.

Everything here is pure and deterministic; both the index side (products) and the query side
go through the same functions so that "كرسى", "كرسيّ" and "كرسي" or "CH 616", "ch-616" and
"СН616" (Cyrillic) meet on the same form.
"""

from __future__ import annotations

import re
import unicodedata

# --- digits -----------------------------------------------------------------------------------

_DIGITS = {ord(c): str(i) for i, c in enumerate("٠١٢٣٤٥٦٧٨٩")}
_DIGITS.update({ord(c): str(i) for i, c in enumerate("۰۱۲۳۴۵۶۷۸۹")})
# Arabic decimal/thousands separators and the multiplication sign used in sizes ("160×80").
_DIGITS.update({ord("٫"): ".", ord("٬"): ",", ord("×"): "x", ord("*"): "x"})


def ascii_digits(text: str) -> str:
    """Arabic-Indic (٠-٩) and Persian (۰-۹) digits → ASCII; Arabic separators and × normalised."""
    return text.translate(_DIGITS)


# --- Arabic -----------------------------------------------------------------------------------

_AR_DIACRITICS = re.compile("[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed\u0640]")  # + tatweel
_AR_LETTERS = str.maketrans(
    {
        "أ": "ا",
        "إ": "ا",
        "آ": "ا",
        "ٱ": "ا",
        "ة": "ه",
        "ى": "ي",
        "ئ": "ي",
        "ؤ": "و",
        "ی": "ي",  # Persian yeh
        "ک": "ك",  # Persian kaf
        "ـ": "",
    }
)


def normalize_arabic(text: str) -> str:
    """Remove diacritics and tatweel; unify alef/hamza forms, ta marbuta, alef maqsura, yeh/kaf variants."""
    return _AR_DIACRITICS.sub("", text).translate(_AR_LETTERS)


# --- Cyrillic homoglyphs ------------------------------------------------------------------------

# Cyrillic letters that look like Latin ones; people (and keyboards) mix them into model names and SKUs.
_HOMOGLYPHS = str.maketrans(
    {
        "А": "A",
        "В": "B",
        "С": "C",
        "Е": "E",
        "Н": "H",
        "І": "I",
        "Ј": "J",
        "К": "K",
        "М": "M",
        "О": "O",
        "Р": "P",
        "Ѕ": "S",
        "Т": "T",
        "Х": "X",
        "У": "Y",
        "а": "a",
        "с": "c",
        "е": "e",
        "о": "o",
        "р": "p",
        "х": "x",
        "у": "y",
        "і": "i",
        "ј": "j",
        "ѕ": "s",
        "к": "k",
        "м": "m",
        "н": "h",
        "т": "t",
        "в": "b",
    }
)
_CYRILLIC = re.compile("[\u0400-\u04ff]")
_LATIN = re.compile("[A-Za-z]")
_DIGIT = re.compile("[0-9]")


def fold_homoglyphs(token: str) -> str:
    """Replace Cyrillic look-alike letters by Latin ones in a token that looks like a code.

    A token is treated as a code (SKU, model name) when it mixes Cyrillic with Latin letters or
    digits, or is short and upper-case. Russian words ("стол") are left alone.
    """
    if not _CYRILLIC.search(token):
        return token
    folded = token.translate(_HOMOGLYPHS)
    looks_like_code = bool(_LATIN.search(token) or _DIGIT.search(token)) or (
        token.isupper() and not _CYRILLIC.search(folded)
    )
    return folded if looks_like_code and not _CYRILLIC.search(folded) else token


# --- SKUs ---------------------------------------------------------------------------------------

_NON_ALNUM = re.compile(r"[^0-9A-Za-z]+")


def canonical_sku(sku: str) -> str:
    """Canonical SKU: trimmed, upper-case, runs of non-alphanumerics become one hyphen.

    "tc-novp-aa-blk", "TC NOVP AA BLK" and "Tc-Novp-Aa-Blk " all become "TC-NOVP-AA-BLK".
    Cyrillic look-alikes and Arabic-Indic digits are folded first.
    """
    text = ascii_digits(unicodedata.normalize("NFKC", sku)).strip().translate(_HOMOGLYPHS)
    return _NON_ALNUM.sub("-", text).strip("-").upper()


def compact_sku(sku: str) -> str:
    """The SKU key used for matching: canonical form without separators ("CH 616" → "CH616")."""
    return canonical_sku(sku).replace("-", "")


# --- general text -------------------------------------------------------------------------------

_RU_YO = str.maketrans({"ё": "е", "Ё": "Е"})
_SPACES = re.compile(r"\s+")
_PUNCT = re.compile(r"[^\w\s.+/-]", re.UNICODE)  # keep . + / - inside numbers and codes
_TOKEN = re.compile(r"\d+\.\d+|[^\W_]+", re.UNICODE)


def normalize_text(text: str) -> str:
    """Lower-cased, NFKC, Arabic-normalised, ASCII digits, ё→е, Cyrillic look-alikes folded in codes."""
    text = unicodedata.normalize("NFKC", text)
    text = ascii_digits(text)
    text = normalize_arabic(text).translate(_RU_YO)
    text = " ".join(fold_homoglyphs(t) for t in text.split())
    text = text.replace("–", " ").replace("—", " ")
    return _SPACES.sub(" ", text.lower()).strip()


def tokenize(text: str) -> list[str]:
    """Normalised word tokens: alphanumeric runs (Latin, Arabic, Cyrillic) and decimal numbers."""
    return _TOKEN.findall(normalize_text(text))


# --- Arabizi ------------------------------------------------------------------------------------

_ARABIZI_DIGITS = {"2": "q", "3": "", "5": "kh", "6": "t", "7": "h", "8": "gh", "9": "q"}
_VOWELS = re.compile(r"[aeiouy]")
_FEMININE = re.compile(r"[^aeiouyh]a+h?$")


def arabizi_skeleton(token: str) -> str:
    """A consonant skeleton for Latin-script Arabic: "korsi", "kursi", "kirsi" → "krs"; "a7mar" → "hmr";
    "tawla", "tawlah" → "twlh" (a final -a/-ah is the feminine ending and kept as "h").

    Digits used as letters (2 3 5 7 8 9) are mapped to Latin consonants, vowels and doubled letters dropped.
    Returns "" for tokens that are not plausibly Arabizi (pure numbers, non-Latin text).
    """
    token = token.lower()
    if not re.fullmatch(r"[a-z0-9']+", token) or token.isdigit():
        return ""
    out = "".join(_ARABIZI_DIGITS.get(c, c) for c in token.replace("'", ""))
    feminine = len(out) >= 4 and _FEMININE.search(out) is not None
    out = _VOWELS.sub("", out)
    if feminine:  # the feminine ending ة written -a/-ah: "maktaba" (bookcase) is not "maktab" (desk)
        out += "h"
    out = re.sub(r"(.)\1+", r"\1", out)
    return out


_LOOSE = (("gh", "q"), ("g", "q"), ("k", "q"), ("w", ""), ("y", ""))


def arabizi_loose(skeleton: str) -> str:
    """A looser key for an Arabizi skeleton, for spellings that still differ: the letters written for the long
    vowels و and ي (w, y) dropped, ق/غ/گ and the Gulf "g" for ق (q, gh, g, 8 → gh) and k merged into q, and a final
    "h" of the feminine ending (-a, -ah, -eh) dropped: "jozi"/"jawzi", "a8al"/"agal"/"aqal", "maktaba"/"maktabah"
    meet. Used only when the exact skeleton matches nothing better."""
    for a, b in _LOOSE:
        skeleton = skeleton.replace(a, b)
    if len(skeleton) > 2 and skeleton.endswith("h"):
        skeleton = skeleton[:-1]
    return re.sub(r"(.)\1+", r"\1", skeleton)


# Arabic letters → the Latin letters Arabizi writers use for them (after normalize_arabic), so that an Arabic word
# and its Arabizi spelling have the same skeleton: "كرسي" / "kursi", "مسند" / "masnad", "خشب" / "5ashab".
_ARABIC_TO_LATIN = {
    "ا": "a",
    "ء": "",
    "ب": "b",
    "ت": "t",
    "ث": "th",
    "ج": "j",
    "ح": "h",
    "خ": "kh",
    "د": "d",
    "ذ": "dh",
    "ر": "r",
    "ز": "z",
    "س": "s",
    "ش": "sh",
    "ص": "s",
    "ض": "d",
    "ط": "t",
    "ظ": "dh",
    "ع": "",
    "غ": "gh",
    "ف": "f",
    "ق": "q",
    "ك": "k",
    "ل": "l",
    "م": "m",
    "ن": "n",
    "ه": "h",
    "و": "w",
    "ي": "y",
    "پ": "p",
    "چ": "ch",
    "گ": "g",
}
_ARABIC_WORD = re.compile("[\u0621-\u064a\u067e\u0686\u06af]+")


def arabic_skeleton(word: str) -> str:
    """The Arabizi consonant skeleton of a normalised Arabic word ("" for other words); compare with
    `arabizi_loose(arabizi_skeleton(...))` through `arabizi_loose` on both sides."""
    if not _ARABIC_WORD.fullmatch(word):
        return ""
    latin = "".join(_ARABIC_TO_LATIN.get(c, "") for c in word)
    return re.sub(r"(.)\1+", r"\1", _VOWELS.sub("", latin))
