"""The audit log in sentences: who acted (a person by name and role, a device by what it is)
and what each kind of line says, in the page's language — never the log's own codes or
its JSON. A kind with no sentence of its own shows its plain values."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from core.config import SiteConfig
from core.display.rules import clock_text
from core.display.texts import TEXTS, Lang, problem_text, texts_for


class Words:
    """Names and sentences for one page: ``t`` in its language, the site's people and bays."""

    def __init__(self, config: SiteConfig, lang: Lang) -> None:
        self.config = config
        self.lang = lang
        self.t = texts_for(lang)
        self.people = {p.id: p.name for p in config.technicians}
        self.people.update({u.id: u.name for u in config.users})
        self.bays = {b.id: b.name for b in config.bays}
        self.kiosks = {k.device: k.bay for k in config.kiosks}
        self.printers = {p.device: p.role for p in config.printers}
        #: When the line being written was logged (``detail``).
        self._logged: datetime | None = None

    # ----------------------------------------------------------------- who
    def person(self, who: str | None) -> str:
        """A technician or a board user as "T002 李强"; someone unknown as their id."""
        if not who:
            return ""
        name = self.people.get(who)
        return f"{who} {name}" if name else who

    def bay(self, bay: str | None) -> str:
        if not bay:
            return ""
        name = self.bays.get(bay)
        return f"{bay} {name}" if name else bay

    def source(self, source: str) -> str:
        """Who a line of the log came from, in words: a person with their role, a kiosk by
        its bay, a printer, a board's browser, the system itself."""
        role, sep, who = source.partition(":")
        if sep and f"role.{role}" in TEXTS:
            return f"{self.person(who)} ({self.t('role.' + role)})"
        if source.startswith("board@"):
            return self.t("source.board", address=source.removeprefix("board@"))
        if source.startswith("screen@"):
            return self.t("source.screen", address=source.removeprefix("screen@"))
        return self.device(source)

    def device(self, device: str) -> str:
        if device in self.kiosks:
            return self.t("source.kiosk", bay=self.kiosks[device])
        if device in self.printers:
            return self.t(f"printer_role.{self.printers[device]}")
        if device.startswith("printer-"):
            return self.t("source.printer", printer=device.removeprefix("printer-"))
        if device.startswith("bridge"):
            return self.t("source.bridge", device=device)
        if device == "core":
            return self.t("source.core")
        return device

    def at(self, value: str | None) -> str:
        """An ISO time of the log as the site's local HH:MM, with its date (MM-DD) when it is
        not on the day the line was logged (a promise for tomorrow); as itself if it is none."""
        if not value:
            return "…"
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            return value
        zone = self.config.zone
        day = (self._logged or moment).astimezone(zone).date()
        return clock_text(moment, zone, day)

    # ----------------------------------------------------------------- what
    def detail(self, type_: str, payload: dict[str, Any], at: datetime | None = None) -> str:
        """One line of the log as a sentence; ``at``: when it was logged (a time it names on
        another day is written with its date)."""
        self._logged = at
        kind, _, _ = type_.partition(".")
        if kind == "print" and "state" in payload:  # a print of the order, by its state
            return self.print_state(payload)
        method = getattr(self, "_" + type_.replace(".", "_"), None)
        if method is not None:
            try:
                return str(method(payload.get("data") or {}, payload))
            except (KeyError, TypeError, ValueError, AttributeError):
                pass
        return self.plain(payload)

    def print_state(self, payload: dict[str, Any]) -> str:
        state = self.t(f"print_state.{payload.get('state')}")
        reason = payload.get("reason")
        return self.because(state, problem_text(reason, self.lang) if reason else "")

    def plain(self, payload: dict[str, Any]) -> str:
        """A line with no sentence of its own: its plain values, without the log's names."""
        values: list[str] = []

        def collect(value: Any) -> None:
            if isinstance(value, dict):
                for v in value.values():
                    collect(v)
            elif isinstance(value, list | tuple):
                for v in value:
                    collect(v)
            elif value not in (None, "", True, False):
                values.append(str(value))

        collect(payload)
        return " · ".join(values)[:160]

    def because(self, what: str, why: str) -> str:
        return self.t("detail.because", what=what, why=why) if why else what

    def _tech(self, payload: dict[str, Any]) -> str:
        return self.person(payload.get("tech"))

    # The kiosk's and the bridge's events: (data, whole payload) → sentence.
    def _tech_signed_in(self, data: dict[str, Any], p: dict[str, Any]) -> str:
        return self.t("detail.tech.signed_in", tech=self._tech(p))

    def _tech_signed_out(self, data: dict[str, Any], p: dict[str, Any]) -> str:
        return self.t("detail.tech.signed_out", tech=self._tech(p))

    def _tech_sign_in_refused(self, data: dict[str, Any], p: dict[str, Any]) -> str:
        return self.t("detail.tech.sign_in_refused", tech=self._tech(p))

    def _job_started(self, data: dict[str, Any], p: dict[str, Any]) -> str:
        return self.t("detail.job.started", tech=self._tech(p))

    def _job_resumed(self, data: dict[str, Any], p: dict[str, Any]) -> str:
        return self.t("detail.job.resumed", tech=self._tech(p))

    def _job_paused(self, data: dict[str, Any], p: dict[str, Any]) -> str:
        reason = self.t(f"pause.{data['reason']}")
        return self.t("detail.job.paused", tech=self._tech(p), reason=reason)

    def _job_finding(self, data: dict[str, Any], p: dict[str, Any]) -> str:
        return self.t(
            "detail.job.finding",
            tech=self._tech(p),
            title=data["title"],
            severity=self.t(f"severity.{data['severity']}"),
            hours=f"{float(data.get('labor_hours') or 0):g}",
            parts=f"{float(data.get('parts_estimate') or 0):g}",
        )

    def _job_self_checked(self, data: dict[str, Any], p: dict[str, Any]) -> str:
        return self.t("detail.job.self_checked", tech=self._tech(p))

    def _job_leader_checked(self, data: dict[str, Any], p: dict[str, Any]) -> str:
        said = [data.get("notes") or "", *(data.get("recommendations") or [])]
        line = self.because(
            self.t("detail.job.leader_checked", tech=self._tech(p)),
            "；".join(str(s) for s in said if s),
        )
        return self._twice(line, p)

    def _qc_passed(self, data: dict[str, Any], p: dict[str, Any]) -> str:
        road = "detail.road_test.done" if data.get("road_test") else "detail.road_test.not_done"
        line = self.t("detail.qc.passed", tech=self._tech(p))
        line = f"{line} · {self.because(self.t(road), data.get('road_test_note') or '')}"
        return self._twice(self._parked(line, data), p)

    def _twice(self, line: str, p: dict[str, Any]) -> str:
        """A check done by someone who did an earlier check of the car says why they could."""
        why = p.get("same_checker")
        if not why:
            return line
        why = self.t("detail.site_allows") if why == "site" else str(why)
        return f"{line} · {self.t('detail.same_checker', why=why)}"

    def _checks_override_allowed(self, data: dict[str, Any], p: dict[str, Any]) -> str:
        return self.t("detail.checks.override_allowed", reason=p.get("reason") or "—")

    def _qc_failed(self, data: dict[str, Any], p: dict[str, Any]) -> str:
        items = "、".join(str(i) for i in data.get("items") or [])
        return self._twice(self.t("detail.qc.failed", tech=self._tech(p), items=items), p)

    def _wash_started(self, data: dict[str, Any], p: dict[str, Any]) -> str:
        return self.t("detail.wash.started", tech=self._tech(p))

    def _wash_done(self, data: dict[str, Any], p: dict[str, Any]) -> str:
        return self._parked(self.t("detail.wash.done", tech=self._tech(p)), data)

    def _parked(self, line: str, data: dict[str, Any]) -> str:
        spot = data.get("spot")
        return f"{line} · {self.t('detail.parked_at', spot=spot)}" if spot else line

    def _key_in(self, data: dict[str, Any], p: dict[str, Any]) -> str:
        slot = data.get("slot")
        hook = self.t("key.slot", slot=slot) if slot is not None else ""
        return self.t("detail.key.in", tag=data["tag"], hook=hook).strip()

    def _key_out(self, data: dict[str, Any], p: dict[str, Any]) -> str:
        holder = self.person(data.get("holder")) or "—"
        return self.t("detail.key.out", tag=data["tag"], holder=holder)

    def _print_done(self, data: dict[str, Any], p: dict[str, Any]) -> str:
        return self.t("print_state.done")

    def _print_failed(self, data: dict[str, Any], p: dict[str, Any]) -> str:
        reason = problem_text(data.get("reason") or "", self.lang)
        return self.because(self.t("print_state.failed"), reason)

    # The boards' commands: the whole payload is the command.
    def _job_checked_in(self, data: dict[str, Any], p: dict[str, Any]) -> str:
        order = p["order"]
        vehicle = order["vehicle"]
        car = " ".join(str(vehicle.get(k) or "") for k in ("plate", "model", "colour")).strip()
        said = self.t(
            "detail.job.checked_in",
            car=car,
            n=len(order.get("operations") or []),
            promised=self.at(order.get("promised_at")),
        )
        advisor = order.get("advisor")  # whose car, when another checked it in for them
        if not advisor:
            return said
        return said + self.t("detail.job.advisor", advisor=self.person(advisor))

    def _job_updated(self, data: dict[str, Any], p: dict[str, Any]) -> str:
        """What the change was: the work added and the new promise by name, else only that
        the order changed (its requests, wishes, job type or prices)."""
        changes = p.get("changes") or {}
        said = []
        ops = changes.get("add_operations") or []
        if ops:
            said.append(self._job_work_added(data, {"operations": ops}))
        if changes.get("promised_at"):
            said.append(self.t("detail.job.promised", promised=self.at(changes["promised_at"])))
        return "；".join(said) or self.t("event.job.updated")

    def _job_dispatched(self, data: dict[str, Any], p: dict[str, Any]) -> str:
        bay = self.bay(p["bay"])
        team = next((t.name for t in self.config.teams if t.id == p.get("team")), None)
        text = self.t("detail.job.dispatched", bay=bay + (f" · {team}" if team else ""))
        # Sent to a bay of another kind than the work needs: why, as the foreman said.
        return self.because(text, (p.get("reason") or "") if p.get("force") else "")

    def _job_dispatched_at(self, data: dict[str, Any], p: dict[str, Any]) -> str:
        text = self.t("detail.job.dispatched_at", bay=self.bay(p["bay"]), time=self.at(p["start"]))
        return self.because(text, (p.get("reason") or "") if p.get("force") else "")

    def _queue_reordered(self, data: dict[str, Any], p: dict[str, Any]) -> str:
        ahead = p.get("ahead_of")
        return (
            self.t("detail.queue.reordered", ahead=ahead) if ahead else self.t("detail.queue.last")
        )

    def _job_priority_set(self, data: dict[str, Any], p: dict[str, Any]) -> str:
        return self.t("detail.job.priority_set", priority=self.t(f"priority.{p['priority']}"))

    def _job_cancelled(self, data: dict[str, Any], p: dict[str, Any]) -> str:
        return self.t("detail.job.cancelled", reason=p.get("reason") or "—")

    def _job_promise_called(self, data: dict[str, Any], p: dict[str, Any]) -> str:
        text = self.t("detail.job.promise_called", promised=self.at(p["promised_at"]))
        return self.because(text, p.get("note") or "")

    def _job_work_added(self, data: dict[str, Any], p: dict[str, Any]) -> str:
        codes = "、".join(op["code"] for op in p.get("operations") or [])
        return self.t("detail.job.work_added", codes=codes)

    def _finding_answered(self, data: dict[str, Any], p: dict[str, Any]) -> str:
        answer = self.t("finding_state.approved" if p["approved"] else "finding_state.declined")
        return self.because(answer, p.get("note") or "")

    def _job_delivered(self, data: dict[str, Any], p: dict[str, Any]) -> str:
        if p.get("override"):
            return self.t("detail.job.delivered_anyway", reason=p["override"])
        return self.t("event.job.delivered")

    def _job_walked_around(self, data: dict[str, Any], p: dict[str, Any]) -> str:
        sheet = p["sheet"]
        return self.t(
            "detail.job.walked_around",
            marks=len(sheet["marks"]),
            fuel=self.t(f"fuel.{sheet['fuel_level']}"),
            km=f"{int(sheet['mileage_km']):,}",
            things=len(sheet["belongings"]),
        )

    def _job_handover_checked(self, data: dict[str, Any], p: dict[str, Any]) -> str:
        return self.t("detail.job.handover_checked", n=len(p.get("items") or []))

    def _job_followed_up(self, data: dict[str, Any], p: dict[str, Any]) -> str:
        outcome = self.t(f"outcome.{p['outcome']}")
        unhappy = "、".join(self.t(f"dissatisfaction.{c}") for c in p.get("categories") or [])
        if unhappy:
            outcome = f"{outcome}（{unhappy}）"
        return self.because(outcome, p.get("note") or "")

    def _complaint_action(self, data: dict[str, Any], p: dict[str, Any]) -> str:
        return self.t("detail.complaint.action", text=p.get("text") or "—")

    def _complaint_resolved(self, data: dict[str, Any], p: dict[str, Any]) -> str:
        return self.t("detail.complaint.resolved", resolution=p.get("resolution") or "—")

    def _clocks_paused_all(self, data: dict[str, Any], p: dict[str, Any]) -> str:
        return self.t("detail.clocks.paused_all", reason=self.t(f"pause.{p['reason']}"))

    def _clock_adjusted(self, data: dict[str, Any], p: dict[str, Any]) -> str:
        original = p.get("original") or {}
        return self.t(
            "detail.clock.adjusted",
            tech=self._tech(p),
            was=f"{self.at(original.get('start') or p['start'])}–{self.at(original.get('end'))}",
            now=f"{self.at(p['new_start'])}–{self.at(p.get('new_end'))}",
            reason=p.get("reason") or "—",
        )

    def _clock_pause_inserted(self, data: dict[str, Any], p: dict[str, Any]) -> str:
        return self.t(
            "detail.clock.pause_inserted",
            tech=self._tech(p),
            span=f"{self.at(p['pause_from'])}–{self.at(p['pause_to'])}",
            pause=self.t(f"pause.{p['pause_reason']}"),
            reason=p.get("reason") or "—",
        )

    def _clock_moved(self, data: dict[str, Any], p: dict[str, Any]) -> str:
        return self.t(
            "detail.clock.moved",
            tech=self._tech(p),
            start=self.at(p["start"]),
            to_ro=p["to_ro"],
            reason=p.get("reason") or "—",
        )

    # The sign-ins and tokens of the boards (the service manager's page).
    def _signin_refused(self, data: dict[str, Any], p: dict[str, Any]) -> str:
        return self.t("detail.signin.refused", user=self.person(p.get("user")))

    def _signin_locked(self, data: dict[str, Any], p: dict[str, Any]) -> str:
        who = self.person(p.get("user")) or p.get("address", "")
        return self.t("detail.signin.locked", who=who, minutes=p.get("minutes", "?"))

    def _session_started(self, data: dict[str, Any], p: dict[str, Any]) -> str:
        return self.t("detail.session", user=self.person(p["user"]), address=p.get("address", ""))

    def _session_ended(self, data: dict[str, Any], p: dict[str, Any]) -> str:
        return self.t("detail.session", user=self.person(p["user"]), address=p.get("address", ""))

    # The kiosk screens paired with their bays (the foreman's panel, the screen's code).
    def _pairing_code_made(self, data: dict[str, Any], p: dict[str, Any]) -> str:
        return self.t("detail.pairing", bay=p.get("bay", ""))

    def _pairing_paired(self, data: dict[str, Any], p: dict[str, Any]) -> str:
        by = self.source(str(p.get("code_by", "")))
        bay, client = p.get("bay", ""), p.get("client", "")
        return self.t("detail.pairing.paired", bay=bay, client=client, by=by)

    def _pairing_refused(self, data: dict[str, Any], p: dict[str, Any]) -> str:
        key = "detail.pairing.voided" if p.get("voided") else "detail.pairing.refused"
        return self.t(key, misses=p.get("misses", "?"))

    def _pairing_revoked(self, data: dict[str, Any], p: dict[str, Any]) -> str:
        return self.t("detail.pairing.screen", bay=p.get("bay", ""), client=p.get("client", ""))

    def _token_created(self, data: dict[str, Any], p: dict[str, Any]) -> str:
        return self.t("detail.token", name=p["name"], scope=self.t(f"scope.{p['scope']}"))

    def _token_revoked(self, data: dict[str, Any], p: dict[str, Any]) -> str:
        return self.t("detail.token", name=p["name"], scope=self.t(f"scope.{p['scope']}"))
