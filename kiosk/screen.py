"""One open kiosk page: what it has chosen (language, acting technician, job), its words,
and the sizes every part of it is drawn with."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TypeVar

from nicegui import ui

from core.contract import site_clock
from core.contract.views import JobCard
from core.display.rules import clock_text
from core.display.texts import Lang, error_text, text
from core.domain.vocabulary import JobStatus
from kiosk.station import Station

# Gloved hands: every target at least 72 px high, the steps of work larger still.
BIG = "text-2xl min-h-[72px] min-w-[120px] px-6"
STEP = "text-3xl min-h-[96px] min-w-[160px] px-4"
CARD = "p-6 bg-gray-900 text-white"

T = TypeVar("T")


def duration(seconds: float) -> str:
    m = int(seconds // 60)
    return f"{m // 60}:{m % 60:02d}"


@dataclass
class Screen:
    station: Station
    lang: Lang
    redraw: Callable[[], None] = lambda: None  # set once the page's body exists
    #: Whether this screen may act: a browser whose pairing was revoked may not (a bay
    #: PC's own kiosk page always may). Asked before every tap, not only at page load.
    gate: Callable[[], bool] = lambda: True
    #: What the page does once the gate is shut: close its dialogs, show the pairing screen.
    unpaired: Callable[[], None] = lambda: None
    tech: str | None = None
    job: str | None = None
    seen_problem: int = 0
    # Built once, outside the redrawn body, so news arriving never closes an open dialog.
    # A stray tap closes a question; a form being typed into stays until cancelled.
    question: ui.dialog = field(default_factory=ui.dialog)
    form: ui.dialog = field(default_factory=lambda: ui.dialog().props("persistent"))
    #: Holds the one timer that draws the screen again when a set start comes (outside the
    #: body: a timer in it would sleep on, deleted, after every redraw).
    waker: ui.element = field(default_factory=lambda: ui.element("div"))
    woken_at: datetime | None = None

    def act(self, tap: Callable[[Station], T]) -> T | None:
        """Every tap that sends or checks something goes through here: None when this
        screen may no longer act (it then shows the pairing screen)."""
        if not self.gate():
            self.unpaired()
            return None
        return tap(self.station)

    def t(self, key: str, **params: object) -> str:
        return text(key, self.lang, **params)

    def hm(self, ts: datetime | None) -> str:
        """A time on the site's clock, with its date when it is not today's."""
        if ts is None:
            return "—"
        zone = self.station.config.zone
        return clock_text(ts, zone, site_clock.now(zone).date())

    def wake_at(self, moment: datetime | None) -> None:
        """Draw the screen again once at ``moment`` (site time; None: at no time); one such
        wake is kept, made again only when the moment changes."""
        if moment == self.woken_at:
            return
        self.woken_at = moment
        self.waker.clear()
        if moment is None:
            return
        site_seconds = (moment - site_clock.now()).total_seconds() + 1
        with self.waker:
            ui.timer(
                site_clock.current().real_seconds(max(1.0, site_seconds)), self._woken, once=True
            )

    def _woken(self) -> None:
        self.woken_at = None
        self.redraw()

    def code_refused(self, wait: int) -> None:
        """A scanned code that signs nobody in: said, with the wait a run of them began."""
        if wait:
            until = datetime.now(UTC) + timedelta(seconds=wait)
            told = self.t("kiosk.wait_kiosk", s=wait, at=self.hm(until))
        else:
            told = self.t("kiosk.unknown_code")
        ui.notify(told, type="warning", position="center")

    def pinned(self, card: JobCard) -> str | None:
        """When the foreman set the job to start, while that is still to come (with its date
        when not today); None for a job free to start now."""
        start, now = card.pinned_start, site_clock.now()
        if start is None or start <= now:
            return None
        zone = self.station.config.zone
        return self.t("kiosk.pinned", time=clock_text(start, zone, now.astimezone(zone).date()))

    def acting(self) -> str | None:
        """The technician taps act for: the one chosen, else the last to sign in."""
        present = [p.id for p in self.station.present()]
        if self.tech not in present:
            self.tech = present[-1] if present else None
        return self.tech

    def selected(self) -> JobCard | None:
        """The job shown: the one chosen, else the acting technician's, else the first."""
        station = self.station
        jobs = station.jobs()
        if self.job is not None and station.job(self.job) is None:
            self.job = None
        if self.job is None and jobs:
            tech = self.acting()
            mine = station.active_job(tech) if tech else None
            # Else the first the bay may start now: a job set to start later waits its turn,
            # and a car finished here waits for its leader check.
            ready = [j for j in jobs if not self.finished(j)]
            free = next((j for j in ready if self.pinned(j) is None), None)
            first = free or (ready[0] if ready else jobs[0])
            self.job = mine if mine and station.job(mine) else first.ro
        return station.job(self.job) if self.job else None

    def finished(self, card: JobCard) -> bool:
        """Whether the car was finished here, by the core's word or by a tap not yet sent."""
        done = self.station.pending_for(card.ro) == "job.self_checked"
        return done or card.status == JobStatus.SELF_CHECKED

    def saved(self) -> None:
        """A tap went into the outbox: say so and show it at once."""
        ui.notify(self.t("kiosk.saved"), type="info", position="top", timeout=1200)
        self.redraw()

    def arrive(self, tech: str) -> None:
        """``tech`` badged or typed their PIN: signed in here if not yet, and acting."""
        if tech not in [p.id for p in self.station.present()]:
            if self.act(lambda s: s.sign_in(tech)) is None:
                return
            self.saved()
        self.tech = tech
        self.redraw()

    def announce_problem(self) -> None:
        """A tap the core refused since last look: told once, in the middle of the screen."""
        problems = self.station.problems
        if not problems or problems[0].seq == self.seen_problem:
            return
        newest = problems[0]
        self.seen_problem = newest.seq
        ui.notify(
            f"{self.t(f'event.{newest.type}')}: {error_text(newest.code, self.lang)}",
            type="negative",
            position="center",
            timeout=6000,
        )
