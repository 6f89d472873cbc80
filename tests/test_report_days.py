"""A closed day's report sums, kept (core/store/report_days.py): a report that adds up kept
days gives build_report's figures, before and after the jobs those days count change on a
later day (a car dispatched the morning after it came, one cancelled, one moved to another
bay); a day is not rolled up before it has closed, nor while a share of it still runs.
On SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import insert, select, update

from core.demo.history import History, HistoryPlan
from core.domain.handover import all_ticked
from core.domain.inspection import complete
from core.domain.reports import Report, build_report, period
from core.domain.vocabulary import PauseReason
from core.domain.workshop import Workshop
from core.engine.effects import rows_to_write
from core.handlers import FUTURE_SLACK
from core.store.group_outbox import day_reading
from core.store.report_days import (
    LAYOUT,
    days_without_sums,
    sums_doc,
    sums_from_doc,
    whole_days,
)
from core.store.report_queries import WRITTEN_EARLY
from core.store.repository import Batch, Store
from core.store.tables import ReportDayRow, WorkRow
from tests.helpers import demo_config, order, same_report

ZONE = demo_config().zone
D1 = date(2026, 11, 25)
D2 = D1 + timedelta(days=1)
BAYS = ["B01", "B02", "B03", "B04", "B05", "B06"]


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), ZONE)


class Site:
    """A workshop written through the store as the core writes it."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.ws: Workshop = History(store, demo_config(), HistoryPlan(days=0, per_day=0)).ws
        self.jobs: dict[str, str] = {}

    def commit(self, now: datetime) -> None:
        events = self.ws.take_events()
        self.store.commit(self.ws, Batch(), rows_to_write(events), now)

    def roll(self, now: datetime) -> list[tuple[datetime, bool]]:
        return [(day[0], rolled) for day, rolled in self.store.roll_closed_days(ZONE, now)]

    def kept(self) -> list[datetime]:
        with self.store.engine.connect() as conn:
            return list(conn.execute(select(ReportDayRow.starts_at)).scalars())

    def check(self, now: datetime) -> Report:
        """Every period around the two days, from the database as from the documents."""
        periods = [period("day", D1, ZONE), period("day", D2, ZONE), period("week", D1, ZONE)]
        for start, end in [*periods, period("month", D1, ZONE)]:
            jobs = self.store.jobs_between(start, end)
            expected = build_report(jobs, start, end, ZONE, now, BAYS, 10.0)
            same_report(self.store.report(start, end, now, ZONE, BAYS, 10.0), expected)
        start, end = period("day", D1, ZONE)
        return self.store.report(start, end, now, ZONE, BAYS, 10.0)

    def first_day(self) -> None:
        """D1: a car delivered after its QC pass, one paused at the shift's end, one moved
        later, one cancelled later, one that waits for the morning."""
        ws = self.ws
        for tech, bay in (("T001", "B01"), ("T002", "B02"), ("T003", "B03")):
            ws.sign_in(tech, bay, at(D1, 8))
        ws.sign_in("Q001", "Q01", at(D1, 8))
        for name, hour, plate in (
            ("done", 9, "京A00001"),
            ("late", 10, "京A00002"),
            ("moved", 11, "京A00003"),
            ("cancelled", 13, "京A00004"),
            ("waits", 17, "京A00005"),
        ):
            job = ws.check_in(
                order(plate, promised_at=at(D1, hour + 4), wash_requested=False), at(D1, hour)
            )
            self.jobs[name] = job.ro
        done, late, moved = self.jobs["done"], self.jobs["late"], self.jobs["moved"]
        ws.dispatch(done, "B01", at(D1, 9, 10))
        ws.start(done, "T001", "B01", at(D1, 9, 30))
        ws.self_check(done, "T001", "B01", at(D1, 11))
        ws.leader_check(done, "Q001", "Q01", at(D1, 11, 5))
        job = ws.qc_pass(done, "Q001", "Q01", at(D1, 11, 10), complete(ws.jobs[done].job_type))
        ws.check_handover(done, all_ticked(job), "SA01", at(D1, 12))
        ws.deliver(done, at(D1, 12))
        ws.dispatch(late, "B02", at(D1, 10, 10))
        ws.start(late, "T002", "B02", at(D1, 10, 30))
        ws.pause(late, "T002", "B02", PauseReason.SHIFT_END, at(D1, 17, 30))
        ws.dispatch(moved, "B03", at(D1, 11, 10))
        ws.start(moved, "T003", "B03", at(D1, 11, 30))
        ws.pause(moved, "T003", "B03", PauseReason.WAITING_PARTS, at(D1, 14))
        self.commit(at(D1, 18))


@pytest.fixture
def site(store: Store) -> Site:
    s = Site(store)
    s.first_day()
    return s


def test_a_closed_day_is_added_up_from_its_row(site: Site) -> None:
    assert site.roll(at(D1, 23)) == []  # not closed yet: nothing to roll up
    night = at(D2, 0, 30)
    assert site.roll(night) == [(at(D1, 0), True)]
    assert site.kept() == [at(D1, 0)]
    figures = site.check(night)
    assert figures.jobs_in == 5 and figures.delivered == 1 and figures.waited == 3
    # What the report reads is the row: a row changed by hand changes the report.
    with site.store.engine.begin() as conn:
        conn.execute(update(ReportDayRow).values(doc={**doc_of(site), "sums": hacked(site)}))
    start, end = period("day", D1, ZONE)
    assert site.store.report(start, end, night, ZONE, BAYS, 10.0).jobs_in == 99
    with site.store.engine.connect() as conn:  # the dealer group's day figures: the same row
        assert day_reading(conn, "demo", D1, ZONE, night).report.jobs_in == 99


def doc_of(site: Site) -> dict[str, object]:
    with site.store.engine.connect() as conn:
        doc: dict[str, object] = conn.execute(select(ReportDayRow.doc)).scalar_one()
    return doc


def hacked(site: Site) -> dict[str, object]:
    sums = dict(doc_of(site)["sums"])  # type: ignore[call-overload]
    sums["jobs_in"] = 99
    return sums


def test_a_job_written_later_has_its_days_counted_afresh(site: Site) -> None:
    site.roll(at(D2, 0, 30))
    before = site.check(at(D2, 0, 30))
    ws = site.ws
    ws.dispatch(site.jobs["waits"], "B01", at(D2, 8, 5))  # waited overnight: D1's wait
    ws.cancel(site.jobs["cancelled"], "客户取消", at(D2, 8, 10))
    ws.dispatch(site.jobs["moved"], "B04", at(D2, 8, 15))  # D1's busy hours go with it
    site.commit(at(D2, 8, 20))
    assert site.kept() == []  # the jobs checked in on D1 were written
    after = site.check(at(D2, 9))
    assert (after.jobs_in, after.waited) == (4, before.waited + 1)
    busy = {b.bay: b.busy_hours for b in after.bays}
    assert busy["B04"] and not busy["B03"]
    assert site.roll(at(D2, 9)) == [(at(D1, 0), True)]
    same_report(site.check(at(D2, 9)), after)


def test_a_day_whose_shares_still_run_waits(site: Site) -> None:
    ro = site.jobs["done"]
    with site.store.engine.begin() as conn:  # work on the passed job that has not ended
        conn.execute(insert(WorkRow).values(site="demo", ro=ro, n=9, tech="T001", started=0.0))
    assert site.roll(at(D2, 0, 30)) == [(at(D1, 0), False)]
    assert site.kept() == []


def test_sums_read_back_as_written(site: Site) -> None:
    start, end = period("day", D1, ZONE)
    site.roll(at(D2, 0, 30))
    doc = doc_of(site)
    r, t = sums_from_doc(doc, start, end)  # type: ignore[arg-type]
    assert sums_doc(r, t) == doc
    assert t.in_by_day == {D1: 5} and t.worked["T001"] > 0


def test_a_clock_running_since_a_day_holds_its_row_until_it_stops(site: Site) -> None:
    ws, late = site.ws, site.jobs["late"]
    ws.resume(late, "T002", "B02", at(D1, 17, 45))  # left running over the night
    site.commit(at(D1, 18))
    assert site.roll(at(D2, 0, 30)) == [(at(D1, 0), False)]
    site.check(at(D2, 0, 30))
    ws.pause(late, "T002", "B02", PauseReason.TOOL, at(D2, 8))
    site.commit(at(D2, 8))
    assert site.roll(at(D2, 9)) == [(at(D1, 0), True)]
    figures = site.check(at(D2, 9))  # D1 from its row, D2 from the jobs' rows
    assert {t.tech for t in figures.technicians} >= {"T001", "T002", "T003"}


def test_a_midnight_skipped_by_a_clock_change_has_its_row_found(store: Store) -> None:
    """Santiago's clocks go from 00:00 to 01:00 on 6 September 2026."""
    zone = ZoneInfo("America/Santiago")
    days = whole_days(*period("month", date(2026, 9, 1), zone), zone)
    assert days is not None and len(days) == 30
    with store.engine.begin() as conn:
        for start, end in days:
            row = {"site": "demo", "starts_at": start, "ends_at": end, "made_at": end}
            conn.execute(insert(ReportDayRow).values(**row, layout=LAYOUT, doc={}))
        assert days_without_sums(conn, "demo", date(2026, 9, 1), date(2026, 10, 1), zone) == []


def test_a_moment_after_midnight_written_before_it_counts_in_its_day(site: Site) -> None:
    """A device's clock a few minutes ahead: the QC pass at 00:01 is written at 23:58."""
    ws, late = site.ws, site.jobs["late"]
    ws.self_check(late, "T002", "B02", at(D1, 23, 50))
    ws.leader_check(late, "Q001", "Q01", at(D1, 23, 52))
    ws.qc_pass(late, "Q001", "Q01", at(D2, 0, 1), complete(ws.jobs[late].job_type))
    site.commit(at(D1, 23, 58))
    third = at(D2 + timedelta(days=1), 1)
    assert site.roll(third) == [(at(D2, 0), True), (at(D1, 0), True)]
    site.check(third)
    start, end = period("day", D2, ZONE)
    assert site.store.report(start, end, third, ZONE, BAYS, 10.0).passed_qc == 1
    assert WRITTEN_EARLY >= FUTURE_SLACK


def test_work_on_an_older_car_today_keeps_the_days_before(site: Site) -> None:
    site.roll(at(D2, 0, 30))
    ws, moved = site.ws, site.jobs["moved"]
    ws.resume(moved, "T003", "B03", at(D2, 8))  # a stretch of today: D1 counts as it did
    site.commit(at(D2, 8))
    assert site.kept() == [at(D1, 0)]
    site.check(at(D2, 9))
    ws.pause(moved, "T003", "B03", PauseReason.TOOL, at(D2, 9))
    site.store.close()
    site.store = Store(site.store.engine, "demo")  # a writer just started remembers nothing
    site.commit(at(D2, 9))
    assert site.kept() == [], "what it wrote before is unknown: from the car's check-in"
    site.check(at(D2, 9, 30))


def test_a_stretch_corrected_on_a_later_day_has_its_day_counted_afresh(site: Site) -> None:
    site.roll(at(D2, 0, 30))
    moved = site.jobs["moved"]
    site.ws.adjust_clock(
        moved, "T003", at(D1, 11, 30), at(D1, 11), at(D1, 13, 30), "忘了按开始", at(D2, 8)
    )
    site.commit(at(D2, 8))
    assert site.kept() == []
    site.check(at(D2, 9))
    assert site.roll(at(D2, 9)) == [(at(D1, 0), True)]
    site.check(at(D2, 9))


def test_a_helper_on_an_older_car_is_listed_only_on_the_days_of_their_work(site: Site) -> None:
    site.roll(at(D2, 0, 30))
    ws, late = site.ws, site.jobs["late"]
    ws.sign_in("T007", "B02", at(D2, 8))
    ws.start(late, "T007", "B02", at(D2, 8, 5))  # joins a car worked on D1
    site.commit(at(D2, 8, 10))
    assert site.kept() == [at(D1, 0)], "D1's figures do not change"
    first = site.check(at(D2, 9))
    assert "T007" not in {t.tech for t in first.technicians}
