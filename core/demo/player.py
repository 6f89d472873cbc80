"""A compressed workshop day, played through the real MQTT path (kiosks and the key
cabinet publish events) and the core's command path (the advisor's and foreman's actions).
The same player drives load tests."""

from __future__ import annotations

import logging
import random
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from core.catalogue import CatalogueOperation, findings, operations
from core.commands import AnswerFinding, CheckInCar, Deliver, Dispatch
from core.config import SiteConfig
from core.contract.sender import EventSender
from core.domain.errors import DomainError
from core.domain.model import Customer, Vehicle
from core.domain.vocabulary import BayKind, PauseReason, Role
from core.domain.workshop import CheckIn
from core.engine import Core

logger = logging.getLogger(__name__)

MODELS = [
    "别克 GL8",
    "别克 君越",
    "丰田 凯美瑞",
    "大众 朗逸",
    "本田 雅阁",
    "日产 轩逸",
    "比亚迪 汉 EV",
    "奥迪 A6L",
]
COLOURS = ["白", "黑", "银", "灰", "蓝", "红"]
PROVINCES = ["京A", "京B", "沪A", "粤B", "浙A", "苏E"]


class KeyCabinet(Protocol):
    """Hooks the demo hangs keys on and takes them from (a simulated cabinet)."""

    @property
    def slots(self) -> int: ...

    def hang(self, tag: str, slot: int) -> None: ...

    def take(self, slot: int) -> None: ...


@dataclass(frozen=True)
class DayCrew:
    """Who works the demo day: the general bays' technicians, the QC station and its
    inspector, the wash bay and its washer, and the findings they may report."""

    techs: dict[str, list[str]]
    qc: str | None
    inspector: str | None
    wash: str | None
    washer: str | None
    finds: list[Any]


class DemoPlayer:
    """Plays the day through the devices it is given (the kiosks' own links, so every
    screen shows the same taps) and through the core's command path."""

    def __init__(
        self,
        config: SiteConfig,
        core: Core,
        kiosks: Mapping[str, EventSender[object]],
        cabinet: KeyCabinet,
        speed: float = 60.0,
        seed: int | None = None,
    ) -> None:
        self.config, self.core, self.speed = config, core, speed
        self.kiosks, self.cabinet = kiosks, cabinet
        self.rnd = random.Random(seed)
        self._count = 0
        self._count_lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="demo", daemon=True)

    def start(self) -> DemoPlayer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(5)

    def _sleep(self, workshop_minutes: float) -> bool:
        return not self._stop.wait(workshop_minutes * 60 / self.speed)

    def _cmd(self, command: object, actor: str) -> object | None:
        try:
            result: object = self.core.run_command(command, actor)  # type: ignore[arg-type]
            return result
        except DomainError as err:
            logger.info("demo: %s refused: %s", type(command).__name__, err)
            return None

    def _tap(self, bay: str, type_: str, **kw: object) -> None:
        link = self.kiosks.get(bay)
        if link is not None:
            link.send(type_, bay=bay, **kw)  # type: ignore[arg-type]

    def _crew(self) -> DayCrew:
        techs = {
            b.id: [
                t.id
                for t in self.config.technicians
                if t.team == b.team and Role.TECHNICIAN in t.roles
            ]
            for b in self.config.bays
        }
        return DayCrew(
            techs=techs,
            qc=next((b.id for b in self.config.bays if b.kind == BayKind.QC), None),
            inspector=next((t.id for t in self.config.technicians if Role.QC in t.roles), None),
            wash=next((b.id for b in self.config.bays if b.kind == BayKind.WASH), None),
            washer=next((t.id for t in self.config.technicians if Role.WASHER in t.roles), None),
            finds=list(findings().values()),
        )

    def _sign_everyone_in(self, general: list[str], crew: DayCrew) -> None:
        for bay in general:
            techs = crew.techs.get(bay)
            if techs:
                self._tap(bay, "tech.signed_in", tech=techs[general.index(bay) % len(techs)])
        if crew.qc and crew.inspector:
            self._tap(crew.qc, "tech.signed_in", tech=crew.inspector)
        if crew.wash and crew.washer:
            self._tap(crew.wash, "tech.signed_in", tech=crew.washer)

    def _run(self) -> None:
        general = [b.id for b in self.config.bays if b.kind == BayKind.GENERAL]
        crew = self._crew()
        self._sign_everyone_in(general, crew)
        # Every general bay works its own stream of cars, started a few minutes apart, so
        # every screen has something going on.
        workers = [
            threading.Thread(
                target=self._bay_loop,
                args=(bay, i, crew),
                name=f"demo-{bay}",
                daemon=True,
            )
            for i, bay in enumerate(general)
        ]
        for w in workers:
            w.start()
        for w in workers:
            w.join()

    def _next_car(self) -> int:
        with self._count_lock:
            self._count += 1
            return self._count

    def _bay_loop(self, bay: str, index: int, crew: DayCrew) -> None:
        rnd = random.Random(self.rnd.random())
        ops = [o for o in operations().values() if o.bay_kind == BayKind.GENERAL]
        if not self._sleep(3 + 7 * index):
            return
        while self._one_car(bay, crew, rnd, ops):
            pass

    def _demo_check_in(
        self, n: int, rnd: random.Random, ops: list[CatalogueOperation], tag: str, slot: int
    ) -> CheckIn:
        now = datetime.now(UTC)
        op = rnd.choice(ops)
        return CheckIn(
            vehicle=Vehicle(
                plate=f"{rnd.choice(PROVINCES)}{rnd.randint(10000, 99999)}",
                model=rnd.choice(MODELS),
                colour=rnd.choice(COLOURS),
            ),
            customer=Customer(name="演示客户", phone="13800000000"),
            operations=(op.to_operation(),),
            promised_at=now + timedelta(hours=op.standard_hours + 1.5),
            customer_waiting=rnd.random() < 0.4,
            key_tag=tag,
            key_slot=slot,
            public_token=f"demo-{n}-{rnd.getrandbits(48):x}",
        )

    def _one_car(
        self, bay: str, crew: DayCrew, rnd: random.Random, ops: list[CatalogueOperation]
    ) -> bool:
        """One car through the bay, from check-in to the customer; False once the day ends."""
        n = self._next_car()
        tag = f"{0xDE0000 + n:010X}"  # EM4100 tags are 10 hex digits
        slot = n % self.cabinet.slots + 1
        job = self._cmd(CheckInCar(self._demo_check_in(n, rnd, ops, tag, slot)), "advisor:demo")
        if job is None:
            return self._sleep(10)
        ro = job.ro  # type: ignore[attr-defined]
        self.cabinet.hang(tag, slot)
        tech = self.core.query(lambda ws, _now: next((t.id for t in ws.signed_in_at(bay)), None))
        if (
            tech is None
            or not self._sleep(5)
            or self._cmd(Dispatch(ro, bay), "foreman:demo") is None
        ):
            return self._sleep(10)
        self.cabinet.take(slot)  # the technician takes the key to the bay
        self._play_job(ro, bay, tech, crew, rnd)
        self.cabinet.hang(tag, slot)  # ready: the key is back on its hook
        if not self._sleep(20):
            return False
        self._cmd(Deliver(ro), "advisor:demo")
        self.cabinet.take(slot)  # handed to the customer
        return self._sleep(5)

    def _play_job(self, ro: str, bay: str, tech: str, crew: DayCrew, rnd: random.Random) -> None:
        self._tap(bay, "job.started", job=ro, tech=tech)
        if not self._sleep(15):
            return
        if rnd.random() < 0.4 and not self._finding_answered(ro, bay, tech, crew, rnd):
            return
        self._tap(bay, "job.self_checked", job=ro, tech=tech)
        self._checks_and_wash(ro, bay, crew)

    def _finding_answered(
        self, ro: str, bay: str, tech: str, crew: DayCrew, rnd: random.Random
    ) -> bool:
        """The technician reports a finding and waits; the advisor answers it. False once
        the day ends."""
        f = rnd.choice(crew.finds)
        fid = f"{ro}-F1"
        self._tap(
            bay,
            "job.finding",
            job=ro,
            tech=tech,
            data={
                "finding_id": fid,
                "title": f.title_zh,
                "severity": f.default_severity,
                "labor_hours": f.labor_hours,
                "parts_estimate": f.parts_estimate_cny,
            },
        )
        self._tap(
            bay, "job.paused", job=ro, tech=tech, data={"reason": PauseReason.WAITING_APPROVAL}
        )
        if not self._sleep(10):
            return False
        self._cmd(AnswerFinding(ro, fid, rnd.random() < 0.7, "客户电话确认"), "advisor:demo")
        self._tap(bay, "job.resumed", job=ro, tech=tech)
        return self._sleep(10)

    def _checks_and_wash(self, ro: str, bay: str, crew: DayCrew) -> None:
        """The leader's check (the inspector's when the bay has no leader), QC, the wash."""
        qc, inspector, wash, washer = crew.qc, crew.inspector, crew.wash, crew.washer
        leader = next(
            (
                t.id
                for t in self.config.technicians
                if Role.LEADER in t.roles and self.core.ws.tech_state(t.id).bay == bay
            ),
            None,
        )
        if qc and inspector:
            if leader is None:
                self._tap(qc, "job.leader_checked", job=ro, tech=inspector)
            else:
                self._tap(bay, "job.leader_checked", job=ro, tech=leader)
            if not self._sleep(5):
                return
            self._tap(qc, "qc.passed", job=ro, tech=inspector)
        if wash and washer and self._sleep(5):
            self._tap(wash, "wash.started", job=ro, tech=washer)
            if self._sleep(10):
                self._tap(wash, "wash.done", job=ro, tech=washer)
