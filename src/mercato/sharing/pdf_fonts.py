"""Fonts for report PDFs, found on the machine (never downloaded): Unicode TrueType fonts
so that Japanese product names, accents and the like print as themselves.

fpdf2 embeds a subset of each TrueType font it is given. The text font is DejaVu Sans
(Debian's `fonts-dejavu-core`, with a real bold); characters it lacks — kana and kanji —
come from IPA P Gothic (`fonts-ipafont-gothic`) through fpdf2's fallback fonts. Both are
glyf-outline TrueType files, which fpdf2 writes with the Identity-H encoding every PDF reader
extracts as text (the CFF-outline Noto CJK collection is only a last resort: it draws
correctly, but some text extractors cannot read it back). `scripts/install-system-deps.sh`
installs both packages. A character no font has (an emoji) prints as "?"; with no Unicode
font at all the PDF falls back to the built-in Helvetica and Latin-1.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from fpdf import FPDF

FONT_DIRS = (Path("/usr/share/fonts"), Path("/usr/local/share/fonts"))
# (file, font number in a collection); the first one present wins for each role.
TEXT_REGULAR = (("truetype/dejavu/DejaVuSans.ttf", 0),)
TEXT_BOLD = (("truetype/dejavu/DejaVuSans-Bold.ttf", 0),)
CJK = (
    ("opentype/ipafont-gothic/ipagp.ttf", 0),
    ("truetype/fonts-japanese-gothic.ttf", 0),
    ("opentype/noto/NotoSansCJK-Regular.ttc", 0),  # index 0: Noto Sans CJK JP
)
TEXT_FAMILY, CJK_FAMILY, BUILT_IN = "mercato-text", "mercato-cjk", "Helvetica"


@dataclass(frozen=True)
class Face:
    path: Path
    number: int


@dataclass(frozen=True)
class PdfFonts:
    regular: Face | None
    bold: Face | None
    cjk: Face | None

    @property
    def unicode(self) -> bool:
        return self.regular is not None or self.cjk is not None


def _first(candidates: tuple[tuple[str, int], ...], dirs: tuple[Path, ...]) -> Face | None:
    for relative, number in candidates:
        for base in dirs:
            path = base / relative
            if path.is_file():
                return Face(path, number)
    return None


@lru_cache(maxsize=4)
def find_fonts(dirs: tuple[Path, ...] = FONT_DIRS) -> PdfFonts:
    """The fonts of this machine, looked up once per process."""
    regular, cjk = _first(TEXT_REGULAR, dirs), _first(CJK, dirs)
    bold = _first(TEXT_BOLD, dirs) if regular else None
    return PdfFonts(regular, bold, cjk)


@dataclass(frozen=True)
class Installed:
    family: str  # what to `set_font` (bold included)
    covered: frozenset[int] | None  # code points the registered fonts draw; None: Latin-1

    def text(self, value: object) -> str:
        """`value` with what no registered font can draw as "?"."""
        shown = str(value)
        if self.covered is None:
            return shown.encode("latin-1", "replace").decode("latin-1")
        return "".join(c if ord(c) in self.covered or c in "\n\t" else "?" for c in shown)


def install(pdf: FPDF, fonts: PdfFonts) -> Installed:
    """Register the fonts with `pdf`."""
    if not fonts.unicode:
        return Installed(BUILT_IN, None)
    family = CJK_FAMILY
    if fonts.cjk is not None:
        for style in ("", "B", "I"):  # one weight: headings in kanji are drawn regular
            pdf.add_font(CJK_FAMILY, style, fonts.cjk.path, collection_font_number=fonts.cjk.number)
    if fonts.regular is not None:
        bold = fonts.bold or fonts.regular
        pdf.add_font(TEXT_FAMILY, "", fonts.regular.path)
        pdf.add_font(TEXT_FAMILY, "B", bold.path)
        pdf.add_font(TEXT_FAMILY, "I", fonts.regular.path)
        family = TEXT_FAMILY
        if fonts.cjk is not None:
            pdf.set_fallback_fonts([CJK_FAMILY], exact_match=False)
    covered: set[int] = set()
    for font in pdf.fonts.values():
        covered.update(getattr(font, "cmap", {}) or {})
    return Installed(family, frozenset(covered))
