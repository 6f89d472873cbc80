"""What one bay's kiosk knows and does, without any screen: the bay state from the core,
the taps still in the outbox laid over it, and the actions a technician can take.

The screen (kiosk/page.py) only reads from here and calls the actions, so everything a
technician can do is testable without a browser. Whatever the link brings (the retained
bay state, an answer, the connection coming or going) and every tap made here tells the
listeners that what the kiosk shows changed; they are called on the link's thread and
must hand the news over to their own loop (kiosk/live.py does that for the pages).
"""

from __future__ import annotations

import json
import logging
import threading
import uuid
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from pydantic import ValidationError

from core.config import SiteConfig, TechnicianConfig
from core.contract.help_board import HelpLine
from core.contract.sender import EventSender
from core.contract.views import BayState, JobCard
from core.domain.vocabulary import TAPPED_PAUSE_REASONS, HelpKind, Severity
from devices.outbox import Answer, Outbox, Pending
from kiosk.sign_in_guard import Scope, SignInGuard, Verdict

logger = logging.getLogger(__name__)

PAUSE_REASONS = tuple(r.value for r in TAPPED_PAUSE_REASONS)
SEVERITIES = tuple(s.value for s in Severity)
HELP_KINDS = tuple(k.value for k in HelpKind)


class Uplink(EventSender[Pending], Protocol):
    """What the station needs from its connection (DeviceLink)."""

    outbox: Outbox

    @property
    def online(self) -> bool: ...

    @property
    def refused(self) -> str | None:
        """Why the broker refused the kiosk's login (it does not retry), or None."""


@dataclass(frozen=True)
class Unsent:
    seq: int
    type: str
    job: str | None
    tech: str | None


class Station:
    def __init__(
        self, config: SiteConfig, bay: str, device: str, guard: SignInGuard | None = None
    ) -> None:
        bay_cfg = next((b for b in config.bays if b.id == bay), None)
        if bay_cfg is None:
            raise ValueError(f"bay {bay!r} is not in the site configuration")
        self.config = config
        self.bay = bay
        self.bay_name = bay_cfg.name
        self.kind = bay_cfg.kind
        self.device = device
        self.technicians = {t.id: t for t in config.technicians}
        # Without a file of its own (a tool, a test) the waits last as long as the object.
        self.guard = guard or SignInGuard(config, None)
        self.state: BayState | None = None
        self.problems: deque[Answer] = deque(maxlen=20)
        # Taps made here, kept until a bay state arrives after their answer: the ack may
        # reach this screen before the state that shows the tap (and the outbox forgets it
        # with the ack), or a technician just signed in would blink out meanwhile.
        self._mine: list[Unsent] = []
        self._lock = threading.Lock()
        self._listeners: list[Callable[[], None]] = []
        self._link: Uplink | None = None

    def attach(self, link: Uplink) -> Station:
        self._link = link
        return self

    @property
    def link(self) -> Uplink:
        if self._link is None:
            raise RuntimeError("the station has no link yet")
        return self._link

    def subscribe(self, listener: Callable[[], None]) -> Callable[[], None]:
        """Call ``listener`` (on the link's thread) whenever what the kiosk shows changed;
        returns the function that stops it."""
        with self._lock:
            self._listeners.append(listener)

        def stop() -> None:
            with self._lock:
                if listener in self._listeners:
                    self._listeners.remove(listener)

        return stop

    def _notify(self) -> None:
        with self._lock:
            listeners = list(self._listeners)
        for listener in listeners:
            try:
                listener()
            except Exception:
                # One broken listener must not keep the news from the others or the link.
                logger.exception("%s: change listener failed", self.device)

    # -------------------------------------------------------------- inbound
    def on_bay_state(self, payload: bytes) -> None:
        try:
            state = BayState.model_validate_json(payload)
        except ValidationError:
            logger.warning("%s: ignored unreadable bay state", self.device)
            return
        if state.bay != self.bay:
            return
        with self._lock:
            newer = self.state is None or state.updated_at >= self.state.updated_at
            if newer:
                self.state = state
        if newer and self._link is not None:
            waiting = {p.seq for p in self._link.outbox.pending()}
            with self._lock:
                self._mine = [u for u in self._mine if u.seq in waiting]
        if newer:
            self._notify()

    def on_answer(self, answer: Answer) -> None:
        if answer.result == "rejected":
            with self._lock:
                # It changed nothing: no state will come to show it.
                self._mine = [u for u in self._mine if u.seq != answer.seq]
                self.problems.appendleft(answer)
            self._notify()

    def on_change(self) -> None:
        """The link's news: connected, disconnected, an event sent or answered."""
        self._notify()

    # -------------------------------------------------------------- reads
    @property
    def online(self) -> bool:
        return self._link is not None and self._link.online

    @property
    def refused(self) -> bool:
        """The broker refused this kiosk's login: no retry helps, a person must act."""
        return self._link is not None and self._link.refused is not None

    def unsent(self) -> list[Unsent]:
        if self._link is None:
            return []
        out = []
        for item in self._link.outbox.pending():
            body = json.loads(item.payload)
            out.append(Unsent(item.seq, item.type, body.get("job"), body.get("tech")))
        return out

    def _laid_over(self) -> list[Unsent]:
        """Taps the core's word may not show yet: those made here, then any unsent."""
        with self._lock:
            mine = list(self._mine)
        return mine + self.unsent()

    def present(self) -> list[TechnicianConfig]:
        """Who is signed in here: the core's word, with taps not yet answered laid over it."""
        ids = [t.id for t in self.state.techs] if self.state else []
        for u in self._laid_over():
            if u.type == "tech.signed_in" and u.tech and u.tech not in ids:
                ids.append(u.tech)
            elif u.type == "tech.signed_out" and u.tech in ids:
                ids.remove(u.tech)
        return [self.technicians[i] for i in ids if i in self.technicians]

    def active_job(self, tech: str) -> str | None:
        """The job whose clock runs for ``tech``, unsent taps included."""
        active = None
        if self.state:
            active = next((t.active_job for t in self.state.techs if t.id == tech), None)
        for u in self._laid_over():
            if u.tech != tech:
                continue
            if u.type in ("job.started", "job.resumed"):
                active = u.job
            elif u.type in ("job.paused", "job.self_checked", "tech.signed_out"):
                active = None
        return active

    def jobs(self) -> list[JobCard]:
        if self.state is None:
            return []
        return ([self.state.current] if self.state.current else []) + list(self.state.queue)

    def job(self, ro: str) -> JobCard | None:
        return next((j for j in self.jobs() if j.ro == ro), None)

    def pending_for(self, ro: str) -> str | None:
        """The newest unsent tap on this job, if any."""
        last = None
        for u in self.unsent():
            if u.job == ro:
                last = u.type
        return last

    def candidates(self) -> list[TechnicianConfig]:
        """Who may sign in here, to pick before a PIN: the bay's team first."""
        here = {p.id for p in self.present()}
        team = next((b.team for b in self.config.bays if b.id == self.bay), None)
        return sorted(
            (t for t in self.config.technicians if t.id not in here),
            key=lambda t: (t.team != team or team is None, t.id),
        )

    def sign_in_wait(self, tech: str | None = None) -> tuple[int, Scope | None]:
        """Seconds before a PIN (of ``tech``) or a code is checked again here, and why."""
        return self.guard.waiting(tech)

    # -------------------------------------------------------------- proving who
    # A technician proves who they are with a badge or their PIN, never with their id
    # (it is on every board). Each miss goes to the core, for the audit log and the foreman.
    def try_pin(self, tech: str, pin: str) -> Verdict:
        known = self.technicians.get(tech)
        if known is None:
            raise ValueError(f"unknown technician {tech!r}")
        return self._told(self.guard.pin(known, pin))

    def try_code(self, code: str) -> Verdict:
        """A badge scanned or typed."""
        return self._told(self.guard.code(code))

    def _told(self, verdict: Verdict) -> Verdict:
        if verdict.checked and not verdict.ok:
            data = {
                "misses": verdict.misses,
                "kiosk_misses": verdict.kiosk_misses,
                "lockout_s": verdict.lockout,
                "locked": verdict.locked,
            }
            self._send("tech.sign_in_refused", tech=verdict.tech, data=data)
        return verdict

    def worked_seconds(self, card: JobCard, now: datetime) -> float:
        """Work time now: the card's figure plus what the running clocks added since."""
        if self.state is None or not card.working_techs:
            return card.worked_seconds
        since = max(0.0, (now - self.state.updated_at).total_seconds())
        return card.worked_seconds + since * len(card.working_techs)

    # -------------------------------------------------------------- actions
    def _send(self, type_: str, **kw: Any) -> Pending:
        item = self.link.send(type_, bay=self.bay, **kw)
        with self._lock:
            self._mine.append(Unsent(item.seq, type_, kw.get("job"), kw.get("tech")))
        self.on_change()
        return item

    def sign_in(self, tech: str) -> Pending:
        return self._send("tech.signed_in", tech=tech)

    def sign_out(self, tech: str) -> Pending:
        return self._send("tech.signed_out", tech=tech)

    def start(self, ro: str, tech: str) -> Pending:
        return self._send("job.started", job=ro, tech=tech)

    def resume(self, ro: str, tech: str) -> Pending:
        return self._send("job.resumed", job=ro, tech=tech)

    def pause(self, ro: str, tech: str, reason: str) -> Pending:
        if reason not in PAUSE_REASONS:
            raise ValueError(f"unknown pause reason {reason!r}")
        return self._send("job.paused", job=ro, tech=tech, data={"reason": reason})

    def finding(
        self,
        ro: str,
        tech: str,
        title: str,
        severity: str,
        labor_hours: float,
        parts_estimate: float,
        note: str = "",
    ) -> Pending:
        if severity not in SEVERITIES:
            raise ValueError(f"unknown severity {severity!r}")
        data = {
            # Made here so a repeated tap after an outage names the same finding.
            "finding_id": f"{ro}-{uuid.uuid4().hex[:8]}",
            "title": title.strip(),
            "severity": severity,
            "labor_hours": labor_hours,
            "parts_estimate": parts_estimate,
            "note": note,
        }
        return self._send("job.finding", job=ro, tech=tech, data=data)

    def request_parts(
        self,
        ro: str,
        tech: str,
        lines: list[dict[str, Any]],
        pause: bool = False,
        note: str = "",
    ) -> Pending:
        """Parts asked of the parts counter (领料): ``lines`` of ``name``, ``qty`` and the
        catalogue's ``code`` (empty for one typed)."""
        data = {
            # Made here so a repeated tap after an outage names the same request.
            "request_id": f"PR-{uuid.uuid4().hex[:10]}",
            "lines": [
                {"code": x.get("code", ""), "name": str(x["name"]).strip(), "qty": x["qty"]}
                for x in lines
            ],
            "pause": pause,
            "note": note,
        }
        return self._send("parts.requested", job=ro, tech=tech, data=data)

    def cancel_parts(self, ro: str, tech: str, request_id: str) -> Pending:
        return self._send("parts.cancelled", job=ro, tech=tech, data={"request_id": request_id})

    def self_check(self, ro: str, tech: str) -> Pending:
        return self._send("job.self_checked", job=ro, tech=tech)

    def leader_check(
        self, ro: str, tech: str, notes: str = "", recommendations: list[str] | None = None
    ) -> Pending:
        advice = [r.strip() for r in recommendations or [] if r.strip()]
        data = {"notes": notes.strip(), "recommendations": advice}
        return self._send("job.leader_checked", job=ro, tech=tech, data=data)

    def qc_pass(
        self,
        ro: str,
        tech: str,
        checked: list[str],
        road_test: bool,
        road_test_note: str = "",
        spot: str = "",
    ) -> Pending:
        data = {
            "checked": checked,
            "road_test": road_test,
            "road_test_note": road_test_note,
            "spot": spot.strip(),
        }
        return self._send("qc.passed", job=ro, tech=tech, data=data)

    def qc_fail(self, ro: str, tech: str, items: list[str]) -> Pending:
        clean = [i.strip() for i in items if i.strip()]
        return self._send("qc.failed", job=ro, tech=tech, data={"items": clean})

    def wash_start(self, ro: str, tech: str) -> Pending:
        return self._send("wash.started", job=ro, tech=tech)

    def wash_done(self, ro: str, tech: str, spot: str = "") -> Pending:
        return self._send("wash.done", job=ro, tech=tech, data={"spot": spot.strip()})

    # -------------------------------------------------------------- help calls (安灯)
    def call_help(self, tech: str, kind: str, note: str = "") -> Pending:
        if kind not in HELP_KINDS:
            raise ValueError(f"unknown kind of help {kind!r}")
        return self._send("help.called", tech=tech, data={"kind": kind, "note": note.strip()})

    def answer_help(self, call: str, tech: str) -> Pending:
        """Someone answers the bay's call by badge (``tech``: whose badge)."""
        return self._send("help.acknowledged", tech=tech, data={"call": call})

    def close_help(self, call: str, tech: str, outcome: str) -> Pending:
        data = {"call": call, "outcome": outcome.strip()}
        return self._send("help.closed", tech=tech, data=data)

    def help_calls(self) -> list[HelpLine]:
        """The bay's open calls, as the core last told it."""
        with self._lock:
            return list(self.state.help) if self.state is not None else []

    def badge_holder(self, code: str) -> TechnicianConfig | None:
        """Whose badge a scan is (a responder need not be signed in here)."""
        code = code.strip()
        return next((t for t in self.config.technicians if code and t.badge == code), None)
