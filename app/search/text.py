"""Word segmentation shared by both backends: Chinese words by rjieba, other words by letters.

rjieba builds its dictionary when it is imported (about 0.15 s), so this happens once per
process, at start-up, never per request. Both backends index exactly the terms `index_terms`
yields and search for exactly the terms `query_terms` yields, so they agree on what matches.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator

import nh3
import rjieba
from whoosh.lang.porter2 import stem

from app.core.markdown import render_markdown

# Han ideographs (with extensions and compatibility forms) and kana go to the segmenter.
_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_RUN = re.compile(rf"[{_CJK}]+|[^\W_{_CJK}]+")
_PIECE = re.compile(r"[^\W\d_]+|\d+")
_IS_CJK = re.compile(rf"[{_CJK}]")
# Full-width ASCII (ＡＢＣ１２３) maps one-to-one onto ASCII, so character offsets survive.
_FULLWIDTH = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}
MAX_TERM = 40
MAX_QUERY_TERMS = 12
ZWSP = "\u200b"

Term = tuple[str, int, int]


def normalise(text: str) -> str:
    """Full-width letters and digits as ASCII; the length (and every offset) stays the same."""
    return (text or "").translate(_FULLWIDTH)


def _latin_terms(run: str, offset: int) -> Iterator[Term]:
    for piece in _PIECE.finditer(run.lower()):
        word = piece.group()
        if word.isascii() and word.isalpha():
            word = stem(word)
        if len(word) <= MAX_TERM:
            yield word, offset + piece.start(), offset + piece.end()


def _terms(text: str, mode: str) -> Iterator[Term]:
    for run in _RUN.finditer(normalise(text)):
        if _IS_CJK.match(run.group()):
            for word, start, end in rjieba.tokenize(run.group(), mode=mode):
                yield word, run.start() + start, run.start() + end
        else:
            yield from _latin_terms(run.group(), run.start())


def index_terms(text: str) -> Iterator[Term]:
    """(term, start, end) for indexing: jieba's search mode adds the words inside long words
    (读书会 -> 读书, 书会, 读书会), so a query for any of them finds the document."""
    return _terms(text, "search")


def query_terms(text: str) -> list[str]:
    """The distinct terms of a query (accurate mode), in order, at most MAX_QUERY_TERMS."""
    seen: list[str] = []
    for word, _start, _end in _terms(text, "default"):
        if word not in seen:
            seen.append(word)
    return seen[:MAX_QUERY_TERMS]


def highlight_terms(text: str) -> list[str]:
    """Every word a query could light up in a snippet: accurate and search-mode words, and
    English words as typed as well as stemmed (a snippet shows the text's own words)."""
    seen = list(query_terms(text))
    plain = normalise(text)
    for word, start, end in index_terms(text):
        for candidate in (word, plain[start:end].lower()):
            if candidate not in seen:
                seen.append(candidate)
    return seen


def plain_text(markdown: str) -> str:
    """What a reader sees of a Markdown body, as plain text on one line."""
    rendered = nh3.clean(str(render_markdown(markdown)), tags=set())
    return re.sub(r"\s+", " ", html.unescape(rendered)).strip()


def segmented(text: str) -> str:
    """`text` with a zero-width space between Chinese words, for PostgreSQL's parser.

    Long words are split into their shortest dictionary words (读书会 -> 读书|会), so a
    snippet can light up a word found inside them. Nothing visible changes.
    """
    out: list[str] = []
    last = 0
    for run in _RUN.finditer(text):
        if not _IS_CJK.match(run.group()):
            continue
        out.append(text[last : run.start()])
        words: list[str] = []
        for word in rjieba.cut(run.group()):
            words.extend(_split_long(word))
        out.append(ZWSP.join(words))
        last = run.end()
    out.append(text[last:])
    return "".join(out).replace(ZWSP * 2, ZWSP)


def _split_long(word: str) -> list[str]:
    if len(word) <= 2:
        return [word]
    inner = {w for w in rjieba.cut_for_search(word) if 2 <= len(w) < len(word)}
    parts: list[str] = []
    pos = 0
    while pos < len(word):
        found = next((w for w in sorted(inner, key=len) if word.startswith(w, pos)), None)
        step = len(found) if found else 1
        if not found and parts and len(parts[-1]) == 1 and not inner:
            parts[-1] += word[pos]
        else:
            parts.append(word[pos : pos + step])
        pos += step
    return parts
