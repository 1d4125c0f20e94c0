"""Model base, column types, SQLite pragmas and the one-commit `use_case` rule."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Sequence
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any, ParamSpec, TypeVar, cast

from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import DateTime, Engine, MetaData, Table, TextClause, bindparam, event, text
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import (
    DeclarativeBase,
    Mapped,
    Session,
    SessionTransaction,
    make_transient_to_detached,
    mapped_column,
)
from sqlalchemy.sql.util import find_tables
from sqlalchemy.types import TypeDecorator

# Alembic names constraints the same way on SQLite and PostgreSQL with this convention.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


# The one SQLAlchemy instance; app.extensions re-exports it beside the other extensions.
db = SQLAlchemy(model_class=Base)


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes on every backend (SQLite drops the zone of DateTime(timezone=True))."""

    impl = DateTime(timezone=True)
    cache_ok = True

    @property
    def python_type(self) -> type[datetime]:
        return datetime

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTCDateTime column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)


class TimestampMixin:
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)


# --- SQLite: real transactions -------------------------------------------------------------
# pysqlite's own transaction handling starts transactions late and ignores our BEGIN; the
# SQLAlchemy recipe hands control to us. Reads begin DEFERRED (readers never queue behind each
# other in WAL mode); a use case begins IMMEDIATE, taking the write lock up front, so two use
# cases never deadlock upgrading read locks and `busy_timeout` makes the second one wait.
_write_intent: ContextVar[bool] = ContextVar("quanzi_write_intent", default=False)


def configure_sqlite(engine: Engine) -> None:
    """Install the pragmas and BEGIN handling on a SQLite engine (no-op elsewhere)."""
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE" if _write_intent.get() else "BEGIN")


# --- use_case: only the outermost call commits ----------------------------------------------
_depth: ContextVar[int] = ContextVar("quanzi_use_case_depth", default=0)

P = ParamSpec("P")
R = TypeVar("R")


def use_case(fn: Callable[P, R]) -> Callable[P, R]:
    """Run `fn` as one transaction: the outermost use case commits, nested ones join it.

    On any exception the whole use case rolls back. Work registered with
    `events.after_commit` runs only once the commit succeeded.
    """

    @functools.wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        depth = _depth.get()
        if depth:
            token = _depth.set(depth + 1)
            try:
                return fn(*args, **kwargs)
            finally:
                _depth.reset(token)
        session = db.session
        # A read transaction may be open (the current user was loaded). SQLite must end it so
        # this use case starts a fresh, write-locked one; PostgreSQL (read committed: every
        # statement sees what is committed) carries on in it and keeps what it loaded.
        if session().in_transaction() and session.get_bind().dialect.name == "sqlite":
            session.rollback()
        session.info.pop(_AFTER_COMMIT, None)
        session.info.pop(_KEEP_LOADED, None)
        depth_token = _depth.set(1)
        intent_token = _write_intent.set(True)
        try:
            result = fn(*args, **kwargs)
            _commit(session)
        except BaseException:
            session.rollback()
            session.info.pop(_AFTER_COMMIT, None)
            session.info.pop(_KEEP_LOADED, None)
            raise
        finally:
            _write_intent.reset(intent_token)
            _depth.reset(depth_token)
        run_after_commit()
        return result

    return wrapper


_AFTER_COMMIT = "quanzi_after_commit"
_KEEP_LOADED = "quanzi_keep_loaded"


def keep_loaded_after_commit() -> None:
    """Let this use case's commit leave loaded objects as they are instead of expiring them.

    For a write whose caller reads what it returns right away (the new post's id and status
    for the redirect): without this, each of those objects is loaded again after the commit.
    Only for use cases that keep their objects true, which the ORM does for what it writes
    and this code base does by hand for Core UPDATEs (`expire` or `set_committed_value`).
    """
    db.session.info[_KEEP_LOADED] = True


def _commit(session: Any) -> None:
    current = session()
    if not current.info.pop(_KEEP_LOADED, False):
        current.commit()
        return
    expiring, current.expire_on_commit = current.expire_on_commit, False
    try:
        current.commit()
    finally:
        current.expire_on_commit = expiring


def on_commit(callback: Callable[[], None]) -> None:
    """Run `callback` once the current use case has committed (never for a rollback).

    Outside a use case it runs at once: there is nothing left to wait for.
    """
    if not in_use_case():
        callback()
        return
    db.session.info.setdefault(_AFTER_COMMIT, []).append(callback)


def run_after_commit() -> None:
    """Run the callbacks queued by the use case that just committed.

    They do work outside the database (search index, cache); a failure is logged, never
    raised, because the data they derive from is already safe and can be rebuilt.
    """
    callbacks = db.session.info.pop(_AFTER_COMMIT, [])
    for callback in callbacks:
        try:
            callback()
        except Exception:
            logging.getLogger("quanzi").exception("after-commit callback failed")


# --- Per-transaction memo ------------------------------------------------------------------
# Small reference data a write asks for several times (tiers, earning rules, a member's tier
# trial) is read once per transaction. The end of the transaction or of a savepoint forgets
# it, and so does a change (pending or flushed) to an instance of a model it was read from.
# A Core UPDATE/INSERT is not such a change: code that writes a memoised model that way
# expires the instances it changed, or does not memoise.
_MEMO = "quanzi_memo"
T = TypeVar("T")
_Memo = dict[str, tuple[Any, tuple[type, ...]]]


def transaction_memo(name: str, load: Callable[[], T], *, models: tuple[type, ...]) -> T:
    """`load()` once per transaction under `name`; `models` are what it was read from."""
    session = db.session()
    memo: _Memo = session.info.setdefault(_MEMO, {})
    _forget_what_changed(session, memo)  # an added row is not flushed until the next query
    if name not in memo:
        memo[name] = (load(), models)
    return cast(T, memo[name][0])


def _forget_what_changed(session: Session, memo: _Memo) -> None:
    if not memo or not (session.new or session.deleted or session.dirty):
        return
    touched = tuple({type(obj) for obj in (*session.new, *session.dirty, *session.deleted)})
    for name in [n for n, (_v, models) in memo.items() if any(issubclass(t, models) for t in touched)]:
        del memo[name]


def _forget_at_transaction_end(session: Session, transaction: SessionTransaction) -> None:
    # The outermost transaction or a savepoint; not the inner one every flush opens.
    if transaction.parent is None or transaction.nested:
        session.info.pop(_MEMO, None)


def _forget_what_a_flush_changes(session: Session, _context: Any, _instances: Any) -> None:
    memo: _Memo | None = session.info.get(_MEMO)
    if memo:
        _forget_what_changed(session, memo)


event.listen(Session, "after_transaction_end", _forget_at_transaction_end)
event.listen(Session, "before_flush", _forget_what_a_flush_changes)


def in_use_case() -> bool:
    return _depth.get() > 0


def dialect_insert(model: Any) -> Any:
    """`insert(model)` in the session's dialect, which has ON CONFLICT (`on_conflict_do_*`)."""
    dialect = db.session.get_bind().dialect.name
    return (pg_insert if dialect == "postgresql" else sqlite_insert)(model)


# --- Upserts -------------------------------------------------------------------------------
# Every write pays several of these (ledger rollups, caps, boards, once-only guards). SQLAlchemy
# cannot cache its ON CONFLICT constructs (they compile afresh on every call), so each upsert
# shape is written once as SQL text with typed parameters, and that text is cached: the same
# statement on PostgreSQL and SQLite (3.35+: ON CONFLICT ... RETURNING, `excluded`).
_UPSERTS: dict[tuple[Any, ...], Any] = {}
_UPSERT_OPTION = "quanzi_upsert"


def _scalar_defaults(table: Table, given: Sequence[str]) -> dict[str, Any] | None:
    """The Python-side defaults an INSERT adds for the columns not given (None: not all are
    plain values, so the caller takes the ORM's path)."""
    defaults: dict[str, Any] = {}
    for column in table.columns:
        if column.name in given or column.default is None:
            continue
        if not column.default.is_scalar:
            return None
        defaults[column.name] = column.default.arg  # type: ignore[attr-defined]
    return defaults


def _counter_defaults(table: Table, given: Sequence[str]) -> dict[str, Any]:
    defaults = _scalar_defaults(table, given)
    if defaults is None:
        raise TypeError(f"{table.name}: a counter table's other columns take plain defaults")
    return defaults


def _upsert_sql(
    dialect: Dialect,
    table: Table,
    columns: Sequence[str],
    rows: int,
    conflict: Sequence[str],
    action: str,
    returning: str,
    prefix: str = "p",
) -> tuple[str, list[Any]]:
    """The SQL of a multi-row upsert and its typed parameters (`:{prefix}{row}_{column}`)."""
    quote = dialect.identifier_preparer.quote
    names = ", ".join(quote(c) for c in columns)
    values = ", ".join(
        "(" + ", ".join(f":{prefix}{i}_{j}" for j in range(len(columns))) + ")" for i in range(rows)
    )
    sql = (
        f"INSERT INTO {quote(table.name)} ({names}) VALUES {values} "
        f"ON CONFLICT ({', '.join(quote(c) for c in conflict)}) {action}"
        + (f" RETURNING {returning}" if returning else "")
    )
    types = [table.c[c].type for c in columns]
    params = [bindparam(f"{prefix}{i}_{j}", type_=types[j]) for i in range(rows) for j in range(len(columns))]
    return sql, params


def cached_text(
    key: tuple[Any, ...],
    build: Callable[[Dialect], Any],
    *,
    session: Session | None = None,
    flush: bool = True,
) -> Any:
    """The SQL text statement `build(dialect)` made once per `key` and dialect: for writes
    SQLAlchemy cannot cache (ON CONFLICT). Pending ORM rows are flushed first, as the ORM's
    own INSERT would (the statement may refer to them), unless `flush` is off (a caller that
    runs inside a flush). It must not read a rollup table."""
    session = session or db.session()
    if flush and session.autoflush:
        session.flush()
    dialect = session.get_bind().dialect
    statement = _UPSERTS.get((dialect.name, *key))
    if statement is None:
        # Marked so that the rollup hook below lets it pass without writing the queue.
        statement = build(dialect).execution_options(**{_UPSERT_OPTION: True})
        if len(_UPSERTS) < 5000:  # the shapes a site's writes produce are few
            _UPSERTS[(dialect.name, *key)] = statement
    return statement


def _upsert(
    table: Table,
    columns: Sequence[str],
    rows: int,
    conflict: Sequence[str],
    action: str,
    returning: str,
    typed: Sequence[str] = (),
) -> Any:
    def build(dialect: Dialect) -> Any:
        sql, params = _upsert_sql(dialect, table, columns, rows, conflict, action, returning)
        statement = text(sql).bindparams(*params)
        return statement.columns(*[table.c[c] for c in typed]) if typed else statement

    return cached_text((table.name, tuple(columns), rows, tuple(conflict), action, returning), build)


def upsert(
    model: Any,
    rows: Sequence[dict[str, Any]],
    conflict: Sequence[str],
    action: str,
    returning: Sequence[str] = (),
) -> Any:
    """INSERT `rows` ... ON CONFLICT (`conflict`) `action` [RETURNING `returning`, typed as the
    columns]: the cached SQL text of its shape, the table's plain defaults filling the columns
    not given. For the upserts that are neither a counter nor a once-only row; `action` is
    SQL (`DO UPDATE SET ...`) naming the table and `excluded`."""
    table: Table = model.__table__
    defaults = _counter_defaults(table, list(rows[0]))
    values = [{**defaults, **row} for row in rows]
    columns = list(values[0])
    quote = db.session.get_bind().dialect.identifier_preparer.quote
    names = ", ".join(quote(c) for c in returning)
    statement = _upsert(table, columns, len(values), conflict, action, names, returning)
    return db.session.execute(statement, _row_params(columns, values))


def _row_params(columns: Sequence[str], rows: Sequence[dict[str, Any]]) -> dict[str, Any]:
    return {f"p{i}_{j}": row[c] for i, row in enumerate(rows) for j, c in enumerate(columns)}


def insert_returning_id(model: Any, values: dict[str, Any], conflict: Sequence[str]) -> Any | None:
    """INSERT ... ON CONFLICT DO NOTHING (never aborts the transaction): the new row's id (its
    first primary-key column), or None when a row with the same `conflict` columns exists.

    The once-only guard of every idempotent write: a concurrent request that inserted the
    same row first makes this a no-op instead of an IntegrityError.
    """
    table: Table = model.__table__
    # RETURNING, not rowcount: psycopg reports -1 for some statements, which would read as True.
    defaults = _scalar_defaults(table, list(values))
    if defaults is None:
        statement = (
            dialect_insert(model)
            .values(**values)
            .on_conflict_do_nothing(index_elements=list(conflict))
            .returning(*table.primary_key.columns)
        )
        found = db.session.execute(statement).first()
    else:
        quote = db.session.get_bind().dialect.identifier_preparer.quote
        returning = ", ".join(quote(column.name) for column in table.primary_key)
        row = {**defaults, **values}
        columns = list(row)
        upsert = _upsert(table, columns, 1, conflict, "DO NOTHING", returning)
        found = db.session.execute(upsert, _row_params(columns, [row])).first()
    return found[0] if found is not None else None


def insert_once(model: Any, values: dict[str, Any], conflict: Sequence[str]) -> Any | None:
    """`insert_returning_id` that gives the new row as a persistent instance of `model`, as
    written (no SAVEPOINT around an ORM flush, no reload), or None when the row existed.
    Columns left to the database (server defaults) load on first access."""
    new_id = insert_returning_id(model, values, conflict)
    if new_id is None:
        return None
    table: Table = model.__table__
    key = next(iter(table.primary_key.columns)).name
    instance = model(**{**(_scalar_defaults(table, list(values)) or {}), **values, key: new_id})
    make_transient_to_detached(instance)
    db.session.add(instance)
    return instance


def insert_ignoring_conflict(model: Any, values: dict[str, Any], conflict: Sequence[str]) -> bool:
    """`insert_returning_id` for callers that only ask whether the row is new."""
    return insert_returning_id(model, values, conflict) is not None


def add_to_counter(
    model: Any, keys: dict[str, Any], column: str, amount: int, below: int | None = None
) -> bool:
    """`column += amount` on the row with `keys`, inserting it if missing: one race-safe
    INSERT ... ON CONFLICT DO UPDATE (the unique key, not Python, decides insert or add).

    `below` makes the add conditional on the stored value being below it, as for daily caps;
    the result says whether it applied (a new row is always inserted). For a counter the
    transaction reads back or decides on (caps); pure rollups go through `add_to_rollup`.
    """
    table: Table = model.__table__
    row = {**_counter_defaults(table, [*keys, column]), **keys, column: amount}
    columns = list(row)
    quote = db.session.get_bind().dialect.identifier_preparer.quote
    target = f"{quote(table.name)}.{quote(column)}"
    action = f"DO UPDATE SET {quote(column)} = {target} + excluded.{quote(column)}"
    if below is not None:
        action += f" WHERE {target} < :below"
    upsert = _upsert(table, columns, 1, list(keys), action, quote(column))
    params = _row_params(columns, [row])
    if below is not None:
        params["below"] = below
    # RETURNING, not rowcount: a guarded no-op returns no row on both backends.
    return db.session.execute(upsert, params).first() is not None


# --- Rollups, written at the commit ---------------------------------------------------------
# A write moves many pure counters (the ledger's day, week and month rows, the boards, the
# dashboard's day): nothing in the transaction reads them back, so they are queued and written
# just before the commit, merged by row, sorted (two transactions lock shared rows such as the
# site's day in the same order) and, on PostgreSQL, in one statement (one INSERT ... ON
# CONFLICT per table in a WITH). A check-in's thirteen upserts become one round trip, and the
# busiest rows are locked for the commit only. A savepoint that rolls back puts the queue back
# as it found it; a statement that reads or changes a rollup table (or any DELETE, which may
# cascade to one) writes the queue first, so the transaction always sees its own counts.
_ROLLUPS = "quanzi_rollups"
_ROLLUP_MARKS = "quanzi_rollup_marks"
_Rollup = tuple[Table, tuple[tuple[str, Any], ...], dict[str, int]]


def add_to_rollup(model: Any, keys: dict[str, Any], **amounts: int) -> None:
    """`column += amount` for each of `amounts` on the row with `keys` (inserted if missing),
    written with the transaction's other rollups just before it commits. Every pure counter
    (one nothing reads back in the same transaction) goes through this."""
    queue_rollup(db.session(), model, keys, amounts)


def queue_rollup(session: Session, model: Any, keys: dict[str, Any], amounts: dict[str, int]) -> None:
    """`add_to_rollup` on a given session (for hooks that are handed the one committing)."""
    rollups: list[_Rollup] = session.info.setdefault(_ROLLUPS, [])
    # Keys in name order: the same row always merges, however a caller spelled the dict.
    rollups.append((model.__table__, tuple(sorted(keys.items())), amounts))


def _merged(rollups: list[_Rollup]) -> dict[Table, dict[tuple[tuple[str, Any], ...], dict[str, int]]]:
    tables: dict[Table, dict[tuple[tuple[str, Any], ...], dict[str, int]]] = {}
    for table, keys, amounts in rollups:
        row = tables.setdefault(table, {}).setdefault(keys, {})
        for column, amount in amounts.items():
            row[column] = row.get(column, 0) + amount
    return tables


def _sort_key(keys: tuple[tuple[str, Any], ...]) -> tuple[tuple[bool, Any], ...]:
    return tuple((value is not None, value) for _name, value in keys)


def write_rollups(session: Session | None = None, *, flush: bool = True) -> None:
    """Write the queued rollups now (the commit does this by itself)."""
    session = session or db.session()
    if flush and session.autoflush and session.info.get(_ROLLUPS):
        # Rows the counters refer to go first; a pending DELETE writes the queue before itself.
        session.flush()
    rollups: list[_Rollup] | None = session.info.pop(_ROLLUPS, None)
    if not session.in_nested_transaction():
        session.info.pop(_ROLLUP_MARKS, None)
    if not rollups:
        return
    dialect = session.get_bind().dialect
    parts: list[tuple[Table, list[str], list[dict[str, Any]], list[str], str]] = []
    for table, rows in sorted(_merged(rollups).items(), key=lambda item: item[0].name):
        conflict = [name for name, _value in next(iter(rows))]
        counted = sorted({column for amounts in rows.values() for column in amounts})
        defaults = _counter_defaults(table, [*conflict, *counted])
        values = [
            {**defaults, **dict(keys), **dict.fromkeys(counted, 0), **amounts}
            for keys, amounts in sorted(rows.items(), key=lambda item: _sort_key(item[0]))
        ]
        quote = dialect.identifier_preparer.quote
        name = quote(table.name)
        action = "DO UPDATE SET " + ", ".join(
            f"{quote(c)} = {name}.{quote(c)} + excluded.{quote(c)}" for c in counted
        )
        parts.append((table, list(values[0]), values, conflict, action))
    if dialect.name == "postgresql":
        _execute_rollups(session, parts)
    else:  # no round trips to save on SQLite, and no INSERT inside WITH
        for part in parts:
            _execute_rollups(session, [part])


def _execute_rollups(
    session: Session,
    parts: list[tuple[Table, list[str], list[dict[str, Any]], list[str], str]],
) -> None:
    def build(dialect: Dialect) -> Any:
        pieces, params = [], []
        for n, (table, columns, values, conflict, action) in enumerate(parts):
            sql, typed = _upsert_sql(dialect, table, columns, len(values), conflict, action, "", f"r{n}_")
            pieces.append(sql)
            params.extend(typed)
        sql = (
            pieces[0]
            if len(pieces) == 1
            else ("WITH " + ", ".join(f"r{n} AS ({piece})" for n, piece in enumerate(pieces)) + " SELECT 1")
        )
        return text(sql).bindparams(*params)

    key = ("rollups", tuple((t.name, tuple(c), len(v), a) for t, c, v, _k, a in parts))
    statement = cached_text(key, build, session=session, flush=False)
    bound = {
        f"r{n}_{i}_{j}": row[c]
        for n, (_t, columns, rows, _k, _a) in enumerate(parts)
        for i, row in enumerate(rows)
        for j, c in enumerate(columns)
    }
    session.execute(statement, bound)


def _mark_savepoint(session: Session, transaction: SessionTransaction) -> None:
    # The queue as the savepoint found it: what stands to be written if it rolls back (even
    # rows written inside it, whose writing the rollback undoes).
    if transaction.nested:
        marks = session.info.setdefault(_ROLLUP_MARKS, {})
        marks[transaction] = list(session.info.get(_ROLLUPS, ()))


def _restore_the_queue_of_a_savepoint(session: Session, previous: SessionTransaction) -> None:
    if not previous.nested:
        return
    queued = session.info.get(_ROLLUP_MARKS, {}).pop(previous, None)
    if queued is not None:
        session.info[_ROLLUPS] = queued


def _drop_rollups_at_the_end(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:  # written by the commit already, or rolled back
        session.info.pop(_ROLLUPS, None)
        session.info.pop(_ROLLUP_MARKS, None)


_BEFORE_COMMIT: list[Callable[[Session], None]] = []


def before_commit(hook: Callable[[Session], None]) -> None:
    """Run `hook(session)` before every outermost commit, ahead of the rollups (so what it
    queues with `add_to_rollup` goes out in the same statement)."""
    if hook not in _BEFORE_COMMIT:
        _BEFORE_COMMIT.append(hook)


def has_queued_rollups(session: Session) -> bool:
    return bool(session.info.get(_ROLLUPS))


def _write_rollups_before_commit(session: Session) -> None:
    # A savepoint's release fires this too; the outermost commit is the one that counts.
    if not session.in_transaction() or session.in_nested_transaction():
        return
    for hook in _BEFORE_COMMIT:
        hook(session)
    if session.info.get(_ROLLUPS):
        write_rollups(session)


def _write_rollups_before_reading_them(state: Any) -> None:
    rollups: list[_Rollup] | None = state.session.info.get(_ROLLUPS)
    if not rollups or state.execution_options.get(_UPSERT_OPTION):
        return
    statement = state.statement
    if isinstance(statement, TextClause) or state.is_delete:
        write_rollups(state.session)
        return
    queued = {table.name for table, _keys, _amounts in rollups}
    found = find_tables(statement, include_crud=True, include_joins=True, include_aliases=True)
    if any(getattr(t, "name", None) in queued for t in found):
        write_rollups(state.session)


def _write_rollups_before_deleting(session: Session, _context: Any, _instances: Any) -> None:
    if session.deleted and session.info.get(_ROLLUPS):  # a deleted row may cascade to a rollup's
        write_rollups(session, flush=False)  # (this is the flush)


event.listen(Session, "after_transaction_create", _mark_savepoint)
event.listen(Session, "after_soft_rollback", _restore_the_queue_of_a_savepoint)
event.listen(Session, "after_transaction_end", _drop_rollups_at_the_end)
event.listen(Session, "before_commit", _write_rollups_before_commit)
event.listen(Session, "do_orm_execute", _write_rollups_before_reading_them)
event.listen(Session, "before_flush", _write_rollups_before_deleting)
