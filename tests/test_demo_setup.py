"""``pitboard run --demo`` keeps its data apart and afresh, and lays down four weeks of a
workshop whose reports read like one's."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path

from core.app import database_url
from core.contract import site_clock
from core.demo.setup import HISTORY_DAYS, demo_dir, prepare
from core.domain.model import JobStatus
from core.domain.reports import period
from core.store.database import make_engine, migrate
from core.store.repository import Store
from tests.helpers import demo_config
from tests.kiosk_env import demo_workshop

DAY = date(2026, 11, 24)


def test_the_demo_lays_down_four_weeks_that_read_like_a_workshop(tmp_path: Path) -> None:
    cfg = demo_config().model_copy(update={"data_dir": str(tmp_path)})
    demo = prepare(cfg, 60.0, today=DAY)
    assert demo.clock.now().astimezone(cfg.zone).date() == DAY
    assert demo.clock.speed == 60.0
    engine = make_engine(demo.database_url)
    store = Store(engine, cfg.site.id)
    try:
        first = DAY - timedelta(days=HISTORY_DAYS)
        jobs = store.jobs_between(period("day", first, cfg.zone)[0], demo.clock.now())
        assert demo.history_jobs >= 20 * 16 and len(jobs) >= demo.history_jobs * 0.9
        assert all(j.delivered_at or j.status is JobStatus.CANCELLED for j in jobs)
        overran = [j for j in jobs if j.delivered_at and j.delivered_at > j.promised_at]
        assert 0 < len(overran) < len(jobs) / 2
        start, end = period("week", DAY - timedelta(days=7), cfg.zone)
        bays = [b.id for b in cfg.bays]
        report = store.report(start, end, end, cfg.zone, bays, 10.0)
        assert report.delivered > 50 and report.findings_approved < report.findings_answered
        assert report.passed_first_time < report.passed_qc  # some rework
        standard = sum(t.standard_hours for t in report.technicians)
        worked = sum(t.worked_hours for t in report.technicians)
        assert worked > 100 and 0.5 < standard / worked < 2.0
    finally:
        store.close()
        engine.dispose()


def test_a_quiet_run_after_a_demo_starts_as_an_empty_workshop(tmp_path: Path) -> None:
    cfg = demo_config().model_copy(update={"data_dir": str(tmp_path)})
    (tmp_path / "demo").mkdir()
    (tmp_path / "demo" / "pairings.json").write_text("{}")
    (tmp_path / "demo" / "kiosks").mkdir()
    demo = prepare(cfg, 60.0, today=DAY)
    assert demo_dir(cfg) == tmp_path / "demo" and demo.database_url != database_url(cfg)
    assert (tmp_path / "demo" / "pairings.json").exists()  # paired screens stay paired
    assert not (tmp_path / "demo" / "kiosks").exists()  # outboxes start afresh
    engine = make_engine(database_url(cfg))
    migrate(engine)
    store = Store(engine, cfg.site.id)
    try:
        assert store.jobs_between(datetime(2000, 1, 1).astimezone(), demo.clock.now()) == []
    finally:
        store.close()
        engine.dispose()


def test_a_kiosk_starting_afresh_after_the_history_has_its_taps_applied(tmp_path: Path) -> None:
    """The history numbers the kiosks' taps; the demo wipes their outboxes, so a kiosk
    starts again at #1 and must be told those numbers are taken, not have its taps taken
    for repeats."""
    cfg = demo_config().model_copy(update={"data_dir": str(tmp_path)})
    demo = prepare(cfg, 60.0, today=DAY)
    engine = make_engine(demo.database_url)
    store = Store(engine, cfg.site.id)
    site_clock.install(demo.clock)  # the kiosks' time is the demo's, as in `run --demo`
    shop = demo_workshop(store, tmp_path, cfg, core_clock=demo.clock.now)
    try:
        had = store.last_seqs(["kiosk-b03"]).get("kiosk-b03", 0)
        assert had > 10, "the history tapped at B03"
        station = shop.station("B03")
        station.sign_in("T004")
        shop.settle("B03")
        assert list(station.problems) == []
        assert shop.core.ws.tech_states["T004"].bay == "B03", "the sign-in was dropped"
        assert store.last_seqs(["kiosk-b03"])["kiosk-b03"] > had
    finally:
        shop.close()
        site_clock.install(site_clock.REAL)
        engine.dispose()
