"""The core's single writer: takes events and commands in arrival order on its own thread
and hands each batch to ``BatchStep``. Web callbacks only queue work; the MQTT thread applies
a tap itself when nothing is queued and the writer is idle, in the writer's turn."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from datetime import UTC, datetime
from typing import Any, Protocol, TypeVar

from sqlalchemy.exc import SQLAlchemyError

from core.access import Access
from core.catalogue import bay_kinds
from core.commands import Command
from core.config import (
    SiteConfig,
    bays_from_config,
    booking_rules_from_config,
    help_tiers_from_config,
    technicians_from_config,
    working_hours_from_config,
)
from core.contract.advisor_board import AdvisorBoard
from core.contract.help_board import HelpBoard
from core.contract.parts_board import PartsBoard
from core.contract.views import DeviceRow, DispatchView, LoungeView, WelcomeView
from core.domain.workshop import Workshop
from core.store.access import AccessStore
from core.store.driver_errors import unstorable
from core.store.group_outbox import GroupOutbox
from core.store.repository import Batch, Store
from core.views import Projector

from .batch import FLOOD, BatchStep, Outcome, gone_kept_since
from .device_health import DeviceHealth
from .effects import Rows
from .group_facts import GroupFacts
from .items import (
    Counters,
    Incoming,
    Item,
    Publisher,
    Query,
    Republish,
    WebCommand,
)
from .pacing import Pacing
from .print_desk import PrintDesk
from .sequence import SequenceKeeper
from .view_publisher import ViewPublisher
from .work_queue import WorkQueue

logger = logging.getLogger(__name__)

T = TypeVar("T")
MAX_BATCH = 500
#: Seconds the loop's own work waits after it first failed.
OWN_WORK_BACKOFF = 1.0
#: Seconds since the MQTT thread handed over its last message under which the next is part
#: of a burst (devices sending what they kept, a flood): it goes to the loop, whose batches
#: commit many at once, rather than being applied alone as it comes.
BURST_GAP = 0.001


class GroupLinkState(Protocol):
    """What the core shows of its group feed's relay."""

    def status(self) -> dict[str, Any]: ...


class Core:
    """Owns the workshop; the only writer of the store."""

    def __init__(
        self,
        config: SiteConfig,
        store: Store,
        publisher: Publisher,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        speed: float = 1.0,
    ) -> None:
        self.config = config
        self.speed = speed  # site seconds per real second (the demo's clock runs faster)
        self.site = config.site.id
        self.store = store
        self.publisher = publisher
        self.clock = clock
        self.counters = Counters()
        self.health = DeviceHealth(config)
        self.health.printers_as_last_heard(store.last_print_results())
        self.views = ViewPublisher(config, publisher, self.health, self.counters, clock)
        self.step = BatchStep(
            config,
            store,
            publisher,
            clock,
            self.counters,
            self.health,
            self.views,
            PrintDesk(config, publisher, self.health, clock),
            SequenceKeeper(
                store.last_seqs(_devices(config)), self.counters, config.rising_numbered
            ),
            self._load(),
        )
        if config.group.enabled:  # nothing is derived for a site that feeds no group
            told = GroupOutbox(store.engine, self.site).site_facts()
            self.step.group = GroupFacts(config, self.health, told)
        #: The relay of the group feed, when the site feeds one (/healthz shows its state).
        self.group_relay: GroupLinkState | None = None
        self._queue: WorkQueue[Item] = WorkQueue()
        self._init_turns()
        self.pacing = Pacing(FLOOD)
        self.step.work_waiting = lambda: not self._queue.empty()
        self._thread: threading.Thread | None = None
        #: Why the last commit failed, while the core cannot store what it is sent; None
        #: once a commit succeeds again (/healthz and the boards say so).
        self.store_problem: str | None = None
        #: Board sessions and API tokens: not the workshop's, so not the single writer's.
        self.access = Access(AccessStore(store.engine, self.site), config.web, clock)

    def _init_turns(self) -> None:
        #: The single writer's turn: whoever holds it may touch the workshop (the loop's
        #: thread for a batch, the MQTT thread for a tap it applies as it comes).
        self._turn = threading.Lock()
        #: While the loop runs, a tap may be applied on the thread that read it.
        self._straight = False
        #: Held while a tap is applied on the thread that read it (see ``stop_straight``).
        self._applying = threading.Lock()
        #: A tap applied as it came whose commit failed: the loop reloads and tries it first.
        self._failed: list[Item] = []
        #: A reconnect's views sent again after a bug struck a stored batch (once only: a
        #: bug that strikes every batch must not go round for ever).
        self._republished_again = False
        #: The loop's own work (board, sweeps) after it failed: not before this moment
        #: (time.monotonic()), each failure waiting twice as long, up to a minute.
        self._own_work_after = 0.0
        self._own_backoff = OWN_WORK_BACKOFF
        #: When the loop's thread wakes next on its own (time.monotonic()).
        self._wakes_at = 0.0
        #: When the MQTT thread was last done with a message (time.monotonic()).
        self._last_message = 0.0

    # ------------------------------------------------------------ what others read
    @property
    def ws(self) -> Workshop:
        return self.step.ws

    @property
    def devices(self) -> dict[str, DeviceRow]:
        return self.health.rows

    @property
    def lounge(self) -> LoungeView | None:
        return self.views.lounge

    @property
    def welcome(self) -> WelcomeView | None:
        return self.views.welcome

    @property
    def dispatch_view(self) -> DispatchView | None:
        return self.views.dispatch_view

    @property
    def advisors(self) -> AdvisorBoard | None:
        return self.views.advisors

    @property
    def parts(self) -> PartsBoard | None:
        return self.views.parts

    @property
    def help(self) -> HelpBoard | None:
        return self.views.help

    @property
    def projector(self) -> Projector:
        return self.views.projector

    @property
    def view_listeners(self) -> list[Callable[[], None]]:
        return self.views.listeners

    # ------------------------------------------------------------ lifecycle
    def _load(self) -> Workshop:
        cfg, now = self.config, self.clock()
        hours = working_hours_from_config(cfg)
        ws = self.store.load_workshop(
            bays_from_config(cfg),
            technicians_from_config(cfg),
            gone_since=gone_kept_since(cfg, now),
            operation_kinds=bay_kinds(),
            hours=hours,
            booking_rules=booking_rules_from_config(cfg),
            appointments_from=hours.day_of(now),
            help_tiers=help_tiers_from_config(cfg),
        )
        self.views.forget_all()
        # Report rows follow a tap's commit: those the core stopped before are written now.
        stale = self.store.stale_reports(ws.jobs.keys())
        if stale:
            due = [(ws.jobs[ro], at) for ro, at in sorted(stale.items())]
            self.store.commit(ws, Batch(), Rows(), self.clock(), due)
            logger.info("wrote the report rows of %d jobs left unwritten", len(due))
        return ws

    def _reload(self) -> None:
        """After a failed commit: what the store holds is the truth again."""
        self.step.ws = self._load()
        self.step.no_shows.book_changed()
        self.step.help.calls_changed()
        self.step.sequence.reset(self.store.last_seqs(_devices(self.config)))

    def start(self) -> None:
        self.store.checkpoint_apart()  # no tap waits for SQLite to copy its log
        self._thread = threading.Thread(target=self._run, name="pitboard-core", daemon=True)
        self._straight = True
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        if self._thread is not None:
            self.stop_straight(timeout)
            self._queue.put(None)
            self._thread.join(timeout)
            self._thread = None
            if self.step.reports:  # the last taps' report rows
                self.step.write_reports()
        self.store.stop_checkpoints()
        self.store.close()

    def stop_straight(self, timeout: float = 10.0) -> None:
        """No more taps applied on the MQTT thread; returns once one being applied is done
        (its commit may wait on the database: at most ``timeout`` seconds). Before the MQTT
        link stops: a tap being applied there must not meet the link's goodbye."""
        self._straight = False  # looked at again in the turn
        if self._applying.acquire(timeout=timeout):
            self._applying.release()

    # ------------------------------------------------------------ hand-over
    def on_message(self, topic: str, payload: bytes, token: object) -> None:
        """Called from the MQTT thread. With nothing queued and the writer idle, the tap is
        applied here and its ack written by this thread: handed to the loop's thread, it
        would wait for that thread to wake and then for the interpreter. Else queued."""
        item = Incoming(topic, payload, token, self.clock())
        burst = item.arrived - self._last_message < BURST_GAP
        try:
            if burst or not (self._straight and self._turn.acquire(blocking=False)):
                self._queue.put(item)
                return
            try:
                # In the turn: whatever was queued before it is still queued, or done.
                if self._straight and not self._failed and self._queue.empty():
                    self._process_straight(item)
                else:
                    self._queue.put(item)
            finally:
                self._turn.release()
        finally:
            self._last_message = time.monotonic()

    def _process_straight(self, item: Item) -> None:
        self.pacing.batch(1)
        try:
            self.step.process([item])
            self.store_problem = None
        except SQLAlchemyError as exc:
            self._commit_failed(exc)
            self._failed = [item]  # the workshop holds what was not stored: the loop reloads
            self._queue.poke()
            return
        except Exception:  # a bug must not stop the MQTT thread
            logger.exception("core failed on a tap applied as it came")
            self._failed = [item]  # the loop reads the store again and handles it alone
            self._queue.poke()
            return
        try:
            if time.monotonic() + self._idle_wait() < self._wakes_at:
                self._queue.poke()  # the board is due before the loop would wake
        except Exception:
            logger.exception("core could not tell when its loop should wake")
            self._queue.poke()

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
        self.pacing.begin()
        try:
            self._loop()
        finally:
            self.pacing.end()

    def _loop(self) -> None:
        while True:
            with self._turn:  # a tap applied meanwhile sees when the loop wakes
                wait = self._wait()
                self._wakes_at = time.monotonic() + wait
            self._queue.wait(wait)
            with self._turn:
                if self._failed:  # before anything else: the workshop holds what failed
                    failed, self._failed = self._failed, []
                    self._retry(failed)
                items, stop = self._queue.take(MAX_BATCH)
                if items:
                    self.pacing.batch(len(items))
                    try:
                        self._process_until_committed(items)
                    except Exception:  # a bug must not kill the only writer
                        logger.exception("core loop failed on a batch of %d", len(items))
                elif not stop:
                    self._between_batches()
            if stop:
                return

    def _wait(self) -> float:
        try:
            wait = self._idle_wait()
        except Exception:  # a bug must not kill the only writer
            logger.exception("core loop could not tell how long to wait")
            wait = 1.0
        return max(wait, self._own_work_after - time.monotonic())

    def _between_batches(self) -> None:
        if time.monotonic() < self._own_work_after:
            return  # its own work failed lately: not again at once (a sweep still due)
        try:
            self.step.refresh()
            self._own_backoff = OWN_WORK_BACKOFF
        except Exception:  # a bug must not kill the only writer
            logger.exception("core loop failed between batches")
            self._own_work_after = time.monotonic() + self._own_backoff
            self._own_backoff = min(self._own_backoff * 2, 60.0)
            try:  # what the failed step changed in memory is not believed either
                self._read_again()
            except Exception:
                logger.exception("core loop could not read the store again")

    def _retry(self, failed: list[Item]) -> None:
        """A tap applied as it came, whose commit failed: read the store again, then the
        tap again, before anything queued after it."""
        try:
            self._process_until_committed(failed, self._read_again(0.2))
        except Exception:  # a bug must not kill the only writer
            logger.exception("core loop failed on a tap tried again")

    def _idle_wait(self) -> float:
        """Real seconds to wait for work before the core does its own: the board's next
        build, or the next no-show coming due on the site's clock."""
        wait = self.step.wait()
        for due in (self.step.seconds_to_sweep(), self.step.seconds_to_lounge()):
            if due is not None:
                # Just past the moment: a car is a no-show only after its slot and the grace
                # (a help call goes up at its moment: a hundredth of a second later is no harm).
                wait = min(wait, due / self.speed + 0.01)
        return max(0.0, wait)  # something overdue is done now, and the thread lives on

    def _process_until_committed(self, items: list[Item], delay: float = 0.2) -> None:
        while True:
            try:
                self.step.process(items)
                self.store_problem = None
                self._republished_again = False
                return
            except SQLAlchemyError as exc:
                if unstorable(exc):  # tried again, it would fail again: as a bug
                    self._after_a_bug(items, exc)
                    return
                self._commit_failed(exc, delay)
                delay = self._reload_when_stored(delay)
            except Exception as exc:  # a bug: what it left in memory is not believed
                self._after_a_bug(items, exc)
                return

    def _after_a_bug(self, items: list[Item], error: Exception) -> None:
        """The workshop read again from the store, then the batch's items handled one by
        one (a value the database refuses too: the item carrying it is to blame, not the
        database): an item that fails alone is refused (``BatchStep.refuse``), so no device
        waits for it, unless the core fails with no item at all (then none is to blame, and each
        is left for its sender to send again). A batch stored before the bug struck is not
        done twice (``_settle_stored``)."""
        logger.error("core failed on a batch of %d", len(items), exc_info=error)
        stored, out = self.step.stored, self.step.outcome
        self._read_again()
        if stored:
            self._settle_stored(items, out, error)
        elif len(items) > 1:
            for item in items:
                self._process_until_committed([item])
        elif self._fails_alone():
            self._leave_unanswered(items, error)
        else:
            try:
                self.step.refuse(items[0], error)
            except Exception:  # the refusal's own commit or answer: the log has it
                logger.exception("core could not refuse an item that failed")
                self._read_again()

    def _read_again(self, delay: float = 0.0) -> float:
        """The store read again after a failure (the next wait returned). The report rows
        waiting are the failed batch's jobs: the reload writes those due."""
        self.step.reports.clear()
        delay = self._reload_when_stored(delay)
        # A device's status taken in memory by the failed batch counts as no change when
        # handled again: the boards are given the rows as they stand now.
        try:
            self.views.publish_devices()
        except Exception:
            logger.exception("core could not publish the devices' rows")
        return delay

    def _fails_alone(self) -> bool:
        """Whether the core fails on a batch of nothing (its own sweeps, letting a day go)."""
        try:
            self.step.process([])
        except SQLAlchemyError as exc:
            self._read_again()  # (once it answers) what the sweep changed is not believed
            # A value of the core's own that the database refuses is to blame as a bug is;
            # the database being away, the refusal will meet too.
            return unstorable(exc)
        except Exception:
            logger.exception("core fails on a batch of nothing: no item is refused for it")
            self._read_again()
            return True
        return False

    def _leave_unanswered(self, items: list[Item], error: Exception) -> None:
        for item in items:
            if isinstance(item, WebCommand | Query) and not item.future.done():
                item.future.set_exception(error)
            elif isinstance(item, Incoming):
                self.step.publisher.puback(item.token)  # unanswered: its device sends again

    def _settle_stored(self, items: list[Item], out: Outcome | None, error: Exception) -> None:
        """A batch stored before the bug: a page's command is answered with what it did (an
        error would have it done again), the broker may forget the events (a device that
        heard no answer sends again and hears ``duplicate``), and a reconnect's views are
        sent again, once."""
        if out is not None:
            try:  # the acks and the prints it asked for (a print sent twice is one print)
                self.step.answer(out)
            except Exception:
                logger.exception("core could not send a stored batch's answers")
        for fut, value, exc in out.results if out is not None else ():
            if not fut.done():
                fut.set_result(value) if exc is None else fut.set_exception(exc)
        for item in items:
            if isinstance(item, Republish) and not self._republished_again:
                self._republished_again = True
                self._queue.put(item)
        self._leave_unanswered(items, error)

    def _commit_failed(self, exc: SQLAlchemyError, delay: float = 0.2) -> None:
        self.counters.commit_failures += 1
        self.store_problem = _first_line(exc)
        logger.error("commit failed (%s); reloading and retrying in %.1fs", exc, delay)

    def _reload_when_stored(self, delay: float) -> float:
        """The workshop read again from the store, however long the store takes to answer:
        the workshop in memory holds the failed batch's changes, and the batch applied to it
        again would be refused (a pause already paused) and its events lost."""
        while True:
            time.sleep(delay)
            delay = min(max(delay * 2, 0.2), 10.0)
            try:
                self._reload()
                return delay
            except SQLAlchemyError:
                logger.error("database still unavailable; reading it again in %.1fs", delay)
            except Exception:  # no batch is taken until the workshop is the store's again
                logger.exception("reading the store again failed; again in %.1fs", delay)


def _devices(config: SiteConfig) -> list[str]:
    """The devices whose events are numbered in sequence: those the site knows."""
    return (
        [k.device for k in config.kiosks]
        + [p.device for p in config.printers]
        + [config.bridge.device]
    )


def _first_line(exc: SQLAlchemyError) -> str:
    """The database's own words, without SQLAlchemy's statement and parameters."""
    cause = getattr(exc, "orig", None) or exc
    return (str(cause).strip().splitlines() or [type(exc).__name__])[0][:200]
