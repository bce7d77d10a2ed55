# ruff: noqa: RUF002, RUF003 (full-width and CJK characters are the subject here)
"""How text is prepared for full-text search, the same way when it is indexed and when it is
queried (ADR 2300).

Text is NFKC-normalised (full-width `ＡＢＣ１２３`, half-width `ｶﾀｶﾅ` and `＃` fold to their usual
forms) and case-folded. Words are runs of letters, marks and digits; a run is split where it
changes between a *spaced* script (Latin, Cyrillic, Greek, …: words are separated by spaces)
and an *unspaced* one (Han, Hiragana, Katakana, Hangul, Thai, Lao, Khmer, Myanmar, where
words run together or carry attached particles). Spaced words go to the stemmed word index;
unspaced words are matched as substrings (trigram index, or LIKE below three characters).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

# Code point ranges of scripts written without spaces between words (or, for Hangul, with
# particles glued to the word): a word in them is found as a substring, never as a token.
_UNSPACED_RANGES = (
    (0x0E00, 0x0EFF),  # Thai, Lao
    (0x1000, 0x109F),  # Myanmar
    (0x1100, 0x11FF),  # Hangul Jamo
    (0x1780, 0x17FF),  # Khmer
    (0x2E80, 0x2FDF),  # CJK radicals
    (0x3005, 0x3007),  # 々 〆 〇
    (0x3040, 0x30FF),  # Hiragana, Katakana
    (0x3130, 0x318F),  # Hangul compatibility Jamo
    (0x31F0, 0x31FF),  # Katakana phonetic extensions
    (0x3400, 0x4DBF),  # CJK extension A
    (0x4E00, 0x9FFF),  # CJK unified ideographs
    (0xA960, 0xA97F),  # Hangul Jamo extended A
    (0xAC00, 0xD7FF),  # Hangul syllables and Jamo extended B
    (0xF900, 0xFAFF),  # CJK compatibility ideographs
    (0x20000, 0x3FFFF),  # CJK extensions B and later
)
# The shortest unspaced word the trigram index can find by itself.
TRIGRAM = 3


def is_unspaced(char: str) -> bool:
    point = ord(char)
    return any(low <= point <= high for low, high in _UNSPACED_RANGES)


def _is_word_char(char: str) -> bool:
    # Marks count: Thai vowels and tone marks are combining characters inside a word.
    return char == "_" or unicodedata.category(char)[0] in "LMN"


def normalise(text: str) -> str:
    """NFKC then case-fold: the form both the index and the query see."""
    return unicodedata.normalize("NFKC", text).casefold()


def words(text: str) -> list[str]:
    """The words of already-normalised text, split at spaces, punctuation and script changes."""
    found: list[str] = []
    current: list[str] = []
    current_unspaced = False
    for char in text:
        if not _is_word_char(char):
            if current:
                found.append("".join(current))
                current = []
            continue
        unspaced = is_unspaced(char) if unicodedata.category(char)[0] != "M" else current_unspaced
        if current and unspaced != current_unspaced:
            found.append("".join(current))
            current = []
        current.append(char)
        current_unspaced = unspaced
    if current:
        found.append("".join(current))
    return found


def index_form(text: str) -> str:
    """What the index stores: normalised words, one space apart, script changes split."""
    return "\n".join(" ".join(words(line)) for line in normalise(text).splitlines() if line)


@dataclass(frozen=True)
class Terms:
    """A query's words by how they are matched (all must match; order kept, no duplicates)."""

    spaced: tuple[str, ...]
    unspaced: tuple[str, ...]

    @property
    def empty(self) -> bool:
        return not self.spaced and not self.unspaced


def query_terms(text: str) -> Terms:
    spaced: dict[str, None] = {}
    unspaced: dict[str, None] = {}
    for word in words(normalise(text)):
        (unspaced if any(is_unspaced(c) for c in word) else spaced).setdefault(word, None)
    return Terms(tuple(spaced), tuple(unspaced))


def hashtags(text: str, limit: int = 100) -> list[str]:
    """`#tag` in any script (`#夏コーデ`, `＃ｻﾏｰ`, `#ชุดสวย`), normalised, first-seen order."""
    seen: dict[str, None] = {}
    folded = normalise(text)
    start = folded.find("#")
    while start != -1:
        end = start + 1
        while end < len(folded) and end - start <= limit and _is_word_char(folded[end]):
            end += 1
        if end > start + 1:
            seen.setdefault(folded[start + 1 : end], None)
        start = folded.find("#", end)
    return list(seen)


def like_pattern(term: str) -> str:
    """`%term%` for LIKE with `\\` as the escape character."""
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"
