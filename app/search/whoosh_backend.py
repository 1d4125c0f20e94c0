"""The embedded backend: a Whoosh index in the instance directory (one host, one writer).

`<instance>/search/current` is a symlink to the live index directory. A rebuild writes a new
directory beside it and swaps the link atomically, so searches never stop. Writers take
Whoosh's file lock (one at a time, across every gunicorn worker) and read the database while
holding it, so the last writer always writes the newest state.
"""

from __future__ import annotations

import logging
import os
import shutil
import socket
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

from flask import current_app
from markupsafe import Markup
from whoosh import index as whoosh_index
from whoosh.analysis import Token, Tokenizer
from whoosh.fields import ID, NUMERIC, TEXT, Schema
from whoosh.highlight import ContextFragmenter, HtmlFormatter, WholeFragmenter
from whoosh.query import And, Or, Query, Term

from app.core.db import db

from .adapters import Doc, Key
from .text import index_terms

log = logging.getLogger("quanzi.search")

WRITE_TIMEOUT = 10.0
TEXT_FIELDS = ("title", "body", "tags", "author", "circle")


class JiebaTokenizer(Tokenizer):
    """Whoosh tokenizer over `text.index_terms` (segmented, lower-cased, stemmed)."""

    def __call__(
        self,
        value: str,
        positions: bool = False,
        chars: bool = False,
        keeporiginal: bool = False,
        removestops: bool = True,
        start_pos: int = 0,
        start_char: int = 0,
        tokenize: bool = True,
        mode: str = "",
        **kwargs: Any,
    ) -> Iterator[Token]:
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        for pos, (word, start, end) in enumerate(index_terms(value)):
            token.text = word
            token.boost = 1.0
            token.stopped = False
            if keeporiginal:
                token.original = value[start:end]
            if positions:
                token.pos = start_pos + pos
            if chars:
                token.startchar = start_char + start
                token.endchar = start_char + end
            yield token


ANALYZER = JiebaTokenizer()
SCHEMA = Schema(
    key=ID(unique=True, stored=True),
    kind=ID(stored=True),
    ref_id=NUMERIC(stored=True),
    post_id=ID,
    circle_id=ID,
    created=NUMERIC(bits=64, sortable=True, stored=True),
    title=TEXT(analyzer=ANALYZER, stored=True, field_boost=2.0),
    body=TEXT(analyzer=ANALYZER, stored=True),
    tags=TEXT(analyzer=ANALYZER, field_boost=1.5),
    author=TEXT(analyzer=ANALYZER),
    circle=TEXT(analyzer=ANALYZER),
)

# Open indexes by directory: opening reads the table of contents, so keep them per process.
_open: dict[str, Any] = {}


def root() -> Path:
    return Path(current_app.config["QUANZI_INSTANCE_DIR"]) / "search"


def _link() -> Path:
    return root() / "current"


def _new_dir(prefix: str) -> Path:
    path = root() / f"{prefix}-{time.strftime('%Y%m%d%H%M%S')}-{os.getpid()}-{time.monotonic_ns() % 10**6}"
    path.mkdir(parents=True)
    whoosh_index.create_in(str(path), SCHEMA)
    return path


def _current_dir() -> Path:
    link = _link()
    if not link.exists():
        fresh = _new_dir("index")
        try:
            # Atomic: if another worker created the index first, use theirs.
            os.symlink(fresh.name, link)
        except FileExistsError:
            shutil.rmtree(fresh, ignore_errors=True)
    return link.resolve()


def _index() -> Any:
    path = str(_current_dir())
    ix = _open.get(path)
    if ix is None:
        if len(_open) > 8:
            _open.clear()
        ix = _open[path] = whoosh_index.open_dir(path)
    return ix


def _fields(doc: Doc) -> dict[str, Any]:
    return {
        "key": doc.key,
        "kind": doc.kind,
        "ref_id": doc.ref_id,
        "post_id": str(doc.post_id or ""),
        "circle_id": str(doc.circle_id),
        "created": int(doc.created_at.timestamp() * 1_000_000),
        "title": doc.title,
        "body": doc.body,
        "tags": doc.tags,
        "author": doc.author,
        "circle": doc.circle,
    }


def sync(keys: Sequence[Key], load: Callable[[Sequence[Key]], list[Doc]]) -> None:
    """Make the index entries of `keys` match the database (read under the writer lock)."""
    writer = _index().writer(timeout=WRITE_TIMEOUT)
    try:
        # A read transaction begun before the lock would show an older snapshot: start afresh.
        db.session.rollback()
        docs = {(d.kind, d.ref_id): d for d in load(keys)}
        for key in keys:
            doc = docs.get(key)
            if doc is None:
                writer.delete_by_term("key", f"{key[0]}:{key[1]}")
            else:
                writer.update_document(**_fields(doc))
    except BaseException:
        writer.cancel()
        raise
    writer.commit()


# --- Rebuild aside, then swap ----------------------------------------------------------------


def _flag() -> Path:
    return root() / "REBUILDING"


def is_rebuilding() -> bool:
    """A rebuild is running on this host (its catch-up needs the queue rows kept)."""
    flag = _flag()
    try:
        host, pid = flag.read_text().split()
    except (OSError, ValueError):
        return False
    if host == socket.gethostname():
        try:
            os.kill(int(pid), 0)
        except (ProcessLookupError, ValueError):
            flag.unlink(missing_ok=True)  # the rebuild died; its catch-up will never come
            return False
        except PermissionError:
            return True
    return True


def rebuild(batches: Iterable[list[Doc]], progress: Callable[[int], None]) -> None:
    """Index every document into a new directory, then swap it in atomically."""
    root().mkdir(parents=True, exist_ok=True)
    _flag().write_text(f"{socket.gethostname()} {os.getpid()}")
    try:
        fresh = _new_dir("index")
        writer = whoosh_index.open_dir(str(fresh)).writer(limitmb=128)
        try:
            for docs in batches:
                for doc in docs:
                    writer.add_document(**_fields(doc))
                progress(len(docs))
        except BaseException:
            writer.cancel()
            shutil.rmtree(fresh, ignore_errors=True)
            raise
        writer.commit()
        old = _link().resolve() if _link().exists() else None
        tmp = root() / f".current-{os.getpid()}"
        tmp.unlink(missing_ok=True)
        os.symlink(fresh.name, tmp)
        os.replace(tmp, _link())
    finally:
        _flag().unlink(missing_ok=True)
    # Searchers elsewhere may still read the old files: on POSIX they stay readable until closed.
    for path in root().glob("index-*"):
        if path != fresh and path != old:
            shutil.rmtree(path, ignore_errors=True)
    if old is not None and old != fresh:
        shutil.rmtree(old, ignore_errors=True)


# --- Searching -------------------------------------------------------------------------------


def _query(terms: Sequence[str]) -> Query:
    return And([Or([Term(f, t) for f in TEXT_FIELDS]) for t in terms])


def _circle_terms(ids: Iterable[int]) -> Query | None:
    terms = [Term("circle_id", str(i)) for i in ids]
    return Or(terms) if terms else None


def search(
    terms: Sequence[str],
    *,
    denied: Iterable[int] | None,
    circle_id: int | None,
    newest: bool,
    page: int,
    per_page: int,
) -> tuple[list[dict[str, Any]], bool]:
    """One page of hits: [{kind, ref_id, title, snippet}] and whether there is a next page."""
    ix = _index()
    with ix.searcher() as searcher:
        options: dict[str, Any] = {
            "limit": page * per_page + 1,
            "terms": True,
            "mask": _circle_terms(denied or ()),
            "filter": Term("circle_id", str(circle_id)) if circle_id else None,
        }
        if newest:
            options.update(sortedby="created", reverse=True)
        results = searcher.search(_query(terms), **options)
        formatter = HtmlFormatter(tagname="mark", between=" … ")
        formatter.template = "<%(tag)s>%(t)s</%(tag)s>"
        results.formatter = formatter
        start = (page - 1) * per_page
        hits = []
        for hit in results[start : start + per_page]:
            results.fragmenter = WholeFragmenter()
            title = hit.highlights("title") or ""
            results.fragmenter = ContextFragmenter(maxchars=120, surround=40)
            snippet = hit.highlights("body", top=2) or ""
            hits.append(
                {
                    "kind": hit["kind"],
                    "ref_id": hit["ref_id"],
                    # Whoosh's HtmlFormatter escapes the text around the marks.
                    "title": Markup(title) if title else None,
                    "snippet": Markup(snippet) if snippet else None,
                }
            )
        return hits, results.scored_length() > start + per_page


def count() -> int:
    with _index().searcher() as searcher:
        return int(searcher.doc_count())


def snapshot() -> dict[str, tuple[Any, ...]]:
    """Every document's stored fields by key (to compare a rebuild with the live index)."""
    with _index().searcher() as searcher:
        return {
            f["key"]: (f["kind"], f["ref_id"], f["created"], f.get("title"), f.get("body"))
            for f in searcher.all_stored_fields()
        }
