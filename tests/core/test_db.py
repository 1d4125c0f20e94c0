"""use_case: one transaction per outermost call; after-commit work; SQLite pragmas."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select, text

from app.accounts.models import User
from app.core import events
from app.core.db import db, in_use_case, use_case
from tests.helpers import make_user


def test_nested_use_cases_commit_once_and_roll_back_together(app):
    @use_case
    def inner(name: str) -> None:
        make_user(name)

    @use_case
    def outer() -> None:
        inner("alpha1")
        assert in_use_case()
        inner("beta22")
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        outer()
    count = db.session.scalar(select(func.count()).select_from(User))
    assert count == 0, "the nested use cases must roll back with the outer one"


def test_use_case_commits_and_runs_after_commit_callbacks(app):
    ran: list[str] = []

    @use_case
    def create() -> None:
        make_user("gamma3")
        events.after_commit(lambda: ran.append("after"))
        assert ran == []

    create()
    assert ran == ["after"]
    assert db.session.scalar(select(User.username)) == "gamma3"


def test_after_commit_is_dropped_on_rollback(app):
    ran: list[str] = []

    @use_case
    def create() -> None:
        events.after_commit(lambda: ran.append("after"))
        raise ValueError("no")

    with pytest.raises(ValueError):
        create()
    assert ran == []


def test_failing_after_commit_callback_never_undoes_the_commit(app, caplog):
    @use_case
    def create() -> None:
        make_user("delta4")
        events.after_commit(lambda: 1 / 0)

    create()
    assert db.session.scalar(select(User.username)) == "delta4"
    assert "after-commit callback failed" in caplog.text


def test_database_settings(app):
    if db.engine.dialect.name == "postgresql":
        assert db.session.execute(text("SHOW default_transaction_isolation")).scalar() == "read committed"
        return
    assert db.session.execute(text("PRAGMA journal_mode")).scalar() == "wal"
    assert db.session.execute(text("PRAGMA foreign_keys")).scalar() == 1
    assert db.session.execute(text("PRAGMA busy_timeout")).scalar() == 10000


def test_concurrent_use_cases_serialise_without_lost_updates(app):
    """Two threads incrementing through read-modify-write inside use cases lose nothing,
    because each use case holds the write lock (SQLite) or a row lock (PostgreSQL)."""
    user = make_user("epsilon5")
    user_id = user.id

    @use_case
    def bump() -> None:
        row = db.session.execute(select(User).where(User.id == user_id).with_for_update(of=User)).scalar_one()
        row.session_version = row.session_version + 1

    def worker() -> None:
        with app.app_context():
            for _ in range(10):
                bump()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    db.session.rollback()
    assert db.session.get(User, user_id).session_version == 1 + 40


def test_counter_upserts_insert_add_merge_and_guard(app):
    from datetime import date

    from app.core.db import add_to_counter, add_to_rollup
    from app.points.models import PointsDay, RuleDayCount

    day, other = date(2026, 3, 2), date(2026, 3, 3)
    user = make_user("counter1")
    # Repeated keys are summed (one statement may touch a row only once); reading the table
    # writes the queue first.
    for on, amount in ((day, 5), (other, 7), (day, 1), (day, 10)):
        add_to_rollup(PointsDay, {"day": on}, issued=amount)
    issued = dict(db.session.execute(select(PointsDay.day, PointsDay.issued)).tuples().all())
    assert issued == {day: 16, other: 7}
    keys = {"user_id": user.id, "rule": "like", "day": day}
    results = [add_to_counter(RuleDayCount, keys, "count", 1, below=2) for _ in range(4)]
    assert results == [True, True, False, False], "the guard stops the add at the cap"
    assert db.session.scalar(select(RuleDayCount.count)) == 2


def test_transaction_memo_loads_once_and_forgets_on_a_flush_of_its_models_and_at_the_end(app):
    from datetime import date

    from sqlalchemy import update

    from app.core.db import transaction_memo
    from app.points.models import PointsDay

    user = make_user("memo01")
    db.session.commit()
    loads: list[int] = []

    def load() -> int:
        loads.append(1)
        return len(loads)

    def memo() -> int:
        return transaction_memo("names", load, models=(User,))

    assert (memo(), memo()) == (1, 1), "read once per transaction"
    db.session.add(PointsDay(day=date(2026, 3, 2), issued=1, redeemed=0))
    db.session.flush()
    assert memo() == 1, "a flush of another model keeps it"
    user.display_name = "Memo changed"
    db.session.flush()
    assert memo() == 2, "a flush that changes one of its models forgets it"
    with db.session.begin_nested():
        assert memo() == 2
    assert memo() == 3, "a savepoint's end forgets it (what it read may have been undone)"
    db.session.execute(update(User).where(User.id == user.id).values(display_name="Core update"))
    assert memo() == 3, "a Core UPDATE is not a flush: callers that use one must not memoise"
    db.session.rollback()
    assert memo() == 4, "the transaction's end forgets it"
    db.session.commit()
    assert memo() == 5


def test_use_case_carries_on_in_the_requests_transaction_on_postgresql_only(app):
    from sqlalchemy import inspect

    user_id = make_user("carry01").id
    db.session.commit()
    user = db.session.get(User, user_id)  # the request's read transaction loaded the member
    assert user is not None and db.session().in_transaction()
    seen: dict[str, object] = {}

    @use_case
    def write() -> None:
        seen["expired"] = set(inspect(user).expired_attributes)
        user.display_name = "Carried"

    write()
    postgres = db.session.get_bind().dialect.name == "postgresql"
    # SQLite must start a write-locked transaction (all loaded state is expired); PostgreSQL
    # keeps what the request loaded (read committed: no snapshot to refresh).
    assert ("username" in seen["expired"]) is not postgres
    db.session.expire_all()
    assert db.session.get(User, user_id).display_name == "Carried"


def test_once_only_inserts_fill_the_models_defaults_on_both_paths(app, count_queries):
    from datetime import date

    from app.admin.models import ActivityEvent
    from app.core.db import insert_ignoring_conflict
    from app.mail.models import MailPreference

    user = make_user("upsert1")
    # Plain defaults: the cached SQL text fills them (booleans, the language).
    assert insert_ignoring_conflict(MailPreference, {"user_id": user.id, "digest": False}, ("user_id",))
    with count_queries() as q:
        again = insert_ignoring_conflict(MailPreference, {"user_id": user.id}, ("user_id",))
    assert again is False and q.count == 1
    preference = db.session.get(MailPreference, user.id)
    assert (preference.replies, preference.digest, preference.language) == (True, False, "zh")
    # A computed default (created_at = clock.now): the ORM's INSERT computes it.
    event = {"user_id": user.id, "kind": "signin", "ref": "signin:1", "day": date(2026, 3, 2)}
    assert insert_ignoring_conflict(ActivityEvent, event, ("kind", "ref"))
    assert not insert_ignoring_conflict(ActivityEvent, event, ("kind", "ref"))
    assert db.session.scalar(select(ActivityEvent.created_at)) is not None


def _rollup_rows(model, *columns):
    db.session.expire_all()
    return sorted(db.session.execute(select(*[getattr(model, c) for c in columns])).tuples().all())


def test_rollups_are_written_at_the_commit_in_one_statement_per_table_merged_and_sorted(app, count_queries):
    from datetime import date

    from app.core.db import add_to_rollup
    from app.leaderboards.models import BoardTotal
    from app.points.models import PointsDay

    a, b = make_user("rollup1"), make_user("rollup2")
    db.session.commit()
    day = date(2026, 3, 2)

    @use_case
    def write(check: bool = False) -> None:
        add_to_rollup(PointsDay, {"day": day}, issued=5)
        add_to_rollup(BoardTotal, {"scope": "site", "scope_id": 0, "user_id": b.id}, points=3)
        add_to_rollup(PointsDay, {"day": day}, issued=2, redeemed=4)
        add_to_rollup(BoardTotal, {"scope": "site", "scope_id": 0, "user_id": a.id}, likes=1)
        add_to_rollup(BoardTotal, {"scope": "site", "scope_id": 0, "user_id": b.id}, points=1)
        if check:
            early = [s for s in q.statements if "INSERT" in s.upper()]
            assert not early, "nothing is written before the commit"

    with count_queries() as q:
        write(check=True)
    written = [s for s in q.statements if "INSERT" in s.upper()]
    postgres = db.session.get_bind().dialect.name == "postgresql"
    # One statement for both tables and the page cache's generation on PostgreSQL (a WITH of
    # three upserts), one per table on SQLite.
    assert len(written) == (1 if postgres else 3), written
    tables = ("points_day", "leaderboard_total", "cache_generation")
    assert all(table in " ".join(written) for table in tables)
    assert _rollup_rows(PointsDay, "day", "issued", "redeemed") == [(day, 7, 4)]
    assert _rollup_rows(BoardTotal, "user_id", "points", "likes") == sorted([(a.id, 0, 1), (b.id, 4, 0)])
    write()  # the second time every row exists: the counts add up
    assert _rollup_rows(PointsDay, "day", "issued", "redeemed") == [(day, 14, 8)]
    assert _rollup_rows(BoardTotal, "user_id", "points", "likes") == sorted([(a.id, 0, 2), (b.id, 8, 0)])


def test_rollups_follow_savepoints_and_rollbacks_and_are_seen_by_their_own_transaction(app):
    from datetime import date

    from app.core.db import add_to_rollup
    from app.points.models import PointsDay

    day = date(2026, 3, 2)

    @use_case
    def write(fail_inner: bool, fail_outer: bool) -> None:
        add_to_rollup(PointsDay, {"day": day}, issued=1)
        try:
            with db.session.begin_nested():
                add_to_rollup(PointsDay, {"day": day}, issued=10)
                if fail_inner:
                    raise ValueError("inner")
        except ValueError:
            pass
        # A read of the table in the same transaction writes the queue first.
        seen = db.session.scalar(select(PointsDay.issued).where(PointsDay.day == day))
        add_to_rollup(PointsDay, {"day": day}, issued=100)
        write.seen = seen  # type: ignore[attr-defined]
        if fail_outer:
            raise RuntimeError("outer")

    write(fail_inner=True, fail_outer=False)
    assert write.seen == 1, "the rolled-back savepoint's count is dropped, the rest is read back"
    assert _rollup_rows(PointsDay, "issued") == [(101,)]
    write(fail_inner=False, fail_outer=False)
    assert write.seen == 101 + 11, "a released savepoint keeps what it queued"
    assert _rollup_rows(PointsDay, "issued") == [(212,)]
    with pytest.raises(RuntimeError):
        write(fail_inner=False, fail_outer=True)
    assert _rollup_rows(PointsDay, "issued") == [(212,)], "a rolled-back transaction writes nothing"
    assert not db.session.info.get("quanzi_rollups")

    @use_case
    def written_inside_a_failed_savepoint() -> None:
        add_to_rollup(PointsDay, {"day": day}, issued=1000)
        try:
            with db.session.begin_nested():
                # The read writes the queue inside the savepoint; its rollback undoes that.
                assert db.session.scalar(select(PointsDay.issued)) == 1212
                raise ValueError("inner")
        except ValueError:
            pass

    written_inside_a_failed_savepoint()
    assert _rollup_rows(PointsDay, "issued") == [(1212,)], "queued before the savepoint: still written"


def test_a_deleted_member_with_queued_rollups_commits(app):
    """A DELETE may cascade to rollup rows: the queue is written before it, not after."""
    from app.core.db import add_to_rollup
    from app.leaderboards.models import BoardTotal

    user = make_user("rollup3")
    db.session.commit()

    @use_case
    def write_then_delete() -> None:
        add_to_rollup(BoardTotal, {"scope": "site", "scope_id": 0, "user_id": user.id}, points=5)
        db.session.delete(db.session.get(User, user.id))

    write_then_delete()
    assert db.session.get(User, user.id) is None
    assert _rollup_rows(BoardTotal, "user_id") == []


def test_keep_loaded_after_commit_spares_the_reload_of_what_the_use_case_wrote(app, count_queries):
    from app.core.db import keep_loaded_after_commit

    @use_case
    def rename(user_id: int, name: str, keep: bool) -> User:
        if keep:
            keep_loaded_after_commit()
        user = db.session.get(User, user_id)
        user.display_name = name
        return user

    user_id = make_user("keep01").id
    db.session.commit()
    with count_queries() as q:
        kept = rename(user_id, "Kept", keep=True)
        after_commit = q.count
        assert (kept.id, kept.display_name) == (user_id, "Kept")
    assert q.count == after_commit, "no reload"
    with count_queries() as q:
        expired = rename(user_id, "Expired", keep=False)
        after_commit = q.count
        assert expired.display_name == "Expired"
    assert q.count == after_commit + 1, "the default commit expires, so the next read loads again"
    assert db.session().expire_on_commit, "the session's own setting is back"


def test_insert_once_gives_the_new_row_without_a_savepoint_or_a_reload(app, count_queries):
    from app.core import clock
    from app.core.db import insert_once
    from app.mail.models import MailPreference

    user_id = make_user("once01").id
    db.session.commit()
    with count_queries() as q:
        values = {"user_id": user_id, "digest": False, "updated_at": clock.now()}
        preference = insert_once(MailPreference, values, ("user_id",))
        assert preference is not None and preference in db.session
        assert (preference.user_id, preference.digest, preference.replies, preference.language) == (
            user_id,
            False,
            True,
            "zh",
        ), "given values and the model's plain defaults, as written"
    assert q.count == 1 and "SAVEPOINT" not in " ".join(q.statements).upper()
    assert insert_once(MailPreference, {"user_id": user_id}, ("user_id",)) is None
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(MailPreference, user_id).digest is False
