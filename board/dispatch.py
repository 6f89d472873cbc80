"""The foreman's dispatch board: a Gantt of today's bays, the dispatch queue and the panels."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from nicegui import ui

from board import gantt
from board.auth import actor, require
from board.bay_queue import BayQueuePanel
from board.dispatch_model import BoardModel, board_model
from board.frame import TAB_TITLE, frame, language, roles_of
from board.help_calls import dispatch_help, help_board_parts
from board.live import LiveBoard, Parts, follow
from board.pairing_panel import PairingPanel
from board.source import BoardSource
from board.start_time import dropped_at, start_at
from core.commands import Command, Dispatch, DispatchAt
from core.contract.help_board import HelpBoard
from core.contract.pairing import PairingBook
from core.contract.views import DispatchView
from core.display.rules import clock_text
from core.display.texts import Lang, Texts, error_text, refusal, texts_for
from core.domain.errors import DomainError

_CSS = """
.gantt-head { width: 17rem; flex-shrink: 0; padding: 2px .5rem; font-size: .8rem;
  line-height: 1.2; overflow: hidden; display: -webkit-box; -webkit-line-clamp: 3;
  -webkit-box-orient: vertical; }
.queue-item { padding: 4px 8px; border: 1px solid #cbd5e1; border-radius: 4px; cursor: grab;
  font-size: .875rem; background: white; }
.bayq-item { padding: 2px 4px 2px 8px; border: 1px solid #cbd5e1; border-radius: 4px;
  cursor: grab; font-size: .875rem; background: white; }
.bayq-urgent { border-color: #dc2626; background: #fef2f2; }
.panel-list { font-size: 14px; display: flex; flex-direction: column; }
.panel-list > div { padding: 2px 0; }
.esc-call { color: #b45309; font-weight: 600; }
.esc-escalate { color: #dc2626; font-weight: 700; }
"""


#: A drop on a bay's row tells where along its lane it fell (0 to 1), or null off the lane.
_DROPPED_AT = """(e) => {
  const r = e.currentTarget.querySelector('.gantt-lane').getBoundingClientRect();
  const x = (e.clientX - r.left) / r.width;
  emit(x >= 0 && x <= 1 ? x : null);
}"""


def day_window(view: DispatchView) -> tuple[datetime, datetime]:
    """The stretch the Gantt spans: the core's, which cut the bars to it (a view from a
    core that did not say: the hours around it)."""
    start = view.timeline_from or view.updated_at - timedelta(hours=3)
    return start, view.timeline_to or view.updated_at + timedelta(hours=3)


PANELS = [
    "panel.alerts",
    "panel.findings",
    "panel.keys",
    "panel.qc",
    "panel.wash",
    "panel.ready",
    "panel.devices",
]


def board_parts(view: DispatchView, lang: Lang, t: Texts, zone: ZoneInfo) -> Parts:
    """The parts every open board of one language shares: bay heads, lanes and panels."""
    model = board_model(view, lang, t, day_window(view), zone)
    out: Parts = {}
    for bay_id, head in model.heads.items():
        out[f"head-{bay_id}"] = head
    for bay_id, lane in model.lanes.items():
        out[f"lane-{bay_id}"] = lane
    out.update(model.panels)
    return out


class StoreProblemBanner:
    """While the core cannot store anything, nothing on this board moves: say why."""

    def __init__(self, source: BoardSource, t: Texts, lang: Lang) -> None:
        self.source = source
        self.t = t
        # The database's own line stays in the log and on /healthz: the board says it in
        # the foreman's words.
        self.why = error_text("store_unavailable", lang)
        self.label = (
            ui.label("").classes("w-full bg-red-700 text-white text-xl p-2").mark("store-problem")
        )
        self.label.set_visibility(False)
        self.check()

    def check(self) -> None:
        problem = self.source.store_problem()
        shown_text = self.t("dispatch.store_problem", why=self.why) if problem else ""
        if self.label.text != shown_text:  # an update redraws the page: only on a change
            self.label.text = shown_text
            self.label.set_visibility(bool(problem))


class DispatchPage:
    """One open board: the Gantt and the panels are the shared LiveBoard's; the page keeps
    its dispatch queue, its job list and its recent prints."""

    def __init__(
        self,
        source: BoardSource,
        live: LiveBoard[DispatchView],
        user: dict[str, Any],
        t: Texts,
        lang: Lang,
    ) -> None:
        self.source = source
        self.config = source.config
        self.live = live
        self.t = t
        self.lang = lang
        self.who = actor(user)
        self.dragging: str | None = None
        self.shown: BoardModel | None = None  # the board as this page last drew it
        self.bay_names = {b.id: b.name for b in self.config.bays}
        self.queue_items: dict[str, Any] = {}
        self.shown_prints: list[str] = []

    def dispatch(
        self,
        ro: str | None,
        bay: str | None,
        team: str | None = None,
        reason: str = "",
        start: datetime | None = None,
    ) -> None:
        """Dispatch; with a ``reason``, forced to a bay of another kind than the work needs;
        with a ``start``, to be started no sooner than then."""
        t = self.t
        if not ro or not bay:
            return
        force, team = bool(reason), team or None
        command: Command = (
            Dispatch(ro, bay, team, force, reason)
            if start is None
            else DispatchAt(ro, bay, start, team, force, reason)
        )
        try:
            self.source.run(command, self.who)
        except DomainError as err:
            why = refusal(err.code, err.message, self.lang)
            ui.notify(t("dispatch.refused", ro=ro, why=why), type="negative")
            if err.code == "bay_kind_needed" and not reason:
                self.ask_to_force(ro, bay, team, why, start)
            return
        name = self.bay_names.get(bay, bay)
        if start is None:
            ui.notify(t("dispatch.done", ro=ro, bay=name), type="positive")
        else:
            zone = self.config.zone
            when = clock_text(start, zone, self.source.now().astimezone(zone).date())
            ui.notify(t("dispatch.done_at", ro=ro, bay=name, time=when), type="positive")

    def dispatch_dropped(self, ro: str | None, bay: str, fraction: object) -> None:
        """A job dropped on a bay's row: at a time to come along its lane, planned from
        then; on the bay's name, or before now, only put in its queue."""
        view = self.source.dispatch()
        start = dropped_at(day_window(view), fraction) if view is not None else None
        if start is not None and start <= self.source.now():
            start = None
        self.dispatch(ro, bay, start=start)

    def ask_to_force(
        self, ro: str, bay: str, team: str | None, why: str, start: datetime | None = None
    ) -> None:
        """The work needs another kind of bay: the foreman may send it all the same, saying
        why (the reason goes on the fact and in the order's record)."""
        t = self.t
        with ui.dialog() as dialog, ui.card().classes("w-[28rem]"):
            ui.label(t("dispatch.force_title", ro=ro, bay=self.bay_names.get(bay, bay)))
            ui.label(why).classes("text-sm text-slate-600")
            reason = ui.input(t("dispatch.force_reason")).classes("w-full").mark("force-reason")

            def go() -> None:
                if reason.value and reason.value.strip():
                    dialog.close()
                    self.dispatch(ro, bay, team, reason.value.strip(), start)

            ui.button(t("dispatch.force_go"), on_click=go).mark("force-go")
        dialog.open()

    # -------- the Gantt: one element per bay, built once. Every element on a page costs
    # each open board time on every update, so the board keeps few.
    def gantt(self) -> None:
        ui.html(gantt.legend(self.t), sanitize=False).classes("gantt-legend").mark("legend")
        with ui.column().classes("w-full gap-0 border rounded"):
            for bay in self.config.bays:
                self._gantt_row(bay.id)

    def _gantt_row(self, bay_id: str) -> None:
        with (
            ui.element("div").classes("gantt-row w-full flex no-wrap").mark(f"row-{bay_id}") as row
        ):
            head = ui.html("", sanitize=False).classes("gantt-head")
            self.live.show(f"head-{bay_id}", head.mark(f"head-{bay_id}"))
            lane = ui.html("", sanitize=False).classes("gantt-lane")
            self.live.show(f"lane-{bay_id}", lane.mark(f"lane-{bay_id}"))

        def drop(e: Any) -> None:
            # Where along the lane it fell, 0 to 1 (None off the lane): the time it starts.
            self.dispatch_dropped(self.dragging, bay_id, getattr(e, "args", None))
            self.dragging = None

        def pick(e: Any) -> None:
            self.dragging = e.args if isinstance(e.args, str) else None

        row.on("dragover.prevent", lambda: None)
        row.on("drop.prevent", drop, js_handler=_DROPPED_AT)
        # A bar of a job no clock runs on is dragged to move the job to another bay.
        row.on("dragstart", pick, js_handler="(e) => emit(e.target.dataset.ro || '')")

    # -------- the dispatch queue
    def queue_card(self) -> None:
        t = self.t
        with ui.card().classes("w-full"):
            ui.label(t("dispatch.queue")).classes("text-lg font-semibold")
            # The keyboard's way: pick the job and the bay, press dispatch.
            self.job_choice = ui.select({}, label=t("dispatch.job")).classes("w-full")
            self.job_choice.mark("dispatch-job")
            # Its list is brought up to date as it opens, not on every change of the
            # board: an update of a control redraws the whole page in every open tab.
            self.job_choice.on("popup-show", self.offer)
            # A select with no options does not open, and so would never ask for them:
            # with something to show when empty it opens, and fills as it does.
            empty = t("dispatch.nothing_to_dispatch")
            self.job_choice.add_slot("no-option", f'<div class="q-pa-sm">{empty}</div>')
            self._bay_and_team()
            ui.label(t("dispatch.drag")).classes("text-xs text-slate-500")
            self.queue_box = ui.column().classes("w-full gap-1").mark("queue")

    def bay_queue_card(self) -> None:
        general = {
            b.id: f"{b.id} {b.name}" for b in self.config.bays if b.kind not in ("qc", "wash")
        }
        self.bay_queue = BayQueuePanel(general, self.t, self.act)

    def act(self, command: Command, ro: str) -> bool:
        """A change of a bay's queue; a refusal is told in the foreman's words."""
        try:
            self.source.run(command, self.who)
        except DomainError as err:
            why = refusal(err.code, err.message, self.lang)
            ui.notify(self.t("queue.refused", ro=ro, why=why), type="negative")
            return False
        return True

    def _bay_and_team(self) -> None:
        t = self.t
        general = [b.id for b in self.config.bays if b.kind not in ("qc", "wash")]
        with ui.row().classes("items-center gap-2 no-wrap w-full"):
            bay_choice = (
                ui.select({b: f"{b} {self.bay_names[b]}" for b in general}, label=t("dispatch.to"))
                .classes("grow")
                .mark("dispatch-bay")
            )
            team_choice = (
                ui.select(
                    {tm.id: tm.name for tm in self.config.teams},
                    label=t("dispatch.team"),
                    clearable=True,
                )
                .classes("w-32")
                .mark("dispatch-team")
            )
        self._start_row(bay_choice, team_choice)

    def _start_row(self, bay_choice: Any, team_choice: Any) -> None:
        """Move to bay … at time … on a day: no time, only put in the bay's queue; no day,
        today (a board stays open for days: the days offered are made as the list opens)."""
        t = self.t
        with ui.row().classes("items-center gap-2 no-wrap w-full"):
            day = ui.select({}, label=t("dispatch.day"), clearable=True).classes("w-36")
            day.mark("dispatch-day")
            day.on("popup-show", lambda: day.set_options(self.days_ahead()))
            day.set_options(self.days_ahead())
            typed = ui.input(t("dispatch.at"), placeholder=t("dispatch.at_hint"))
            typed.props("type=time stack-label clearable").classes("grow").mark("dispatch-at")

            def go() -> None:
                on = date.fromisoformat(day.value) if day.value else None
                try:
                    start = start_at(typed.value, self.source.now(), self.config.zone, on)
                except ValueError:
                    start = None
                if start is None and (typed.value or day.value):  # a day needs its time
                    ui.notify(t("dispatch.bad_time"), type="negative")
                    return
                self.dispatch(self.job_choice.value, bay_choice.value, team_choice.value, "", start)

            ui.button(t("dispatch.go"), on_click=go).classes("shrink-0").mark("dispatch-go")

    def days_ahead(self, days: int = 6) -> dict[str, str]:
        """The days after today a start may be set on (ISO date → its name)."""
        t = self.t
        today = self.source.now().astimezone(self.config.zone).date()
        out = {}
        for n in range(1, days + 1):
            d = today + timedelta(days=n)
            named = t(
                "schedule.date", month=d.month, day=d.day, weekday=t(f"weekday.{d.weekday()}")
            )
            out[d.isoformat()] = f"{t('dispatch.tomorrow')} · {named}" if n == 1 else named
        return out

    def offer(self) -> None:
        model = self.shown
        if model is not None and self.job_choice.options != model.movable:
            self.job_choice.set_options(dict(model.movable))

    # -------- the panels
    def panels(self, pairings: PairingBook | None, kiosk_bays: list[str] | None) -> None:
        t = self.t
        with ui.grid(columns=3).classes("grow gap-4"):
            for key in PANELS:
                with ui.card().classes("w-full"):
                    ui.label(t(key)).classes("font-semibold")
                    panel = ui.html("", sanitize=False).classes("panel-list")
                    self.live.show(key, panel.mark(key))
            with ui.card().classes("w-full"):
                ui.label(t("panel.prints")).classes("font-semibold")
                self.prints_box = ui.row().classes("gap-2").mark("prints")
            if pairings is not None and kiosk_bays:
                request = ui.context.client.request
                PairingPanel(
                    pairings,
                    t,
                    self.who,
                    {b: self.bay_names.get(b, b) for b in kiosk_bays},
                    str(request.base_url).rstrip("/"),
                    self.config.zone,
                )

    def _queue_item(self, ro: str) -> Any:
        with self.queue_box:
            item = ui.label().classes("queue-item").props("draggable").mark(f"queued-{ro}")

        def pick() -> None:
            self.dragging = ro

        item.on("dragstart", pick)
        return item

    def render(self, view: DispatchView) -> None:
        # The model is worked out once per view and language, whatever the number of
        # open boards; each page keeps only its queue and job list.
        model = board_model(view, self.lang, self.t, day_window(view), self.config.zone)
        last, self.shown = self.shown, model
        self.bay_queue.show(model.queues)
        if last is not None and model.queue is last.queue:
            return  # the Gantt and the panels are the board's (LiveBoard): nothing here
        # the queue: items come and go with it; their text is updated in place
        for ro in list(self.queue_items):
            if ro not in model.queue:
                self.queue_items.pop(ro).delete()
        for i, (ro, text) in enumerate(model.queue.items()):
            if ro not in self.queue_items:
                self.queue_items[ro] = self._queue_item(ro)
            item = self.queue_items[ro]
            item.text = text
            if self.queue_box.default_slot.children.index(item) != i:
                item.move(self.queue_box, target_index=i)

    def prints(self) -> None:
        t = self.t
        latest = self.source.recent_prints()
        ids = [p[0] for p in latest]
        if ids == self.shown_prints:
            return
        self.shown_prints[:] = ids
        self.prints_box.clear()
        with self.prints_box:
            for _id, document, state, preview in latest:
                with ui.column().classes("items-center"):
                    ui.label(f"{t(f'document.{document}')} {t(f'print_state.{state}')}").classes(
                        "text-xs"
                    ).mark("print")
                    if preview:  # the paper at full size, to read it
                        with ui.link(target=preview, new_tab=True).mark(f"preview-{document}"):
                            ui.image(preview).classes("w-32")


def register_dispatch(
    source: BoardSource, pairings: PairingBook | None = None, kiosk_bays: list[str] | None = None
) -> None:
    """The board; with ``pairings``, its panel that pairs screens with ``kiosk_bays``."""
    config = source.config
    boards: dict[Lang, LiveBoard[DispatchView]] = {}  # one per language, for all its screens
    helps: dict[Lang, LiveBoard[HelpBoard]] = {}  # the help calls, as apart as their topic

    def help_board(lang: Lang) -> LiveBoard[HelpBoard]:
        if lang not in helps:
            parts = help_board_parts(texts_for(lang), config)
            helps[lang] = LiveBoard(f"help-{lang}", source, source.help, parts)
        return helps[lang]

    def board(lang: Lang) -> LiveBoard[DispatchView]:
        if lang not in boards:
            t = texts_for(lang)
            boards[lang] = LiveBoard(
                f"dispatch-{lang}",
                source,
                source.dispatch,
                lambda view: board_parts(view, lang, t, config.zone),
            )
        return boards[lang]

    @ui.page("/dispatch", title=TAB_TITLE)
    def dispatch_page() -> None:
        user = require("/dispatch", *roles_of("/dispatch"))
        if user is None:
            return
        t = frame(config, user, "dispatch.title")
        lang = language(config)
        ui.add_css(gantt.CSS + _CSS)
        banner = StoreProblemBanner(source, t, lang)
        dispatch_help(help_board(lang), t)  # a call is seen before the rest
        page = DispatchPage(source, board(lang), user, t, lang)
        page.gantt()
        with ui.row().classes("w-full no-wrap items-start gap-4 mt-4"):
            with ui.column().classes("w-1/3 gap-4"):
                page.queue_card()
                page.bay_queue_card()
            page.panels(pairings, kiosk_bays)

        def every_few_seconds() -> None:
            page.prints()
            banner.check()

        follow(source, source.dispatch, page.render)
        page.offer()
        ui.timer(5.0, every_few_seconds)
