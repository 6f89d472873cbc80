"""Help calls (安灯) on the boards: every open call with its running timer, who answered,
and the tier it went up to or will next; on the dispatch board for everyone to see, and on
the help page (/help) of whoever answers its kind, with the calls for them first, answered
("on my way") and closed with what was done. The calls follow their own view (view/help),
never the dispatch board's build."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from nicegui import ui

from board.auth import require
from board.desk_common import Desk
from board.frame import TAB_TITLE, frame, language, roles_of
from board.live import STATIC_URL, follow
from board.source import BoardSource
from core.commands import AcknowledgeHelp, CloseHelp
from core.contract.help_board import HelpBoard, HelpLine
from core.domain.vocabulary import HelpState, StaffRole

_CHIME = f'<script src="{STATIC_URL}/chime.js"></script>'
_COLOURS = {
    HelpState.CALLED: "bg-amber-50 border-amber-400",
    HelpState.ACKNOWLEDGED: "bg-emerald-50 border-emerald-400",
}


def running(since: datetime, now: datetime) -> str:
    """The timer: minutes and seconds since the call (hours past the first)."""
    seconds = max(0, int((now - since).total_seconds()))
    minutes, secs = divmod(seconds, 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes:02d}:{secs:02d}"


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
        self.timers: dict[str, tuple[ui.label, datetime]] = {}
        self.seen: set[str] | None = None
        self.chimes = 0
        ui.add_head_html(_CHIME)
        self.chime_mark = ui.element("span").classes("hidden").mark("help-chime")
        with ui.card().classes("w-full").mark("help-panel"):
            ui.label(self.t("andon.title")).classes("text-lg font-semibold")
            self.box = ui.column().classes("w-full gap-2").mark("help-calls")
            with self.box:  # until the core's first calls are in
                ui.label(self.t("andon.none")).classes("text-slate-400").mark("help-none")
        ui.timer(1.0, self.tick)

    def render(self, board: HelpBoard) -> None:
        mine = board.for_role(self.role, self.answers)
        fresh = {c.id for c in mine if c.state is HelpState.CALLED} | {
            f"{c.id}:{c.tier}" for c in mine if c.tier
        }
        if self.seen is not None and fresh - self.seen:
            self.chime()
        self.seen = (self.seen or set()) | fresh
        self.box.clear()
        self.timers.clear()
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
            ui.label(self._standing(call, now)).classes("grow").mark(f"help-state-{call.id}")
            timer = (
                ui.label(running(call.called_at, self.source.now()))
                .classes("font-mono text-xl font-bold")
                .props(f"data-help-timer={call.id}")
            )
            self.timers[call.id] = (timer.mark(f"help-timer-{call.id}"), call.called_at)
            self._actions(call)

    def _standing(self, call: HelpLine, now: datetime) -> str:
        """Where the call stands: answered by whom, or gone up a tier, or when it will."""
        t = self.t
        if call.state is HelpState.ACKNOWLEDGED:
            return t("andon.answered_by", name=call.acknowledged_by or "")
        words = [t("help_state.called")]
        if call.escalated_to is not None:
            words.append(t("andon.escalated_to", role=t("role." + call.escalated_to.value)))
        if call.next_tier_at is not None:
            role = self._next_role(call)
            minutes = max(0, int((call.next_tier_at - now).total_seconds() // 60))
            words.append(t("andon.next_tier", minutes=minutes, role=role))
        return " · ".join(words)

    def _next_role(self, call: HelpLine) -> str:
        tiers = self.source.config.help.of(call.kind).tiers
        nxt = tiers[call.tier] if call.tier < len(tiers) else None
        return self.t("role." + nxt.to.value) if nxt else ""

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

    def tick(self) -> None:
        now = self.source.now()
        for label, since in self.timers.values():
            text = running(since, now)
            if label.text != text:
                label.text = text

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
