"""Days of a busy workshop played through the real core and store, for the growth
benchmark: every repair order checked in, printed, keyed, dispatched, worked (findings,
parts waits, rework), checked, washed, delivered and called back, each event sent as its
device sends it and committed on its own, as on a working day."""

from __future__ import annotations

import json
import random
import threading
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import Any

from core.catalogue import findings, operations
from core.commands import (
    AnswerFinding,
    CheckHandover,
    CheckInCar,
    Deliver,
    Dispatch,
    RecordFollowUp,
)
from core.config import SiteConfig
from core.contract.events import full_inspection
from core.contract.messages import make_event
from core.domain.model import Customer, FollowUpOutcome, JobType, Vehicle
from core.domain.vocabulary import HandoverItem
from core.domain.workshop import CheckIn
from core.engine import Core

MODELS = ["别克 GL8", "丰田 凯美瑞", "大众 朗逸", "本田 雅阁", "日产 轩逸", "比亚迪 汉 EV"]
COLOURS = ["白", "黑", "银", "灰", "蓝"]
REQUESTS = ["", "", "右前方异响，请检查", "空调不凉", "保养后请清洁内饰"]


class Clock:
    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now


@dataclass
class Wire:
    """The core's publisher: the acks it sends and the prints it asks for."""

    acks: dict[str, list[str]] = field(default_factory=dict)
    prints: list[tuple[str, str]] = field(default_factory=list)  # (print_id, printer)
    changed: threading.Condition = field(default_factory=threading.Condition)

    def publish(self, topic: str, payload: bytes, qos: int, retain: bool) -> None:
        parts = topic.split("/")
        if len(parts) == 5 and parts[2] == "dev" and parts[4] in ("ack", "cmd"):
            body = json.loads(payload)
            with self.changed:
                if parts[4] == "ack":
                    self.acks.setdefault(parts[3], []).append(body["result"])
                elif body.get("type") == "print":
                    self.prints.append((body["data"]["print_id"], parts[3]))
                self.changed.notify_all()

    def puback(self, token: object) -> None:
        pass

    def send_now(self) -> None:
        pass

    def wait_acks(self, device: str, count: int) -> str:
        with self.changed:
            if not self.changed.wait_for(lambda: len(self.acks.get(device, [])) >= count, 30):
                raise RuntimeError(f"{device}: no answer from the core")
            return self.acks[device][count - 1]


@dataclass
class Tally:
    orders: int = 0
    events: int = 0
    commands: int = 0
    refused: int = 0


class Floor:
    """A site's day after day: the kiosks, the bridge, the advisors and the foreman."""

    def __init__(self, config: SiteConfig, core: Core, wire: Wire, clock: Clock) -> None:
        self.config, self.core, self.wire, self.clock = config, core, wire, clock
        self.rnd = random.Random(20261204)
        self.seqs: dict[str, int] = {}
        self.tally = Tally()
        self.general = [b.id for b in config.bays if b.kind == "general"]
        self.kiosk = {k.bay: k.device for k in config.kiosks}
        self.tech = {b: f"T{101 + i}" for i, b in enumerate(self.general)}
        self.ops = [o for o in operations().values() if o.bay_kind == "general"]
        self.finds = list(findings().values())
        self.to_call: list[tuple[datetime, str]] = []

    # ------------------------------------------------------------ the wire
    def send(self, device: str, type_: str, **fields: Any) -> None:
        """An event as the device numbers it, answered before the next."""
        seq = self.seqs[device] = self.seqs.get(device, 0) + 1
        payload = make_event(device, seq, type_, self.clock.now, **fields)
        topic = f"pitboard/{self.config.site.id}/dev/{device}/event"
        answers = len(self.wire.acks.get(device, [])) + 1
        self.core.on_message(topic, payload, token=None)
        result = self.wire.wait_acks(device, answers)
        self.tally.events += 1
        self.tally.refused += result == "rejected"

    def tap(self, bay: str, type_: str, tech: str, **fields: Any) -> None:
        self.send(self.kiosk[bay], type_, bay=bay, tech=tech, **fields)

    def bridge(self, type_: str, job: str | None = None, **data: Any) -> None:
        self.send(self.config.bridge.device, type_, job=job, data=data)

    def command(self, cmd: Any, actor: str) -> Any:
        self.tally.commands += 1
        return self.core.run_command(cmd, actor)

    def later(self, minutes: float) -> None:
        self.clock.now += timedelta(minutes=minutes)

    # ------------------------------------------------------------ a day
    def day(self, date: datetime, orders: int) -> None:
        """A working day from 08:00 to 18:30 in the workshop's zone."""
        zone = self.config.zone
        self.clock.now = datetime.combine(date.date(), time(8, 0), tzinfo=zone)
        for ro in [ro for when, ro in self.to_call if when <= self.clock.now]:
            outcome = self.rnd.choice([FollowUpOutcome.VERY_GOOD, FollowUpOutcome.GOOD])
            self.command(RecordFollowUp(ro, outcome, "电话回访"), "advisor:SA01")
        self.to_call = [(w, ro) for w, ro in self.to_call if w > self.clock.now]
        for bay in self.general:
            self.tap(bay, "tech.signed_in", self.tech[bay])
        self.tap("Q01", "tech.signed_in", "Q001")
        self.tap("W01", "tech.signed_in", "W001")
        step = 600 / max(orders, 1)  # minutes of the day per order
        for n in range(orders):
            self.order(self.general[n % len(self.general)], step)
        for bay in self.general:
            self.tap(bay, "tech.signed_out", self.tech[bay])
        self.tap("Q01", "tech.signed_out", "Q001")
        self.tap("W01", "tech.signed_out", "W001")

    def _print_all(self, before: int) -> None:
        for print_id, printer in self.wire.prints[before:]:
            self.bridge("print.done", printer=printer, print_id=print_id)

    def order(self, bay: str, minutes: float) -> None:
        tick = minutes / 30
        ro, tag, slot, wash = self._check_in()
        self.bridge("key.in", job=ro, cabinet="KC1", slot=slot, tag=tag)
        self.later(tick)
        self.command(Dispatch(ro, bay), "foreman:F001")
        tech = self.tech[bay]
        key = {"cabinet": "KC1", "slot": slot, "tag": tag}
        self.send(self.config.bridge.device, "key.out", job=ro, tech=tech, data=key)
        self.later(tick)
        self._work(ro, bay, tech, tick)
        self._checks(ro, bay, tech, tick, wash)
        self.bridge("key.in", job=ro, cabinet="KC1", slot=slot, tag=tag)
        self.later(tick)
        self.command(CheckHandover(ro, tuple(i.value for i in HandoverItem)), "advisor:SA01")
        self.bridge("key.out", job=ro, holder="SA01", **key)
        before = len(self.wire.prints)
        self.command(Deliver(ro), "advisor:SA01")
        self._print_all(before)
        self.to_call.append((self.clock.now + timedelta(days=2), ro))
        self.tally.orders += 1

    def _check_in(self) -> tuple[str, str, int, bool]:
        n = self.tally.orders + 1
        rnd = self.rnd
        ops = tuple(o.to_operation() for o in rnd.sample(self.ops, rnd.choice([1, 1, 2, 3])))
        tag = f"{0xDE000000 + n:010X}"
        slot = n % 40 + 1
        order = CheckIn(
            vehicle=Vehicle(
                plate=f"京{chr(65 + n % 20)}{rnd.randint(10000, 99999)}",
                model=rnd.choice(MODELS),
                colour=rnd.choice(COLOURS),
                vin=f"LSGUA84L{rnd.randint(0, 10**9):09d}",
                mileage_km=rnd.randint(3000, 150000),
                fuel_level=rnd.choice(["1/4", "1/2", "3/4", "F"]),
            ),
            customer=Customer(name="王先生", phone=f"139{rnd.randint(0, 10**8):08d}"),
            operations=ops,
            promised_at=self.clock.now + timedelta(hours=3),
            advisor=rnd.choice(["SA01", "SA02"]),
            requests=rnd.choice(REQUESTS),
            customer_waiting=rnd.random() < 0.4,
            wash_requested=rnd.random() < 0.67,
            key_tag=tag,
            key_slot=slot,
            public_token=f"{rnd.getrandbits(96):024x}",
        )
        before = len(self.wire.prints)
        job = self.command(CheckInCar(order), "advisor:SA01")
        self._print_all(before)
        return str(job.ro), tag, slot, order.wash_requested

    def _work(self, ro: str, bay: str, tech: str, tick: float) -> None:
        rnd = self.rnd
        self.tap(bay, "job.started", tech, job=ro)
        self.later(5 * tick)
        if rnd.random() < 0.4:  # an add-on finding, relayed to the customer
            f = rnd.choice(self.finds)
            fid = f"{ro}-F1"
            data = {
                "finding_id": fid,
                "title": f.title_zh,
                "severity": f.default_severity,
                "labor_hours": f.labor_hours,
                "parts_estimate": f.parts_estimate_cny,
                "note": "",
            }
            self.tap(bay, "job.finding", tech, job=ro, data=data)
            self.tap(bay, "job.paused", tech, job=ro, data={"reason": "waiting_approval"})
            self.later(3 * tick)
            self.command(AnswerFinding(ro, fid, rnd.random() < 0.7, "客户电话确认"), "advisor:SA01")
            self.tap(bay, "job.resumed", tech, job=ro)
            self.later(3 * tick)
        if rnd.random() < 0.25:  # parts from the store
            self.tap(bay, "job.paused", tech, job=ro, data={"reason": "waiting_parts"})
            self.later(2 * tick)
            self.tap(bay, "job.resumed", tech, job=ro)
            self.later(3 * tick)
        self.tap(bay, "job.self_checked", tech, job=ro)
        self.later(tick)

    def _checks(self, ro: str, bay: str, tech: str, tick: float, wash: bool) -> None:
        self.tap("Q01", "job.leader_checked", "Q001", job=ro)
        self.later(tick)
        if self.rnd.random() < 0.05:  # failed final inspection: rework at the bay
            self.tap("Q01", "qc.failed", "Q001", job=ro, data={"items": ["刹车异响"]})
            self.later(tick)
            self.tap(bay, "job.started", tech, job=ro)
            self.later(2 * tick)
            self.tap(bay, "job.self_checked", tech, job=ro)
            self.tap("Q01", "job.leader_checked", "Q001", job=ro)
            self.later(tick)
        self.tap("Q01", "qc.passed", "Q001", job=ro, data=full_inspection(JobType.REPAIR))
        self.later(tick)
        if wash:
            self.tap("W01", "wash.started", "W001", job=ro)
            self.later(2 * tick)
            self.tap("W01", "wash.done", "W001", job=ro)
            self.later(tick)
