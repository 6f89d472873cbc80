"""Shared builders for the tests: a site, a check-in, events as a kiosk sends them."""

from __future__ import annotations

import json
import math
import os
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from core.config import SiteConfig, load_config
from core.contract.messages import make_event
from core.domain.model import Customer, Operation, Vehicle
from core.domain.reports import Report
from core.domain.workshop import CheckIn, Workshop
from tests.waiting import wait_until

DEMO_SITE = Path(__file__).resolve().parents[1] / "core" / "demo" / "site.toml"
T0 = datetime(2026, 11, 24, 1, 0, tzinfo=UTC)
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def need(what: str, reason: str) -> None:
    """Skip loudly on a developer's machine; in CI a missing service is a failure."""
    if IN_CI:
        pytest.fail(f"{what} is required in CI: {reason}")
    pytest.skip(f"*** {what} unavailable, test skipped: {reason} ***")


@contextmanager
def fresh_postgres_database(server: str) -> Iterator[str]:
    """A database of its own on the server, dropped afterwards; its URL."""
    from sqlalchemy import create_engine, text

    name = "pitboard_test_" + uuid.uuid4().hex[:10]
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield server.rsplit("/", 1)[0] + "/" + name
    finally:
        with admin.connect() as c:
            c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def demo_config(**overrides: Any) -> SiteConfig:
    cfg = load_config(DEMO_SITE)
    return cfg.model_copy(update=overrides) if overrides else cfg


def order(plate: str = "京A12345", hours: float = 1.0, **kw: Any) -> CheckIn:
    return CheckIn(
        vehicle=Vehicle(plate=plate, model="别克 GL8", colour="白", vin="LSGUA84L0FE000001"),
        customer=Customer(name="王先生", phone="13800138000"),
        operations=kw.pop("operations", (Operation("M010", "小保养", hours, "Minor service"),)),
        promised_at=kw.pop("promised_at", T0 + timedelta(hours=4)),
        advisor="SA01",
        **kw,
    )


class Clock:
    def __init__(self, start: datetime = T0) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kw: float) -> datetime:
        self.now += timedelta(**kw)
        return self.now


@dataclass
class FakeBus:
    """Loopback stand-in for the broker: remembers publishes and acks."""

    published: list[tuple[str, bytes, int, bool]] = field(default_factory=list)
    acked: list[object] = field(default_factory=list)

    def publish(self, topic: str, payload: bytes, qos: int, retain: bool) -> None:
        self.published.append((topic, payload, qos, retain))

    def puback(self, token: object) -> None:
        self.acked.append(token)

    def send_now(self) -> None:
        pass  # what was published is already in ``published``

    def acks(self, device: str) -> list[dict[str, Any]]:
        return [json.loads(p) for t, p, _, _ in self.published if t.endswith(f"/dev/{device}/ack")]

    def last(self, suffix: str) -> dict[str, Any]:
        for t, p, _, _ in reversed(self.published):
            if t.endswith(suffix):
                return json.loads(p)  # type: ignore[no-any-return]
        raise AssertionError(f"nothing published on *{suffix}")

    def board(self, timeout: float = 10.0) -> dict[str, Any]:
        """The newest whole dispatch board a subscriber of its parts has been sent.

        The board is built a part at a time after the acks, so its first whole version may
        still be on its way: waited for up to ``timeout`` seconds, then a failure.
        """
        return wait_until(  # type: ignore[no-any-return]
            self.board_so_far, "a whole dispatch board published", timeout=timeout
        )

    def board_so_far(self) -> dict[str, Any] | None:
        """The same, or None while its first parts are still on their way."""
        from core.contract.dispatch_mirror import BoardMirror

        mirror = BoardMirror("demo")
        for t, p, _, _ in list(self.published):
            mirror.receive(t, p)
        view = mirror.view()
        return None if view is None else view.model_dump(mode="json")


class Kiosk:
    """Builds events the way a bay kiosk numbers them."""

    def __init__(self, device: str, bay: str, start_seq: int = 1) -> None:
        self.device, self.bay, self.seq = device, bay, start_seq - 1

    def event(
        self,
        type_: str,
        job: str | None = None,
        tech: str | None = "T001",
        ts: datetime = T0,
        **data: Any,
    ) -> tuple[str, bytes]:
        self.seq += 1
        payload = make_event(
            self.device, self.seq, type_, ts, bay=self.bay, job=job, tech=tech, data=data
        )
        return f"pitboard/demo/dev/{self.device}/event", payload


def child_env(**extra: str) -> dict[str, str]:
    """The environment for a Pitboard child process started by a test.

    NiceGUI takes PYTEST_CURRENT_TEST in its environment for its own test mode, which a
    real server started by a test must not be in.
    """
    env = {k: v for k, v in os.environ.items() if k != "PYTEST_CURRENT_TEST"}
    env.update(extra)
    return env


def at(minutes: float) -> datetime:
    """``minutes`` after T0 (the domain tests' clock)."""
    return T0 + timedelta(minutes=minutes)


def domain_workshop() -> Workshop:
    """The demo site's bays and technicians in a bare domain workshop (no storage)."""
    from core.config import bays_from_config, technicians_from_config

    cfg = demo_config()
    return Workshop(
        site="demo",
        bays={b.id: b for b in bays_from_config(cfg)},
        technicians={t.id: t for t in technicians_from_config(cfg)},
    )


def settle(core: Any, bus: FakeBus, acks: int, device: str = "kiosk-b03") -> None:
    """Wait until ``device`` has ``acks`` answers from the core, and the batch that sent them
    has finished (the lounge and the pages come after the acks)."""
    from tests.waiting import wait_until

    wait_until(lambda: len(bus.acks(device)) >= acks, f"{acks} acks to {device}", timeout=10)
    core.query(lambda _ws, _now: None)  # behind that batch in the core's queue


def checked_in_and_dispatched(core: Any, bay: str = "B03") -> str:
    """A car checked in (key tag TAG7) and dispatched to ``bay`` through the core."""
    from core.commands import CheckInCar, Dispatch

    job = core.run_command(CheckInCar(order(key_tag="TAG7")), actor="advisor:SA01")
    core.run_command(Dispatch(job.ro, bay), actor="foreman:F1")
    return str(job.ro)


def send_board(core: Any) -> None:
    """What the core's loop does between batches when nothing waits: the foreman's board,
    in its steps (built, compared, its parts sent), as far as it is due."""
    while core.views.dispatch_due:
        wait = core.views.dispatch_wait()
        if core.views.board.staged:
            time.sleep(wait)  # the core steps aside between two slices of parts
        elif wait > 0:
            break  # gathered for later
        core.step.refresh()


def delivered_car(ws: Workshop, plate: str = "京A12345") -> str:
    """A car through the domain workshop to its customer: worked at B03, checked by three
    people, handed over and delivered (at minute 60 of the test day)."""
    from core.domain.handover import all_ticked
    from core.domain.inspection import complete

    job = ws.check_in(order(plate=plate, wash_requested=False), at(0))
    ro = job.ro
    ws.dispatch(ro, "B03", at(0))
    ws.sign_in("T002", "B03", at(1))
    ws.start(ro, "T002", "B03", at(2))
    ws.self_check(ro, "T002", "B03", at(30))
    ws.sign_in("T001", "B03", at(31))
    ws.leader_check(ro, "T001", "B03", at(32))
    ws.sign_in("Q001", "Q01", at(33))
    ws.qc_pass(ro, "Q001", "Q01", at(40), complete(job.job_type))
    ws.check_handover(ro, all_ticked(job), "SA01", at(50))
    ws.deliver(ro, at(60))
    return ro


def same_report(a: Report, b: Report) -> None:
    """Equal figure by figure; sums of hours to within a millisecond's worth of rounding
    (SQLite reads stored times to the millisecond)."""
    for f in fields(Report):
        x, y = getattr(a, f.name), getattr(b, f.name)
        if isinstance(x, float):
            assert math.isclose(x, y, rel_tol=1e-9, abs_tol=1e-6), (f.name, x, y)
        else:
            assert x == y, (f.name, x, y)
