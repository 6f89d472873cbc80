"""The bay's queue: one card per job dispatched here, the shown one outlined."""

from __future__ import annotations

from nicegui import ui

from core.contract import site_clock
from core.contract.views import JobCard
from core.domain.vocabulary import JobStatus, PauseReason, Priority
from kiosk.screen import Screen

READINESS_COLOUR = {
    JobStatus.READY: "positive",
    JobStatus.IN_PROGRESS: "primary",
    JobStatus.PAUSED: "grey-7",
    PauseReason.WAITING_PARTS: "warning",
    PauseReason.WAITING_APPROVAL: "orange-9",
}

#: The stages after the bay's work, for the cars a station lists (and a bay's cars waiting
#: for the leader check): "ready" would read as ready to start.
STAGE_COLOUR = {
    JobStatus.SELF_CHECKED: "indigo-5",
    JobStatus.LEADER_CHECKED: "indigo-8",
    JobStatus.WASH_WAITING: "cyan-8",
    JobStatus.WASHING: "primary",
}


def queue(screen: Screen, shown: JobCard | None) -> None:
    ui.label(screen.t("kiosk.queue")).classes("text-2xl text-gray-300")
    jobs = screen.station.jobs()
    if not jobs:
        ui.label(screen.t("kiosk.no_jobs")).classes("text-2xl text-gray-400")
    for job in jobs:
        _item(screen, job, shown is not None and job.ro == shown.ro)
    _redraw_when_a_set_start_comes(screen, jobs)


def _redraw_when_a_set_start_comes(screen: Screen, jobs: list[JobCard]) -> None:
    """A job set to start later says so until then: the screen is drawn again once, at the
    first such time (nothing else on it runs on time)."""
    now = site_clock.now()
    coming = [j.pinned_start for j in jobs if j.pinned_start is not None and j.pinned_start > now]
    screen.wake_at(min(coming) if coming else None)


def _choose(screen: Screen, ro: str) -> None:
    screen.job = ro
    screen.redraw()


def _item(screen: Screen, job: JobCard, is_shown: bool) -> None:
    t = screen.t
    border = "border-sky-400" if is_shown else "border-gray-700"
    with (
        ui.card()
        .classes(f"w-full bg-gray-900 text-white pb-card {border} cursor-pointer")
        .on("click", lambda ro=job.ro: _choose(screen, ro))
        .mark(f"job-{job.ro}")
    ):
        with ui.row().classes("items-center gap-3"):
            ui.label(job.plate).classes("text-3xl font-bold")
            if job.status in STAGE_COLOUR:  # past the bay's work: where it waits now
                stage = ui.badge(t(f"kiosk.stage.{job.status}"), color=STAGE_COLOUR[job.status])
                stage.classes("text-xl").mark("stage")
            else:
                ui.badge(
                    t(f"readiness.{job.readiness}"), color=READINESS_COLOUR[job.readiness]
                ).classes("text-xl").mark("readiness")
            if job.priority is Priority.URGENT:  # the foreman's: this car goes first
                ui.badge(t("priority.urgent"), color="negative").classes("text-xl").mark("urgent")
            if job.rework_count:
                ui.badge(f"{t('kiosk.rework')} ×{job.rework_count}", color="negative").classes(
                    "text-xl"
                )
        ui.label(f"{job.ro} · {job.model} {job.colour}").classes("text-xl text-gray-300")
        ui.label(f"{t('kiosk.promised')} {screen.hm(job.promised_at)}").classes("text-xl")
        pinned = screen.pinned(job)
        if pinned is not None:  # the foreman's word: not before then
            ui.label(pinned).classes("text-xl text-amber-400").mark("pinned")
        pending = screen.station.pending_for(job.ro)
        if pending:
            ui.label(t("kiosk.pending_tap", what=t(f"event.{pending}"))).classes(
                "text-xl text-amber-400"
            )
