"""Make the GBK subsets of Noto Sans CJK SC that the certificate renderer ships with.

Run with fontTools installed in a throw-away virtualenv (not the project's .venv):

  python3 -m venv /tmp/fonttools && /tmp/fonttools/bin/pip install fonttools
  /tmp/fonttools/bin/python scripts/subset_cjk_font.py

Source: Debian's fonts-noto-cjk (`NotoSansCJK-*.ttc`, face 2 is "Noto Sans CJK SC").
Every character GBK can encode is kept (GB2312 alone misses name characters such as
喆 堃 玥 昇 旻 珺), plus Latin-1 and the general punctuation and symbols a name may use.
"""

from __future__ import annotations

import sys
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTCollection

SOURCE = Path("/usr/share/fonts/opentype/noto")
TARGET = Path(__file__).resolve().parent.parent / "static" / "fonts"
SC_FACE = 2
WEIGHTS = ("Regular", "Bold")


def gbk_codepoints() -> set[int]:
    points = set(range(0x20, 0x7F)) | set(range(0xA0, 0x100))
    points |= set(range(0x2000, 0x2070)) | {0x2605, 0x2606, 0x2713, 0x00B7, 0x30FB}
    for cp in range(0x80, 0x10000):
        if 0xD800 <= cp <= 0xDFFF:
            continue
        try:
            chr(cp).encode("gbk")
        except UnicodeEncodeError:
            continue
        points.add(cp)
    return points


def main() -> int:
    unicodes = sorted(gbk_codepoints())
    TARGET.mkdir(parents=True, exist_ok=True)
    for weight in WEIGHTS:
        font = TTCollection(str(SOURCE / f"NotoSansCJK-{weight}.ttc")).fonts[SC_FACE]
        options = subset.Options()
        options.layout_features = ["kern", "liga", "locl", "vert", "palt", "halt"]
        options.name_IDs = ["*"]
        options.name_languages = ["*"]
        options.notdef_outline = True
        options.hinting = False
        subsetter = subset.Subsetter(options)
        subsetter.populate(unicodes=unicodes)
        subsetter.subset(font)
        out = TARGET / f"NotoSansSC-GBK-{weight}.otf"
        font.save(str(out))
        print(f"{out.name}: {out.stat().st_size / 1e6:.1f} MB, {len(unicodes)} code points")
    return 0


if __name__ == "__main__":
    sys.exit(main())
