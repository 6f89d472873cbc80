"""The dispatch board's screens panel: pair a tablet or PC with a bay (a code and its QR),
see every paired screen, revoke one."""

from __future__ import annotations

import io
from collections.abc import Callable
from zoneinfo import ZoneInfo

import qrcode
import qrcode.image.svg
from nicegui import ui

from board.live import follow
from core.contract.pairing import Pairing, PairingBook, PairingCode

Texts = Callable[..., str]
Snapshot = tuple[tuple[Pairing, ...], tuple[PairingCode, ...]]


def qr_svg(url: str) -> str:
    image = qrcode.make(url, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    out = io.BytesIO()
    image.save(out)
    return out.getvalue().decode()


def pairing_panel(
    book: PairingBook,
    t: Texts,
    who: str,
    bays: dict[str, str],
    base_url: str,
    zone: ZoneInfo,
) -> None:
    """``bays``: the bays with a kiosk page, by id → name; ``base_url``: how this board was
    reached, which the tablet's QR points at."""

    def hm(ts: object) -> str:
        return ts.astimezone(zone).strftime("%H:%M") if hasattr(ts, "astimezone") else "—"

    with ui.card().classes("w-full"):
        ui.label(t("pairing.panel")).classes("font-semibold")
        with ui.row().classes("items-center gap-2 no-wrap w-full"):
            bay = ui.select({b: f"{b} {n}" for b, n in bays.items()}, label=t("pairing.for_bay"))
            bay.classes("grow").mark("pair-bay")
            make = ui.button(t("pairing.new")).mark("pair-new")
        shown = ui.column().classes("items-center w-full gap-1")

        def new_code() -> None:
            if not bay.value:
                ui.notify(t("pairing.pick_bay"), type="warning")
                return
            code = book.new_code(bay.value, who)
            url = f"{base_url}/pair/{code.code}"
            shown.clear()
            with shown:
                ui.label(code.code).classes("text-5xl font-mono tracking-widest").mark(
                    "pair-code-shown"
                )
                ui.label(t("pairing.code_for", bay=code.bay, until=hm(code.expires_at)))
                ui.html(qr_svg(url), sanitize=False).classes("w-40 h-40")
                ui.label(url).classes("text-xs text-slate-500 break-all")

        make.on_click(new_code)
        listing = ui.column().classes("w-full gap-1 text-sm").mark("pairings")

        def render(snapshot: Snapshot) -> None:
            pairings, codes = snapshot
            listing.clear()
            with listing:
                if not pairings and not codes:
                    ui.label(t("pairing.none")).classes("text-slate-400")
                for c in codes:
                    ui.label(t("pairing.open_code", bay=c.bay, until=hm(c.expires_at))).classes(
                        "text-slate-500"
                    )
                for p in pairings:
                    _row(p)

        def _row(p: Pairing) -> None:
            with ui.row().classes("items-center gap-2 no-wrap w-full").mark(f"pairing-{p.bay}"):
                ui.label(
                    t(
                        "pairing.line",
                        bay=p.bay,
                        client=p.client[:48],
                        at=hm(p.paired_at),
                        by=p.paired_by,
                        seen=hm(p.last_seen),
                    )
                ).classes("grow")
                ui.button(
                    t("pairing.revoke"), on_click=lambda pid=p.id: book.revoke(pid, who)
                ).props("dense outline no-caps color=negative").classes("shrink-0 px-3").mark(
                    f"revoke-{p.id}"
                )

        last: list[Snapshot] = []

        def read() -> Snapshot:  # the same object while nothing changed: nothing redrawn
            now = tuple(book.pairings()), tuple(book.open_codes())
            if not last or last[0] != now:
                last[:] = [now]
            return last[0]

        follow(book, read, render)
