"""Translations: English msgids in the code, Chinese in translations/zh/parts/*.po.

The Chinese catalogue is split by feature (one .po per feature under parts/) so that
features can be translated independently; `compile` merges the parts into the one
messages.mo Flask-Babel reads (translations/zh/LC_MESSAGES/, generated, not committed).

  python scripts/i18n.py compile          merge parts and write messages.mo
  python scripts/i18n.py check            list msgids in the code without a Chinese text
  python scripts/i18n.py missing PART     append untranslated msgids to parts/PART.po
"""

from __future__ import annotations

import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
PARTS = ROOT / "translations" / "zh" / "parts"
MO = ROOT / "translations" / "zh" / "LC_MESSAGES" / "messages.mo"
METHOD_MAP = [
    ("app/**.py", "python"),
    ("templates/**.html", "jinja2"),
    ("templates/**.webmanifest", "jinja2"),
    # Plain-text email parts (templates/email/*.txt).
    ("templates/**.txt", "jinja2"),
]
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "lazy_gettext": None, "_l": None, "_n": (1, 2)}


def merged() -> Catalog:
    catalog = Catalog(locale="zh", domain="messages", fuzzy=False)
    for part in sorted(PARTS.glob("*.po")):
        with part.open("rb") as handle:
            for message in read_po(handle, locale="zh"):
                if message.id and message.string and message.id not in catalog:
                    catalog.add(message.id, message.string, context=message.context)
    return catalog


def _wanted_directory(path: str) -> bool:
    name = Path(path).name
    return not name.startswith(".") and name not in {"__pycache__", ".venv", "node_modules"}


def extracted() -> dict[object, str]:
    found: dict[object, str] = {}
    for filename, _lineno, message, _comments, _context in extract_from_dir(
        str(ROOT),
        METHOD_MAP,
        keywords=KEYWORDS,
        options_map={
            "templates/**.html": {"extensions": "jinja2.ext.i18n"},
            "templates/**.txt": {"extensions": "jinja2.ext.i18n"},
        },
        # Babel skips folders starting with "_" by default: templates/_partials has strings.
        directory_filter=_wanted_directory,
    ):
        found.setdefault(message, filename)
    return found


def compile_catalog() -> int:
    catalog = merged()
    MO.parent.mkdir(parents=True, exist_ok=True)
    tmp = MO.with_suffix(".tmp")
    with tmp.open("wb") as handle:
        write_mo(handle, catalog)
    tmp.replace(MO)
    print(f"compiled {len(catalog)} Chinese messages into {MO.relative_to(ROOT)}")
    return 0


def untranslated() -> dict[object, str]:
    catalog = merged()
    return {msgid: where for msgid, where in extracted().items() if msgid not in catalog}


def check() -> int:
    missing = untranslated()
    for msgid, where in sorted(missing.items(), key=lambda item: item[1]):
        print(f"{where}: {msgid!r}")
    print(f"{len(missing)} message(s) without a Chinese translation")
    return 1 if missing else 0


def add_missing(part: str) -> int:
    path = PARTS / f"{part}.po"
    catalog = Catalog(locale="zh")
    if path.exists():
        with path.open("rb") as handle:
            catalog = read_po(handle, locale="zh")
    for msgid in untranslated():
        if msgid not in catalog:
            catalog.add(msgid, "")
    with path.open("wb") as handle:
        write_po(handle, catalog, width=0, omit_header=True)
    print(f"wrote {path.relative_to(ROOT)}; fill in the empty msgstr lines")
    return 0


if __name__ == "__main__":
    command = sys.argv[1] if len(sys.argv) > 1 else "compile"
    if command == "compile":
        sys.exit(compile_catalog())
    if command == "check":
        sys.exit(check())
    if command == "missing" and len(sys.argv) == 3:
        sys.exit(add_missing(sys.argv[2]))
    print(__doc__)
    sys.exit(2)
