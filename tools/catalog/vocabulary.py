"""Vocabulary tables for query understanding (data, not logic).

Each entry maps a phrase to catalog values. A phrase is words separated by spaces; `|` separates
alternatives, and a leading `~` means an Arabizi consonant skeleton (see normalize.arabizi_skeleton:
"korsi", "kursi", "karasi" all have the skeleton "krs"). Words are written naturally (Arabic, Russian,
English) and matched by their Snowball stem (tools/catalog/stemming.py), so one form stands for its
inflections: "кресло" also matches "кресла", "креслами"; "طاولة" also "الطاولة", "طاولات". Forms a
stemmer cannot join (Arabic broken plurals such as كرسي/كراسي, Russian "кресел") are listed.
"""

from __future__ import annotations

from tools.catalog.normalize import normalize_text

# --- categories (Zoho category_name values) --------------------------------------------------------

ETC = "Ergonomic & Task Chairs"
EC = "Executive Chairs"
MC = "Mesh Chairs"
VC = "Visitor & Conference Chairs"
ST = "Stools"
HD = "Height-Adjustable Desks"
ED = "Executive Desks"
LD = "L-Shaped Desks"
OD = "Operator Desks"
WS = "Workstations"
MT = "Meeting & Conference Tables"
TT = "Training Tables"
RD = "Reception Desks"
PD = "Pedestals & Mobile Drawers"
FC = "Filing Cabinets"
BK = "Bookcases & Shelving"
LK = "Lockers"
SF = "Sofas & Lounge Seating"
CT = "Coffee Tables"
AP = "Acoustic Pods & Phone Booths"
PS = "Partitions & Screens"
AC = "Office Accessories"

CHAIRS = (ETC, EC, MC, VC)
DESKS = (HD, ED, LD, OD)
TABLES = (MT, TT, CT)
STORAGE = (PD, FC, BK, LK)

# Several category phrases in one query are intersected when they overlap
# ("executive" ∩ "chair" = Executive Chairs), otherwise united ("chairs and desks").
CATEGORY_TERMS: list[tuple[str, tuple[str, ...]]] = [
    # English
    ("chair|chairs|seat|seating|seats|chiar|chairz", CHAIRS),
    ("office chair|office chairs|computer chair|desk chair", CHAIRS),
    ("task chair|task chairs|ergonomic|ergonomics|orthopedic|orthopaedic|lumbar", (ETC,)),
    ("executive|manager|managers|boss|ceo|director|directors", (EC, ED)),
    ("visitor|visitors|guest|guests|waiting|stacking|stackable|conference chair|conference chairs", (VC,)),
    ("conference|boardroom", (VC, MT)),
    ("stool|stools|bar stool|bar stools|drafting stool|saddle stool|bar", (ST,)),
    ("desk|desks|table desk|writing desk|office desk|office desks", DESKS),
    (
        "standing desk|standing desks|stand up desk|sit stand|sit-stand|height adjustable|height-adjustable"
        "|adjustable desk|electric desk|electric desks|motorized desk|standing",
        (HD,),
    ),
    ("electric", (HD,)),
    ("l shaped|l-shaped|corner desk|corner desks|l desk|return", (LD, HD)),
    ("operator desk|operator desks|staff desk|employee desk|straight desk", (OD,)),
    ("workstation|workstations|bench desk|cluster|open plan|pod of desks", (WS,)),
    ("table|tables", TABLES),
    ("meeting table|meeting tables|conference table|conference tables|boardroom table|meeting room", (MT,)),
    ("meeting", (MT, AP)),
    ("training table|training tables|training|classroom|seminar|flip top|flip-top", (TT,)),
    ("coffee table|coffee tables|side table|centre table|center table|lounge table", (CT,)),
    ("reception|reception desk|reception desks|front desk|counter|lobby", (RD,)),
    ("pedestal|pedestals|mobile drawer|mobile drawers|drawer unit", (PD,)),
    ("drawers|drawer", (PD, FC)),
    ("filing cabinet|filing cabinets|file cabinet|filing|files|archive", (FC,)),
    ("cabinet|cabinets|cupboard|cupboards|storage", (FC, BK, LK, PD)),
    ("bookcase|bookcases|bookshelf|bookshelves|shelf|shelves|shelving|rack", (BK,)),
    ("locker|lockers", (LK,)),
    ("sofa|sofas|couch|couches|lounge|armchair|armchairs|lounge chair|settee|loveseat", (SF,)),
    ("pod|pods|booth|booths|phone booth|meeting pod|acoustic pod|soundproof|quiet room", (AP,)),
    ("acoustic", (AP, PS)),
    ("partition|partitions|screen|screens|divider|dividers|privacy panel", (PS,)),
    (
        "accessory|accessories|monitor arm|monitor arms|cable|cables|whiteboard|whiteboards|footrest|lamp|tray|grommet"
        "|cable management",
        (AC,),
    ),
    # Arabic (MSA and Gulf)
    ("كرسي|كراسي|كرسى|الكرسي|كرسيين|الكراسي|مقعد|مقاعد", CHAIRS),
    ("كرسي مكتب|كراسي مكتب|كرسي مكتبي|كراسي مكتبيه|كرسي كمبيوتر|كرسي للمكتب", CHAIRS),
    ("ارغونومي|ارجونومي|ارقونومي|ارغونوميه|طبي|طبيه|مريح|مريحه|صحي|للظهر", (ETC,)),
    ("مدير|مدراء|المدير|تنفيذي|تنفيذيه|رئيس|للمدير|للمدراء", (EC, ED)),
    ("زوار|للزوار|الزوار|ضيوف|للضيوف|انتظار|الانتظار", (VC,)),
    ("مؤتمرات|موتمرات", (VC, MT)),
    ("ستول|ستولات|كرسي بار|كراسي بار|بار", (ST,)),
    ("مكتب|مكاتب|مكتبي|طاوله مكتب", DESKS),
    (
        "مكتب كهربائي|مكاتب كهربائيه|كهربائي|كهربائيه|مكتب وقوف|مكتب واقف|تعديل الارتفاع|قابل لتعديل الارتفاع"
        "|متغير الارتفاع|ستاندنج",
        (HD,),
    ),
    ("حرف l|شكل l|زاويه|زاوية|ركنه|كورنر", (LD, HD)),
    ("محطه عمل|محطات عمل|ورك ستيشن|ورك استيشن|وركستيشن", (WS,)),
    ("طاوله|طاولات|ترابيزه|طربيزه", TABLES),
    ("طاوله اجتماعات|طاولات اجتماعات|طاوله اجتماع|طاوله مؤتمرات|طاوله مجلس اداره", (MT,)),
    ("اجتماعات|اجتماع|الاجتماعات", (MT, AP)),
    ("طاوله قهوه|طاوله وسط|طاولات قهوه|طاوله جانبيه", (CT,)),
    ("تدريب|طاوله تدريب|طاولات تدريب|للتدريب", (TT,)),
    ("مكتب استقبال|مكاتب استقبال|استقبال|الاستقبال|كاونتر|ريسبشن", (RD,)),
    ("درج|ادراج|وحده ادراج|دروج", (PD, FC)),
    ("خزانه ملفات|خزائن ملفات|كابينه ملفات|ملفات|ارشيف", (FC,)),
    ("خزانه|خزائن|دولاب|دواليب|كبت|كبتات", (FC, BK, LK, PD)),
    ("مكتبه|مكتبه كتب|رفوف|رف|ارفف|مكتبات", (BK,)),
    ("لوكر|لوكرات|خزائن موظفين|خزانه موظفين", (LK,)),
    ("كنبه|كنب|كنبات|صوفا|اريكه|ارائك|كنبايه|جلسه|كرسي استرخاء|كراسي استرخاء|استرخاء", (SF,)),
    ("بود|كابينه صوتيه|كابينه هاتف|كبينه|كابينه|عازل للصوت|عازله للصوت", (AP,)),
    ("فاصل|فواصل|قاطع|قواطع|بارتيشن|حاجز|حواجز|بارتشن", (PS,)),
    ("اكسسوارات|اكسسوار|حامل شاشه|ذراع شاشه|سبوره|سبورات|كابلات|مصباح|اباجوره", (AC,)),
    # Russian (stems)
    ("кресло|кресла|кресел|стул|стулья|стульев|сиденье", CHAIRS),
    ("офисное кресло|компьютерное кресло|офисный стул", CHAIRS),
    ("эргономичный|ортопедический|поясничный", (ETC,)),
    ("руководитель|руководство|директор|босс|начальник|представительский", (EC, ED)),
    ("посетитель|гость|гостевой|конференц-стул|стулья-конференц|штабелируемый", (VC,)),
    ("конференц|конференция|конференц-зал", (VC, MT)),
    ("табурет|барный", (ST,)),
    ("стол|стола|столы|столов|столом|столе|столу|столах|столами", (*DESKS, MT, TT)),
    ("письменный стол|офисный стол|компьютерный стол", DESKS),
    ("регулировка|регулируемый|подъемный|электропривод|электрический|стоя", (HD,)),
    ("угловой|г-образный", (LD,)),
    ("оператор|сотрудник", (OD, WS)),
    ("рабочая станция|бенч|рабочее место|кластер|опенспейс", (WS,)),
    ("переговоры|переговорный", (MT, AP)),
    ("обучение|тренинг|учебный", (TT,)),
    ("журнальный|кофейный|столик", (CT,)),
    ("ресепшн|ресепшен|стойка", (RD,)),
    ("тумба|тумбочка|ящик", (PD, FC)),
    ("картотека|документ|бумага|архив", (FC,)),
    ("шкаф|шкафы|шкафа|шкафов", (FC, BK, LK, PD)),
    ("стеллаж|книжный|полка", (BK,)),
    ("шкафчик|локер", (LK,)),
    ("диван|софа|софы|кресло-мешок|лаунж", (SF,)),
    ("кабина|будка|звукоизоляция|звукоизоляционный", (AP,)),
    ("перегородка|ширма|экран|акустический", (PS,)),
    ("аксессуар|кронштейн|доска|подставка|кабель|кабельный", (AC,)),
    # Arabizi (skeletons)
    ("~krs|~krsy|~krasy|~kras", CHAIRS),
    ("~krs ~mktb|~krsy ~mktb", CHAIRS),
    ("~mdr|~mdyr|~mdra|~tnfdh|~tnfz", (EC, ED)),
    ("~mrh|~tby", (ETC,)),
    ("~mktb|~mkatb|~mktab", DESKS),
    ("~twl|~twlh|~twlt|~trbz|~trbzh|~trabz", TABLES),
    ("~twl ~jtmt|~twlh ~jtmt|~twlt ~jtmt|~jtmt|~jtm", (MT,)),
    ("~knb|~knbh|~knbt", (SF,)),
    ("~khzn|~khzanh|~dwlb", (FC, BK, LK, PD)),
    ("~drj|~drj", (PD,)),
    ("~stql|~stqbl|~mktb ~stqbl|~mktb ~stql", (RD,)),
    ("~zwr|~zwar|~zwwr|~dyf", (VC,)),
    ("~khrb|~khrbq|~khrbay", (HD,)),
    ("~twl ~qhw|~twlt ~qhw|~twlh ~qhw|~qhw|~twlh ~wst|~twlt ~wst", (CT,)),
    ("~mktbh|~rf|~rfwf", (BK,)),
    ("~kbnh|~kbnt", (AP,)),
    ("~tb|~tby", (ETC,)),
    ("~mlft", (FC,)),
    ("~tdrb", (TT,)),
]

# Categories whose items are sold by width: a bare number in BARE_WIDTH_RANGE with one of them is a width in cm.
SIZED_CATEGORIES = (HD, ED, LD, OD, WS, MT, TT, RD, PS)
BARE_WIDTH_RANGE = (60, 400)

# --- colours (cf_color values) ---------------------------------------------------------------------

COLOR_TERMS: list[tuple[str, tuple[str, ...]]] = [
    ("black|blk|blak", ("Black",)),
    ("white|wht|whit", ("White",)),
    ("grey|gray|gry", ("Grey", "Dark Grey", "Light Grey")),
    ("dark grey|dark gray|charcoal|anthracite", ("Dark Grey",)),
    ("light grey|light gray", ("Light Grey",)),
    ("oak", ("Oak", "Light Oak")),
    ("light oak", ("Light Oak",)),
    ("grey oak|gray oak", ("Grey Oak",)),
    ("walnut", ("Walnut",)),
    ("wenge", ("Wenge",)),
    ("blue", ("Blue", "Navy Blue")),
    ("navy|navy blue|dark blue", ("Navy Blue",)),
    ("beige|sand", ("Beige",)),
    ("cream|ivory|off white|off-white", ("Cream",)),
    ("green", ("Green", "Olive Green")),
    ("olive|olive green", ("Olive Green",)),
    ("red", ("Red",)),
    ("burgundy|maroon|wine", ("Burgundy",)),
    ("brown|chocolate", ("Brown", "Dark Brown", "Tan")),
    ("dark brown", ("Dark Brown",)),
    ("tan|camel|cognac", ("Tan",)),
    ("silver", ("Silver",)),
    ("clear|transparent", ("Clear",)),
    ("frosted|matte glass", ("Frosted",)),
    ("orange", ("Orange",)),
    ("yellow", ("Yellow",)),
    # Arabic
    ("اسود|سوداء|سودا|سود|الاسود|اسودا", ("Black",)),
    ("ابيض|بيضاء|بيضا|بيض|الابيض", ("White",)),
    ("رمادي|رماديه|رصاصي|رصاصيه|سكني|رمادى|الرمادي", ("Grey", "Dark Grey", "Light Grey")),
    ("رمادي غامق|رمادي داكن|فحمي", ("Dark Grey",)),
    ("رمادي فاتح", ("Light Grey",)),
    ("بلوط|خشب البلوط|بلون خشب البلوط|البلوط", ("Oak", "Light Oak")),
    ("بلوط فاتح|البلوط الفاتح|خشب البلوط الفاتح", ("Light Oak",)),
    ("بلوط رمادي|البلوط الرمادي|خشب البلوط الرمادي", ("Grey Oak",)),
    ("جوز|خشب الجوز|الجوز", ("Walnut",)),
    ("ونجي|وينجي|الونجي", ("Wenge",)),
    ("ازرق|زرقاء|زرقا|الازرق", ("Blue", "Navy Blue")),
    ("كحلي|كحليه|نيلي|ازرق داكن|ازرق غامق", ("Navy Blue",)),
    ("بيج|بيجي", ("Beige",)),
    ("كريمي|كريم|عاجي", ("Cream",)),
    ("اخضر|خضراء|خضرا|الاخضر", ("Green", "Olive Green")),
    ("زيتي|زيتيه", ("Olive Green",)),
    ("احمر|حمراء|حمرا|الاحمر", ("Red",)),
    ("عنابي|خمري|نبيتي", ("Burgundy",)),
    ("بني|بنيه|بنى|البني", ("Brown", "Dark Brown", "Tan")),
    ("بني غامق|بني داكن", ("Dark Brown",)),
    ("جملي|عسلي|كونياك", ("Tan",)),
    ("فضي|فضيه", ("Silver",)),
    ("شفاف|شفافه", ("Clear",)),
    ("مصنفر|مطفي", ("Frosted",)),
    ("برتقالي", ("Orange",)),
    ("اصفر|صفراء", ("Yellow",)),
    # Russian
    ("черный", ("Black",)),
    ("бел|белый|белая|белое|белые|белого|белых|белую|белым", ("White",)),
    ("серый|серая|серое|серые|серого|серых|серую|серым|графит|графитовый", ("Grey", "Dark Grey", "Light Grey")),
    ("темно-серый|темно серый|антрацит", ("Dark Grey",)),
    ("светло-серый|светло серый", ("Light Grey",)),
    ("дуб|дубовый|под дуб", ("Oak", "Light Oak")),
    ("светлый дуб|беленый дуб", ("Light Oak",)),
    ("серый дуб", ("Grey Oak",)),
    ("орех|ореховый", ("Walnut",)),
    ("венге", ("Wenge",)),
    ("синий|синяя|синее|синие|синего|синих|голубой", ("Blue", "Navy Blue")),
    ("темно-синий|темно синий|navy", ("Navy Blue",)),
    ("бежевый", ("Beige",)),
    ("кремовый|молочный", ("Cream",)),
    ("зеленый", ("Green", "Olive Green")),
    ("оливка|оливковый", ("Olive Green",)),
    ("красный", ("Red",)),
    ("бордовый|винный", ("Burgundy",)),
    ("коричневый", ("Brown", "Dark Brown", "Tan")),
    ("темно-коричневый|темно коричневый", ("Dark Brown",)),
    ("рыжий|карамельный", ("Tan",)),
    ("серебро|серебристый", ("Silver",)),
    ("прозрачный", ("Clear",)),
    ("матовый", ("Frosted",)),
    ("оранжевый", ("Orange",)),
    ("желтый", ("Yellow",)),
    # Arabizi
    ("~swd|~swda|~sod", ("Black",)),
    ("~bd|~byd|~byda|~bda", ("White",)),
    ("~rmd|~rmdy|~rss|~rsasy|~sokny|~skny", ("Grey", "Dark Grey", "Light Grey")),
    ("~zrq|~zrqa|~zrg", ("Blue", "Navy Blue")),
    ("~khly|~khl", ("Navy Blue",)),
    ("~hmr|~hmra", ("Red",)),
    ("~khdr|~khdra", ("Green", "Olive Green")),
    ("~bn|~bny", ("Brown", "Dark Brown", "Tan")),
    ("~blwt", ("Oak", "Light Oak")),
    ("~jwz|~jz", ("Walnut",)),
]

# --- materials (cf_material values) ----------------------------------------------------------------

LEATHER = ("Genuine Leather", "PU Leather")
WOOD = ("Wood Veneer", "Melamine")
METAL = ("Steel", "Aluminium", "Aluminium & Acoustic Felt")

MATERIAL_TERMS: list[tuple[str, tuple[str, ...]]] = [
    ("leather|lether|leathr", LEATHER),
    ("genuine leather|real leather|natural leather|full grain leather|genuine", ("Genuine Leather",)),
    ("pu leather|pu|faux leather|synthetic leather|artificial leather|vegan leather|leatherette", ("PU Leather",)),
    ("mesh|net|breathable", ("Mesh",)),
    ("fabric|cloth|textile|upholstered", ("Fabric",)),
    ("boucle|bouclé", ("Boucle",)),
    ("velvet", ("Velvet",)),
    ("wood|wooden|timber", WOOD),
    ("veneer|wood veneer|solid wood", ("Wood Veneer",)),
    ("melamine|mfc|laminate|laminated", ("Melamine",)),
    ("glass|tempered glass", ("Tempered Glass",)),
    ("steel|metal|metallic|iron", ("Steel", "Aluminium")),
    ("aluminium|aluminum", ("Aluminium", "Aluminium & Acoustic Felt")),
    ("felt|pet felt", ("PET Felt", "Aluminium & Acoustic Felt")),
    ("plastic|polypropylene", ("Polypropylene",)),
    ("stone|marble|sintered|sintered stone|ceramic", ("Sintered Stone",)),
    ("lacquer|high gloss|gloss|glossy", ("High-Gloss Lacquer",)),
    # Arabic
    ("جلد|جلدي|الجلد|جلديه|بالجلد", LEATHER),
    ("جلد طبيعي|جلد اصلي|الجلد الطبيعي", ("Genuine Leather",)),
    ("جلد صناعي|الجلد الصناعي|بي يو|جلد pu", ("PU Leather",)),
    ("شبك|شبكي|شبكيه|شبكة|مش|بالشبك", ("Mesh",)),
    ("قماش|قماشي|القماش|بالقماش", ("Fabric",)),
    ("بوكليه|بوكلي", ("Boucle",)),
    ("مخمل|قطيفه|مخملي", ("Velvet",)),
    ("خشب|خشبي|خشبيه|الخشب", WOOD),
    ("قشره خشب|قشره خشب طبيعي|خشب طبيعي|فينير", ("Wood Veneer",)),
    ("ميلامين|mdf|ام دي اف", ("Melamine",)),
    ("زجاج|زجاجي|زجاجيه|الزجاج|قزاز", ("Tempered Glass",)),
    ("حديد|معدن|معدني|معدنيه|فولاذ|ستيل|ستانلس", ("Steel", "Aluminium")),
    ("المنيوم|الومنيوم|ألمنيوم", ("Aluminium", "Aluminium & Acoustic Felt")),
    ("لباد|فيلت", ("PET Felt", "Aluminium & Acoustic Felt")),
    ("بلاستيك|بلاستيكي", ("Polypropylene",)),
    ("رخام|حجر|سيراميك", ("Sintered Stone",)),
    ("لامع|لاكيه", ("High-Gloss Lacquer",)),
    # Russian
    ("кожа|кожаный", LEATHER),
    ("натуральная кожа", ("Genuine Leather",)),
    ("экокожа|искусственная кожа|эко-кожа|эко кожа", ("PU Leather",)),
    ("сетка|сетчатый", ("Mesh",)),
    ("ткань|тканевый|текстиль", ("Fabric",)),
    ("букле", ("Boucle",)),
    ("бархат|бархатный|велюр|велюровый", ("Velvet",)),
    ("дерево|деревянный", WOOD),
    ("шпон|массив", ("Wood Veneer",)),
    ("меламин|лдсп|ламинированный", ("Melamine",)),
    ("стекло|стеклянный", ("Tempered Glass",)),
    ("металл|металлический|сталь|стальной|железный", ("Steel", "Aluminium")),
    ("алюминий|алюминиевый", ("Aluminium", "Aluminium & Acoustic Felt")),
    ("войлок|войлочный|фетр", ("PET Felt", "Aluminium & Acoustic Felt")),
    ("пластик|пластиковый|полипропилен", ("Polypropylene",)),
    ("камень|каменный|мрамор|мраморный|керамика", ("Sintered Stone",)),
    ("глянец|глянцевый|лак|лакированный", ("High-Gloss Lacquer",)),
    # Arabizi
    ("~jld|~gld", LEATHER),
    ("~shbk|~shbky", ("Mesh",)),
    ("~qmsh|~kmsh", ("Fabric",)),
    ("~khshb|~khshby", WOOD),
    ("~zjj|~qzz", ("Tempered Glass",)),
    ("~hdd", ("Steel", "Aluminium")),
    ("~mkhml", ("Velvet",)),
]

# --- availability ---------------------------------------------------------------------------------

IN_STOCK_TERMS: list[str] = [
    "in stock|instock|in-stock|available|availability|ready|immediate|immediately",
    "ready stock|available now|on hand",
    "متوفر|متوفره|متوفرين|متاح|متاحه|موجود|موجوده|جاهز|جاهزه|فوري|المخزون|بالمخزون|مخزون|ستوك",
    "наличие|в наличии|на складе",
    "~mwjd|~mwjwd|~mtwfr|~mtwfrh|~jhz",
]

# Phrases that name the office the furniture is for, not a desk ("kursi lel maktab" is an office chair, not a
# chair and a desk); recognised so that their words are not read as a category.
IGNORED_TERMS: list[str] = [
    "for the office|for our office|for my office|for office|in the office|للمكتب|في المكتب|حق المكتب",
    "lel ~mktb|lil ~mktb|ll ~mktb|lal ~mktb|fel ~mktb|fi ~mktb|7ag ~mktb|hag ~mktb",
    "для офиса|в офис|в офисе",
]

# Where a product goes, when furniture names the place: "divider between desks", "tray under the desk",
# "chairs for the training room" (tools/catalog/query.py `_is_place`); words matched as written or by stem.
SPATIAL_WORDS = "between|under|underneath|beneath|below|بين|تحت|فوق|جنب|между|под|над|возле|ta7t|taht|bein|ben"
ROOM_WORDS = "room|rooms|hall|halls|قاعه|قاعات|غرفه|غرف|зал|зала|залы|комната|комнаты|переговорная|ghorfa|qa3a|3'orfa"

# --- price words (regular expressions over normalised text) ----------------------------------------

CURRENCY_PATTERN = r"(?:aed|dhs?|dirhams?|dirham|درهم|دراهم|الدرهم|د\.?ا|дирхам\w*|дрх|~?derham|drhm|derhm|dhm|dh)"
MAX_PRICE_WORDS = (
    r"(?:under|below|less than|max(?:imum)?|up to|upto|within|not more than|no more than|cheaper than|"
    r"budget(?: of| is)?|at most|<|<=|"
    r"اقل من|اقل|تحت|حدود|في حدود|بحدود|لا يتعدى|ما يتعدى|ما يزيد عن|لا يزيد عن|ما يتجاوز|لا يتجاوز|الى|حتى|"
    r"ميزانيه|الميزانيه|بميزانيه|"
    r"до|не дороже|дешевле|меньше|менее|максимум|в пределах|бюджет\w*|"
    r"a2al men|a2al min|aqal min|a2al|aqal|ta7t|taht|7dod|hdod|budget)"
)
MIN_PRICE_WORDS = (
    r"(?:over|above|more than|from|min(?:imum)?|at least|starting|>|>=|"
    r"اكثر من|اكثر|فوق|من|ابتداء من|يبدا من|"
    r"от|дороже|больше|более|минимум|"
    r"aktar men|akthar min|fo2|foq)"
)
BETWEEN_WORDS = r"(?:between|from|بين|من|от|ma bain|bain|ben)"
AND_WORDS = r"(?:and|to|-|و|الى|إلى|и|до|w|wa|ila)"
CHEAP_WORDS = "cheap|cheapest|budget|affordable|inexpensive|رخيص|رخيصه|ارخص|اقتصادي|дешевый|бюджетный|~rkhs|~rkhys"
# Arabizi words for "less than" / "under", matched by loose skeleton ("a2al", "a8al", "agal"; "ta7t", "tahat").
ARABIZI_MAX_PRICE_WORDS = ("aqal", "taht")
QUANTITY_NOUN_HINT = r"(?:pcs|pieces|units|qty|حبه|حبات|قطعه|قطع|шт|штук)"
SEAT_WORDS = (
    r"(?:people|persons?|pax|seater|seats?|users?|اشخاص|شخص|افراد|مقاعد|человек\w*|мест\w*|персон\w*|nafar|ashkhas)"
)
SIZE_UNITS = r"(?:cm|cms|centimeters?|سم|سنتيمتر|سنتي|см|сантиметр\w*|senti)"
SIZE_WORDS = r"(?:wide|width|long|length|عرض|بعرض|طول|بطول|шириной|ширина|длиной|длина)"
METRE_UNITS = r"(?:m|meter|metre|meters|metres|متر|م|м|метр\w*|metr)"

# Words that carry no product meaning, dropped from the lexical query.
_STOPWORDS_TEXT = """
a an the i we me my our you your for with and or of in on to at by from is are be need
needs want wants looking look show find give get have has do does please pls plz any some
something some which what how much price prices cost costs about like would could can
also new good best nice quality one ones office aed dhs dirham dirhams cm under below
less than up over above ابي ابغى ابغي ابا بغيت اريد اريد نريد ودي عندكم عندك هل في من الى
على عن مع او و ال لو ممكن شي شيء اي ايش وش كم سعر بسعر حق حقت اللون لون بلون مقاس بمقاس
طراز نوع افضل زين حلو درهم دراهم سم للمكتب المكتب мне нужен нужна нужно нужны хочу ищу
есть ли у вас для с и или в на по от до за какой какие цена цены стоимость пожалуйста
дирхам дирхамов см офиса офисный офисное 3ayez ayez abi abgha abgh baddi bedi 3andkom
3indkum fi el al il ma3 w wa law plz shi 7ag hag haq bas lel lil
"""
STOPWORDS: frozenset[str] = frozenset(normalize_text(w) for w in _STOPWORDS_TEXT.split())

# --- number words ----------------------------------------------------------------------------------
# Values of number words; "hundred" and "thousand" multiply what precedes them ("two thousand", "ألفين وخمسمية",
# "полторы тысячи"). Arabic words are also recognised after a one-letter proclitic (و ب ل: "لعشرة", "بأربعة").

HUNDRED = 100.0
THOUSAND = 1000.0
NUMBER_WORDS: dict[str, float] = {
    **dict.fromkeys(["one"], 1),
    **dict.fromkeys(["two"], 2),
    **dict.fromkeys(["three"], 3),
    **dict.fromkeys(["four"], 4),
    **dict.fromkeys(["five"], 5),
    **dict.fromkeys(["six"], 6),
    **dict.fromkeys(["seven"], 7),
    **dict.fromkeys(["eight"], 8),
    **dict.fromkeys(["nine"], 9),
    **dict.fromkeys(["ten"], 10),
    **dict.fromkeys(["eleven"], 11),
    **dict.fromkeys(["twelve", "dozen"], 12),
    **dict.fromkeys(["fifteen"], 15),
    **dict.fromkeys(["twenty"], 20),
    **dict.fromkeys(["thirty"], 30),
    **dict.fromkeys(["forty"], 40),
    **dict.fromkeys(["fifty"], 50),
    **dict.fromkeys(["hundred"], HUNDRED),
    **dict.fromkeys(["thousand"], THOUSAND),
    # Arabic (MSA and Gulf), written naturally; normalised when compiled
    **dict.fromkeys(["واحد", "واحدة"], 1),
    **dict.fromkeys(["اثنين", "اثنان", "اتنين", "ثنتين"], 2),
    **dict.fromkeys(["ثلاث", "ثلاثة", "تلات", "تلاتة"], 3),
    **dict.fromkeys(["أربع", "أربعة"], 4),
    **dict.fromkeys(["خمس", "خمسة"], 5),
    **dict.fromkeys(["ست", "ستة"], 6),
    **dict.fromkeys(["سبع", "سبعة"], 7),
    **dict.fromkeys(["ثمان", "ثماني", "ثمانية", "ثمانيه"], 8),
    **dict.fromkeys(["تسع", "تسعة"], 9),
    **dict.fromkeys(["عشر", "عشرة"], 10),
    **dict.fromkeys(["اثنا عشر", "اثني عشر", "اطنعش", "اثنعش"], 12),
    **dict.fromkeys(["عشرين", "عشرون"], 20),
    **dict.fromkeys(["ثلاثين", "ثلاثون"], 30),
    **dict.fromkeys(["أربعين", "أربعون"], 40),
    **dict.fromkeys(["خمسين", "خمسون"], 50),
    **dict.fromkeys(["مية", "مئة", "مائة"], HUNDRED),
    **dict.fromkeys(["ميتين", "مئتين", "مائتين", "مئتان"], 200),
    **dict.fromkeys(["ثلاثمية", "ثلاثمئة", "ثلاثمائة", "تلتمية"], 300),
    **dict.fromkeys(["أربعمية", "أربعمئة", "أربعمائة"], 400),
    **dict.fromkeys(["خمسمية", "خمسمئة", "خمسمائة"], 500),
    **dict.fromkeys(["ستمية", "ستمئة", "ستمائة"], 600),
    **dict.fromkeys(["سبعمية", "سبعمئة", "سبعمائة"], 700),
    **dict.fromkeys(["ثمانمية", "ثمانمئة", "ثمانمائة"], 800),
    **dict.fromkeys(["تسعمية", "تسعمئة", "تسعمائة"], 900),
    **dict.fromkeys(["ألف", "آلاف", "الاف"], THOUSAND),
    **dict.fromkeys(["ألفين", "ألفان"], 2000),
    # Russian (the forms numbers take after prepositions: "на трёх", "до тысячи", "с тремя")
    **dict.fromkeys(["один", "одна", "одно", "одного", "одной"], 1),
    **dict.fromkeys(["два", "две", "двух", "двум", "двумя"], 2),
    **dict.fromkeys(["три", "трех", "трем", "тремя"], 3),
    **dict.fromkeys(["четыре", "четырех", "четырем", "четырьмя"], 4),
    **dict.fromkeys(["пять", "пяти", "пятью"], 5),
    **dict.fromkeys(["шесть", "шести", "шестью"], 6),
    **dict.fromkeys(["семь", "семи"], 7),
    **dict.fromkeys(["восемь", "восьми"], 8),
    **dict.fromkeys(["девять", "девяти"], 9),
    **dict.fromkeys(["десять", "десяти"], 10),
    **dict.fromkeys(["двенадцать", "двенадцати"], 12),
    **dict.fromkeys(["пятнадцать", "пятнадцати"], 15),
    **dict.fromkeys(["двадцать", "двадцати"], 20),
    **dict.fromkeys(["тридцать", "тридцати"], 30),
    **dict.fromkeys(["сорок", "сорока"], 40),
    **dict.fromkeys(["пятьдесят", "пятидесяти"], 50),
    **dict.fromkeys(["сто", "ста"], HUNDRED),
    **dict.fromkeys(["двести", "двухсот"], 200),
    **dict.fromkeys(["триста", "трехсот"], 300),
    **dict.fromkeys(["пятьсот", "пятисот"], 500),
    **dict.fromkeys(["полторы", "полтора", "полутора"], 1.5),
    **dict.fromkeys(["тысяча", "тысячи", "тысяч", "тысячу", "тыс"], THOUSAND),
    # Arabizi
    **dict.fromkeys(["wa7ed", "wahed", "wa7da"], 1),
    **dict.fromkeys(["ethnain", "ithnain", "etnen", "thnain", "itnein", "tnen"], 2),
    **dict.fromkeys(["thalatha", "talata", "tlata", "thalath", "tlat"], 3),
    **dict.fromkeys(["arba3a", "arba3", "arbaa"], 4),
    **dict.fromkeys(["khamsa", "5amsa", "khams"], 5),
    **dict.fromkeys(["sitta", "seta", "sette"], 6),
    **dict.fromkeys(["sab3a", "sab3"], 7),
    **dict.fromkeys(["thamanya", "tamanya", "thamania", "tamania", "thamaniya"], 8),
    **dict.fromkeys(["tis3a", "tes3a", "tis3"], 9),
    **dict.fromkeys(["3ashra", "ashra", "3ashara", "3ashr"], 10),
    **dict.fromkeys(["3eshreen", "3ishreen", "eshreen", "ishreen", "3ishrin"], 20),
    **dict.fromkeys(["miya", "meya", "mia", "meyya", "miyya"], HUNDRED),
    **dict.fromkeys(["khamsmeya", "khamsmiya", "5amsmiya", "5amsmeya"], 500),
    **dict.fromkeys(["alf", "elf", "aalaf", "alaaf"], THOUSAND),
    **dict.fromkeys(["alfain", "alfein", "alfen", "alfeen", "alfin"], 2000),
}
NUMBER_JOINERS = frozenset(["and", "و", "w", "wa", "и", "с"])
ARABIC_PROCLITICS = ("و", "ب", "ل")

# --- counted parts ---------------------------------------------------------------------------------
# "for 8 people", "8 Seater", "لثمانية أشخاص" and "на 8 человек" all give the lexical term "8:seat" (also in
# the product names), so that a count ranks the item that has it; words are matched by stem.

COUNT_UNITS: list[tuple[str, str]] = [
    (
        "seat",
        "people|person|persons|pax|seater|seaters|seat|seats|user|users|employee|employees|staff|"
        "شخص|اشخاص|أشخاص|افراد|أفراد|فرد|موظف|موظفين|مقعد|مقاعد|"
        "человек|персона|персон|место|места|мест|сотрудник|сотрудников|"
        "nafar|ashkhas|ashkhaas|shakhs|shakhas|ash5as|mowazaf|mowazafeen|mwazfeen",
    ),
    ("drawer", "drawer|drawers|درج|أدراج|ادراج|دروج|ящик|ящика|ящиков|adraj|drj|dorj"),
    ("door", "door|doors|باب|أبواب|ابواب|дверь|двери|дверей|дверцы|дверцами|abwab|bab"),
    ("shelf", "shelf|shelves|رف|رفوف|أرفف|полка|полки|полок|rafoof|rfoof"),
    ("monitor", "monitor|monitors|screen|screens|شاشه|شاشات|монитор|монитора|мониторов|экран|экрана|shasha|shashat"),
    ("motor", "motor|motors|محرك|محركات|мотор|мотора|моторов|моторами|двигатель|двигателя|mo7arek"),
]
# Adjectives that carry the count: "трёхместный" (3-seat), "двухдверный", "كنبة ثلاثية" (a 3-seater sofa).
COUNT_ADJECTIVES: list[tuple[str, float, str]] = [
    ("одноместный", 1, "seat"),
    ("двухместный", 2, "seat"),
    ("трехместный", 3, "seat"),
    ("четырехместный", 4, "seat"),
    ("двухдверный", 2, "door"),
    ("трехдверный", 3, "door"),
    ("четырехдверный", 4, "door"),
    ("ثنائي", 2, "seat"),
    ("ثلاثي", 3, "seat"),
    ("رباعي", 4, "seat"),
]

# Words that say how many of a counted part, before or after it: "dual motor", "حامل شاشة مزدوج", "двойной монитор".
MULTIPLICITY_WORDS: dict[str, float] = {
    **dict.fromkeys(["single", "одинарный", "فردي"], 1),
    **dict.fromkeys(["dual", "double", "twin", "مزدوج", "مزدوجه", "двойной", "двойная", "sharing"], 2),
    **dict.fromkeys(["triple", "ثلاثي الشاشات", "тройной"], 3),
}

# Words that make a price a unit price even when a quantity and "budget" are given ("10 chairs, budget up to 800
# each", "бюджет до 800 дирхам за штуку").
PER_UNIT_PATTERN = (
    r"(?:each|per piece|per unit|per item|per chair|a piece|apiece|"
    r"للحبه|الحبه|حبه|للقطعه|القطعه|لكل قطعه|لكل واحد|للواحد|"
    r"за штуку|за шт|за единицу|каждый|каждое|каждая|за каждый|"
    r"kl wa7ed|kol wa7ed|lel 7aba|el 7aba|7aba)"
)

# --- Russian words for what product names say ------------------------------------------------------
# The catalog has names in English and Arabic only, so a Russian query's words cannot meet a name lexically.
# These are the Russian words (matched by stem) for the English words names use, added to the lexical query:
# "кресло с подголовником" also looks for "headrest". (Categories, colours and materials are filters, above.)
RUSSIAN_NAME_WORDS: list[tuple[str, str]] = [
    ("headrest", "подголовник"),
    ("arms", "подлокотник|подлокотники"),
    ("armless", "безподлокотников"),
    ("high back", "высокий|высокая|высокой"),
    ("mid back", "средний|средняя|средней"),
    ("low back", "низкий|низкая|низкой"),
    ("back backrest", "спинка|спинкой"),
    ("synchro mechanism", "синхромеханизм|синхронный|механизм"),
    ("swivel", "поворотный|вращающийся"),
    ("castors", "колесо|колесики|колесах|ролики"),
    ("chrome legs", "хромированный|хром"),
    ("legs", "ножки|ножках|опоры"),
    ("wooden legs", "деревянный"),
    ("sled base", "полозья|полозьях"),
    ("aluminium base", "алюминиевый"),
    ("stacking", "штабелируемый|штабелирование"),
    ("writing tablet", "пюпитр|пюпитром|письма"),
    ("dual", "двойной|двух|два"),
    ("single", "одинарный|одного"),
    ("monitor", "монитор|мониторов|экрана"),
    ("arm", "кронштейн|держатель"),
    ("lamp led", "лампа|светильник"),
    ("led", "подсветка|подсветкой|светодиодный"),
    ("whiteboard", "доска|маркерная"),
    ("magnetic", "магнитная|магнитный"),
    ("mobile", "мобильный|передвижной|колесах"),
    ("fixed", "стационарный|неподвижный"),
    ("pedestal", "тумба|тумбочка"),
    ("drawers", "ящик|ящиками|ящиков"),
    ("file", "файлов|папок|подвесной"),
    ("digital locks", "электронный|цифровой|кодовый"),
    ("locks", "замок|замком|замками"),
    ("fire-resistant fire resistant", "огнестойкий|несгораемый|огнеупорный"),
    ("lateral", "горизонтальный"),
    ("vertical", "вертикальный"),
    ("flip-top flip top", "складной|откидной|складные"),
    ("power module", "розетки|розетками|питание|электрификация"),
    ("modesty panel", "царга|царгой"),
    ("return", "приставка|приставкой|приставной"),
    ("left", "левый|левой"),
    ("right", "правый|правой"),
    ("motor", "мотор|мотора|моторами|двигатель"),
    ("triple", "три|трех|тремя"),
    ("round", "круглый|круглая"),
    ("boardroom", "совещаний|заседаний"),
    ("bench", "бенч|скамья"),
    ("cluster", "кластер"),
    ("screens", "экран|экраны|экранами|перегородки"),
    ("glass screens", "стеклянными"),
    ("fabric screens", "тканевыми"),
    ("sofa set", "комплект|набор|гарнитур"),
    ("lounge chair", "лаунж|отдыха"),
    ("footrest", "ног|ноги"),
    ("footring", "подножка|подножкой"),
    ("bar height", "барный"),
    ("counter height", "полубарный"),
    ("drafting", "чертежный"),
    ("cable", "кабель|кабельный|провода|проводов"),
    ("tray", "лоток|желоб"),
    ("grommet", "заглушка|люк"),
    ("spine", "позвоночник|вертебра"),
    ("kit", "комплект|набор"),
    ("wireless charger", "беспроводной|зарядка|зарядкой"),
    ("shelves", "полка|полки|полками|полок"),
    ("open", "открытый|открытая"),
    ("doors", "двери|дверей|дверцами|дверцы"),
    ("glass doors", "стеклянными"),
    ("tall", "высокий"),
    ("curved", "изогнутый|радиусный|полукруглый"),
    ("gloss", "глянцевый|глянец"),
    ("veneer", "шпон|шпона"),
    ("phone booth", "телефонная|будка|будку"),
    ("meeting pod", "переговорная|капсула"),
    ("person", "человек|человека|персон"),
    ("desk power", "розеткой"),
    ("lounge seat", "сиденьем"),
    ("screen mount", "телевизора|тв"),
    ("freestanding", "напольный|отдельностоящий|отдельный"),
    ("desk screen", "настольный|настольные"),
    ("divider", "разделитель"),
    ("acoustic", "акустический|звукопоглощающий"),
    ("combo", "комбо"),
    ("set", "комплект"),
]
