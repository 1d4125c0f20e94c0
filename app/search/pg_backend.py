"""The scale-out backend: PostgreSQL full-text search over `search_document`.

No index files and no single writer: any app server writes rows, in a transaction that
holds an advisory lock per document and reads the source rows under it, so the last writer
always writes the newest state. The tsvector is built in Python from the same segmented terms
the Whoosh backend indexes (weights: title and tags A, body B, author and circle C) and cast
directly, so PostgreSQL's parser never re-splits a word.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from markupsafe import Markup, escape
from sqlalchemy import Select, Text, cast, delete, func, literal, select, text, tuple_
from sqlalchemy.dialects.postgresql import TSQUERY, TSVECTOR, insert

from app.core.db import db, use_case

from .adapters import Doc, Key
from .models import SearchDocument
from .text import ZWSP, index_terms, segmented

MAX_POSITION = 16383
# Relevance order ranks this many of the newest matches: services.MAX_PAGE pages of
# services.PER_PAGE hits (a test holds the two together).
RANKED = 500
START, STOP = "\ue000", "\ue001"
HEADLINE = (
    f"StartSel={START}, StopSel={STOP}, MaxWords=40, MinWords=15, ShortWord=0, "
    "MaxFragments=2, FragmentDelimiter=' … '"
)
TITLE_HEADLINE = f"StartSel={START}, StopSel={STOP}, HighlightAll=true"


def _quote(term: str) -> str:
    return "'" + term.replace("\\", "\\\\").replace("'", "''") + "'"


def tsvector_literal(doc: Doc) -> str:
    """`'term':pos<weight> ...` for the document's fields."""
    parts: list[str] = []
    position = 1
    for value, weight in (
        (doc.title, "A"),
        (doc.tags, "A"),
        (doc.body, "B"),
        (doc.author, "C"),
        (doc.circle, "C"),
    ):
        for word, _start, _end in index_terms(value):
            parts.append(f"{_quote(word)}:{min(position, MAX_POSITION)}{weight}")
            position += 1
        position += 1
    return " ".join(parts)


def _clean(value: str) -> str:
    return value.replace(START, "").replace(STOP, "")


def _row(doc: Doc) -> dict[str, Any]:
    return {
        "kind": doc.kind,
        "ref_id": doc.ref_id,
        "post_id": doc.post_id,
        "circle_id": doc.circle_id,
        "created_at": doc.created_at,
        "title": segmented(_clean(doc.title)),
        "body": segmented(_clean(doc.body)),
        "tsv": cast(tsvector_literal(doc), TSVECTOR),
    }


def _lock(keys: Sequence[Key]) -> None:
    # Sorted, in one statement: two writers never wait on each other in opposite orders.
    ids = sorted({zlib.crc32(f"search:{k}:{i}".encode()) for k, i in keys})
    db.session.execute(
        text("SELECT pg_advisory_xact_lock(k) FROM unnest(CAST(:ids AS bigint[])) AS k ORDER BY k"),
        {"ids": ids},
    )


def _write(keys: Sequence[Key], docs: Sequence[Doc]) -> None:
    db.session.execute(
        delete(SearchDocument).where(tuple_(SearchDocument.kind, SearchDocument.ref_id).in_(list(keys)))
    )
    if docs:
        # One multi-row INSERT: the ORM's executemany cannot carry the CAST expressions.
        db.session.execute(insert(SearchDocument).values([_row(d) for d in docs]))


@use_case
def sync(keys: Sequence[Key], load: Callable[[Sequence[Key]], list[Doc]]) -> None:
    """Make the rows of `keys` match the database, in one transaction."""
    _lock(keys)
    _write(keys, load(keys))


def is_rebuilding() -> bool:
    return False


@use_case
def _rebuild_batch(keys: Sequence[Key], load: Callable[[Sequence[Key]], list[Doc]]) -> int:
    _lock(keys)
    docs = load(keys)
    _write(keys, docs)
    return len(docs)


def rebuild_in_place(
    batches: Iterable[list[Key]],
    load: Callable[[Sequence[Key]], list[Doc]],
    progress: Callable[[int], None],
) -> None:
    """Recompute every row in batches (search stays online), then drop rows nobody wrote."""
    seen: set[Key] = set()
    for keys in batches:
        _rebuild_batch(keys, load)
        seen.update(keys)
        progress(len(keys))
    _drop_stale(seen)
    _analyze()


@use_case
def _analyze() -> None:
    # Fresh statistics after rewriting every row: without them the planner guesses how
    # common a word is and may rank a fifth of the table where a few hundred rows would do.
    db.session.execute(text("ANALYZE search_document"))


@use_case
def _drop_stale(seen: set[Key]) -> None:
    rows = db.session.execute(select(SearchDocument.kind, SearchDocument.ref_id)).all()
    stale = [(k, i) for k, i in rows if (k, i) not in seen]
    for start in range(0, len(stale), 500):
        chunk = stale[start : start + 500]
        _lock(chunk)
        _write(chunk, [])


def _tsquery(terms: Sequence[str], joiner: str) -> Any:
    return cast(literal(joiner.join(_quote(t) for t in terms)), TSQUERY)


def _marked(value: str | None) -> Markup | None:
    if not value or START not in value:
        return None
    plain = str(escape(value.replace(ZWSP, "")))
    return Markup(plain.replace(START, "<mark>").replace(STOP, "</mark>"))


def search(
    terms: Sequence[str],
    highlight: Sequence[str],
    *,
    denied: Select[Any] | None,
    circle_id: int | None,
    newest: bool,
    page: int,
    per_page: int,
) -> tuple[list[dict[str, Any]], bool]:
    """One page of hits: [{kind, ref_id, title, snippet}] and whether there is a next page."""
    match = _tsquery(terms, " & ")
    matches = select(SearchDocument.id, SearchDocument.tsv, SearchDocument.created_at).where(
        SearchDocument.tsv.op("@@")(match)
    )
    if denied is not None:
        matches = matches.where(SearchDocument.circle_id.not_in(denied))
    if circle_id:
        matches = matches.where(SearchDocument.circle_id == circle_id)
    matches = matches.order_by(SearchDocument.created_at.desc(), SearchDocument.id.desc())
    if newest:
        ordered: Select[Any] = matches.with_only_columns(SearchDocument.id, literal(0.0).label("rank"))
    else:
        # Rank the newest RANKED matches only: a common word matches a fifth of a big
        # community's documents, and ranking them all costs far more than the page is worth
        # (every page one can open lies inside them).
        recent = matches.limit(RANKED).subquery()
        rank = func.ts_rank(recent.c.tsv, match).label("rank")
        ordered = select(recent.c.id, rank).order_by(
            rank.desc(), recent.c.created_at.desc(), recent.c.id.desc()
        )
    page_rows = ordered.limit(per_page + 1).offset((page - 1) * per_page).subquery()
    lit = _tsquery(highlight, " | ")
    order = [SearchDocument.created_at.desc()]
    if not newest:
        order.insert(0, page_rows.c.rank.desc())
    # Headlines only for the page's rows: ts_headline re-reads the text, so it is not cheap.
    query = (
        select(
            SearchDocument.kind,
            SearchDocument.ref_id,
            func.ts_headline("simple", SearchDocument.title, lit, TITLE_HEADLINE),
            func.ts_headline("simple", SearchDocument.body, lit, HEADLINE),
        )
        .join(page_rows, page_rows.c.id == SearchDocument.id)
        .order_by(*order, SearchDocument.id.desc())
    )
    rows = db.session.execute(query).all()
    hits = [
        {"kind": kind, "ref_id": ref_id, "title": _marked(title), "snippet": _marked(body)}
        for kind, ref_id, title, body in rows[:per_page]
    ]
    return hits, len(rows) > per_page


def count() -> int:
    return int(db.session.scalar(select(func.count()).select_from(SearchDocument)) or 0)


def snapshot() -> dict[str, tuple[Any, ...]]:
    """Every row by key (to compare a rebuild with the live index)."""
    rows = db.session.execute(
        select(
            SearchDocument.kind,
            SearchDocument.ref_id,
            SearchDocument.created_at,
            SearchDocument.title,
            SearchDocument.body,
            cast(SearchDocument.tsv, Text),
        )
    ).all()
    return {f"{r[0]}:{r[1]}": tuple(r) for r in rows}
