"""Help calls (安灯) at the kiosk: one big button calls someone to the bay (the foreman, the
team leader, a diagnostic expert, QC, parts, safety) with an optional note, so nobody has
to leave the bay to find them; the bay's open calls show with where each stands. Whoever
comes answers with their badge here (or on their own page), and the call is closed here
saying what was done."""

from __future__ import annotations

from datetime import datetime

from nicegui import ui

from core.contract import site_clock
from core.contract.help_board import HelpLine
from core.display.texts import Texts
from core.domain.vocabulary import HelpState
from kiosk.dialogs import framed, ok_or_cancel, refuse_empty
from kiosk.screen import BIG, CARD, Screen, duration
from kiosk.station import HELP_KINDS

#: Seconds between two paintings of how long an unanswered call has waited (minutes shown).
WAITED_EVERY = 10.0


def help_button(screen: Screen) -> None:
    """The call button, at the end of the people's row (one row less above the work, so the
    job's own buttons fit a 1280 × 800 tablet)."""
    t = screen.t
    tech = screen.acting()
    ui.button(t("andon.button"), icon="campaign", on_click=lambda: call_for_help(screen)).props(
        "color=negative" + ("" if tech else " disable")
    ).classes(BIG + " shrink-0").mark("help-call")


def help_strip(screen: Screen) -> None:
    """The bay's open calls, each with where it stands, or a line saying there are none."""
    calls = screen.station.help_calls()
    if not calls:
        ui.label(screen.t("andon.none")).classes("text-lg text-gray-500").mark("help-none")
        return
    with ui.column().classes(f"{CARD} w-full gap-3 rounded").mark("help-strip"):
        for call in calls:
            _call_row(screen, call)


def standing(t: Texts, call: HelpLine, now: datetime) -> str:
    """Where the call stands: who is on the way, or how long it has waited unanswered (and
    to whom it went up), so the technician at the bay knows what is happening."""
    if call.state is HelpState.ACKNOWLEDGED:
        return t("andon.answered_by", name=call.acknowledged_by or "")
    where = t("help_state.called")
    if call.escalated_to is not None:
        where = t("andon.escalated_to", role=t("role." + call.escalated_to.value))
    waited = max(0.0, (now - call.called_at).total_seconds())
    return f"{where} {duration(waited)}"


def _call_row(screen: Screen, call: HelpLine) -> None:
    t = screen.t
    escalated = call.state is HelpState.CALLED and call.tier > 0
    colour = "bg-red-900" if escalated else "bg-gray-800"
    with ui.row().classes(f"items-center gap-3 p-2 rounded {colour}").mark(f"help-{call.id}"):
        ui.label(t("help_kind." + call.kind.value)).classes("text-2xl font-bold")
        shown = ui.label().classes("text-xl").mark(f"help-standing-{call.id}")

        def paint() -> None:
            text = f"{screen.hm(call.called_at)} · {standing(screen.t, call, site_clock.now())}"
            if shown.text != text:
                shown.set_text(text)

        paint()
        if call.state is HelpState.CALLED:  # the wait goes on: its minutes with it
            ui.timer(WAITED_EVERY, paint)
        if call.state is HelpState.CALLED:
            ui.button(
                t("andon.acknowledge_badge"), on_click=lambda c=call: answer_by_badge(screen, c)
            ).classes(BIG).mark(f"help-answer-{call.id}")
        ui.button(t("andon.close"), on_click=lambda c=call: close_call(screen, c)).props(
            "outline"
        ).classes(BIG).mark(f"help-close-{call.id}")


def call_for_help(screen: Screen) -> None:
    """Whom to call (one big button each), a note if wanted, and send."""
    tech = screen.acting()
    if tech is None:
        return
    t = screen.t
    chosen: list[str] = []
    with framed(screen.form, t("andon.choose_kind"), "w-[960px] max-w-full"):
        buttons: dict[str, ui.button] = {}

        def pick(kind: str) -> None:
            chosen[:] = [kind]
            for key, b in buttons.items():
                b.props(f"color={'negative' if key == kind else 'grey-8'}")

        with ui.grid(columns=3).classes("gap-3"):
            for kind in HELP_KINDS:
                buttons[kind] = (
                    ui.button(t("help_kind." + kind), on_click=lambda k=kind: pick(k))
                    .props("color=grey-8")
                    .classes(BIG + " w-64")
                    .mark(f"help-kind-{kind}")
                )
        note = ui.input(t("andon.note")).props("dark outlined").classes("text-2xl w-full")

        def send() -> bool:
            if not chosen:
                return refuse_empty(screen)
            kind = chosen[0]
            sent = screen.act(lambda s: s.call_help(tech, kind, note.value or ""))
            if sent is not None:
                who = t("help_kind." + kind)
                ui.notify(t("andon.sent", kind=who), type="warning", position="center")
            return sent is not None

        ok_or_cancel(screen, screen.form, t("andon.send"), send, "help-send", colour="negative")


def answer_by_badge(screen: Screen, call: HelpLine) -> None:
    """Whoever came scans their badge: the call is answered in their name."""
    t = screen.t
    with framed(screen.form, f"{t('help_kind.' + call.kind.value)} · {t('andon.badge')}"):
        badge = ui.input(t("andon.badge")).props("dark outlined autofocus type=password")
        badge.classes("text-2xl w-[480px] max-w-full").mark("help-badge")

        def submit() -> bool:
            holder = screen.station.badge_holder(badge.value or "")
            if holder is None:
                ui.notify(t("andon.badge_unknown"), type="negative", position="center")
                return False
            return screen.act(lambda s: s.answer_help(call.id, holder.id)) is not None

        def scanned() -> None:  # a badge reader types and presses enter
            if submit():
                screen.form.close()
                screen.saved()

        badge.on("keydown.enter", scanned)
        ok_or_cancel(screen, screen.form, t("andon.acknowledge"), submit, "help-badge-ok")


def close_call(screen: Screen, call: HelpLine) -> None:
    """What was done, and the call is over (closed by the technician acting here)."""
    tech = screen.acting()
    if tech is None:
        return
    t = screen.t
    with framed(screen.form, f"{t('help_kind.' + call.kind.value)} · {t('andon.close')}"):
        outcome = ui.textarea(t("andon.outcome")).props("dark outlined")
        outcome.classes("text-2xl w-[640px] max-w-full").mark("help-outcome")

        def submit() -> bool:
            done = (outcome.value or "").strip()
            if not done:
                return refuse_empty(screen)
            return screen.act(lambda s: s.close_help(call.id, tech, done)) is not None

        ok_or_cancel(screen, screen.form, t("andon.close"), submit, "help-close-ok")
