"""Help calls (安灯) on the boards: every open call with its running timer, who answered,
and the tier it went up to or will next; on the dispatch board for everyone to see (one
part of the board's live screens, pushed past Vue like its panels), and on the help page
(/help) of whoever answers its kind, with the calls for them first, answered ("on my way")
and closed with what was done. The calls follow their own view (view/help), never the
dispatch board's build; the timers tick in the browser (board/static/help_timer.js)."""

from __future__ import annotations

import html
from datetime import datetime
from typing import Any

from nicegui import ui

from board.auth import require
from board.desk_common import Desk
from board.frame import TAB_TITLE, frame, language, roles_of
from board.live import STATIC_URL, LiveBoard, Parts, Pieces, follow
from board.source import BoardSource
from core.commands import AcknowledgeHelp, CloseHelp
from core.config import SiteConfig
from core.contract.help_board import HelpBoard, HelpLine
from core.display.texts import Texts
from core.domain.vocabulary import HelpState, StaffRole

_CHIME = f'<script src="{STATIC_URL}/chime.js"></script>'
TIMERS = f'<script src="{STATIC_URL}/help_timer.js"></script>'
_COLOURS = {
    HelpState.CALLED: "bg-amber-50 border-amber-400",
    HelpState.ACKNOWLEDGED: "bg-emerald-50 border-emerald-400",
}


def since_ms(call: HelpLine) -> str:
    """The call's time for the browser's timer (board/static/help_timer.js)."""
    return str(int(call.called_at.timestamp() * 1000))


def standing(call: HelpLine, t: Texts, config: SiteConfig) -> str:
    """Where the call stands: answered by whom, or gone up a tier, and when it goes up next
    (a time of day: the words stay true while the timer runs)."""
    if call.state is HelpState.ACKNOWLEDGED:
        return t("andon.answered_by", name=call.acknowledged_by or "")
    words = [t("help_state.called")]
    if call.escalated_to is not None:
        words.append(t("andon.escalated_to", role=t("role." + call.escalated_to.value)))
    tiers = config.help.of(call.kind).tiers
    if call.next_tier_at is not None and call.tier < len(tiers):
        at = call.next_tier_at.astimezone(config.zone).strftime("%H:%M")
        words.append(t("andon.next_tier", at=at, role=t("role." + tiers[call.tier].to.value)))
    return " · ".join(words)


def _piece(call: HelpLine, t: Texts, config: SiteConfig) -> str:
    escalated = call.state is HelpState.CALLED and call.tier > 0
    tone = "help-up" if escalated else f"help-{call.state.value}"
    e = html.escape
    bits = [
        f'<b class="help-kind">{e(t("help_kind." + call.kind.value))}</b>',
        f"<span>{e(call.bay_name)} · {e(t('andon.caller', name=call.caller_name))}</span>",
    ]
    if call.ro:
        bits.append(f'<span class="help-ro">{e(call.ro)}</span>')
    if call.note:
        bits.append(f"<i>「{e(call.note)}」</i>")
    bits.append(f'<span class="help-standing">{e(standing(call, t, config))}</span>')
    bits.append(
        f'<span class="help-timer" data-help-timer="{e(call.id)}" '
        f'data-since="{since_ms(call)}"></span>'
    )
    return f'<div data-k="{e(call.id)}" class="help-row {tone}">{"".join(bits)}</div>'


def help_pieces(board: HelpBoard, t: Texts, config: SiteConfig) -> Pieces:
    """The dispatch board's help panel: a line per open call, keyed by its id."""
    if not board.calls:
        return {
            "none": f'<div data-k="none" class="help-none">{html.escape(t("andon.none"))}</div>'
        }
    return {c.id: _piece(c, t, config) for c in board.calls}


HELP_CSS = """
.help-row { display: flex; gap: .75rem; align-items: center; padding: .4rem .6rem;
  border-left: 4px solid #94a3b8; border-radius: 4px; margin: 2px 0; font-size: 1rem; }
.help-called { background: #fffbeb; border-color: #f59e0b; }
.help-acknowledged { background: #ecfdf5; border-color: #10b981; }
.help-up { background: #fef2f2; border-color: #dc2626; }
.help-kind { font-size: 1.15rem; }
.help-ro { color: #64748b; }
.help-standing { flex-grow: 1; }
.help-timer { font-family: monospace; font-size: 1.25rem; font-weight: 700; }
.help-none { color: #94a3b8; }
"""


def dispatch_help(board: LiveBoard[HelpBoard], t: Texts) -> None:
    """The help panel on the dispatch board, above the Gantt: one part of the board's live
    screens; answered and closed on the help page, which it links to."""
    ui.add_css(HELP_CSS)
    ui.add_head_html(TIMERS)
    with ui.card().classes("w-full").mark("help-panel"):
        with ui.row().classes("items-center gap-4"):
            ui.label(t("andon.title")).classes("text-lg font-semibold")
            ui.link(t("andon.answer_there"), "/help")
        board.show("help", ui.html("", sanitize=False).classes("w-full").mark("help-calls"))


def help_board_parts(t: Texts, config: SiteConfig) -> Any:
    """The parts of the dispatch board's help panel, for its LiveBoard."""

    def parts(board: HelpBoard) -> Parts:
        return {"help": help_pieces(board, t, config)}

    return parts


class HelpPanel:
    """The open calls on one page, redrawn when the calls change; the timers tick every
    second. ``desk``: the signed-in person who may answer and close them here."""

    def __init__(self, source: BoardSource, desk: Desk, mine_first: bool) -> None:
        self.source = source
        self.desk = desk
        self.t = desk.t
        self.role = StaffRole(desk.user["role"])
        self.answers = source.config.help.answers(self.role)
        self.mine_first = mine_first
        # Calls already there when the page opens are not new; with no view yet (a core just
        # started), everything that comes is.
        self.seen: set[str] | None = None if source.help() is not None else set()
        self.chimes = 0
        ui.add_head_html(_CHIME + TIMERS)
        self.chime_mark = ui.element("span").classes("hidden").mark("help-chime")
        with ui.card().classes("w-full").mark("help-panel"):
            ui.label(self.t("andon.title")).classes("text-lg font-semibold")
            self.box = ui.column().classes("w-full gap-2").mark("help-calls")
            with self.box:  # until the core's first calls are in
                ui.label(self.t("andon.none")).classes("text-slate-400").mark("help-none")

    def render(self, board: HelpBoard) -> None:
        mine = board.for_role(self.role, self.answers)
        fresh = {c.id for c in mine if c.state is HelpState.CALLED} | {
            f"{c.id}:{c.tier}" for c in mine if c.tier
        }
        if self.seen is not None and fresh - self.seen:
            self.chime()
        self.seen = (self.seen or set()) | fresh
        self.box.clear()
        with self.box:
            if not board.calls:
                ui.label(self.t("andon.none")).classes("text-slate-400").mark("help-none")
                return
            if self.mine_first:
                self._group("andon.mine", mine, board.updated_at)
                rest = [c for c in board.calls if c not in mine]
                self._group("andon.others", rest, board.updated_at)
            else:
                for call in board.calls:
                    self._row(call, board.updated_at)

    def _group(self, title: str, calls: list[HelpLine], now: datetime) -> None:
        if not calls:
            return
        ui.label(self.t(title)).classes("font-semibold text-slate-600")
        for call in calls:
            self._row(call, now)

    def _row(self, call: HelpLine, now: datetime) -> None:
        t = self.t
        escalated = call.state is HelpState.CALLED and call.tier > 0
        colour = "bg-red-50 border-red-500" if escalated else _COLOURS.get(call.state, "")
        with (
            ui.row()
            .classes(f"items-center gap-3 w-full p-2 rounded border-l-4 {colour}")
            .mark(f"help-{call.id}")
        ):
            ui.icon("campaign").classes("text-2xl text-red-600" if escalated else "text-2xl")
            ui.label(t("help_kind." + call.kind.value)).classes("font-bold text-lg")
            ui.label(f"{call.bay_name} · {t('andon.caller', name=call.caller_name)}")
            if call.ro:
                ui.label(call.ro).classes("text-slate-500")
            if call.note:
                ui.label(f"「{call.note}」").classes("italic")
            ui.label(standing(call, t, self.source.config)).classes("grow").mark(
                f"help-state-{call.id}"
            )
            ui.label("").classes("font-mono text-xl font-bold").props(
                f"data-help-timer={call.id} data-since={since_ms(call)}"
            ).mark(f"help-timer-{call.id}")
            self._actions(call)

    def _actions(self, call: HelpLine) -> None:
        t = self.t
        if call.state is HelpState.CALLED:
            ui.button(t("andon.acknowledge"), on_click=lambda c=call: self.acknowledge(c)).props(
                f"color=primary data-help-ack={call.id}"
            ).mark(f"help-ack-{call.id}")
        ui.button(t("andon.close"), on_click=lambda c=call: self.ask_outcome(c)).props(
            "outline"
        ).mark(f"help-close-{call.id}")

    def acknowledge(self, call: HelpLine) -> None:
        if self.desk.run(AcknowledgeHelp(call.id)) is not None:
            ui.notify(self.t("andon.acknowledged_ok"), type="positive")

    def ask_outcome(self, call: HelpLine) -> None:
        t = self.t
        with ui.dialog() as dialog, ui.card().classes("w-96"):
            ui.label(f"{t('help_kind.' + call.kind.value)} · {call.bay_name}").classes(
                "font-semibold"
            )
            outcome = ui.textarea(t("andon.outcome")).classes("w-full").mark("help-outcome")

            def close() -> None:
                if not (outcome.value or "").strip():
                    ui.notify(t("andon.outcome_needed"), type="warning")
                    return
                if self.desk.run(CloseHelp(call.id, str(outcome.value))) is not None:
                    dialog.close()
                    ui.notify(t("andon.closed_ok"), type="positive")

            with ui.row().classes("justify-end w-full"):
                ui.button(t("kiosk.cancel"), on_click=dialog.close).props("flat")
                ui.button(t("andon.close"), on_click=close).mark("help-close-confirm")
        dialog.open()

    def chime(self) -> None:
        self.chimes += 1
        self.chime_mark.props["data-chimes"] = str(self.chimes)
        self.chime_mark.update()
        ui.run_javascript("window.pitboardChime && window.pitboardChime()")


def help_panel(source: BoardSource, user: dict[str, Any], t: Any, mine_first: bool) -> HelpPanel:
    """The panel on a page, following the core's help calls."""
    panel = HelpPanel(source, Desk(source, user, t, language(source.config)), mine_first)
    follow(source, source.help, panel.render)
    return panel


def register_help(source: BoardSource) -> None:
    @ui.page("/help", title=TAB_TITLE)
    def help_page() -> None:
        user: dict[str, Any] | None = require("/help", *roles_of("/help"))
        if user is None:
            return
        t = frame(source.config, user, "andon.page_title")
        help_panel(source, user, t, mine_first=True)
