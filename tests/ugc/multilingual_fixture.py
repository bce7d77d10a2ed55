# ruff: noqa: RUF001 (full-width and CJK characters are the subject here)
"""Captions in six languages, labelled by topic, with the words a person would search for.

Every caption lists the words that occur in it (for Japanese, Chinese and Thai, which have no
spaces, the words are marked by hand). The labelled queries measure precision@10; the English
distractors hold the query words as substrings of other words ("address", "cabbage"), which
substring matching would wrongly find.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Caption:
    key: str
    language: str
    topic: str  # "" for a distractor about none of the topics
    text: str
    words: tuple[str, ...]


def _c(key: str, language: str, topic: str, text: str, *words: str) -> Caption:
    return Caption(key, language, topic, text, words)


CAPTIONS: tuple[Caption, ...] = (
    # Japanese
    _c(
        "ja1",
        "ja",
        "dress",
        "ビーチで赤いワンピースを着ました #夏コーデ",
        "ビーチ",
        "赤い",
        "ワンピース",
        "夏コーデ",
    ),
    _c("ja2", "ja", "dress", "新しいワンピースが届いた！最高", "新しい", "ワンピース", "最高"),
    _c("ja3", "ja", "sneakers", "白いスニーカーで街歩き", "白い", "スニーカー", "街"),
    _c("ja4", "ja", "sneakers", "ｽﾆｰｶｰを洗いました", "スニーカー", "洗い"),
    _c("ja5", "ja", "sunscreen", "日焼け止めを毎日塗っています", "日焼け止め", "毎日"),
    _c("ja6", "ja", "sunscreen", "この日焼け止めは軽い", "日焼け止め", "軽い"),
    _c("ja7", "ja", "bag", "黒いバッグを買いました", "黒い", "バッグ"),
    _c("ja8", "ja", "bag", "旅行用のバッグが便利", "旅行", "バッグ", "便利"),
    _c("ja9", "ja", "coffee", "朝のコーヒーが好き", "朝", "コーヒー", "好き"),
    _c("ja10", "ja", "coffee", "駅前のカフェでコーヒーを飲んだ", "駅前", "カフェ", "コーヒー"),
    # Chinese
    _c("zh1", "zh", "dress", "我在海边穿了红色连衣裙", "海边", "红色", "连衣裙"),
    _c("zh2", "zh", "dress", "这条连衣裙很适合夏天", "连衣裙", "夏天"),
    _c("zh3", "zh", "sneakers", "白色运动鞋很舒服", "白色", "运动鞋", "舒服"),
    _c("zh4", "zh", "sneakers", "新买的运动鞋到了", "运动鞋"),
    _c("zh5", "zh", "sunscreen", "每天都涂防晒霜", "每天", "防晒霜"),
    _c("zh6", "zh", "sunscreen", "这款防晒霜很清爽", "防晒霜", "清爽"),
    _c("zh7", "zh", "bag", "黑色手提包很百搭", "黑色", "手提包", "百搭"),
    _c("zh8", "zh", "bag", "新的手提包到了", "手提包"),
    _c("zh9", "zh", "coffee", "早上喝咖啡", "早上", "咖啡"),
    _c("zh10", "zh", "coffee", "在咖啡店喝了拿铁", "咖啡店", "拿铁"),
    # Korean (spaced, but particles are glued to the word: 원피스를, 가방이)
    _c("ko1", "ko", "dress", "해변에서 빨간 원피스를 입었어요", "해변", "빨간", "원피스"),
    _c("ko2", "ko", "dress", "새 원피스가 도착했어요", "원피스", "도착"),
    _c("ko3", "ko", "sneakers", "흰 운동화로 산책했어요", "운동화", "산책"),
    _c("ko4", "ko", "sneakers", "운동화를 세탁했어요", "운동화", "세탁"),
    _c("ko5", "ko", "sunscreen", "매일 선크림을 발라요", "매일", "선크림"),
    _c("ko6", "ko", "sunscreen", "이 선크림은 가벼워요", "선크림", "가벼워요"),
    _c("ko7", "ko", "bag", "검은 가방을 샀어요", "검은", "가방"),
    _c("ko8", "ko", "bag", "여행용 가방이 편해요", "여행", "가방"),
    _c("ko9", "ko", "coffee", "아침 커피가 좋아요", "아침", "커피"),
    _c("ko10", "ko", "coffee", "카페에서 커피를 마셨어요", "카페", "커피"),
    # Thai (no spaces between words; vowels and tone marks are combining characters)
    _c("th1", "th", "dress", "ใส่ชุดเดรสสีแดงที่ชายหาด", "ชุดเดรส", "สีแดง", "ชายหาด"),
    _c("th2", "th", "dress", "ชุดเดรสใหม่มาถึงแล้ว #ชุดสวย", "ชุดเดรส", "ใหม่", "ชุดสวย"),
    _c("th3", "th", "sneakers", "รองเท้าผ้าใบสีขาวใส่สบาย", "รองเท้าผ้าใบ", "สีขาว", "สบาย"),
    _c("th4", "th", "sneakers", "ซักรองเท้าผ้าใบแล้ว", "รองเท้าผ้าใบ"),
    _c("th5", "th", "sunscreen", "ทาครีมกันแดดทุกวัน", "ครีมกันแดด", "ทุกวัน"),
    _c("th6", "th", "sunscreen", "ครีมกันแดดตัวนี้เบามาก", "ครีมกันแดด", "เบา"),
    _c("th7", "th", "bag", "ซื้อกระเป๋าสีดำ", "กระเป๋า", "สีดำ"),
    _c("th8", "th", "bag", "กระเป๋าเดินทางใช้ง่าย", "กระเป๋า", "เดินทาง"),
    _c("th9", "th", "coffee", "ชอบกาแฟตอนเช้า", "กาแฟ", "ตอนเช้า"),
    _c("th10", "th", "coffee", "ดื่มกาแฟที่ร้านใกล้สถานี", "กาแฟ", "สถานี"),
    # Vietnamese (spaced syllables, precomposed diacritics)
    _c("vi1", "vi", "dress", "Mặc váy đỏ trên bãi biển", "váy", "đỏ", "bãi biển"),
    _c("vi2", "vi", "dress", "Chiếc váy mới đã đến", "chiếc", "váy", "mới"),
    _c("vi3", "vi", "sneakers", "Giày thể thao trắng rất thoải mái", "giày thể thao", "trắng"),
    _c("vi4", "vi", "sneakers", "Vừa giặt giày thể thao", "giặt", "giày"),
    _c("vi5", "vi", "sunscreen", "Thoa kem chống nắng mỗi ngày", "kem chống nắng", "mỗi ngày"),
    _c("vi6", "vi", "sunscreen", "Kem chống nắng này rất nhẹ", "kem", "nhẹ"),
    _c("vi7", "vi", "bag", "Mua túi xách màu đen", "túi xách", "màu đen"),
    _c("vi8", "vi", "bag", "Túi xách du lịch rất tiện", "túi", "du lịch"),
    _c("vi9", "vi", "coffee", "Thích cà phê buổi sáng", "cà phê", "buổi sáng"),
    _c("vi10", "vi", "coffee", "Uống cà phê ở quán gần ga", "cà phê", "quán"),
    # English
    _c(
        "en1",
        "en",
        "dress",
        "Wearing my red dress on the beach #summer",
        "dress",
        "beach",
        "summer",
    ),
    _c("en2", "en", "dress", "My new dresses arrived today", "dresses", "arrived"),
    _c("en3", "en", "sneakers", "White sneakers for a city walk", "sneakers", "walk"),
    _c("en4", "en", "sneakers", "Cleaned my sneakers this weekend", "sneakers", "weekend"),
    _c("en5", "en", "sunscreen", "Sunscreen every single day", "sunscreen", "single"),
    _c("en6", "en", "sunscreen", "This sunscreen feels so light", "sunscreen", "light"),
    _c("en7", "en", "bag", "Bought a black bag at the market", "bag", "black"),
    _c("en8", "en", "bag", "My travel bag is so handy", "travel", "bag", "handy"),
    _c("en9", "en", "coffee", "Morning coffee is the best", "coffee", "morning"),
    _c("en10", "en", "coffee", "Had a coffee at the cafe near the station", "coffee", "station"),
    _c("en11", "en", "", "Please update your address before checkout", "address", "checkout"),
    _c("en12", "en", "", "Cabbage salad for lunch, baggage claim after", "cabbage", "baggage"),
    _c("en13", "en", "", "Toffee brittle recipe", "toffee", "recipe"),
    # Mixed scripts and width forms in one caption
    _c("mx1", "ja", "dress", "ＺＡＲＡの新作dressを着た", "zara", "dress", "新作"),
)

# Labelled queries: (language, query, topic). Relevant = the captions of that topic.
QUERIES: tuple[tuple[str, str, str], ...] = (
    ("en", "dress", "dress"),
    ("en", "sneakers", "sneakers"),
    ("en", "sunscreen", "sunscreen"),
    ("en", "bag", "bag"),
    ("en", "coffee", "coffee"),
    ("ja", "ワンピース", "dress"),
    ("ja", "スニーカー", "sneakers"),
    ("ja", "日焼け止め", "sunscreen"),
    ("ja", "バッグ", "bag"),
    ("ja", "コーヒー", "coffee"),
    ("zh", "连衣裙", "dress"),
    ("zh", "运动鞋", "sneakers"),
    ("zh", "防晒霜", "sunscreen"),
    ("zh", "手提包", "bag"),
    ("zh", "咖啡", "coffee"),
    ("ko", "원피스", "dress"),
    ("ko", "운동화", "sneakers"),
    ("ko", "선크림", "sunscreen"),
    ("ko", "가방", "bag"),
    ("ko", "커피", "coffee"),
    ("th", "ชุดเดรส", "dress"),
    ("th", "รองเท้าผ้าใบ", "sneakers"),
    ("th", "ครีมกันแดด", "sunscreen"),
    ("th", "กระเป๋า", "bag"),
    ("th", "กาแฟ", "coffee"),
    ("vi", "váy", "dress"),
    ("vi", "giày thể thao", "sneakers"),
    ("vi", "kem chống nắng", "sunscreen"),
    ("vi", "túi xách", "bag"),
    ("vi", "cà phê", "coffee"),
)
