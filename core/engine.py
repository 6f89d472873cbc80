"""The core's single writer: takes events and commands in arrival order, applies them
to the workshop, commits them in groups and only then acknowledges and publishes.

Everything that changes state passes through ``_run`` on the core's own thread; MQTT and
web callbacks only hand work over through the queue.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol, TypeVar

from sqlalchemy.exc import SQLAlchemyError

from core.commands import (
    CLOCK_CORRECTIONS,
    COMMAND_NAMES,
    CheckInCar,
    Command,
    MoveClock,
    PauseEveryone,
    audit_payload,
    command_job,
    execute,
)
from core.config import SiteConfig
from core.contract import topics
from core.contract.messages import Ack, ContractError, DeviceStatus, ErrorInfo, dump, parse_event
from core.contract.messages import Command as DeviceCommand
from core.contract.views import DeviceRow, DispatchView, LoungeView
from core.domain.errors import DomainError, DuplicateJob
from core.domain.eta import predict
from core.domain.model import Bay, BayKind, JobStatus, Role, Technician
from core.domain.workshop import Workshop
from core.handlers import apply_event, authorize
from core.prints import prints_for
from core.store.repository import AuditEntry, Batch, InboxEntry, Store
from core.views import Projector

logger = logging.getLogger(__name__)

T = TypeVar("T")

_STATION_STATUSES = {
    BayKind.QC: {JobStatus.SELF_CHECKED, JobStatus.LEADER_CHECKED},
    BayKind.WASH: {JobStatus.WASH_WAITING, JobStatus.WASHING},
}

# The dispatch view carries every open job. The bay states and the lounge go out after
# every commit; the dispatch view too, unless building it takes more than DISPATCH_SHARE of
# the core's time: then changes are gathered for a while (10× its cost: a few ms for a
# small workshop, 100 ms at 200 bays), never longer than DISPATCH_MAX_GAP. And at least
# every DISPATCH_REFRESH seconds, for the alerts that come due with time alone.
DISPATCH_SHARE = 0.1
DISPATCH_MAX_GAP = 0.2
DISPATCH_REFRESH = 30.0
MAX_BATCH = 500


class Publisher(Protocol):
    """The broker side the core needs: publish, and acknowledge a received message."""

    def publish(self, topic: str, payload: bytes, qos: int, retain: bool) -> None: ...

    def puback(self, token: object) -> None: ...


@dataclass(frozen=True)
class Incoming:
    topic: str
    payload: bytes
    token: object  # handed back to Publisher.puback after the commit
    received_at: datetime
    arrived: float = field(default_factory=time.monotonic)


@dataclass(frozen=True)
class WebCommand:
    command: Command
    actor: str
    future: Future[Any]


@dataclass(frozen=True)
class Query:
    """A read of the live workshop, answered in turn with everything else (after commit)."""

    fn: Callable[[Workshop, datetime], Any]
    future: Future[Any]


@dataclass(frozen=True)
class Republish:
    """Publish every retained view again (after a (re)connect)."""

    # After a new broker connection, what we knew of devices may be stale (a device that
    # died while the broker was down left no Last Will): they count as offline until
    # their retained status arrives again.
    connected: bool = False


@dataclass
class Counters:
    applied: int = 0
    duplicate: int = 0
    rejected: dict[str, int] = field(default_factory=dict)
    held: int = 0
    batches: int = 0
    commit_failures: int = 0
    # Arrival to commit of device events, and building + publishing the views (seconds).
    ingest_lag_sum: float = 0.0
    ingest_lag_count: int = 0
    view_publish_sum: float = 0.0
    view_publish_count: int = 0


def bays_from_config(config: SiteConfig) -> list[Bay]:
    return [Bay(b.id, b.name, BayKind(b.kind), b.team) for b in config.bays]


def technicians_from_config(config: SiteConfig) -> list[Technician]:
    return [
        Technician(t.id, t.name, t.team, frozenset(Role(r) for r in t.roles))
        for t in config.technicians
    ]


class Core:
    """Owns the workshop; the only writer of the store."""

    def __init__(
        self,
        config: SiteConfig,
        store: Store,
        publisher: Publisher,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.config = config
        self.site = config.site.id
        self.store = store
        self.publisher = publisher
        self.clock = clock
        self.projector = Projector(config)
        self.counters = Counters()
        self.devices: dict[str, DeviceRow] = {}
        self.lounge: LoungeView | None = None
        self.dispatch_view: DispatchView | None = None
        self.view_listeners: list[Callable[[Core], None]] = []
        self._queue: queue.Queue[Incoming | WebCommand | Query | Republish | None] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._job_bays: dict[str, str | None] = {}
        self._job_status: dict[str, JobStatus] = {}
        self._tech_bays: dict[str, str | None] = {}
        self._last_seq: dict[str, int] = {}
        self._dispatch_pending = False
        self._dispatch_published = 0.0
        self._dispatch_cost = 0.0
        self._devices_changed = False
        self.ws = self._load()

    # ------------------------------------------------------------ lifecycle
    def _load(self) -> Workshop:
        ws = self.store.load_workshop(
            bays_from_config(self.config), technicians_from_config(self.config)
        )
        self._last_seq = self.store.last_seqs()
        self.projector.forget_all()
        self._job_bays = {ro: j.bay for ro, j in ws.jobs.items()}
        self._job_status = {ro: j.status for ro, j in ws.jobs.items()}
        self._tech_bays = {t: s.bay for t, s in ws.tech_states.items()}
        return ws

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="pitboard-core", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join(timeout)
            self._thread = None
        self.store.close()

    # ------------------------------------------------------------ hand-over
    def on_message(self, topic: str, payload: bytes, token: object) -> None:
        """Called from the MQTT thread: queue it, nothing more."""
        self._queue.put(Incoming(topic, payload, token, self.clock()))

    def submit(self, command: Command, actor: str) -> Future[Any]:
        """Queue a web or API action; the future holds the result or the DomainError."""
        fut: Future[Any] = Future()
        self._queue.put(WebCommand(command, actor, fut))
        return fut

    def run_command(self, command: Command, actor: str, timeout: float = 30.0) -> Any:
        return self.submit(command, actor).result(timeout)

    def query(self, fn: Callable[[Workshop, datetime], T], timeout: float = 30.0) -> T:
        """Run ``fn`` on the core's own thread, where the workshop is consistent."""
        if self._thread is None:
            raise RuntimeError("the core is not running")
        fut: Future[T] = Future()
        self._queue.put(Query(fn, fut))
        return fut.result(timeout)

    def republish(self, connected: bool = False) -> None:
        self._queue.put(Republish(connected))

    def queue_depth(self) -> int:
        return self._queue.qsize()

    # ------------------------------------------------------------ the loop
    def _run(self) -> None:
        while True:
            try:
                first = self._queue.get(timeout=self._dispatch_wait())
            except queue.Empty:
                self._flush_dispatch()
                continue
            if first is None:
                return
            items: list[Incoming | WebCommand | Query | Republish] = [first]
            stop = False
            while len(items) < MAX_BATCH:
                try:
                    nxt = self._queue.get_nowait()
                except queue.Empty:
                    break
                if nxt is None:
                    stop = True
                    break
                items.append(nxt)
            try:
                self._process_until_committed(items)
            except Exception:  # a bug must not kill the only writer
                logger.exception("core loop failed on a batch of %d", len(items))
            if stop:
                return

    def _process_until_committed(
        self, items: list[Incoming | WebCommand | Query | Republish]
    ) -> None:
        delay = 0.2
        while True:
            try:
                self._process(items)
                return
            except SQLAlchemyError as exc:
                self.counters.commit_failures += 1
                logger.error("commit failed (%s); reloading and retrying in %.1fs", exc, delay)
                time.sleep(delay)
                delay = min(delay * 2, 10.0)
                try:
                    self.ws = self._load()
                except SQLAlchemyError:
                    logger.error("database still unavailable")

    def _process(self, items: list[Incoming | WebCommand | Query | Republish]) -> None:
        now = self.clock()
        batch = Batch()
        acks: list[tuple[str, Ack]] = []
        results: list[tuple[Future[Any], Any, BaseException | None]] = []
        status_changed = False
        republish = False
        resend_prints = False
        parsed: list[tuple[Incoming, str, Any]] = []
        for item in items:
            if isinstance(item, Incoming):
                device, kind = self._topic_device(item.topic)
                if kind == "event":
                    try:
                        ev = parse_event(item.payload)
                        parsed.append((item, device, ev))
                    except ContractError as err:
                        parsed.append((item, device, err))
                else:
                    parsed.append((item, device, kind))
        # Sequence positions move only when the batch commits.
        last = dict(self._last_seq)
        by_item = {id(p[0]): p for p in parsed}
        for item in items:
            if isinstance(item, Republish):
                republish = True
                if item.connected:
                    self._forget_device_status(now)
                    resend_prints = True
                continue
            if isinstance(item, WebCommand):
                results.append(self._apply_command(item, now, batch))
                continue
            if isinstance(item, Query):
                results.append(self._answer_query(item, now))
                continue
            _, device, what = by_item[id(item)]
            if what == "status":
                was_online = self._online(device)
                status_changed |= self._device_status(device, item.payload, now)
                if self.config.device_kind(device) == "bridge" and not was_online:
                    # A bridge (back) online gets every print it has not reported printed.
                    resend_prints |= self._online(device)
            elif isinstance(what, ContractError):
                ack = self._contract_error(device, what, item, batch, last)
                if ack is not None:
                    acks.append((device, ack))
            elif not isinstance(what, str):
                ack = self._apply_event(device, what, item, now, batch, last)
                if ack is not None:
                    acks.append((device, ack))
        status_changed |= self._devices_changed
        self._devices_changed = False
        changed_jobs = set(self.ws.dirty_jobs)
        changed_techs = set(self.ws.dirty_techs)
        if batch.inbox or batch.audit or changed_jobs or changed_techs or self.ws.dirty_counters:
            self.store.commit(self.ws, batch, now)
        self.counters.batches += 1
        committed = time.monotonic()
        for item in items:
            if isinstance(item, Incoming):
                self.counters.ingest_lag_sum += committed - item.arrived
                self.counters.ingest_lag_count += 1
        self._last_seq = last
        # Committed: now, and only now, the world may hear about it. The views go first, so
        # a device that hears its ack already has the state that follows from it.
        self.projector.forget(changed_jobs)
        eta: dict[str, datetime] | None = None
        try:
            if republish:
                eta = self._publish_views(now, set(self.ws.bays), force=True)
            elif changed_jobs or changed_techs or status_changed:
                bays = self._affected_bays(changed_jobs, changed_techs)
                eta = self._publish_views(now, bays)
        except Exception:  # a view bug must not withhold the acks of committed events
            logger.exception("publishing the views failed")
        for device, ack in acks:
            self.publisher.publish(topics.ACK.full(self.site, device=device), dump(ack), 1, False)
        self._send_prints([p[4] for p in batch.prints])
        if resend_prints:
            self._send_prints(self.store.unprinted())
        for item in items:
            if isinstance(item, Incoming):
                self.publisher.puback(item.token)
        for fut, value, exc in results:
            if exc is None:
                fut.set_result(value)
            else:
                fut.set_exception(exc)
        self.ws.forget_closed(changed_jobs)
        # The foreman's board after the acks: no device waits for it.
        if self._dispatch_pending:
            self._flush_dispatch(now, eta)

    def _answer_query(
        self, item: Query, now: datetime
    ) -> tuple[Future[Any], Any, BaseException | None]:
        try:
            return item.future, item.fn(self.ws, now), None
        except Exception as err:  # handed to the caller, who asked
            return item.future, None, err

    def _topic_device(self, topic: str) -> tuple[str, str]:
        # pitboard/{site}/dev/{device}/{kind}
        parts = topic.split("/")
        if len(parts) == 5 and parts[2] == "dev":
            return parts[3], parts[4]
        return "", "unknown"

    def _reject(self, device: str, seq: int | None, code: str, message: str) -> Ack:
        self.counters.rejected[code] = self.counters.rejected.get(code, 0) + 1
        logger.warning("rejected %s#%s: %s (%s)", device, seq, code, message)
        return Ack(seq=seq, result="rejected", error=ErrorInfo(code=code, message=message))

    def _in_order(self, device: str, seq: int, last: dict[str, int]) -> bool | None:
        """True: the next of the device's events; False: already had; None: ahead of a gap.

        An event ahead of a gap is neither applied nor answered (only PUBACKed): the device
        sends everything unanswered again, oldest first, so the gap fills and order holds.
        """
        expected = last.get(device, 0) + 1
        if seq < expected:
            return False
        if seq > expected:
            self.counters.held += 1
            logger.info("%s#%d held: #%d must come first", device, seq, expected)
            return None
        return True

    def _contract_error(
        self,
        device: str,
        err: ContractError,
        item: Incoming,
        batch: Batch,
        last: dict[str, int],
    ) -> Ack | None:
        if err.seq is not None and self.config.device_kind(device) is not None:
            order = self._in_order(device, err.seq, last)
            if order is None:
                return None
            if order is False:
                self.counters.duplicate += 1
                return Ack(seq=err.seq, result="duplicate")
            last[device] = err.seq
            batch.inbox.append(InboxEntry(device, err.seq, "rejected", err.code, item.received_at))
        return self._reject(device, err.seq, err.code, err.message)

    def _apply_event(
        self,
        device: str,
        ev: Any,
        item: Incoming,
        now: datetime,
        batch: Batch,
        last: dict[str, int],
    ) -> Ack | None:
        env = ev.envelope
        tracked = env.source == device and self.config.device_kind(device) is not None
        if tracked:
            order = self._in_order(device, env.seq, last)
            if order is None:
                return None
            if order is False:
                self.counters.duplicate += 1
                return Ack(seq=env.seq, result="duplicate")
        try:
            authorize(self.config, device, ev)
        except DomainError as err:
            if tracked:
                last[device] = env.seq
                batch.inbox.append(
                    InboxEntry(env.source, env.seq, "rejected", err.code, item.received_at)
                )
            return self._reject(device, env.seq, err.code, err.message)
        last[device] = env.seq
        try:
            concerned = apply_event(self.ws, ev)
        except DomainError as err:
            batch.inbox.append(
                InboxEntry(env.source, env.seq, "rejected", err.code, item.received_at)
            )
            return self._reject(device, env.seq, err.code, err.message)
        batch.inbox.append(InboxEntry(env.source, env.seq, "applied", None, item.received_at))
        if env.type in ("print.done", "print.failed"):
            self._print_result(env.type, env.data, batch, item.received_at)
        batch.audit.append(
            AuditEntry(
                at=env.ts,
                kind="event",
                source=env.source,
                seq=env.seq,
                type=env.type,
                job=concerned,
                bay=env.bay,
                payload={"tech": env.tech, "data": env.data},
            )
        )
        self.counters.applied += 1
        return Ack(seq=env.seq, result="applied")

    def _print_result(self, type_: str, data: dict[str, Any], batch: Batch, at: datetime) -> None:
        failed = type_ == "print.failed"
        reason = str(data.get("reason") or "failed") if failed else None
        batch.print_results.append((str(data["print_id"]), "failed" if failed else "done", reason))
        printer = str(data["printer"])
        self._devices_changed = True
        row = self.devices.get(printer)
        self.devices[printer] = DeviceRow(
            device=printer,
            kind="printer",
            online=reason not in ("offline", "timeout"),
            outbox=row.outbox if row else None,
            since=at,
            problem=reason,
        )

    def _send_prints(self, jobs: list[dict[str, Any]]) -> None:
        for job in jobs:
            cmd = DeviceCommand(id=job["print_id"], type="print", ts=self.clock(), data=job)
            topic = topics.CMD.full(self.site, device=job["printer"])
            self.publisher.publish(topic, dump(cmd), 1, False)

    def _apply_command(
        self, item: WebCommand, now: datetime, batch: Batch
    ) -> tuple[Future[Any], Any, BaseException | None]:
        try:
            cmd = item.command
            # The live workshop forgets closed orders; the store does not.
            ro = cmd.order.ro if isinstance(cmd, CheckInCar) else None
            if ro is not None and ro not in self.ws.jobs and self.store.load_job(ro) is not None:
                raise DuplicateJob(f"repair order {ro} already exists")
            value = execute(self.ws, item.command, item.actor, now)
            for printing in prints_for(self.config, cmd, value, now):
                batch.prints.append(
                    (
                        printing.print_id,
                        printing.printer,
                        getattr(printing.doc, "ro", None),
                        printing.doc.document,
                        printing.model_dump(mode="json"),
                    )
                )
        except DomainError as err:
            logger.info("refused %s by %s: %s", type(item.command).__name__, item.actor, err.code)
            return item.future, None, err
        if isinstance(item.command, CheckInCar):
            jobs: list[str | None] = [value.ro]
        elif isinstance(item.command, PauseEveryone):
            # One line per paused job, so each repair order's own timeline shows it.
            jobs = list(dict.fromkeys(value)) or [None]
        elif isinstance(item.command, MoveClock):
            jobs = [item.command.ro, item.command.to_ro]  # both orders' timelines show it
        else:
            jobs = [command_job(item.command)]
        payload = audit_payload(item.command)
        if isinstance(item.command, CLOCK_CORRECTIONS):
            # Kept beside the original, so a dispute can see what the clock said before.
            payload["original"] = {
                "start": value.start.isoformat(),
                "end": value.end.isoformat() if value.end else None,
            }
        for job in jobs:
            batch.audit.append(
                AuditEntry(
                    at=now,
                    kind="command",
                    source=item.actor,
                    seq=None,
                    type=COMMAND_NAMES[type(item.command)],
                    job=job,
                    bay=getattr(item.command, "bay", None),
                    payload=payload,
                )
            )
        return item.future, value, None

    def _online(self, device: str) -> bool:
        row = self.devices.get(device)
        return row is not None and row.online

    def _forget_device_status(self, now: datetime) -> None:
        for device, row in list(self.devices.items()):
            if row.online:
                self.devices[device] = row.model_copy(update={"online": False, "since": now})

    def _device_status(self, device: str, payload: bytes, now: datetime) -> bool:
        if not payload:
            return self.devices.pop(device, None) is not None
        try:
            status = DeviceStatus.model_validate_json(payload)
        except ValueError:
            logger.warning("ignored malformed status from %s", device)
            return False
        kind = self.config.device_kind(device) or status.kind or "unknown"
        self.devices[device] = DeviceRow(
            device=device, kind=kind, online=status.online, outbox=status.outbox, since=now
        )
        return True

    # ------------------------------------------------------------ views
    def _affected_bays(self, jobs: set[str], techs: set[str]) -> set[str]:
        bays: set[str] = set()
        station_statuses: set[JobStatus] = set()
        for ro in jobs:
            job = self.ws.jobs.get(ro)
            if job is not None and job.bay:
                bays.add(job.bay)
            old = self._job_bays.get(ro)
            if old:
                bays.add(old)
            self._job_bays[ro] = job.bay if job is not None else None
            new_status = job.status if job is not None else None
            old_status = self._job_status.get(ro)
            station_statuses.update(s for s in (old_status, new_status) if s is not None)
            if new_status is None:
                self._job_status.pop(ro, None)
            else:
                self._job_status[ro] = new_status
        for t in techs:
            state = self.ws.tech_states.get(t)
            new = state.bay if state is not None else None
            bays.update(b for b in (new, self._tech_bays.get(t)) if b)
            self._tech_bays[t] = new
        # The QC station and the wash bay list jobs from every bay: they change when a job
        # enters or leaves their part of the workflow (or changes while there).
        for b, bay in self.ws.bays.items():
            if bay.kind in _STATION_STATUSES and station_statuses & _STATION_STATUSES[bay.kind]:
                bays.add(b)
        return bays

    def _publish_views(
        self, now: datetime, bays: set[str], force: bool = False
    ) -> dict[str, datetime]:
        """Bay states and the lounge; returns the predictions they were built with."""
        started = time.monotonic()
        try:
            return self._build_and_publish(now, bays, force)
        finally:
            self.counters.view_publish_sum += time.monotonic() - started
            self.counters.view_publish_count += 1

    def _build_and_publish(self, now: datetime, bays: set[str], force: bool) -> dict[str, datetime]:
        eta = predict(self.ws, now)
        for bay_id in sorted(bays):
            state = self.projector.bay_state(self.ws, bay_id, now, eta)
            self.publisher.publish(
                topics.BAY_STATE.full(self.site, bay=bay_id), dump(state), 1, True
            )
        lounge = self.projector.lounge(self.ws, now, eta)
        # Every lounge TV gets the whole list: send it only when a car on it changed.
        if force or self.lounge is None or lounge.cars != self.lounge.cars:
            self.lounge = lounge
            self.publisher.publish(topics.LOUNGE.full(self.site), dump(lounge), 1, True)
        self._dispatch_pending = True
        self._tell_listeners()
        return eta

    def _dispatch_wait(self) -> float:
        """Seconds until the board is due: changes gathered, or the periodic rebuild."""
        if self._dispatch_pending:
            return max(0.0, self._dispatch_published + self._dispatch_gap() - time.monotonic())
        if self.dispatch_view is None:
            return DISPATCH_REFRESH  # nothing shown yet: the first change sends it
        # Alerts and escalations come due with time alone: the board is rebuilt anyway.
        return max(0.0, self._dispatch_published + DISPATCH_REFRESH - time.monotonic())

    def _dispatch_gap(self) -> float:
        return min(DISPATCH_MAX_GAP, self._dispatch_cost / DISPATCH_SHARE)

    def _flush_dispatch(
        self, now: datetime | None = None, eta: dict[str, datetime] | None = None
    ) -> None:
        """The foreman's whole board in one message (gathered while it is costly to build)."""
        if self._dispatch_wait() > 0:
            return
        # The cost is this thread's CPU time: waiting for the interpreter or a core while
        # pages are served is no reason to show the board later still.
        started = time.thread_time()
        now = now or self.clock()
        eta = predict(self.ws, now) if eta is None else eta
        self.dispatch_view = self.projector.dispatch(
            self.ws, now, sorted(self.devices.values(), key=lambda d: d.device), eta
        )
        self.publisher.publish(topics.DISPATCH.full(self.site), dump(self.dispatch_view), 1, True)
        self._dispatch_pending = False
        self._dispatch_published = time.monotonic()
        self._dispatch_cost = time.thread_time() - started
        self._tell_listeners()

    def _tell_listeners(self) -> None:
        for listener in list(self.view_listeners):
            try:
                listener(self)
            except Exception:
                logger.exception("view listener failed")
