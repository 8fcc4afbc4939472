"""Vocabulary tables for query understanding (data, not logic).

Each entry maps a phrase to catalog values. A phrase is words separated by spaces; in a word,
`|` separates alternatives, a trailing `*` means "starts with" (used for Russian and Arabic
inflection), and a leading `~` means an Arabizi consonant skeleton (see normalize.arabizi_skeleton:
"korsi", "kursi", "karasi" all have the skeleton "krs"). Arabic is written naturally and
normalised when the tables are compiled.
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
    ("pedestal|pedestals|mobile drawer|mobile drawers|drawer unit|drawers|drawer", (PD, FC)),
    ("filing cabinet|filing cabinets|file cabinet|filing|files|archive", (FC,)),
    ("cabinet|cabinets|cupboard|cupboards|storage", (FC, BK, LK, PD)),
    ("bookcase|bookcases|bookshelf|bookshelves|shelf|shelves|shelving|rack", (BK,)),
    ("locker|lockers", (LK,)),
    ("sofa|sofas|couch|couches|lounge|armchair|armchairs|lounge chair|settee|loveseat", (SF,)),
    ("pod|pods|booth|booths|phone booth|meeting pod|acoustic pod|soundproof|quiet room", (AP,)),
    ("acoustic", (AP, PS)),
    ("partition|partitions|screen|screens|divider|dividers|privacy panel", (PS,)),
    (
        "accessory|accessories|monitor arm|monitor arms|cable|cables|whiteboard|whiteboards|footrest|lamp|tray|grommet",
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
        "مكتب كهربائي|مكاتب كهربائيه|كهربائي|كهربائيه|مكتب وقوف|تعديل الارتفاع|قابل لتعديل الارتفاع"
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
    ("كنبه|كنب|كنبات|صوفا|اريكه|ارائك|كنبايه|جلسه", (SF,)),
    ("بود|كابينه صوتيه|كابينه هاتف|كبينه|كابينه|عازل للصوت|عازله للصوت", (AP,)),
    ("فاصل|فواصل|قاطع|قواطع|بارتيشن|حاجز|حواجز|بارتشن", (PS,)),
    ("اكسسوارات|اكسسوار|حامل شاشه|ذراع شاشه|سبوره|سبورات|كابلات", (AC,)),
    # Russian (stems)
    ("кресл*|кресел|стул*|стуль*|сидень*", CHAIRS),
    ("офисн* кресл*|компьютерн* кресл*|офисн* стул*", CHAIRS),
    ("эргономичн*|ортопедическ*|поясничн*", (ETC,)),
    ("руковод*|директор*|босс*|начальни*|представительск*", (EC, ED)),
    ("посетител*|гост*|конференц-стул*|стулья-конференц*|штабелир*", (VC,)),
    ("конференц*", (VC, MT)),
    ("табурет*|барн*", (ST,)),
    ("стол|стола|столы|столов|столом|столе|столу|столах|столами", (*DESKS, MT, TT)),
    ("письменн* стол*|офисн* стол*|компьютерн* стол*", DESKS),
    ("регулир*|подъемн*|электропривод*|электрическ*|стоя", (HD,)),
    ("углов*|г-образн*", (LD,)),
    ("оператор*|сотрудник*", (OD, WS)),
    ("рабоч* станц*|бенч*|рабоч* мест*|кластер*|опенспейс*", (WS,)),
    ("переговор*", (MT, AP)),
    ("обучени*|тренинг*|учебн*|конференц-зал*", (TT,)),
    ("журнальн*|кофейн*|столик*", (CT,)),
    ("ресепшн*|ресепшен*|стойк*", (RD,)),
    ("тумб*|ящик*", (PD, FC)),
    ("картотек*|документ*|бумаг*|архив*", (FC,)),
    ("шкаф|шкафы|шкафа|шкафов", (FC, BK, LK, PD)),
    ("стеллаж*|книжн*|полк*", (BK,)),
    ("шкафчик*|локер*", (LK,)),
    ("диван*|софа|софы|кресло-мешок|лаунж*", (SF,)),
    ("кабин*|будк*|звукоизол*", (AP,)),
    ("перегород*|ширм*|экран*|акустическ*", (PS,)),
    ("аксессуар*|кронштейн*|доск*|подставк*|кабел*", (AC,)),
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
    ("~twl ~qhw|~twlt ~qhw|~twlh ~qhw|~qhw", (CT,)),
    ("~tb|~tby", (ETC,)),
    ("~mlft", (FC,)),
    ("~tdrb", (TT,)),
]

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
    ("silver|chrome", ("Silver",)),
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
    ("فضي|فضيه|كروم", ("Silver",)),
    ("شفاف|شفافه", ("Clear",)),
    ("مصنفر|مطفي", ("Frosted",)),
    ("برتقالي", ("Orange",)),
    ("اصفر|صفراء", ("Yellow",)),
    # Russian
    ("черн*|чёрн*", ("Black",)),
    ("бел|белый|белая|белое|белые|белого|белых|белую|белым", ("White",)),
    ("серый|серая|серое|серые|серого|серых|серую|серым|графит*", ("Grey", "Dark Grey", "Light Grey")),
    ("темно-сер*|темно сер*|тёмно-сер*|антрацит*", ("Dark Grey",)),
    ("светло-сер*|светло сер*", ("Light Grey",)),
    ("дуб|дуба|дубов*|дубом|под дуб", ("Oak", "Light Oak")),
    ("светл* дуб*|беленый дуб", ("Light Oak",)),
    ("сер* дуб*", ("Grey Oak",)),
    ("орех|ореха|орехов*|орехом", ("Walnut",)),
    ("венге", ("Wenge",)),
    ("синий|синяя|синее|синие|синего|синих|голуб*", ("Blue", "Navy Blue")),
    ("темно-син*|темно син*|тёмно-син*|темно-синий|navy", ("Navy Blue",)),
    ("бежев*", ("Beige",)),
    ("кремов*|молочн*", ("Cream",)),
    ("зелен*|зелён*", ("Green", "Olive Green")),
    ("оливк*|оливков*", ("Olive Green",)),
    ("красн*", ("Red",)),
    ("бордов*|винн*", ("Burgundy",)),
    ("коричн*", ("Brown", "Dark Brown", "Tan")),
    ("темно-коричн*|темно коричн*", ("Dark Brown",)),
    ("рыж*|карамел*", ("Tan",)),
    ("серебр*|хром*", ("Silver",)),
    ("прозрачн*", ("Clear",)),
    ("матов*", ("Frosted",)),
    ("оранж*", ("Orange",)),
    ("желт*|жёлт*", ("Yellow",)),
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
    ("~jwz", ("Walnut",)),
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
    ("кож*|кожан*", LEATHER),
    ("натуральн* кож*", ("Genuine Leather",)),
    ("экокож*|искусственн* кож*|эко-кож*|эко кож*", ("PU Leather",)),
    ("сетк*|сетчат*", ("Mesh",)),
    ("ткан*|тканев*|текстил*", ("Fabric",)),
    ("букле", ("Boucle",)),
    ("бархат*|велюр*", ("Velvet",)),
    ("дерев*|деревян*", WOOD),
    ("шпон*|массив*", ("Wood Veneer",)),
    ("меламин*|лдсп|ламинир*", ("Melamine",)),
    ("стекл*|стеклян*", ("Tempered Glass",)),
    ("металл*|стал*|сталь|железн*", ("Steel", "Aluminium")),
    ("алюмин*", ("Aluminium", "Aluminium & Acoustic Felt")),
    ("войлок*|фетр*", ("PET Felt", "Aluminium & Acoustic Felt")),
    ("пластик*|полипропилен*", ("Polypropylene",)),
    ("камен*|камн*|мрамор*|керамик*", ("Sintered Stone",)),
    ("глянц*|лак*", ("High-Gloss Lacquer",)),
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
    "наличи*|налич*|в наличии|на складе",
    "~mwjd|~mwjwd|~mtwfr|~mtwfrh|~jhz",
]

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
CHEAP_WORDS = "cheap|cheapest|budget|affordable|inexpensive|رخيص|رخيصه|ارخص|اقتصادي|дешев*|бюджетн*|~rkhs|~rkhys"
QUANTITY_NOUN_HINT = r"(?:pcs|pieces|units|qty|حبه|حبات|قطعه|قطع|шт|штук)"
SEAT_WORDS = (
    r"(?:people|persons?|pax|seater|seats?|users?|اشخاص|شخص|افراد|مقاعد|человек\w*|мест\w*|персон\w*|nafar|ashkhas)"
)
SIZE_UNITS = r"(?:cm|cms|centimeters?|سم|سنتيمتر|سنتي|см|сантиметр\w*|senti)"
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
