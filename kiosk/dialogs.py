"""The kiosk's dialogs that ask one thing: a confirmation, a pause reason, failed items.

Each is a title, what to choose or fill in, and one row of OK and cancel; the frame and
that row are written once here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from nicegui import ui

from core.contract.views import JobCard
from kiosk.screen import BIG, CARD, Screen
from kiosk.station import PAUSE_REASONS, Station


@contextmanager
def framed(dialog: ui.dialog, title: str, width: str = "") -> Iterator[None]:
    """Empty ``dialog`` and fill it under ``title``; it opens when the block is done."""
    dialog.clear()
    with dialog, ui.card().classes(f"{CARD} {width}"):
        ui.label(title).classes("text-3xl max-w-[720px]")
        yield
    dialog.open()


def ok_or_cancel(
    screen: Screen,
    dialog: ui.dialog,
    label: str,
    submit: Callable[[], bool],
    mark: str,
    colour: str = "positive",
) -> None:
    """The dialog's last row. ``submit`` answers whether it took the tap (then the dialog
    closes and the screen says the tap is saved) or left the dialog open to fix it."""

    def ok() -> None:
        if submit():
            dialog.close()
            screen.saved()

    # Kept at the dialog's foot while a long one (the findings' presets) scrolls: a gloved
    # hand does not find its way down an 8-pixel scrollbar.
    with ui.row().classes("gap-4 w-full sticky bottom-0 z-10 bg-gray-900 py-2"):
        ui.button(label, on_click=ok).props(f"color={colour}").classes(BIG).mark(mark)
        ui.button(screen.t("kiosk.cancel"), on_click=dialog.close).props("flat").classes(BIG)


def refuse_empty(screen: Screen) -> bool:
    ui.notify(screen.t("error.invalid_data"), type="negative", position="center")
    return False


def confirm(screen: Screen, question: str, action: Callable[[Station], object]) -> None:
    """A step that cannot be taken back from the kiosk: asked once more."""

    def go() -> bool:
        return screen.act(action) is not None

    with framed(screen.question, question):
        ok_or_cancel(screen, screen.question, screen.t("kiosk.confirm"), go, "confirm")


def pause_reason(screen: Screen, card: JobCard, tech: str) -> None:
    """Why the clock stops: one big button per reason, a tap on one pauses."""
    dialog = screen.question
    with framed(dialog, f"{screen.t('kiosk.pause_reason')} · {card.ro}"):
        with ui.grid(columns=2).classes("gap-3"):
            for reason in PAUSE_REASONS:

                def choose(r: str = reason) -> None:
                    if screen.act(lambda s: s.pause(card.ro, tech, r)) is None:
                        return
                    dialog.close()
                    screen.saved()

                ui.button(screen.t(f"pause.{reason}"), on_click=choose).classes(BIG + " w-64").mark(
                    f"reason-{reason}"
                )
        ui.button(screen.t("kiosk.cancel"), on_click=dialog.close).props("flat").classes(BIG)


def qc_fail(screen: Screen, card: JobCard, tech: str) -> None:
    """Final inspection failed: the items that failed, one a line, back to rework."""
    with framed(screen.form, f"{screen.t('kiosk.qc_fail')} · {card.ro}"):
        items = ui.textarea(screen.t("kiosk.qc_fail_items")).props("dark outlined")
        items.classes("text-2xl w-[640px] max-w-full").mark("qc-items")

        def submit() -> bool:
            lines = [x for x in (items.value or "").splitlines() if x.strip()]
            if not lines:
                return refuse_empty(screen)
            return screen.act(lambda s: s.qc_fail(card.ro, tech, lines)) is not None

        label = screen.t("kiosk.qc_fail_confirm")
        ok_or_cancel(screen, screen.form, label, submit, "qc-fail-submit", colour="negative")
