"""The offline model's cues for what a message asks of a person: a request for a human, a complaint, payment terms,
a delivery date or destination abroad, plans and drawings, frustration with the bot. One cue list per concept, in
English, Arabic (MSA and Gulf, letter variants and diacritics folded), Arabizi and Russian; the escalation policy
decides from the `Understanding` these fill, never from the words.
"""

from __future__ import annotations

import re
import unicodedata

from agent.models.offline.lexicon import cue_words

# ----- normalisation ---------------------------------------------------------------------------------

_ARABIC_DIACRITICS = re.compile(r"[\u0610-\u061A\u064B-\u065F\u0670\u06D6-\u06ED\u0640]")
_ARABIC_FOLD = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ى": "ي", "ة": "ه", "ؤ": "و", "ئ": "ي", "چ": "ج"})
_SPACES = re.compile(r"\s+")


def normalise(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).lower().replace("ё", "е")
    text = _ARABIC_DIACRITICS.sub("", text).translate(_ARABIC_FOLD)
    text = text.replace("’", "'").replace("`", "'")
    return _SPACES.sub(" ", text).strip()


def _rx(*patterns: str) -> re.Pattern[str]:
    """One pattern from alternatives, with Arabic letters folded like the text they are matched against."""
    return re.compile("|".join(f"(?:{p.translate(_ARABIC_FOLD)})" for p in patterns))


# Arabic has no \b for attached prefixes (و، ف، ب، ل، ال): Arabic patterns use (?<![\w]) sparingly.
_B = r"(?<![\w])"
_E = r"(?![\w])"

# ----- the person request ----------------------------------------------------------------------------

_PERSON_EN = (
    r"(?:human|person|someone|somebody|anyone|manager|agent|representative|rep|salesperson|sales ?(?:person|rep|team|"
    r"manager|agent|executive)|staff|employee|operator|people|colleague|real person|live agent|live person|team member)"
)
_PERSON_AR = (
    r"(?:موظف|الموظف|مدير|المدير|مسؤول|المسؤول|شخص|انسان|بشري|بشر|مندوب|المندوب|ممثل|احد|حد|حدا|واحد|"
    r"خدمه العملاء|المبيعات|مبيعات)"
)
_PERSON_RU = (
    r"(?:человек\w*|менеджер\w*|оператор\w*|сотрудник\w*|специалист\w*|консультант\w*|живым|живой|"
    r"кем-?то|кем-нибудь|руководител\w*)"
)
_PERSON_ARABIZI = (
    r"(?:mowazaf|mowazzaf|mwazaf|mwazzaf|muwazaf|muwazzaf|mudir|mudeer|modeer|modir|insan|ensan|shakhs|"
    r"sha5s|7ad|7ada|a7ad|ahad|wa7ed|manager|human|person)"
)

_HUMAN_REQUEST = _rx(
    # English
    rf"\b(?:speak|talk|chat|connect|transfer|put)\w*\s+(?:me\s+)?(?:to|with|through to)\s+(?:an?\s+|the\s+|your\s+|"
    rf"some\s+|real\s+|actual\s+|one of your\s+)*{_PERSON_EN}\b",
    r"\b(?:want|need|prefer|get|give|like)\s+(?:me\s+)?(?:an?\s+|the\s+|your\s+|some\s+|real\s+|actual\s+)*"
    r"(?:human|real person|live agent|live person|representative|sales ?(?:person|rep)|manager to (?:call|contact))\b",
    r"\b(?:human|real person|live agent|representative|operator),?\s+please\b",
    r"\bare you (?:a )?(?:bot|robot|machine)\b.*\b(?:human|person|someone)\b",
    r"\b(?:call|phone|ring)\s+me\b",
    r"\b(?:can|could)\s+(?:someone|somebody|anyone|a person|your (?:team|manager|sales))\s+(?:call|contact|reach)\b",
    r"\bget\s+(?:someone|somebody)\s+(?:to|from)\b",
    # Arabic (MSA, Gulf, Levant)
    rf"(?:اكلم|اتكلم|نتكلم|اتحدث|نتحدث|التحدث|تكلم|كلم|احكي|نحكي|اتواصل|التواصل|تواصل|حولني|حولوني|وصلني|"
    rf"وصلوني|اوصل|ابي|ابغي|ابغا|ابغى|اريد|بدي|عايز|اطلب)\s+(?:\S+\s+){{0,2}}?(?:مع\s+|ل|الي\s+|على\s+|علي\s+)?"
    rf"{_PERSON_AR}{_E}",
    r"(?:اتصلوا|اتصل|كلموني|كلمني|تتصلون|يتصل|يكلمني|ردوا علي)\s*(?:بي|فيني|علي|عليا|معي)?",
    r"(?:شخص حقيقي|انسان حقيقي|موظف حقيقي|خدمه العملاء)",
    # Russian
    rf"(?:поговорить|говорить|пообщаться|связаться|связать|свяжите|соедините|соединить|переключите|переключить|"
    rf"позовите|позвать|дайте|нужен|нужна|хочу)\s+(?:\S+\s+){{0,2}}?(?:с\s+)?{_PERSON_RU}",
    r"(?:перезвоните|позвоните|наберите)\s+мне",
    r"живой человек|живого человека|живым человеком|кого-?нибудь живого|кого-?то живого|живого сотрудника",
    r"(?:позовите|позвать|дайте|пригласите)\s+(?:кого-?нибудь|кого-?то)",
    # Arabizi
    rf"\b(?:akalem|akallem|akalim|akallim|atkalam|atkallam|natkalam|a7ki|ahki|kalem|kallem|kalim|atwasal|"
    rf"7awelni|7awilni|wasselni|abi|abgha|abghi|ab6i|bade|baddi|biddi|3ayez|3ayz|areed)\s+(?:\w+\s+){{0,2}}?"
    rf"(?:ma3|m3|wiya|weya|with|to)?\s*{_PERSON_ARABIZI}\b",
    r"\b(?:kalmoni|kallmoni|kalimni|kallemni|etasel|etesel|itasel|ittasel)\s*(?:feni|fini|3alay|3ali|biya|bi)?\b",
    # "someone from the team contacts me": a7ad … yitwasal m3ai
    r"\b(?:a7ad|ahad|7ad|7ada|wa7ed)\b.{0,30}\b(?:yitwasal|yetwasal|ytwasal|yitasil|yetasel|yikalimni|yekalemni|"
    r"ykalemni|yit9al|yitsal)\b",
)

# ----- complaints, refunds, damaged goods --------------------------------------------------------------

_COMPLAINT = _rx(
    # English
    r"\brefund(?!\w*\s+policy)\w*\b",
    r"\bmoney back\b",
    r"\b(?:broken|damaged|defective|faulty|scratched|dented|cracked|torn|stained|wobbly)\b",
    r"\b(?:complain|complaint|complaints|complaining)\b",
    r"\b(?:not happy|unhappy|disappointed|unacceptable|terrible|awful|horrible|worst|disgusting|ripped off|scam)\b",
    r"\bwrong (?:item|items|product|order|colou?r|size|model|delivery)\b",
    r"\bmissing (?:parts?|pieces?|items?|screws?)\b",
    r"\b(?:never|still not|hasn't|has not|haven't|have not|didn't|did not|not yet)\s+(?:arrived|delivered|come|"
    r"received|been delivered)\b",
    r"\b(?:return|send back|exchange)\s+(?:it|them|this|these|my order|"
    r"the (?:chairs?|desks?|items?|order|furniture))\b",
    r"\bcancel (?:my|the|our) order\b",
    r"\b(?:poor|bad|lousy|rubbish|pathetic) (?:service|quality|delivery|support|installation|assembly)\b",
    r"\bnobody (?:came|showed up|assembled|installed|called|replied|answered|responded)\b",
    r"\b(?:dumped|left) (?:the )?(?:boxes|furniture|items|chairs|desks) (?:at|in|outside)\b",
    # Arabic
    r"(?:شكوي|شكوه|اشتكي|اشكي|متضايق|زعلان|مستاء|مو راضي|غير راضي|مب راضي)",
    r"(?:استرجاع|استرداد|ترجيع|ارجاع|رجعوا|ارجعوا)\s*(?:المبلغ|فلوسي|الفلوس|المال|مالي|الطلب|الطلبيه|البضاعه)?",
    r"(?:مكسور|مكسوره|انكسر|تالف|تالفه|خربان|خربانه|خربت|معيوب|معيوبه|فيه عيب|فيها عيب|مخدوش|مخدوشه|خدوش|"
    r"ناقص|ناقصه)",
    r"(?:ما وصل|ما وصلت|لم يصل|لم تصل|للحين ما|الي الحين ما|ما جا|ما جات)",
    r"(?:سيء|سيئه|زفت|نصب|احتيال|غلط في الطلب|الطلب غلط|اللون غلط|غير اللي طلبته|مو اللي طلبته)",
    # Russian
    r"(?:жалоб\w*|пожаловаться|претензи\w*)",
    r"(?:возврат\w*\s+(?:денег|средств|оплаты|товара)|вернуть\s+(?:деньги|товар|заказ)|верните)",
    r"(?:сломан\w*|слома\w*|поврежд\w*|брак\w*|царапин\w*|поцарапан\w*|дефект\w*|треснул\w*|испорчен\w*)",
    r"(?:не доставили|не привезли|не пришел|не пришла|не пришло|до сих пор не)",
    r"(?:ужасн\w*|недовол\w*|разочарован\w*|безобрази\w*|обман\w*|не тот товар|не тот цвет|не то что заказывал)",
    # Arabizi
    r"\b(?:maksoor|maksour|maksora|khraban|5arban|kharban|talef|talfa|ma3yoob|m3yoob)\b",
    r"\b(?:sha3wa|shakwa|ashteki|ashtki|za3lan|z3lan|mo radi|mob radi)\b",
    r"\b(?:arja3|rje3|raje3|arjaa)\s+(?:flosi|floosi|el ?floos|al ?floos|fulusi)\b",
    r"\b(?:ma wasal|ma wsl|ma wasalat|ma ja)\b",
)

# ----- payment terms -----------------------------------------------------------------------------------

_PAYMENT_TERMS = _rx(
    r"\b(?:credit terms?|credit (?:period|facility|line)|on credit|net ?(?:15|30|45|60|90)|"
    r"(?:30|45|60|90) days? credit)\b",
    r"\b(?:pay|payment)\s+(?:\w+\s+){0,3}(?:after|on|upon) (?:delivery|installation|receipt)\b",
    r"\b(?:installments?|instalments?|deferred payment|post-?dated (?:cheques?|checks?)|pdcs?|letter of credit|"
    r"lc at sight|pay later|partial payment|split (?:the )?payment)\b",
    r"(?:دفع اجل|الدفع الاجل|بالاجل|على الاجل|تقسيط|بالتقسيط|اقساط|دفعات|شيك مؤجل|شيكات مؤجله|"
    r"(?:ادفع|الدفع|ندفع|الدفعه)\s+(?:\S+\s+){0,2}بعد\s+(?:التسليم|التوصيل|الاستلام|التركيب)|"
    r"اعتماد مستندي|فتره سماح|ائتمان)",
    r"(?:отсрочк\w*\s+платеж\w*|с отсрочкой|рассрочк\w*|постоплат\w*|(?:оплат\w*|заплат\w*)\s+(?:\S+\s+){0,2}"
    r"после\s+(?:доставки|поставки|получения|установки)|аккредитив\w*|в кредит)",
    r"\b(?:ta9seet|taqseet|tagseet|aqsat|a9saat|ba3d el ?tasleem|ba3d al ?tasleem|ba3d ma yewsal)\b",
)

# ----- delivery dates and destinations -----------------------------------------------------------------

_WHEN_EN = (
    r"(?:today|tonight|tomorrow|monday|tuesday|wednesday|thursday|friday|saturday|sunday|next week|this week|"
    r"end of (?:the )?(?:week|month)|eid|ramadan|\d{1,2}(?:st|nd|rd|th)?(?: of)? ?(?:jan|feb|mar|apr|may|jun|jul|aug|"
    r"sep|oct|nov|dec)\w*|(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)\w* \d{1,2}|the \d{1,2}(?:st|nd|rd|th)|"
    r"\d{1,2}[/.-]\d{1,2}|\d+ (?:days?|hours?))"
)
_DELIVERY_COMMITMENT = _rx(
    rf"\b(?:deliver\w*|install\w*|ship\w*|dispatch\w*|need (?:it|them|this|these|the \w+)|have (?:it|them) ready|"
    rf"arrive|get (?:it|them))\s+(?:\w+\s+){{0,4}}?(?:by|before|on|until|no later than|within|latest|for)\s+"
    rf"(?:the )?{_WHEN_EN}\b",
    r"\b(?:deliver\w*|install\w*)\s+(?:\w+\s+){0,3}?(?:today|tomorrow|tonight)\b",
    r"\b(?:guarantee\w*|promise|commit\w*|confirm)\s+(?:\w+\s+){0,3}?(?:delivery|deliver\w*|installation|date)\b",
    r"\b(?:exact|fixed|firm|confirmed) (?:delivery )?date\b",
    r"\b(?:same[- ]day|next[- ]day|urgent|express|rush) (?:delivery|installation|order)\b",
    r"\bdeadline\b",
    # Arabic: a delivery word followed by a time
    r"(?:توصيل|التوصيل|توصلونها|توصلونه|توصلون|توصلها|يوصل|تسليم|التسليم|تركيب|التركيب|ابيها|ابيه|ابغاها|نحتاجها|"
    r"نحتاجه|احتاجها|اريدها|لازم توصل|لازم تكون)\s+(?:\S+\s+){0,3}?(?:بكره|بكرا|باكر|باجر|باچر|غدا|اليوم|الليله|"
    r"قبل|خلال|يوم|الاسبوع|نهايه|بتاريخ|في تاريخ)",
    r"(?:تاريخ التسليم|موعد التسليم|موعد التوصيل|تاريخ التوصيل|تضمنون|تضمن|ضمان التوصيل|مستعجل|ضروري)",
    # Russian
    r"(?:доставить|доставите|доставьте|доставка|привезти|привезите|привезете|установить|смонтировать|нужно|нужны|"
    r"нужен|нужна|успеете)\s+(?:\S+\s+){0,3}?(?:к|до(?!\s*[\d\s.,]+(?:aed|дирхам|дх|dh|тыс|%))|в течение|завтра|"
    r"сегодня|послезавтра|на этой неделе|на следующей)"
    r"(?:\s|$)",
    r"(?:гарантир\w*|обещает\w*|точн\w* дат\w*|точн\w* срок\w*|срочн\w*|дедлайн)",
    # Arabizi
    r"\b(?:twasel|twaslon|twasloon|tewasloon|tawseel|tawsil|tasleem|abiha|abgha(?:ha)?|ne7tajha)\s+(?:\w+\s+){0,3}?"
    r"(?:bokra|bukra|bachir|baachir|el ?yom|al ?yom|gabl|qabl|9abl|5elal|khilal)\b",
)

_ABROAD = (
    r"(?:saudi(?: arabia)?|ksa|riyadh|jeddah|dammam|khobar|oman|muscat|qatar|doha|bahrain|manama|kuwait|egypt|cairo|"
    r"india|pakistan|iraq|baghdad|erbil|jordan|amman|lebanon|beirut|iran|turkey|uk|united kingdom|london|europe|usa|"
    r"russia|moscow|kazakhstan|almaty|uzbekistan|africa|nigeria|kenya|abroad|overseas)"
)
_ABROAD_AR = (
    r"(?:ال)?(?:سعوديه|رياض|جده|دمام|خبر|عمان|مسقط|قطر|دوحه|بحرين|منامه|كويت|مصر|قاهره|هند|باكستان|عراق|بغداد|"
    r"اربيل|اردن|لبنان|بيروت|ايران|تركيا|لندن|اوروبا|امريكا|روسيا|موسكو|خارج)"
)
_ABROAD_RU = (
    r"(?:росси\w*|москв\w*|казахстан\w*|алмат\w*|узбекистан\w*|ташкент\w*|саудовск\w*|эр-рияд\w*|оман\w*|катар\w*|"
    r"бахрейн\w*|кувейт\w*|египет|египт\w*|инди\w*|турци\w*|европ\w*|грузи\w*|армени\w*|азербайджан\w*|за границ\w*|"
    r"за рубеж\w*)"
)
_OUTSIDE_UAE = _rx(
    rf"\b(?:deliver\w*|ship\w*|send\w*|export\w*|transport\w*|install\w*|freight)\s+(?:\w+\s+){{0,5}}?"
    rf"(?:to|in|into|for)\s+(?:the\s+)?{_ABROAD}\b",
    r"\b(?:outside (?:the )?(?:uae|emirates)|international (?:shipping|delivery)|export(?:ing)? (?:to|orders?)|"
    r"cross[- ]border|customs clearance|gcc delivery)\b",
    rf"(?:توصيل|توصلون|توصلونها|شحن|تشحنون|ترسلون|ترسلونها|تصدير|تصدرون|ارسال)\s+(?:\S+\s+){{0,4}}?"
    rf"(?:الي|ل|لل|في|الى)?\s*{_ABROAD_AR}",
    r"(?:خارج الامارات|خارج الدوله|شحن دولي|تصدير)",
    rf"(?:доставк\w*|доставить|доставите|отправ\w*|отгруз\w*|экспорт\w*|привез\w*)\s+(?:\S+\s+){{0,4}}?(?:в|во|до|на)\s+"
    rf"{_ABROAD_RU}",
    r"(?:за пределы оаэ|международн\w* доставк\w*|экспорт\w*|растаможк\w*)",
    r"\b(?:twasloon|tewasloon|twaslon|tshe7noon|tsh7noon|shahn)\s+(?:\w+\s+){0,3}?(?:la|ila|l|to)\s*"
    r"(?:el ?)?(?:saudi|sa3oodiya|oman|3uman|qatar|kuwait|bahrain|masr)\b",
)

# ----- drawings, floor plans, photos -----------------------------------------------------------------

_DRAWINGS = _rx(
    r"\b(?:floor ?plans?|layouts?|drawings?|autocad|cad files?|dwg|boq|bill of quantities|space planning|fit-?out|"
    r"site (?:visit|survey|measurement)|measure (?:the|our) (?:office|space|room)|3d (?:design|render\w*)|"
    r"interior design|design (?:our|my|the) (?:office|space))\b",
    r"(?:مخطط|المخطط|مخططات|رسم هندسي|رسومات|الرسومات|كروكي|تصميم المكتب|تصميم مكتب|زياره الموقع|زياره للموقع|"
    r"قياس المكتب|جدول الكميات|تجهيز المكتب بالكامل)",
    r"(?:планировк\w*|чертеж\w*|чертёж\w*|дизайн-проект\w*|дизайн проект\w*|замер\w*|выезд\w* на объект|"
    r"смет\w* по проекту|3d[- ]?визуализац\w*)",
    r"\b(?:mukhatat|mu5atat|m5tt|rasmaat|tasmeem el ?maktab)\b",
)

# ----- frustration ("you are not helping") ------------------------------------------------------------

_FRUSTRATION = _rx(
    r"\b(?:you(?:'re| are)? (?:not|n't) (?:helping|understanding|listening)|you don'?t understand|useless|"
    r"not helpful|this is not what i (?:asked|want)|stupid bot|waste of (?:my )?time|i already (?:told|said))\b",
    r"(?:ما فهمت|ما تفهم|مو فاهم|مب فاهم|ما فهمتني|ما تفهمني|ما فيه فايده|بلا فايده|مضيعه وقت|قلت لك)",
    r"(?:вы не понимаете|ты не понимаешь|не понимаешь|бесполезн\w*|я же (?:сказал|написал)|толку нет)",
    r"\b(?:mo fahim|mb fahim|ma tefham|ma tifham|ma fhmt|bala fayda)\b",
)

# ----- opting out of messages ("stop", "don't message me again") ---------------------------------------

# A whole-message "no thanks" opts out too: it is what customers answer a reminder they do not want.
_OPT_OUT = _rx(
    r"^(?:stop|unsubscribe|no thanks?|no,? thank you|not interested)[.! ]*$",
    r"\b(?:stop|quit|no more)\s+(?:\w+\s+)?(?:messag\w*|texting|writing|sending|contacting|reminders?|spam\w*)\b",
    r"\b(?:do not|don'?t|never|pls don'?t|please don'?t)\s+(?:\w+\s+)?(?:message|text|write|contact|msg|remind)\w*"
    r"\s+(?:me|us)\b",
    r"\b(?:unsubscribe|opt me out|remove me from|take me off)\b",
    r"^(?:لا|لأ)[،, ]*(?:شكرا|شكرًا|مشكور|مشكورين)[.! ]*$",
    r"(?:لا|ما)\s*(?:تراسلوني|تراسلني|ترسلوا لي|ترسلولي|ترسل لي|تتواصلوا معي|تتصلوا|تكتبوا لي|تزعجوني)",
    r"(?:توقفوا|وقفوا|اوقفوا|بطلوا)\s+(?:عن\s+)?(?:ال)?(?:رسائل|مراسل|ارسال|تذكير)",
    r"الغاء الاشتراك",
    r"^(?:нет,? спасибо|стоп|отписаться)[.! ]*$",
    r"не\s+(?:пишите|присылайте|беспокойте|звоните)",
    r"больше\s+не\s+(?:пишите|присылайте|надо писать|беспокойте)",
    r"отпишите|хватит (?:писать|присылать)",
    r"^(?:la|laa)[, ]*(?:shukran|shokran|shukrn|mashkoor)[.! ]*$",
    r"\b(?:la|ma)\s*(?:traslni|trasilni|trasloni|tkalmoni|tkalemni|ttwaslo)\b",
)

# Whole phrases only: a bare "manager" is as often a manager's desk or chair as a person.
_PERSON_WORDS = cue_words(
    r"human(?! resources)",
    r"(?:a|an|any|some|real|live) (?:person|agent|representative|rep)\b",
    r"(?:your|the) (?:boss|supervisor|owner)",
    r"supervisor",
    r"someone (?:real|from (?:your|the) (?:team|sales|office))",
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
    "اتصلوا",
    "كلموني",
    r"abi akalim",
    r"abgha akalim",
    r"mowazaf",
    r"mwazaf",
    "живой человек",
    "с человеком",
    "позвоните",
)
# Words that are a complaint on their own; refunds and returns are complaints only as the phrases above say
# ("I want my money back"), since "what is your refund policy?" is a question.
_COMPLAINT_WORDS = cue_words(
    r"complain",
    r"complaint",
    r"broken",
    r"damaged",
    r"defect",
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
    "ما وصل",
    "سيء",
    "متضرر",
    "жалоб",
    "сломан",
    "поврежд",
    "брак",
    "верните деньги",
    "не пришл",
    "ужасн",
)


def _first(pattern: re.Pattern[str], text: str) -> str | None:
    match = pattern.search(text)
    return match.group(0).strip()[:80] if match else None


def asks_for_person(text: str) -> bool:
    return bool(_HUMAN_REQUEST.search(normalise(text)) or _PERSON_WORDS.search(text))


def complains(text: str) -> bool:
    return bool(_COMPLAINT.search(normalise(text)) or _COMPLAINT_WORDS.search(text))


def payment_terms_asked(text: str) -> str | None:
    return _first(_PAYMENT_TERMS, normalise(text))


def delivery_date_asked(text: str) -> bool:
    return bool(_DELIVERY_COMMITMENT.search(normalise(text)))


def destination_abroad(text: str) -> str | None:
    return _first(_OUTSIDE_UAE, normalise(text))


def mentions_plan(text: str) -> bool:
    return bool(_DRAWINGS.search(normalise(text)))


def opts_out(text: str) -> bool:
    return bool(_OPT_OUT.search(normalise(text)))


def frustrated(text: str) -> bool:
    return bool(_FRUSTRATION.search(normalise(text)))
