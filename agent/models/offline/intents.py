"""The offline model's intent rules: multilingual cue words per intent, checked in priority order.

Data, not logic: the patterns are word stems in English, Arabic (MSA and Gulf), Arabizi and Russian.
"""

from __future__ import annotations

import re
from typing import Literal

from agent.models.offline.cues import asks_for_person, complains
from agent.models.offline.lexicon import cue_words
from agent.models.offline.slots import product_codes, read_quantity
from agent.understanding import Intent

FaqTopic = Literal["delivery", "warranty", "payment", "returns", "company", "other"]


ORDER_STATUS = cue_words(
    r"SO-?\d+",
    r"where is my order",
    r"order status",
    r"track(?:ing)? (?:my )?order",
    r"my order",
    "وين طلبي",
    "وين الطلب",
    "حالة الطلب",
    "طلبي",
    "где мой заказ",
    "статус заказа",
    "мой заказ",
)
QUOTATION = cue_words(
    r"quot(?:e|ation)",
    r"proforma",
    r"invoice",
    r"place (?:an |the )?order",
    r"i(?:'| wi)ll take",
    r"send (?:me )?(?:a |the )?offer",
    r"3ard (?:si3r|s3r|as3ar|sa3r)",
    r"3rd s3r",
    "عرض سعر",
    "عرض اسعار",
    "فاتورة",
    "اطلب",
    "أطلب",
    "коммерческ",
    "счет",
    "счёт",
    "оформ",
    "заказать",
)
DELIVERY = cue_words(
    r"deliver",
    r"shipping",
    r"ship to",
    r"install",
    r"assembl",
    r"lead time",
    r"how long",
    r"tawseel",
    r"tawsil",
    r"twseel",
    r"twsil",
    "توصيل",
    "شحن",
    "تركيب",
    "متى يوصل",
    "доставк",
    "сборк",
    "установк",
    "срок",
)
WARRANTY = cue_words(r"warrant", r"guarantee", "ضمان", "كفالة", "гаранти")
PAYMENT = cue_words(
    r"pay(?:ment)?",
    r"credit card",
    r"bank transfer",
    r"installment",
    r"cash on delivery",
    r"\bcod\b",
    "دفع",
    "الدفع",
    "تحويل",
    "اقساط",
    "أقساط",
    "كاش",
    "оплат",
    "рассрочк",
    "перевод",
)
RETURNS = cue_words(r"return policy", r"exchange", "سياسة الاسترجاع", "استبدال", "обмен", "политика возврата")
COMPANY = cue_words(
    r"showroom",
    r"where are you",
    r"your address",
    r"location",
    r"opening hours",
    r"about (?:you|treejar)",
    "وين محلكم",
    "المعرض",
    "عنوانكم",
    "موقعكم",
    "где вы находитесь",
    "шоурум",
    "адрес",
)
PRICE_STOCK = cue_words(
    r"how much",
    r"price",
    r"cost",
    r"in stock",
    r"available",
    r"availability",
    r"do you have",
    "كم سعر",
    "بكم",
    "سعر",
    "متوفر",
    "موجود",
    "عندكم",
    r"bkam",
    r"b kam",
    r"kam si3r",
    r"se3r",
    "сколько стоит",
    "цена",
    "в наличии",
    "есть ли",
    "почём",
)
GREETING = cue_words(
    r"hi",
    r"hello",
    r"hey",
    r"good (?:morning|afternoon|evening)",
    r"salam",
    r"salaam",
    r"assalam",
    r"marhaba",
    r"mar7aba",
    r"ahlan",
    r"hala",
    "السلام",
    "مرحبا",
    "اهلا",
    "أهلا",
    "هلا",
    "صباح الخير",
    "مساء الخير",
    "здравствуйте",
    "привет",
    "добрый",
)
# A budget on its own ("budget under 5000 AED") refines the search under way.
BUDGET = cue_words(r"budget", r"aed\b", r"dirhams?\b", r"dhs?\b", "ميزاني", "درهم", "дирхам", "бюджет")
THANKS = cue_words(
    r"thanks", r"thank you", r"thx", r"shukran", r"shokran", "شكرا", "شكراً", "مشكور", "спасибо", "благодар"
)
NOT_NOW = cue_words(
    r"no quot(?:e|ation)s?(?: \w+){0,2} (?:yet|now)",
    r"(?:don'?t|do not|no need (?:to|for)|not) (?:need |want |send |make )?(?:a |the |any )?quot(?:e|ation)",
    r"without (?:a |the |any )?quot(?:e|ation)",
    r"(?:just|only) (?:the |your )?prices?\b",
    "بدون عرض",
    "ما ابي عرض",
    "ما أبي عرض",
    "ما ابغى عرض",
    "لا أريد عرض",
    "لا اريد عرض",
    "без коммерческ",
    "не нужно коммерческ",
    "не надо коммерческ",
    "пока без",
    r"not (?:yet|now)",
    r"just looking",
    r"just browsing",
    r"later",
    "مو الحين",
    "ليس الآن",
    "بعدين",
    "لاحقا",
    "пока нет",
    "позже",
    "просто смотрю",
)
OUT_OF_CATALOG = cue_words(
    r"laptop",
    r"computer",
    r"printer",
    r"fridge",
    r"refrigerator",
    r"microwave",
    r"coffee machine",
    r"air ?con",
    r"\bac\b",
    r"tv",
    r"television",
    r"phone",
    r"carpet",
    r"rug",
    r"curtain",
    r"bed",
    r"mattress",
    r"wardrobe",
    r"kitchen",
    r"dining table",
    r"lamp",
    r"projector",
    r"stationery",
    r"paper",
    "لابتوب",
    "كمبيوتر",
    "طابعة",
    "ثلاجة",
    "مكيف",
    "تلفزيون",
    "سجاد",
    "ستائر",
    "سرير",
    "مطبخ",
    "مصباح",
    "ноутбук",
    "компьютер",
    "принтер",
    "холодильник",
    "кондиционер",
    "телевизор",
    "ковер",
    "ковёр",
    "штор",
    "кровать",
    "кухн",
    "ламп",
)


_TOPICS: tuple[tuple[FaqTopic, re.Pattern[str]], ...] = (
    ("delivery", DELIVERY),
    ("warranty", WARRANTY),
    ("payment", PAYMENT),
    ("returns", RETURNS),
    ("company", COMPANY),
)


def faq_topic(text: str) -> FaqTopic | None:
    """The topic asked about first: "warranty, and how long to deliver?" is first about the warranty."""
    found = [(match.start(), topic) for topic, pattern in _TOPICS if (match := pattern.search(text))]
    return min(found)[1] if found else None


def classify(text: str, *, has_product_cues: bool) -> tuple[Intent, FaqTopic | None]:
    """The intent of a message. Order matters: a complaint that mentions delivery is a complaint."""
    stripped = text.strip()
    words = len(stripped.split())
    if not stripped:
        return "small_talk", None
    if asks_for_person(stripped):
        return "human_request", None
    if complains(stripped):
        return "complaint", None
    if ORDER_STATUS.search(stripped):
        return "order_status", None
    if QUOTATION.search(stripped) and not NOT_NOW.search(stripped):
        return "quotation", None
    codes = product_codes(stripped)
    if codes and PRICE_STOCK.search(stripped):
        return "price_stock", None  # "price of MC-AIRO-MB-BLK, and do you deliver?": the product first, then the FAQ
    topic = faq_topic(stripped)
    if topic and not (has_product_cues and topic == "delivery" and words > 12):
        return "faq", topic
    if codes and read_quantity(stripped):
        return "price_stock", None  # "10 of MC-AIRO-MB-BLK": what that many cost and whether there are enough
    if has_product_cues or PRICE_STOCK.search(stripped) or OUT_OF_CATALOG.search(stripped):
        if PRICE_STOCK.search(stripped) and not has_product_cues:
            return "price_stock", None
        return "product_search", None
    if GREETING.search(stripped) and words <= 6:
        return "greeting", None
    if THANKS.search(stripped) and words <= 6:
        return "thanks", None
    if BUDGET.search(stripped):
        return "product_search", None
    return "small_talk", None
