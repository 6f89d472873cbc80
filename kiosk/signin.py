"""Who works at the bay: the row of technicians signed in, and signing in: a tap on one's
name, then one's PIN (a badge is scanned in the scan field instead)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from nicegui import ui

from core.contract import site_clock
from core.display.rules import MOVE_NOTICE
from kiosk.dialogs import framed
from kiosk.screen import BIG, Screen

PAD = "text-3xl w-24 h-20 pb-pad"  # 80 px high keys (lower on a 7-inch panel: kiosk/page.py)


def people(screen: Screen, trailing: Callable[[], None] = lambda: None) -> None:
    """The technicians signed in here; a tap on one makes them the one acting. ``trailing``
    draws at the row's far end (the help call)."""
    station, t = screen.station, screen.t
    tech = screen.acting()
    # One row whoever is signed in: a fourth name wrapped the call button onto a row of its
    # own and pushed the job's buttons below a tablet's edge. The names scroll sideways.
    with ui.row().classes("w-full items-center gap-3 no-wrap"):
        ui.label(t("kiosk.signed_in")).classes("text-2xl text-gray-300 shrink-0")
        present = station.present()
        if not present:
            ui.label(t("kiosk.nobody")).classes("text-2xl text-amber-400")
        came = {t.id: t.came_from for t in station.state.techs} if station.state else {}
        with ui.row().classes("gap-3 no-wrap overflow-x-auto min-w-0"):
            for p in present:
                acting = p.id == tech
                label = p.name + (" ✓" if acting else "")
                if came.get(p.id):
                    label += f" · {t('kiosk.came_from', bay=came[p.id])}"
                ui.button(label, on_click=lambda pid=p.id: choose(screen, pid)).props(
                    "color=" + ("primary" if acting else "grey-8")
                ).classes(BIG + " shrink-0").mark(f"tech-{p.id}")
        ui.button(t("kiosk.sign_in"), on_click=lambda: pin_pad(screen)).props(
            "color=positive"
        ).classes(BIG + " shrink-0").mark("sign-in")
        if tech is not None:
            ui.button(
                f"{t('kiosk.sign_out')} {station.technicians[tech].name}",
                on_click=lambda: leave(screen, tech),
            ).props("outline color=grey-4").classes(BIG + " shrink-0").mark("sign-out")
        ui.space()
        trailing()
    now = site_clock.now()
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


def cancel(screen: Screen) -> None:
    ui.button(screen.t("kiosk.cancel"), on_click=screen.form.close).props("flat").classes(BIG).mark(
        "kiosk-cancel"
    )


def leave(screen: Screen, tech: str) -> None:
    if screen.act(lambda s: s.sign_out(tech)) is not None:
        screen.saved()


def pin_pad(screen: Screen) -> None:
    """Who signs in: a tap on their name (a badge is scanned instead), then their PIN."""
    dialog, t = screen.form, screen.t
    with framed(dialog, t("kiosk.who"), "w-[1100px] max-w-full"):
        ui.label(t("kiosk.badge_instead")).classes("text-xl text-gray-400")
        with ui.grid(columns=4).classes("gap-3"):
            for tech in screen.station.candidates():
                ui.button(tech.name, on_click=lambda tid=tech.id: pin_step(screen, tid)).props(
                    "no-caps"
                ).classes(BIG).mark(f"who-{tech.id}")
        cancel(screen)


def waiting(screen: Screen, tech: str, seconds: int, scope: str | None) -> None:
    """The wait after wrong PINs, said with when it ends; nothing to type meanwhile."""
    until = datetime.now(UTC) + timedelta(seconds=seconds)
    key = "kiosk.wait_kiosk" if scope == "kiosk" else "kiosk.wait_technician"
    name = screen.station.technicians[tech].name
    ui.label(screen.t(key, name=name, s=seconds, at=screen.hm(until))).classes(
        "text-2xl text-amber-400 max-w-[720px]"
    ).mark("pin-wait")


def pin_step(screen: Screen, tech: str) -> None:
    """The PIN of ``tech`` on big keys, checked here against the site file's hash."""
    dialog, t = screen.form, screen.t
    name = screen.station.technicians[tech].name
    with framed(dialog, f"{t('kiosk.pin')} · {name}"):
        seconds, scope = screen.station.sign_in_wait(tech)
        if seconds:
            waiting(screen, tech, seconds, scope)
            cancel(screen)
            return
        code = ui.input(t("kiosk.pin")).props(
            "dark outlined type=password autofocus inputmode=numeric"
        )
        code.classes("text-3xl w-80").mark("pin")

        def key(k: str) -> None:
            code.set_value((code.value or "") + k)

        with ui.grid(columns=3).classes("gap-2"):
            for k in "123456789":
                ui.button(k, on_click=lambda k=k: key(k)).classes(PAD)
            ui.button("⌫", on_click=lambda: code.set_value((code.value or "")[:-1])).classes(PAD)
            ui.button("0", on_click=lambda: key("0")).classes(PAD)
            ok = ui.button(t("kiosk.pin_ok")).props("color=positive").classes(PAD).mark("pin-ok")

        def submit() -> None:
            verdict = screen.act(lambda s: s.try_pin(tech, code.value or ""))
            if verdict is None:
                return
            if verdict.ok:
                dialog.close()
                screen.arrive(tech)
                return
            ui.notify(t("kiosk.wrong_pin"), type="negative", position="center")
            if verdict.wait or not verdict.checked:
                pin_step(screen, tech)  # the same dialog, now saying how long to wait
                return
            code.set_value("")

        ok.on_click(submit)
        code.on("keydown.enter", submit)
        cancel(screen)
