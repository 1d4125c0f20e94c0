"""Bulk writes for the benchmark seeder: executemany on SQLite, COPY on PostgreSQL.

Rows are tuples in the column order given; datetimes and dates arrive as strings already
formatted for the backend (`Sink.ts`, `Sink.day`), so the hot loop does no type adaptation.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, date, datetime
from itertools import islice
from typing import Any

from sqlalchemy import Engine

from app.core import clock

CHUNK = 20_000
_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()


class Sink:
    """One raw DBAPI connection used only by the seeder."""

    def __init__(self, engine: Engine, progress: Callable[[int], None] | None = None) -> None:
        self.engine = engine
        self.dialect = engine.dialect.name
        self.raw = engine.raw_connection()
        self.conn: Any = self.raw.driver_connection
        if self.conn is None:
            raise RuntimeError("no database connection")
        self.progress = progress or (lambda _n: None)
        self.counts: dict[str, int] = {}
        self.seconds: dict[str, float] = {}
        self._dropped_indexes: list[str] = []
        self._day_cache: dict[int, str] = {}
        self._period_cache: dict[int, tuple[tuple[str, str], ...]] = {}
        self._utc_days: dict[int, str] = {}
        self._zone = "" if self.dialect == "sqlite" else "+00"
        if self.dialect == "sqlite":
            cur = self.conn.cursor()
            # Only this connection: a crash mid-seed leaves a database to throw away anyway.
            for pragma in (
                "PRAGMA foreign_keys=OFF",
                # No rollback journal while loading (WAL again in `finish`): half the writes.
                "PRAGMA journal_mode=OFF",
                "PRAGMA synchronous=OFF",
                "PRAGMA cache_size=-262144",
                "PRAGMA temp_store=MEMORY",
            ):
                cur.execute(pragma)
            cur.close()

    # --- value formats ------------------------------------------------------------------
    def ts(self, epoch: float) -> str:
        """A UTC instant as the UTCDateTime column stores it on this backend."""
        whole = int(epoch)
        days, rest = divmod(whole, 86_400)
        prefix = self._utc_days.get(days)
        if prefix is None:
            prefix = self._utc_days[days] = date.fromordinal(_EPOCH_ORDINAL + days).isoformat()
        hours, rest = divmod(rest, 3600)
        minutes, seconds = divmod(rest, 60)
        micro = int((epoch - whole) * 1e6)
        return f"{prefix} {hours:02d}:{minutes:02d}:{seconds:02d}.{micro:06d}{self._zone}"

    def periods(self, epoch_day: int) -> tuple[tuple[str, str], ...]:
        """The week and the month of a day, as (period, first day) keys of the period rollups."""
        found = self._period_cache.get(epoch_day)
        if found is None:
            day = date.fromordinal(_EPOCH_ORDINAL + epoch_day)
            found = tuple((period, start.isoformat()) for period, start in clock.periods_of(day))
            self._period_cache[epoch_day] = found
        return found

    def day(self, epoch_day: int) -> str:
        """A site-local calendar day given as days since 1970-01-01."""
        text = self._day_cache.get(epoch_day)
        if text is None:
            text = date.fromordinal(_EPOCH_ORDINAL + epoch_day).isoformat()
            self._day_cache[epoch_day] = text
        return text

    # --- writing ------------------------------------------------------------------------
    def write(self, table: str, columns: tuple[str, ...], rows: Iterable[tuple[Any, ...]]) -> int:
        """Insert every row; returns how many."""
        started = time.monotonic()
        written = 0
        iterator: Iterator[tuple[Any, ...]] = iter(rows)
        if self.dialect == "sqlite":
            sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
            cur = self.conn.cursor()
            cur.execute("BEGIN")
            while chunk := list(islice(iterator, CHUNK)):
                cur.executemany(sql, chunk)
                written += len(chunk)
                self.progress(len(chunk))
            cur.execute("COMMIT")
            cur.close()
        else:
            with self.conn.cursor() as cur:
                with cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                    for row in iterator:
                        copy.write_row(row)
                        written += 1
                        if written % CHUNK == 0:
                            self.progress(CHUNK)
                self.progress(written % CHUNK)
            self.conn.commit()
        self.counts[table] = self.counts.get(table, 0) + written
        self.seconds[table] = self.seconds.get(table, 0.0) + time.monotonic() - started
        return written

    def execute(self, sql: str, params: Iterable[tuple[Any, ...]] | None = None) -> None:
        """One statement, or one statement for many parameter tuples, committed."""
        if self.dialect == "sqlite":
            cur = self.conn.cursor()
            cur.execute("BEGIN")
            if params is None:
                cur.execute(sql)
            else:
                cur.executemany(sql, list(params))
            cur.execute("COMMIT")
            cur.close()
        else:
            sql = sql.replace("?", "%s")
            with self.conn.cursor() as cur:
                if params is None:
                    cur.execute(sql)
                else:
                    cur.executemany(sql, list(params))
            self.conn.commit()

    def scalar(self, sql: str) -> Any:
        cur = self.conn.cursor()
        cur.execute(sql)
        row = cur.fetchone()
        cur.close()
        if self.dialect != "sqlite":
            self.conn.commit()
        return row[0] if row else None

    # --- SQLite: build secondary indexes after the load (much faster than row by row) --
    def drop_indexes(self, tables: Iterable[str]) -> None:
        if self.dialect != "sqlite":
            return
        names = ", ".join(f"'{t}'" for t in tables)
        cur = self.conn.cursor()
        cur.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
            f"AND tbl_name IN ({names})"
        )
        found = cur.fetchall()
        cur.close()
        for name, sql in found:
            self.execute(f'DROP INDEX "{name}"')
            self._dropped_indexes.append(sql)

    def restore_indexes(self) -> None:
        started = time.monotonic()
        while self._dropped_indexes:
            self.execute(self._dropped_indexes.pop())
            self.progress(1)
        self.seconds["(indexes)"] = time.monotonic() - started

    def finish(self, tables_with_ids: Iterable[str]) -> None:
        """Bring id sequences up to date (PostgreSQL) and refresh the planner's statistics.

        PostgreSQL also gets a VACUUM: a bulk-loaded table has no visibility map until
        autovacuum comes round, so counts that a live site answers from an index alone
        (members per tier) would read every heap page, which no steady-state site does.
        """
        if self.dialect == "postgresql":
            for table in tables_with_ids:
                self.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"COALESCE((SELECT MAX(id) FROM {table}), 0) + 1, false)"
                )
            self.conn.autocommit = True
            with self.conn.cursor() as cur:
                cur.execute("VACUUM ANALYZE")
            self.conn.autocommit = False
        else:
            self.execute("ANALYZE")
            cur = self.conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.close()

    def close(self) -> None:
        self.raw.close()


def epoch(dt: datetime) -> float:
    return dt.astimezone(UTC).timestamp()
