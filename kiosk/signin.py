"""Who works at the bay: the row of technicians signed in, and the PIN pad to sign in."""

from __future__ import annotations

from datetime import UTC, datetime

from nicegui import ui

from core.display.rules import MOVE_NOTICE
from kiosk.dialogs import framed
from kiosk.screen import BIG, Screen

PAD = "text-3xl w-24 h-20"  # 80 px high keys


def people(screen: Screen) -> None:
    """The technicians signed in here; a tap on one makes them the one acting."""
    station, t = screen.station, screen.t
    tech = screen.acting()
    with ui.row().classes("w-full items-center gap-3"):
        ui.label(t("kiosk.signed_in")).classes("text-2xl text-gray-300")
        present = station.present()
        if not present:
            ui.label(t("kiosk.nobody")).classes("text-2xl text-amber-400")
        came = {t.id: t.came_from for t in station.state.techs} if station.state else {}
        for p in present:
            acting = p.id == tech
            label = p.name + (" ✓" if acting else "")
            if came.get(p.id):
                label += f" · {t('kiosk.came_from', bay=came[p.id])}"
            ui.button(label, on_click=lambda pid=p.id: choose(screen, pid)).props(
                "color=" + ("primary" if acting else "grey-8")
            ).classes(BIG).mark(f"tech-{p.id}")
        ui.button(t("kiosk.sign_in"), on_click=lambda: pin_pad(screen)).props(
            "color=positive"
        ).classes(BIG).mark("sign-in")
        if tech is not None:
            ui.button(
                f"{t('kiosk.sign_out')} {station.technicians[tech].name}",
                on_click=lambda: leave(screen, tech),
            ).props("outline color=grey-4").classes(BIG).mark("sign-out")
    now = datetime.now(UTC)
    for gone in station.state.left if station.state else []:
        if now - gone.at > MOVE_NOTICE:  # no change at this bay since: the note is old
            continue
        # Signed in elsewhere since: the bay is told, not left to wonder.
        ui.label(t("kiosk.moved_away", name=gone.name, bay=gone.to_bay)).classes(
            "text-xl text-amber-400"
        ).mark(f"left-{gone.id}")


def choose(screen: Screen, tech: str) -> None:
    screen.tech = tech
    screen.job = None
    screen.redraw()


def leave(screen: Screen, tech: str) -> None:
    screen.station.sign_out(tech)
    screen.saved()


def pin_pad(screen: Screen) -> None:
    """Badge number or PIN, typed on big keys; an unknown one is refused here."""
    dialog, t = screen.form, screen.t
    with framed(dialog, t("kiosk.sign_in")):
        code = ui.input(t("kiosk.pin")).props("dark outlined type=password autofocus")
        code.classes("text-3xl w-80").mark("pin")

        def key(k: str) -> None:
            code.set_value((code.value or "") + k)

        with ui.grid(columns=3).classes("gap-2"):
            for k in "123456789":
                ui.button(k, on_click=lambda k=k: key(k)).classes(PAD)
            ui.button("⌫", on_click=lambda: code.set_value((code.value or "")[:-1])).classes(PAD)
            ui.button("0", on_click=lambda: key("0")).classes(PAD)
            ok = ui.button("OK").props("color=positive").classes(PAD).mark("pin-ok")

        def submit() -> None:
            tech = screen.station.identify(code.value or "")
            if tech is None:
                ui.notify(t("kiosk.unknown_badge"), type="negative", position="center")
                code.set_value("")
                return
            dialog.close()
            screen.arrive(tech.id)

        ok.on_click(submit)
        code.on("keydown.enter", submit)
        ui.button(t("kiosk.cancel"), on_click=dialog.close).props("flat").classes(BIG)
