# ruff: noqa: RUF001 (CJK and Thai characters are the subject)
"""Captions about the same 52 products in six languages (en, ja, zh, ko, th, vi), made from
templates with each language's own word for the product, plus English search phrases that use
another word for it ("trainers" for sneakers): the fixture for semantic-search quality.

Each product's caption in a language uses a template chosen by (product, language), so the
same product's captions do not share a sentence shape across languages: what links them is
the product word alone.
"""

from __future__ import annotations

from dataclasses import dataclass

LANGUAGES = ("en", "ja", "zh", "ko", "th", "vi")

# en word, en search phrase with other words, ja, zh, ko, th, vi
PRODUCTS: tuple[tuple[str, str, str, str, str, str, str], ...] = (
    ("dress", "summer frock", "ワンピース", "连衣裙", "원피스", "ชุดเดรส", "váy liền"),
    ("sneakers", "trainers", "スニーカー", "运动鞋", "운동화", "รองเท้าผ้าใบ", "giày thể thao"),
    (
        "sunscreen",
        "sunblock lotion",
        "日焼け止め",
        "防晒霜",
        "선크림",
        "ครีมกันแดด",
        "kem chống nắng",
    ),
    ("handbag", "purse", "ハンドバッグ", "手提包", "핸드백", "กระเป๋าถือ", "túi xách"),
    ("coffee beans", "espresso roast", "コーヒー豆", "咖啡豆", "원두", "เมล็ดกาแฟ", "hạt cà phê"),
    ("green tea", "matcha drink", "緑茶", "绿茶", "녹차", "ชาเขียว", "trà xanh"),
    ("lipstick", "lip colour", "口紅", "口红", "립스틱", "ลิปสติก", "son môi"),
    ("wristwatch", "timepiece", "腕時計", "手表", "손목시계", "นาฬิกาข้อมือ", "đồng hồ đeo tay"),
    ("sunglasses", "shades", "サングラス", "太阳镜", "선글라스", "แว่นกันแดด", "kính râm"),
    ("backpack", "rucksack", "リュック", "背包", "배낭", "กระเป๋าเป้", "ba lô"),
    ("umbrella", "parasol for the rain", "傘", "雨伞", "우산", "ร่ม", "cái ô"),
    ("headphones", "earphones for music", "ヘッドホン", "耳机", "헤드폰", "หูฟัง", "tai nghe"),
    (
        "phone case",
        "smartphone cover",
        "スマホケース",
        "手机壳",
        "휴대폰 케이스",
        "เคสโทรศัพท์",
        "ốp lưng điện thoại",
    ),
    ("water bottle", "drinking flask", "水筒", "水壶", "물병", "ขวดน้ำ", "bình nước"),
    (
        "yoga mat",
        "exercise mat for stretching",
        "ヨガマット",
        "瑜伽垫",
        "요가 매트",
        "เสื่อโยคะ",
        "thảm tập yoga",
    ),
    (
        "scented candle",
        "aroma candle",
        "アロマキャンドル",
        "香薰蜡烛",
        "향초",
        "เทียนหอม",
        "nến thơm",
    ),
    ("perfume", "fragrance", "香水", "香水", "향수", "น้ำหอม", "nước hoa"),
    ("shampoo", "hair wash", "シャンプー", "洗发水", "샴푸", "แชมพู", "dầu gội"),
    (
        "face mask",
        "sheet mask for the skin",
        "フェイスパック",
        "面膜",
        "마스크팩",
        "มาสก์หน้า",
        "mặt nạ dưỡng da",
    ),
    ("notebook", "paper journal", "ノート", "笔记本", "공책", "สมุดบันทึก", "sổ tay"),
    ("fountain pen", "ink pen for writing", "万年筆", "钢笔", "만년필", "ปากกาหมึกซึม", "bút máy"),
    ("keyboard", "mechanical typing keys", "キーボード", "键盘", "키보드", "คีย์บอร์ด", "bàn phím"),
    ("mug", "coffee cup", "マグカップ", "马克杯", "머그컵", "แก้วมัค", "cốc uống nước"),
    ("frying pan", "skillet", "フライパン", "平底锅", "프라이팬", "กระทะ", "chảo rán"),
    (
        "rice cooker",
        "appliance for cooking rice",
        "炊飯器",
        "电饭煲",
        "전기밥솥",
        "หม้อหุงข้าว",
        "nồi cơm điện",
    ),
    ("blender", "smoothie maker", "ミキサー", "搅拌机", "믹서기", "เครื่องปั่น", "máy xay sinh tố"),
    ("pillow", "cushion for sleeping", "枕", "枕头", "베개", "หมอน", "cái gối"),
    ("blanket", "throw for the sofa", "毛布", "毯子", "담요", "ผ้าห่ม", "chăn"),
    (
        "bath towel",
        "towel for drying off",
        "バスタオル",
        "浴巾",
        "목욕 수건",
        "ผ้าเช็ดตัว",
        "khăn tắm",
    ),
    ("socks", "ankle hosiery", "靴下", "袜子", "양말", "ถุงเท้า", "đôi tất"),
    ("hat", "cap", "帽子", "帽子", "모자", "หมวก", "mũ"),
    ("scarf", "neck wrap", "マフラー", "围巾", "목도리", "ผ้าพันคอ", "khăn quàng cổ"),
    ("gloves", "mittens", "手袋", "手套", "장갑", "ถุงมือ", "găng tay"),
    ("jacket", "coat", "ジャケット", "夹克", "재킷", "เสื้อแจ็คเก็ต", "áo khoác"),
    ("jeans", "denim trousers", "ジーンズ", "牛仔裤", "청바지", "กางเกงยีนส์", "quần jean"),
    ("t-shirt", "tee", "Tシャツ", "T恤", "티셔츠", "เสื้อยืด", "áo thun"),
    ("skirt", "midi skirt", "スカート", "裙子", "치마", "กระโปรง", "chân váy"),
    ("necklace", "pendant chain", "ネックレス", "项链", "목걸이", "สร้อยคอ", "vòng cổ"),
    ("earrings", "ear jewellery", "イヤリング", "耳环", "귀걸이", "ต่างหู", "bông tai"),
    ("bicycle", "bike", "自転車", "自行车", "자전거", "จักรยาน", "xe đạp"),
    ("tent", "camping shelter", "テント", "帐篷", "텐트", "เต็นท์", "lều cắm trại"),
    ("camera", "digital camera for photos", "カメラ", "相机", "카메라", "กล้องถ่ายรูป", "máy ảnh"),
    (
        "dog food",
        "kibble for puppies",
        "ドッグフード",
        "狗粮",
        "강아지 사료",
        "อาหารสุนัข",
        "thức ăn cho chó",
    ),
    (
        "cat toy",
        "toy for kittens",
        "猫のおもちゃ",
        "猫玩具",
        "고양이 장난감",
        "ของเล่นแมว",
        "đồ chơi cho mèo",
    ),
    ("plant pot", "flower planter", "植木鉢", "花盆", "화분", "กระถางต้นไม้", "chậu cây"),
    ("chocolate", "cocoa sweets", "チョコレート", "巧克力", "초콜릿", "ช็อกโกแลต", "sô cô la"),
    ("honey", "natural sweetener made by bees", "はちみつ", "蜂蜜", "꿀", "น้ำผึ้ง", "mật ong"),
    ("suitcase", "travel luggage", "スーツケース", "行李箱", "여행 가방", "กระเป๋าเดินทาง", "vali"),
    ("hair dryer", "blow dryer", "ドライヤー", "吹风机", "헤어드라이어", "ไดร์เป่าผม", "máy sấy tóc"),
    ("wallet", "billfold", "財布", "钱包", "지갑", "กระเป๋าสตางค์", "cái ví"),
    ("toothbrush", "dental brush", "歯ブラシ", "牙刷", "칫솔", "แปรงสีฟัน", "bàn chải đánh răng"),
    ("desk lamp", "reading light", "デスクライト", "台灯", "스탠드 조명", "โคมไฟตั้งโต๊ะ", "đèn bàn"),
)

TEMPLATES: dict[str, tuple[str, str, str]] = {
    "en": (
        "Just got my new {w}, totally love it!",
        "This {w} is the best thing I bought this month",
        "Trying out the {w} today #review",
    ),
    "ja": (
        "新しい{w}を買いました！すごく気に入っています",
        "この{w}は今月一番の買い物です",
        "今日は{w}を試してみた #レビュー",
    ),
    "zh": (
        "刚买了新的{w}，非常喜欢！",
        "这个{w}是我这个月买得最好的东西",
        "今天试用了{w} #测评",
    ),
    "ko": (
        "새로 산 {w} 정말 마음에 들어요!",
        "이 {w} 이번 달 최고의 쇼핑이에요",
        "오늘 {w} 써 봤어요 #리뷰",
    ),
    "th": (
        "เพิ่งได้{w}ใหม่มา ชอบมากเลย!",
        "{w}นี้คือของที่ดีที่สุดที่ซื้อเดือนนี้",
        "วันนี้ลองใช้{w} #รีวิว",
    ),
    "vi": (
        "Vừa mua {w} mới, mình rất thích!",
        "{w} này là món đồ đáng mua nhất tháng",
        "Hôm nay dùng thử {w} #review",
    ),
}


@dataclass(frozen=True)
class ProductCaption:
    product: int
    language: str
    text: str


def word(product: int, language: str) -> str:
    """The product's own word in a language ("en" is the plain English word)."""
    row = PRODUCTS[product]
    return row[0] if language == "en" else row[LANGUAGES.index(language) + 1]


def caption(product: int, language: str, template: int | None = None) -> ProductCaption:
    shape = (product + LANGUAGES.index(language)) % 3 if template is None else template
    text = TEMPLATES[language][shape].format(w=word(product, language))
    return ProductCaption(product, language, text)


def multilingual_captions() -> list[ProductCaption]:
    """One caption per product and language (52 x 6)."""
    return [caption(p, lang) for p in range(len(PRODUCTS)) for lang in LANGUAGES]


def english_captions() -> list[ProductCaption]:
    """All three English captions of every product (52 x 3)."""
    return [caption(p, "en", t) for p in range(len(PRODUCTS)) for t in range(3)]


def english_queries() -> list[tuple[int, str]]:
    """(product, search phrase in other words than the captions use)."""
    return [(p, row[1]) for p, row in enumerate(PRODUCTS)]
