"""One batch of the core's work, as plain code: apply every item to the workshop, then
commit → bay states → acks → PUBACKs → the screens' views → a page's answer → the board,
in that order and written once (``process``).

Nothing here starts a thread; a test calls ``process`` directly."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Collection
from concurrent.futures import Future
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy.exc import SQLAlchemyError

from core.commands import (
    COMMAND_NAMES,
    CheckInCar,
    Command,
    audit_payload,
    command_appointment,
    command_job,
    command_jobs,
    execute,
)
from core.config import SiteConfig
from core.contract import topics
from core.contract.messages import (
    Ack,
    ContractError,
    ErrorInfo,
    Event,
    dump,
    event_digest,
    parse_event,
    readable_seq,
)
from core.domain.errors import DomainError, DuplicateJob
from core.domain.events import DomainEvent
from core.domain.model import JobStatus
from core.domain.vocabulary import RECALLED_STATUSES
from core.domain.workshop import Workshop
from core.handlers import apply_event, authorize, check_time
from core.store.repository import AuditEntry, Batch, Store
from core.working_day import gantt_window

from .beside_sync import BesideSync, Pending
from .day_rollups import DayRollups
from .device_health import DeviceHealth
from .effects import (
    Rows,
    appointments_named,
    audit_notes,
    audit_orders,
    bays_to_redraw,
    originals,
    rows_to_write,
)
from .group_facts import GroupFacts, Proposal
from .help_escalation import HelpEscalation
from .items import Counters, Incoming, Item, Publisher, Query, Republish, WebCommand
from .no_shows import NoShowSweep
from .print_desk import PrintDesk
from .report_backlog import Due, ReportBacklog
from .sequence import Place, SequenceKeeper
from .view_publisher import MadeStates, ViewPublisher

logger = logging.getLogger(__name__)

#: A batch of more items than this is a flood (devices sending what they kept, many at
#: once): what counts is how many are applied a second, and the switch interval hands over.
FLOOD = 10
#: Seconds before report rows whose write failed are tried again.
REPORTS_RETRY = 2.0
#: The bridge's word on a print: a print's, not its order's.
PRINT_RESULTS = frozenset({"print.done", "print.failed"})

Settled = tuple[Future[Any], Any, BaseException | None]


@dataclass
class Outcome:
    """What one batch did, in the order the world heard of it."""

    rows: Rows = field(default_factory=Rows)
    events: list[DomainEvent] = field(default_factory=list)
    bays: set[str] = field(default_factory=set)
    acks: list[tuple[str, Ack]] = field(default_factory=list)
    results: list[Settled] = field(default_factory=list)
    batch: Batch = field(default_factory=Batch)
    #: Jobs brought back from storage for a command (delivered ones): let go after the batch.
    recalled: set[str] = field(default_factory=set)
    devices_changed: bool = False
    #: A notice raised for an advisor, or a person's command: the advisors' board now.
    noticed: bool = False
    acted: bool = False
    republish: bool = False
    resend_prints: bool = False
    committed: bool = False
    #: What the batch tells the dealer group's head office (None: nothing, or no group).
    group: Proposal | None = None


class BatchStep:
    """The single writer's work on one batch; ``Core`` only feeds it from its queue."""

    def __init__(
        self,
        config: SiteConfig,
        store: Store,
        publisher: Publisher,
        clock: Callable[[], datetime],
        counters: Counters,
        health: DeviceHealth,
        views: ViewPublisher,
        prints: PrintDesk,
        sequence: SequenceKeeper,
        ws: Workshop,
    ) -> None:
        self.config = config
        self.store = store
        self.publisher = publisher
        self.clock = clock
        self.counters = counters
        self.health = health
        self.views = views
        self.prints = prints
        self.sequence = sequence
        self.ws = ws
        self.reports = ReportBacklog()
        #: The closed days' report sums, made between batches while the floor is quiet.
        self.rollups = DayRollups(store, config.zone, clock)
        #: Whether work waits behind this batch (the core's queue tells): then the batch
        #: thread leaves the writing to the MQTT thread and goes on with the next.
        self.work_waiting: Callable[[], bool] = lambda: False
        self._reports_retry = 0.0
        self._book_day: date | None = None  # the day the appointment book was last let go on
        self.no_shows = NoShowSweep()
        self.help = HelpEscalation()
        #: The facts for head office (``[group] enabled``), and who is told when a commit
        #: wrote some (the relay); None: the site feeds no group, and nothing is derived.
        self.group: GroupFacts | None = None
        self.group_written: Callable[[], None] = lambda: None
        #: Makes the bay states while the commit syncs.
        self.beside_sync = BesideSync()
        #: Whether the batch last begun got as far as being stored (a bug may come after),
        #: and what it came to once applied.
        self.stored = False
        self.outcome: Outcome | None = None

    # ------------------------------------------------------------ the order, once
    def process(self, items: list[Item]) -> Outcome:
        now = self.clock()
        self.stored, self.outcome = False, None
        self.rollups.batch_done()
        self.let_go(now)  # a new day: yesterday's cars go before the batch sees the workshop
        out = self.apply(items, now)
        self.outcome = out
        if self.group is not None:
            out.group = self._group_facts(out, now)
        self.views.forget(out.rows.jobs)  # their cards are made afresh
        states = None  # a batch of refusals and reads shows no bay anything new
        if out.republish or out.events:
            states = self.beside_sync.prepare(lambda: self.make_states(out, now))
        self.commit(out, now, self._reports_now(items, out, now), states)  # 1. durable first
        if out.events or out.republish or out.devices_changed:
            self.views.workshop_changed()  # a board half built shows what is gone
        self._count_lag(items)
        self.publish_states(out, states)  # 2. a device hearing its ack has its bay's state
        self.answer(out)  # 3. acks, new prints: no device waits for the screens' views
        for item in items:  # 4. the broker may forget the events
            if isinstance(item, Incoming):
                self.publisher.puback(item.token)
        sends = self._sends_itself(items, out)
        if sends:
            self.publisher.send_now()
        self.publish_lounge(out, now)  # 5. the lounge: only the cars that moved are made
        if sends:
            self.publisher.send_now()  # before the board is worked on
        self.settle(out)  # 6. a page's command is answered when the pages have been told
        self.ws.forget_gone(out.rows.jobs | out.recalled)
        if out.rows.help_calls:  # closed calls are stored: the reports read them there
            self.ws.let_go_closed_help()
        if self.views.dispatch_due:  # the foreman's board after the acks
            self.views.flush_dispatch(self.ws, now)
        return out

    def _group_facts(self, out: Outcome, now: datetime) -> Proposal | None:
        """What head office is told of the batch; a fact the contract cannot carry is a bug
        to log, never a reason to leave the workshop's own work unstored."""
        assert self.group is not None
        try:
            return self.group.propose(
                self.ws, out.events, out.rows.jobs, out.rows.help_calls, now, out.devices_changed
            )
        except Exception:
            logger.exception("group feed: the facts of a batch could not be made")
            return None

    def _sends_itself(self, items: list[Item], out: Outcome) -> bool:
        """Whether the batch thread writes what it published to the socket itself: after a
        few taps with nothing waiting behind them. The MQTT thread would only once it holds
        the interpreter, which the batch thread keeps while it builds what follows. In a
        flood the MQTT thread writes, on the other core, while the next batch is applied
        (the switch interval, ``core/app.py``, hands over)."""
        told = bool(out.acks or out.events)
        return told and len(items) <= FLOOD and not self.work_waiting()

    def refresh(self) -> None:
        """With no batch: the report rows of the last taps once the taps are quiet; else the
        no-shows when they are due (a batch of the core's own); else a closed day's report
        sums once the floor is quiet; else the lounge's cars the clock alone moved; else the
        foreman's board when it is due (alerts come due with time alone), the cars that left
        before the day's Gantt let go first."""
        if self.reports and self._reports_wait() <= 0:
            self.write_reports()
            return
        now = self.clock()
        if (
            self.no_shows.is_due(self.ws, now)
            or self.help.is_due(self.ws, now)
            or (self.group is not None and self.group.due(now))
        ):
            self.process([])
            return
        if self.rollups.wait() <= 0:
            self.rollups.roll()
            return
        lounge = self.views.lounge_due()
        if lounge is not None and lounge <= now:  # no tap came: the clock moved a car
            self.views.move_lounge(self.ws, now)
            return
        self.let_go(now)
        self.views.publish_welcome(self.ws, now)  # a new day: its own booked cars
        self.views.flush_dispatch(self.ws, now)

    def wait(self) -> float:
        """Seconds the core may wait for work before ``refresh`` has some."""
        board = min(self.views.dispatch_wait(), self.rollups.wait())
        return min(board, self._reports_wait()) if self.reports else board

    def _reports_wait(self) -> float:
        retry = self._reports_retry - time.monotonic()
        return max(0.0, retry, self.reports.seconds_to_quiet())

    def write_reports(self) -> None:
        """The report rows still due, in a transaction of their own."""
        due = self.reports.take()
        try:
            self.store.commit(self.ws, Batch(), Rows(), self.clock(), due)
        except SQLAlchemyError as exc:
            self.reports.give_back(due)
            self._reports_retry = time.monotonic() + REPORTS_RETRY
            logger.warning("writing report rows failed (%s); again in %.0f s", exc, REPORTS_RETRY)

    def _reports_now(self, items: list[Item], out: Outcome, now: datetime) -> Due:
        """The report rows this commit writes: a batch of device events leaves its own for
        after the acks; anything else (a person's command or question) takes every one due."""
        self.reports.add([self.ws.jobs[ro] for ro in sorted(out.rows.jobs)], now)
        if out.group is not None and out.group.write.days:
            return self.reports.take()  # the day's figures count every job's latest rows
        devices_only = all(isinstance(item, Incoming) for item in items)
        return [] if devices_only and not self.reports.due() else self.reports.take()

    def seconds_to_sweep(self) -> float | None:
        """Site seconds until the next no-show or help call's tier is due (None: no booked
        car awaited, no call unanswered)."""
        now = self.clock()
        left = [self.no_shows.seconds_left(self.ws, now), self.help.seconds_left(self.ws, now)]
        if self.group is not None:
            left.append(self.group.seconds_left(now))
        return min((s for s in left if s is not None), default=None)

    def seconds_to_lounge(self) -> float | None:
        """Site seconds until the clock alone moves a car on the lounge (None: never)."""
        due = self.views.lounge_due()
        return None if due is None else max(0.0, (due - self.clock()).total_seconds())

    def let_go(self, now: datetime) -> None:
        """The cars that left are kept while the Gantt of the day shows their work; once
        the day has moved on, they are let go (memory holds a day's cars, not history)."""
        dropped = self.ws.keep_gone_since(gone_kept_since(self.config, now))
        if dropped:
            self.views.forget(set(dropped))
        today = self.ws.hours.day_of(now)
        if today != self._book_day:  # the earlier days' settled bookings: the store has them
            self._book_day = today
            self.ws.let_go_settled(today)

    # ------------------------------------------------------------ applying
    def apply(self, items: list[Item], now: datetime) -> Outcome:
        """Every item against the workshop; no I/O but look-ups of old orders and answers."""
        out = Outcome()
        self.sequence.begin()
        for own in (self.no_shows, self.help):  # the core's own steps come first
            swept = own.run(self.ws, now)
            if swept is not None:
                out.batch.audit.append(swept)
        for item in items:
            if isinstance(item, Republish):
                out.republish = True
                if item.connected:
                    self.health.forget_status(now)
                    out.resend_prints = True
            elif isinstance(item, WebCommand):
                out.acted = True
                out.results.append(self._command(item, now, out))
            elif isinstance(item, Query):
                out.results.append(self._query(item, now))
            else:
                self._incoming(item, now, out)
        out.events = self.ws.take_events()
        # What the advisors are told comes from the facts, once the step is taken.
        out.noticed = bool(self.ws.raise_notices(out.events))
        out.rows = rows_to_write(out.events)
        out.batch.inbox = self.sequence.inbox
        if out.rows.appointments:
            self.no_shows.book_changed()
        if out.rows.help_calls:
            self.help.calls_changed()
        return out

    def _query(self, item: Query, now: datetime) -> Settled:
        try:
            return item.future, item.fn(self.ws, now), None
        except Exception as err:  # handed to the caller, who asked
            return item.future, None, err

    def _incoming(self, item: Incoming, now: datetime, out: Outcome) -> None:
        device, kind = _topic_device(item.topic)
        if kind == "status":
            was_online = self.health.online(device)
            out.devices_changed |= self.health.status(device, item.payload, now)
            if self.config.device_kind(device) == "bridge" and not was_online:
                # A bridge (back) online gets every print it has not reported printed.
                out.resend_prints |= self.health.online(device)
        elif kind == "event":
            digest = event_digest(item.payload)
            ack = self._event(device, item, digest, out)
            if ack is not None:  # named after the message it answers
                if ack.event is None:
                    ack = ack.model_copy(update={"event": digest})
                out.acks.append((device, ack))

    def _event(self, device: str, item: Incoming, digest: str, out: Outcome) -> Ack | None:
        try:
            event = parse_event(item.payload)
        except ContractError as err:
            return self._contract_error(device, err, item, digest)
        env = event.envelope
        # The sequence is the publishing device's (its MQTT user), whatever the envelope
        # claims: a refused event uses its number up too, or every later one would wait.
        kind = self.config.device_kind(device)
        known = kind is not None
        if known and self._past_rising_limit(device, env.seq):
            why = f"a device numbered rising stays at or below {RISING_LIMIT}"
            return self._reject(device, env.seq, "invalid_envelope", why)
        if known:
            place = self.sequence.place(device, env.seq)
            if place is not Place.NEXT:
                return self._repeat(device, env.seq, digest) if place is Place.HAD else None
        try:
            authorize(self.config, device, kind, event)
            check_time(event, item.received_at)
        except DomainError as err:
            if known:
                self.sequence.take(device, env.seq, "rejected", err.code, item.received_at, digest)
            return self._reject(device, env.seq, err.code, err.message)
        if env.type in PRINT_RESULTS and env.job:
            # A print's result is the print's, whatever became of its order since: refused,
            # the print would stay waiting and be sent to the printer again and again.
            self._recall_job(env.job, out, None)
        return self._apply_event(event, item, digest, out)

    def _repeat(self, device: str, seq: int, digest: str) -> Ack:
        """A repeat is answered with what became of the first: a device whose first answer
        was lost must not take a refused tap for applied. Different bytes under a used
        number are no repeat: the device is told where its sequence stands."""
        first = self.sequence.answered(device, seq) or self.store.inbox_entry(device, seq)
        if first is None and self.sequence.skips(device):
            # A number it skipped (or one so old its row was pruned): no repeat of anything
            # known, and too old to be its next.
            return self._seq_taken(device, seq, "lies below the last number it used")
        if first is not None and first[2] is not None and first[2] != digest:
            return self._seq_taken(device, seq)
        if first is not None and first[0] == "rejected":
            code = first[1] or "rejected"
            why = f"#{seq} was refused when it first came ({code})"
            return Ack(seq=seq, result="rejected", error=ErrorInfo(code=code, message=why))
        return Ack(seq=seq, result="duplicate")

    def _seq_taken(self, device: str, seq: int, why: str = "was used by another message") -> Ack:
        carry_on = self.sequence.next_seq(device)
        ack = self._reject(device, seq, "seq_taken", f"#{seq} {why}; go on from #{carry_on}")
        return ack.model_copy(update={"next_seq": carry_on})

    def _apply_event(self, event: Event, item: Incoming, digest: str, out: Outcome) -> Ack:
        env = event.envelope
        mark = len(self.ws.recorded)
        try:
            apply_event(self.ws, event)
        except DomainError as err:
            self.ws.forget_events_since(mark)
            self.sequence.take(env.source, env.seq, "rejected", err.code, item.received_at, digest)
            return self._reject(env.source, env.seq, err.code, err.message)
        self.sequence.take(env.source, env.seq, "applied", None, item.received_at, digest)
        facts = self.ws.recorded[mark:]
        payload: dict[str, Any] = {"tech": env.tech, "data": env.data}
        payload.update(audit_notes(facts))
        behind = self.sequence.clock_behind(env.source, env.ts)
        if behind is not None:  # kept, and said: the device's clock went back
            payload["clock_behind_s"] = behind
            logger.warning(
                "%s#%d dated %.0f s before its previous event", env.source, env.seq, behind
            )
        if env.type in PRINT_RESULTS:
            self.prints.result(env.type, env.data, out.batch, item.received_at)
            out.devices_changed = True
        self.prints.order_for_facts(self.ws, facts, item.received_at, out.batch)
        for ro in audit_orders(facts, env.job):
            out.batch.audit.append(
                AuditEntry(
                    at=env.ts,
                    kind="event",
                    source=env.source,
                    seq=env.seq,
                    type=env.type,
                    job=ro,
                    bay=env.bay,
                    payload=payload,
                )
            )
        self.counters.applied += 1
        return Ack(seq=env.seq, result="applied", event=digest)

    def _past_rising_limit(self, device: str, seq: int) -> bool:
        """A number a device that may only rise must not use up: used, it would leave the
        device no number to send next. Refused without being used."""
        return self.sequence.skips(device) and seq > RISING_LIMIT

    def _contract_error(
        self, device: str, err: ContractError, item: Incoming, digest: str
    ) -> Ack | None:
        if err.seq is not None and self._past_rising_limit(device, err.seq):
            return self._reject(device, err.seq, err.code, err.message)
        if err.seq is not None and self.config.device_kind(device) is not None:
            place = self.sequence.place(device, err.seq)
            if place is not Place.NEXT:
                return self._repeat(device, err.seq, digest) if place is Place.HAD else None
            self.sequence.take(device, err.seq, "rejected", err.code, item.received_at, digest)
        return self._reject(device, err.seq, err.code, err.message)

    def refuse(self, item: Item, error: Exception) -> None:
        """An item that fails on a bug when handled alone, the workshop read again: a page's
        command or read gets the error; a device's event is answered ``internal_error`` under
        its number (used up, so that the device goes on), and its bytes are in the log."""
        if isinstance(item, WebCommand | Query):
            if not item.future.done():
                item.future.set_exception(error)
            return
        if not isinstance(item, Incoming):
            return
        device, kind = _topic_device(item.topic)
        if kind == "event":
            logger.error("%s: an event a bug could not apply: %r", device, item.payload[:2000])
            out = Outcome()
            self.sequence.begin()
            seq, digest = readable_seq(item.payload), event_digest(item.payload)
            known = self.config.device_kind(device) is not None
            if seq is not None and known and not self._past_rising_limit(device, seq):
                if self.sequence.place(device, seq) is not Place.NEXT:
                    seq = None  # a repeat or one ahead: not this number's answer
                else:
                    self.sequence.take(
                        device, seq, "rejected", "internal_error", item.received_at, digest
                    )
            why = "the core could not apply this event (a fault of the core, logged)"
            ack = self._reject(device, seq, "internal_error", why)
            out.acks.append((device, ack.model_copy(update={"event": digest})))
            out.batch.inbox = self.sequence.inbox
            self.commit(out, self.clock(), [])
            self.answer(out)
        self.publisher.puback(item.token)

    def _reject(self, device: str, seq: int | None, code: str, message: str) -> Ack:
        self.counters.rejected[code] = self.counters.rejected.get(code, 0) + 1
        logger.warning("rejected %s#%s: %s (%s)", device, seq, code, message)
        return Ack(seq=seq, result="rejected", error=ErrorInfo(code=code, message=message))

    def _command(self, item: WebCommand, now: datetime, out: Outcome) -> Settled:
        cmd = item.command
        mark = len(self.ws.recorded)
        try:
            self._recall(cmd, out)
            # The live workshop forgets orders that left; the store does not.
            ro = cmd.order.ro if isinstance(cmd, CheckInCar) else None
            if ro is not None and ro not in self.ws.jobs and self.store.load_job(ro) is not None:
                raise DuplicateJob(f"repair order {ro} already exists")
            value = execute(self.ws, cmd, item.actor, now)
            self.prints.order(cmd, value, now, out.batch)
        except DomainError as err:
            self.ws.forget_events_since(mark)
            logger.info("refused %s by %s: %s", type(cmd).__name__, item.actor, err.code)
            return item.future, None, err
        events = self.ws.recorded[mark:]
        payload = audit_payload(cmd)
        original = originals(events)
        if original is not None:
            payload["original"] = original
        booked = appointments_named(events)
        if booked:  # a new booking's number is the domain's: the audit line names it
            payload["appointments"] = booked
        for ro_ in audit_orders(events, command_job(cmd)):
            out.batch.audit.append(
                AuditEntry(
                    at=now,
                    kind="command",
                    source=item.actor,
                    seq=None,
                    type=COMMAND_NAMES[type(cmd)],
                    job=ro_,
                    bay=getattr(cmd, "bay", None),
                    payload=payload,
                )
            )
        return item.future, value, None

    def _recall(self, cmd: Command, out: Outcome) -> None:
        """Delivered cars are not kept in memory: a command that names one (the follow-up
        call, a clock correction) has it brought back from storage for this batch. So is
        an appointment of an earlier day that was settled (a no-show who came after all)."""
        ident = command_appointment(cmd)
        if ident is not None and ident not in self.ws.appointments:
            appt = self.store.load_appointment(ident)
            if appt is not None:
                self.ws.appointments[ident] = appt
                self.no_shows.book_changed()
        for ro in command_jobs(cmd):
            self._recall_job(ro, out, RECALLED_STATUSES)

    def _recall_job(self, ro: str, out: Outcome, statuses: Collection[JobStatus] | None) -> None:
        """An order no longer in memory brought back from storage for this batch, if it is
        in one of ``statuses`` (None: whatever became of it)."""
        if ro in self.ws.jobs:
            return
        job = self.store.load_job(ro)
        if job is not None and (statuses is None or job.status in statuses):
            self.ws.remember(job)
            out.recalled.add(ro)

    # ------------------------------------------------------------ telling the world
    def commit(
        self, out: Outcome, now: datetime, reports: Due, states: Pending[Any] | None = None
    ) -> None:
        """The batch stored; ``states`` begun when the commit syncs (see beside_sync.py), and
        after a failed one ended before the caller reloads what they are made of."""
        batch = out.batch
        group = out.group.write if out.group is not None else None
        if (
            batch.inbox
            or batch.audit
            or batch.prints
            or batch.print_results
            or out.rows
            or reports
            or group
        ):
            syncing = states.begin if states is not None else None
            try:
                self.store.commit(self.ws, batch, out.rows, now, reports, group, syncing)
            except BaseException:
                if states is not None:
                    states.settle()
                # The jobs in memory hold what was not stored: the reload that follows
                # writes again every report row older than its job's row.
                self.reports.clear()
                raise
            out.committed = True
        self.stored = True
        self.sequence.commit()
        self.counters.batches += 1
        if self.group is not None:
            self.group.committed(out.group, now)
            if out.group is not None:
                self.group_written()  # the relay sends them

    def _count_lag(self, items: list[Item]) -> None:
        arrivals = [item.arrived for item in items if isinstance(item, Incoming)]
        self.counters.ingest_lag_sum += time.monotonic() * len(arrivals) - sum(arrivals)
        self.counters.ingest_lag_count += len(arrivals)

    def make_states(self, out: Outcome, now: datetime) -> MadeStates:
        """The states of the bays the batch's facts changed (every bay's after a
        reconnect), made but not sent."""
        if out.republish:
            out.bays = set(self.ws.bays)
        else:
            out.bays = bays_to_redraw(self.ws, out.events, out.rows)
        return self.views.make_states(self.ws, now, out.bays)

    def publish_states(self, out: Outcome, states: Pending[MadeStates] | None) -> None:
        if states is None:
            return
        try:
            self.views.send_states(states.result(), force=out.republish)
        except Exception:  # a view bug must not withhold the acks of committed events
            logger.exception("publishing the bay states failed")

    def publish_lounge(self, out: Outcome, now: datetime) -> None:
        """The lounge (and the welcome board), its cars made again where the step changed
        something or the clock moved what they show."""
        try:
            if out.republish or out.events:
                booked = bool(out.rows.appointments)
                self.views.publish_lounge(
                    self.ws,
                    now,
                    out.rows.jobs,
                    force=out.republish,
                    booked=booked,
                    advisors=out.noticed or out.acted,
                    helped=bool(out.rows.help_calls),
                )
            if out.devices_changed or out.republish:  # no job changed with them
                self.views.publish_devices()
        except Exception:  # the answers to pages still go out
            logger.exception("publishing the lounge failed")

    def answer(self, out: Outcome) -> None:
        site = self.config.site.id
        for device, ack in out.acks:
            self.publisher.publish(topics.ACK.full(site, device=device), dump(ack), 1, False)
        self.prints.send([p[4] for p in out.batch.prints])
        if out.resend_prints:
            self.prints.send(self.store.unprinted())

    @staticmethod
    def settle(out: Outcome) -> None:
        for fut, value, exc in out.results:
            if exc is None:
                fut.set_result(value)
            else:
                fut.set_exception(exc)


#: The highest number a device numbered ``rising`` may use (a console sent to by hand:
#: ``date +%s``, even in nanoseconds, stays far below it).
RISING_LIMIT = 2**62


def gone_kept_since(config: SiteConfig, now: datetime) -> datetime:
    """From when on the cars that left stay in the live workshop: the start of the
    dispatch board's Gantt (its day), so every bar it draws has its job."""
    site = config.site
    return gantt_window(now, site.opens_at, site.shift_ends, config.zone)[0]


def _topic_device(topic: str) -> tuple[str, str]:
    # pitboard/{site}/dev/{device}/{kind}
    parts = topic.split("/")
    if len(parts) == 5 and parts[2] == "dev":
        return parts[3], parts[4]
    return "", "unknown"
