"""The foreman's dispatch board: a Gantt of today's bays, the dispatch queue and the panels."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from nicegui import ui

from board.auth import actor, require
from board.dispatch_model import BoardModel, board_model
from board.frame import frame, language
from board.live import LiveBoard, Parts, follow
from board.pairing_panel import pairing_panel
from board.source import BoardSource
from core.commands import Dispatch
from core.contract.pairing import PairingBook
from core.contract.views import DispatchView
from core.display.texts import Lang, refusal, texts_for
from core.domain.errors import DomainError
from core.domain.vocabulary import StaffRole

_CSS = """
.gantt-row { height: 44px; border-bottom: 1px solid #e2e8f0; contain: strict; }
.gantt-lane { position: relative; height: 100%; background: #f8fafc; }
.gantt-bar { position: absolute; top: 6px; height: 32px; border-radius: 4px; color: white;
  font-size: 12px; line-height: 1.2; padding: 2px 4px; overflow: hidden; white-space: nowrap; }
.bar-work { background: #2563eb; }
.bar-amber { background: #d97706; }
.bar-over { background: #dc2626; }
.bar-pause { color: #0f172a; top: 10px; height: 24px;
  background: repeating-linear-gradient(45deg, #94a3b8 0 6px, #cbd5e1 6px 12px); }
.gantt-now { position: absolute; top: 0; bottom: 0; width: 2px; background: #ef4444;
  z-index: 1; }
.gantt-hour { position: absolute; top: 0; bottom: 0; border-left: 1px dashed #cbd5e1;
  font-size: 11px; color: #64748b; padding-left: 2px; }
.gantt-head { width: 17rem; flex-shrink: 0; padding: 2px .5rem; font-size: .8rem;
  line-height: 1.2; overflow: hidden; display: -webkit-box; -webkit-line-clamp: 2;
  -webkit-box-orient: vertical; }
.gantt-lane { flex-grow: 1; }
.queue-item { padding: 4px 8px; border: 1px solid #cbd5e1; border-radius: 4px; cursor: grab;
  font-size: .875rem; background: white; }
.panel-list { font-size: 14px; display: flex; flex-direction: column; }
.panel-list > div { padding: 2px 0; }
.esc-call { color: #b45309; font-weight: 600; }
.esc-escalate { color: #dc2626; font-weight: 700; }
"""


def day_window(view: DispatchView) -> tuple[datetime, datetime]:
    """The stretch the Gantt spans: the core's, which cut the bars to it (a view from a
    core that did not say: the hours around it)."""
    start = view.timeline_from or view.updated_at - timedelta(hours=3)
    return start, view.timeline_to or view.updated_at + timedelta(hours=3)


def register_dispatch(
    source: BoardSource, pairings: PairingBook | None = None, kiosk_bays: list[str] | None = None
) -> None:
    """The board; with ``pairings``, its panel that pairs screens with ``kiosk_bays``."""
    config = source.config
    zone = config.zone
    boards: dict[Lang, LiveBoard[DispatchView]] = {}  # one per language, for all its screens

    def board(lang: Lang) -> LiveBoard[DispatchView]:
        if lang not in boards:
            t = texts_for(lang)

            def parts(view: DispatchView) -> Parts:
                model = board_model(view, lang, t, day_window(view), zone)
                out: Parts = {}
                for bay_id, head in model.heads.items():
                    out[f"head-{bay_id}"] = head
                for bay_id, lane in model.lanes.items():
                    out[f"lane-{bay_id}"] = lane
                out.update(model.panels)
                return out

            boards[lang] = LiveBoard(f"dispatch-{lang}", source, source.dispatch, parts)
        return boards[lang]

    @ui.page("/dispatch", title="Pitboard · Dispatch")
    def dispatch_page() -> None:
        user = require("/dispatch", StaffRole.FOREMAN, StaffRole.MANAGER)
        if user is None:
            return
        t = frame(config, user, "dispatch.title")
        lang = language(config)
        ui.add_css(_CSS)
        # While the core cannot store anything, nothing on this board moves: say why.
        trouble = (
            ui.label("").classes("w-full bg-red-700 text-white text-xl p-2").mark("store-problem")
        )
        trouble.set_visibility(False)

        def check_store() -> None:
            problem = source.store_problem()
            shown_text = t("dispatch.store_problem", why=problem) if problem else ""
            if trouble.text != shown_text:  # an update redraws the page: only on a change
                trouble.text = shown_text
                trouble.set_visibility(bool(problem))

        check_store()
        who = actor(user)
        dragging: dict[str, str | None] = {"ro": None}
        shown: list[BoardModel | None] = [None]  # the board as this page last drew it
        bay_names = {b.id: b.name for b in config.bays}
        general = [b.id for b in config.bays if b.kind not in ("qc", "wash")]

        def dispatch(ro: str | None, bay: str | None, team: str | None = None) -> None:
            if not ro or not bay:
                return
            try:
                source.run(Dispatch(ro, bay, team or None), who)
            except DomainError as err:
                why = refusal(err.code, err.message, lang)
                ui.notify(t("dispatch.refused", ro=ro, why=why), type="negative")
                return
            ui.notify(t("dispatch.done", ro=ro, bay=bay_names.get(bay, bay)), type="positive")

        # -------- the Gantt: one element per bay, built once. Every element on a page costs
        # each open board time on every update, so the board keeps few.
        live = board(lang)
        with ui.column().classes("w-full gap-0 border rounded"):
            for bay in config.bays:
                with (
                    ui.element("div")
                    .classes("gantt-row w-full flex no-wrap")
                    .mark(f"row-{bay.id}") as row
                ):
                    head = ui.html("", sanitize=False).classes("gantt-head")
                    live.show(f"head-{bay.id}", head.mark(f"head-{bay.id}"))
                    lane = ui.html("", sanitize=False).classes("gantt-lane")
                    live.show(f"lane-{bay.id}", lane.mark(f"lane-{bay.id}"))

                def drop(_e: Any = None, bay_id: str = bay.id) -> None:
                    dispatch(dragging["ro"], bay_id)
                    dragging["ro"] = None

                def pick(e: Any) -> None:
                    dragging["ro"] = e.args if isinstance(e.args, str) else None

                row.on("dragover.prevent", lambda: None)
                row.on("drop.prevent", drop)
                # A bar of a job no clock runs on is dragged to move the job to another bay.
                row.on("dragstart", pick, js_handler="(e) => emit(e.target.dataset.ro || '')")

        # -------- the dispatch queue and the panels
        with ui.row().classes("w-full no-wrap items-start gap-4 mt-4"):
            with ui.card().classes("w-1/3"):
                ui.label(t("dispatch.queue")).classes("text-lg font-semibold")
                # The keyboard's way: pick the job and the bay, press dispatch.
                job_choice = ui.select({}, label=t("dispatch.job")).classes("w-full")
                job_choice.mark("dispatch-job")
                # Its list is brought up to date as it opens, not on every change of the
                # board: an update of a control redraws the whole page in every open tab.

                def offer() -> None:
                    model = shown[0]
                    if model is not None and job_choice.options != model.movable:
                        job_choice.set_options(dict(model.movable))

                job_choice.on("popup-show", offer)
                # A select with no options does not open, and so would never ask for them:
                # with something to show when empty it opens, and fills as it does.
                empty = t("dispatch.nothing_to_dispatch")
                job_choice.add_slot("no-option", f'<div class="q-pa-sm">{empty}</div>')
                with ui.row().classes("items-center gap-2 no-wrap w-full"):
                    bay_choice = (
                        ui.select(
                            {b: f"{b} {bay_names[b]}" for b in general}, label=t("dispatch.to")
                        )
                        .classes("grow")
                        .mark("dispatch-bay")
                    )
                    team_choice = (
                        ui.select(
                            {tm.id: tm.name for tm in config.teams},
                            label=t("dispatch.team"),
                            clearable=True,
                        )
                        .classes("w-32")
                        .mark("dispatch-team")
                    )
                    ui.button(
                        t("dispatch.go"),
                        on_click=lambda: dispatch(
                            job_choice.value, bay_choice.value, team_choice.value
                        ),
                    ).mark("dispatch-go")
                ui.label(t("dispatch.drag")).classes("text-xs text-slate-500")
                queue_box = ui.column().classes("w-full gap-1").mark("queue")
            with ui.grid(columns=3).classes("grow gap-4"):
                for key in [
                    "panel.alerts",
                    "panel.findings",
                    "panel.keys",
                    "panel.qc",
                    "panel.wash",
                    "panel.ready",
                    "panel.devices",
                ]:
                    with ui.card().classes("w-full"):
                        ui.label(t(key)).classes("font-semibold")
                        panel = ui.html("", sanitize=False).classes("panel-list")
                        live.show(key, panel.mark(key))
                with ui.card().classes("w-full"):
                    ui.label(t("panel.prints")).classes("font-semibold")
                    prints_box = ui.row().classes("gap-2").mark("prints")
                if pairings is not None and kiosk_bays:
                    request = ui.context.client.request
                    pairing_panel(
                        pairings,
                        t,
                        who,
                        {b: bay_names.get(b, b) for b in kiosk_bays},
                        str(request.base_url).rstrip("/"),
                        zone,
                    )
        queue_items: dict[str, Any] = {}
        shown_prints: list[str] = []

        def queue_item(ro: str) -> Any:
            with queue_box:
                item = ui.label().classes("queue-item").props("draggable").mark(f"queued-{ro}")
            item.on("dragstart", lambda ro=ro: dragging.update(ro=ro))
            return item

        def render(view: DispatchView) -> None:
            # The model is worked out once per view and language, whatever the number of
            # open boards; each page keeps only its queue and job list.
            model = board_model(view, lang, t, day_window(view), zone)
            last, shown[0] = shown[0], model
            if last is not None and model.queue is last.queue:
                return  # the Gantt and the panels are the board's (LiveBoard): nothing here
            # the queue: items come and go with it; their text is updated in place
            for ro in list(queue_items):
                if ro not in model.queue:
                    queue_items.pop(ro).delete()
            for i, (ro, text) in enumerate(model.queue.items()):
                if ro not in queue_items:
                    queue_items[ro] = queue_item(ro)
                item = queue_items[ro]
                item.text = text
                if queue_box.default_slot.children.index(item) != i:
                    item.move(queue_box, target_index=i)

        def _prints() -> None:
            latest = source.recent_prints()
            ids = [p[0] for p in latest]
            if ids == shown_prints:
                return
            shown_prints[:] = ids
            prints_box.clear()
            with prints_box:
                for _id, document, state, preview in latest:
                    with ui.column().classes("items-center"):
                        ui.label(
                            f"{t(f'document.{document}')} {t(f'print_state.{state}')}"
                        ).classes("text-xs").mark("print")
                        if preview:
                            ui.image(preview).classes("w-32")

        def every_few_seconds() -> None:
            _prints()
            check_store()

        follow(source, source.dispatch, render)
        offer()
        ui.timer(5.0, every_few_seconds)
