"""The hub's store on SQLite and PostgreSQL: its own migrations, a batch applied once and
in order with its effects, and what the dashboard reads from it."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import date, timedelta

import pytest
from sqlalchemy import Engine, func, inspect, select

from core.contract.group import DayFigures
from hub import tables as t
from hub.reading import HubReader, period_days
from hub.store import HubStore, open_engine
from tests.group_samples import (
    T0,
    day,
    devices,
    feed,
    follow_up,
    help_call,
    hub_config,
    job,
    jobs_feed,
    site_facts,
)


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    e = open_engine(db_url)
    yield e
    e.dispose()


@pytest.fixture
def store(engine: Engine) -> HubStore:
    return HubStore(engine)


@pytest.fixture
def reader(engine: Engine) -> HubReader:
    return HubReader(engine, hub_config("s1", "s2", "s3", stale_after_seconds=60))


def logged(engine: Engine, site: str) -> list[int]:
    with engine.connect() as c:
        q = select(t.facts.c.seq).where(t.facts.c.site == site).order_by(t.facts.c.seq)
        return list(c.execute(q).scalars())


def test_the_migrations_make_the_tables_the_hub_declares(engine: Engine, db_url: str) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    with engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"version_table": "hub_alembic_version"})
        assert compare_metadata(ctx, t.metadata) == []
    names = set(inspect(engine).get_table_names())
    assert "hub_alembic_version" in names and "alembic_version" not in names
    open_engine(db_url).dispose()  # migrating again on the next start changes nothing


def test_a_batch_is_applied_once_and_in_order_and_acked_with_what_is_held(
    store: HubStore, engine: Engine
) -> None:
    done = store.apply([jobs_feed("s1", 1, 3), jobs_feed("s2", 1, 2)], T0)
    assert done.upto == {"s1": 3, "s2": 2} and done.facts == 5
    again = store.apply([jobs_feed("s1", 1, 3), jobs_feed("s1", 2, 3)], T0)
    assert again.upto == {"s1": 4} and again.facts == 1 and again.duplicates == 5
    gap = store.apply([jobs_feed("s1", 7, 2)], T0)
    assert gap.upto == {"s1": 4} and gap.facts == 0 and gap.gaps == 1
    assert logged(engine, "s1") == [1, 2, 3, 4]
    assert logged(engine, "s2") == [1, 2]
    assert all(r.whole for r in store.reconcile())
    assert [(r.site, r.last_seq, r.count) for r in store.reconcile()] == [
        ("s1", 4, 4),
        ("s2", 2, 2),
    ]
    with engine.connect() as c:
        row = c.execute(select(t.facts).where(t.facts.c.site == "s1", t.facts.c.seq == 4)).one()
        last = c.execute(select(t.sites).where(t.sites.c.site == "s1")).one()
    assert row.kind == "job" and row.payload["ro"] == "RO-4"
    assert row.site_at == T0 + timedelta(seconds=4) and row.hub_at == T0
    assert (last.last_seq, last.last_heard) == (4, T0)


def test_a_failed_commit_applies_nothing_of_the_batch(store: HubStore, engine: Engine) -> None:
    store.apply([jobs_feed("s1", 1, 2)], T0)
    # A fact already in the log although last_seq does not say so (a second writer, say):
    # the key refuses it and the whole batch with it, the good site's facts too.
    with engine.begin() as c:
        c.execute(
            t.facts.insert(),
            {"site": "s1", "seq": 3, "kind": "job", "site_at": T0, "hub_at": T0, "payload": {}},
        )
    with pytest.raises(Exception, match=r"(?i)unique|duplicate"):
        store.apply([jobs_feed("s2", 1, 2), jobs_feed("s1", 3, 1)], T0)
    assert logged(engine, "s2") == []
    assert [r.whole for r in store.reconcile()] == [False]


def test_each_fact_leaves_its_row_the_last_of_a_key_winning(
    store: HubStore, engine: Engine, reader: HubReader
) -> None:
    today = T0.date()
    store.apply(
        [
            feed(
                "s1",
                1,
                site_facts("Site One", bays=6),
                job("RO-1", "in_progress", bay="B01"),
                job("RO-2", "checked_in", waiting_dispatch=True),
                job("RO-1", "ready", bay="B01"),
                day(today, checked_in=3),
                day(today, checked_in=4, delivered=1),
                devices(5, 1, "kiosk-b02"),
                help_call("H1"),
                help_call("H2"),
                help_call("H1", "closed"),
                follow_up("RO-0", 4),
            )
        ],
        T0,
    )
    store.apply([feed("s1", 12, job("RO-2", "delivered"), devices(6, 0))], T0)
    with engine.connect() as c:
        jobs = {r.ro: r for r in c.execute(select(t.jobs))}
        days = c.execute(select(t.days)).all()
        calls = {r.id: r.open for r in c.execute(select(t.help_calls))}
        ups = c.execute(select(t.follow_ups)).all()
        site = c.execute(select(t.sites)).one()
    assert {ro: (r.status, r.open) for ro, r in jobs.items()} == {
        "RO-1": ("ready", True),
        "RO-2": ("delivered", False),
    }
    assert jobs["RO-2"].summary["status"] == "delivered"  # out of the open set, still there
    assert [(d.day, d.checked_in, d.delivered) for d in days] == [(today, 4, 1)]
    assert calls == {"H1": False, "H2": True}
    assert [(u.ro, u.score) for u in ups] == [("RO-0", 4)]
    assert (site.name, site.bays, site.timezone, site.last_seq) == (
        "Site One",
        6,
        "Asia/Shanghai",
        13,
    )
    detail = reader.site("s1", T0)
    assert detail is not None
    assert [j.ro for j in detail.jobs] == ["RO-1"]
    assert [c.id for c in detail.help_calls] == ["H2"]
    assert detail.devices is not None and detail.devices.offline == 0
    assert detail.today == DayFigures(day=today, checked_in=4, delivered=1)
    assert reader.site("nowhere", T0) is None


def test_the_live_lines_count_the_open_jobs_and_flag_the_quiet_sites(
    store: HubStore, reader: HubReader
) -> None:
    store.apply(
        [
            feed(
                "s1",
                1,
                site_facts(bays=8),
                job("RO-1", "in_progress", bay="B01", at_risk=True),
                job("RO-2", "in_progress", bay="B01"),  # a second bay of work on B01
                job("RO-3", "in_progress", bay="B02"),
                job("RO-4", "paused", bay="B03"),
                job("RO-5", "checked_in", waiting_dispatch=True, at_risk=True),
                job("RO-6", "delivered", bay="B04", at_risk=True),
                devices(4, 2, "kiosk-b01", "printer-1"),
                at=T0 - timedelta(seconds=30),
            )
        ],
        T0,
    )
    store.apply([jobs_feed("s2", 1, 1)], T0 - timedelta(seconds=120))
    live = reader.live(T0 + timedelta(seconds=30))
    assert live.updated_at == T0 + timedelta(seconds=30)
    s1, s2, s3 = live.sites
    assert (s1.site, s1.name) == ("s1", "Site S1")
    assert (s1.open_jobs, s1.at_risk, s1.bays_busy, s1.bays, s1.waiting_dispatch) == (5, 2, 2, 8, 1)
    assert (s1.devices_offline, s1.last_seq, s1.last_heard, s1.stale) == (2, 8, T0, False)
    assert s1.lag_seconds == pytest.approx(30 - 8)  # the last fact's site commit → the hub's
    assert (s2.open_jobs, s2.bays, s2.last_seq, s2.stale) == (1, 0, 1, True)
    assert (s3.last_heard, s3.last_seq, s3.lag_seconds, s3.stale) == (None, 0, None, True)


def test_figures_add_the_days_of_a_day_a_week_and_a_month(
    store: HubStore, reader: HubReader
) -> None:
    # Wednesday 9 December 2026; its ISO week began on Monday the 7th.
    wed = date(2026, 12, 9)
    assert period_days("week", wed) == (date(2026, 12, 7), wed)
    assert period_days("month", wed) == (date(2026, 12, 1), wed)
    rows = [
        day(date(2026, 11, 30), checked_in=100, delivered=100),  # the month and the week before
        day(
            date(2026, 12, 1),
            checked_in=5,
            delivered=4,
            delivered_on_time=2,
            sold_hours=8,
            clocked_hours=10,
            satisfaction_sum=9,
            satisfaction_count=2,
        ),
        day(
            date(2026, 12, 7),
            checked_in=6,
            delivered=4,
            delivered_on_time=4,
            first_time_fixed=3,
            findings_answered=4,
            findings_approved=1,
            help_calls=2,
            help_answered=2,
            help_response_seconds=90.0,
            complaints=1,
        ),
        day(wed, checked_in=2, delivered=0, sold_hours=3, clocked_hours=2),
        day(date(2026, 12, 10), checked_in=50),  # after the day asked for
    ]
    store.apply([feed("s1", 1, *rows)], T0)
    store.apply([feed("s2", 1, day(wed))], T0)
    by = {p: {f.site: f for f in reader.figures(p, wed)} for p in ("day", "week", "month")}
    d1, w1, m1 = by["day"]["s1"], by["week"]["s1"], by["month"]["s1"]
    assert (d1.days, d1.checked_in, d1.delivered) == (1, 2, 0)
    assert (d1.on_time, d1.first_time_fix, d1.approval, d1.satisfaction) == (None,) * 4
    assert d1.efficiency == pytest.approx(1.5)
    assert (w1.days, w1.checked_in, w1.delivered, w1.on_time, w1.first_time_fix) == (
        2,
        8,
        4,
        1.0,
        0.75,
    )
    assert (w1.approval, w1.complaints, w1.help_calls, w1.help_response_seconds) == (
        0.25,
        1,
        2,
        45.0,
    )
    assert (m1.days, m1.checked_in, m1.delivered, m1.on_time) == (3, 13, 8, 0.75)
    assert m1.efficiency == pytest.approx(11 / 12) and m1.satisfaction == 4.5
    s2 = by["month"]["s2"]
    assert (s2.days, s2.checked_in, s2.on_time, s2.efficiency) == (1, 0, None, None)
    s3 = by["week"]["s3"]  # never sent a day
    assert (s3.name, s3.days, s3.checked_in, s3.help_response_seconds) == ("Site S3", 0, 0, None)


def test_the_dashboard_reads_while_a_batch_is_being_written(
    store: HubStore, engine: Engine, reader: HubReader
) -> None:
    store.apply([jobs_feed("s1", 1, 2)], T0)
    with engine.connect() as writing:  # the writer's transaction, open and holding its rows
        writing.execute(t.sites.update().values(last_seq=99))
        writing.execute(t.jobs.update().where(t.jobs.c.ro == "RO-1").values(open=False))
        seen: list[int] = []
        reading = threading.Thread(target=lambda: seen.append(reader.live(T0).sites[0].open_jobs))
        reading.start()
        reading.join(5)
        assert seen == [2], "the read waited for the writer, or saw its uncommitted rows"
        writing.rollback()
    with engine.connect() as c:
        assert c.execute(select(func.max(t.sites.c.last_seq))).scalar() == 2


def test_listeners_are_told_after_each_change_until_they_leave(reader: HubReader) -> None:
    told: list[str] = []
    leave = reader.subscribe(lambda: told.append("a"))
    reader.subscribe(lambda: told.append("b"))
    reader.changed()
    leave()
    reader.changed()
    assert told == ["a", "b", "b"]
