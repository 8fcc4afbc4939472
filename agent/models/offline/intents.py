"""The offline model's intent rules: multilingual cue words per intent, checked in priority order.

Data, not logic: the patterns are word stems in English, Arabic (MSA and Gulf), Arabizi and Russian.
"""

from __future__ import annotations

import re
from typing import Literal

from agent.models.offline.slots import product_codes, read_quantity
from agent.understanding import Intent

FaqTopic = Literal["delivery", "warranty", "payment", "returns", "company", "other"]


def _cues(*words: str) -> re.Pattern[str]:
    # Latin cues match at a word start; Arabic and Cyrillic cues anywhere (prefixes like "و", "بال").
    latin = [w for w in words if w.isascii()]
    other = [w for w in words if not w.isascii()]
    parts = []
    if latin:
        parts.append(r"\b(?:" + "|".join(latin) + ")")
    if other:
        parts.append("(?:" + "|".join(other) + ")")
    return re.compile("|".join(parts), re.IGNORECASE)


HUMAN_REQUEST = _cues(
    r"(?:talk|speak|chat) (?:to|with) (?:a |an )?(?:human|person|agent|manager|someone|sales)",
    r"real (?:person|human)",
    r"human agent",
    r"call me",
    r"your manager",
    r"customer service",
    "ابي اكلم",
    "أبي أكلم",
    "ابغى اكلم",
    "أبغى أكلم",
    "اكلم شخص",
    "أكلم شخص",
    "موظف",
    "مدير",
    "انسان",
    "إنسان",
    "اتصلوا",
    "كلموني",
    r"abi akalim",
    r"abgha akalim",
    r"mowazaf",
    r"mwazaf",
    "оператор",
    "менеджер",
    "живой человек",
    "с человеком",
    "позвоните",
)
COMPLAINT = _cues(
    r"complain",
    r"complaint",
    r"broken",
    r"damaged",
    r"defect",
    r"refund",
    r"return (?:it|the|my)",
    r"not working",
    r"disappoint",
    r"terrible",
    r"worst",
    r"scratch",
    r"late delivery",
    r"never arrived",
    "شكوى",
    "مكسور",
    "خربان",
    "تالف",
    "استرجاع",
    "استرداد",
    "ما وصل",
    "سيء",
    "متضرر",
    "жалоб",
    "сломан",
    "поврежд",
    "брак",
    "верните деньги",
    "возврат",
    "не пришл",
    "ужасн",
)
ORDER_STATUS = _cues(
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
QUOTATION = _cues(
    r"quot(?:e|ation)",
    r"proforma",
    r"invoice",
    r"place (?:an |the )?order",
    r"i(?:'| wi)ll take",
    r"send (?:me )?(?:a |the )?offer",
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
DELIVERY = _cues(
    r"deliver",
    r"shipping",
    r"ship to",
    r"install",
    r"assembl",
    r"lead time",
    r"how long",
    "توصيل",
    "شحن",
    "تركيب",
    "متى يوصل",
    "доставк",
    "сборк",
    "установк",
    "срок",
)
WARRANTY = _cues(r"warrant", r"guarantee", "ضمان", "كفالة", "гаранти")
PAYMENT = _cues(
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
RETURNS = _cues(r"return policy", r"exchange", "سياسة الاسترجاع", "استبدال", "обмен", "политика возврата")
COMPANY = _cues(
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
PRICE_STOCK = _cues(
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
GREETING = _cues(
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
BUDGET = _cues(r"budget", r"aed\b", r"dirhams?\b", r"dhs?\b", "ميزاني", "درهم", "дирхам", "бюджет")
THANKS = _cues(r"thanks", r"thank you", r"thx", r"shukran", r"shokran", "شكرا", "شكراً", "مشكور", "спасибо", "благодар")
NOT_NOW = _cues(
    r"no quot(?:e|ation) (?:yet|now)",
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
OUT_OF_CATALOG = _cues(
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


def faq_topic(text: str) -> FaqTopic | None:
    for topic, pattern in (
        ("delivery", DELIVERY),
        ("warranty", WARRANTY),
        ("payment", PAYMENT),
        ("returns", RETURNS),
        ("company", COMPANY),
    ):
        if pattern.search(text):
            return topic  # type: ignore[return-value]
    return None


def classify(text: str, *, has_product_cues: bool) -> tuple[Intent, FaqTopic | None]:
    """The intent of a message. Order matters: a complaint that mentions delivery is a complaint."""
    stripped = text.strip()
    words = len(stripped.split())
    if not stripped:
        return "small_talk", None
    if HUMAN_REQUEST.search(stripped):
        return "human_request", None
    if COMPLAINT.search(stripped):
        return "complaint", None
    if ORDER_STATUS.search(stripped):
        return "order_status", None
    if QUOTATION.search(stripped) and not NOT_NOW.search(stripped):
        return "quotation", None
    topic = faq_topic(stripped)
    if topic and not (has_product_cues and topic == "delivery" and words > 12):
        return "faq", topic
    codes = product_codes(stripped)
    if codes and read_quantity(stripped):
        return "product_question", None  # "10 of MC-AIRO-MB-BLK": that product, in that quantity
    if codes and PRICE_STOCK.search(stripped):
        return "price_stock", None  # "price and stock of MC-AIRO-MB-BLK"
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
