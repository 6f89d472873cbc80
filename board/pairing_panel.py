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


class PairingPanel:
    """A bay picked, a new one-time code and its QR; below, the codes waiting and every
    paired screen with its revoke button, redrawn as the book changes."""

    def __init__(
        self,
        book: PairingBook,
        t: Texts,
        who: str,
        bays: dict[str, str],
        base_url: str,
        zone: ZoneInfo,
    ) -> None:
        self.book = book
        self.t = t
        self.who = who
        self.base_url = base_url
        self.zone = zone
        self._last: list[Snapshot] = []
        with ui.card().classes("w-full"):
            ui.label(t("pairing.panel")).classes("font-semibold")
            with ui.row().classes("items-center gap-2 no-wrap w-full"):
                self.bay = ui.select(
                    {b: f"{b} {n}" for b, n in bays.items()}, label=t("pairing.for_bay")
                )
                self.bay.classes("grow").mark("pair-bay")
                make = ui.button(t("pairing.new")).mark("pair-new")
            self.shown = ui.column().classes("items-center w-full gap-1")
            make.on_click(self.new_code)
            self.listing = ui.column().classes("w-full gap-1 text-sm").mark("pairings")
            follow(book, self.read, self.render)

    def hm(self, ts: object) -> str:
        return ts.astimezone(self.zone).strftime("%H:%M") if hasattr(ts, "astimezone") else "—"

    def new_code(self) -> None:
        t = self.t
        if not self.bay.value:
            ui.notify(t("pairing.pick_bay"), type="warning")
            return
        code = self.book.new_code(self.bay.value, self.who)
        url = f"{self.base_url}/pair/{code.code}"
        self.shown.clear()
        with self.shown:
            ui.label(code.code).classes("text-5xl font-mono tracking-widest").mark(
                "pair-code-shown"
            )
            ui.label(t("pairing.code_for", bay=code.bay, until=self.hm(code.expires_at)))
            ui.html(qr_svg(url), sanitize=False).classes("w-40 h-40")
            ui.label(url).classes("text-xs text-slate-500 break-all")

    def render(self, snapshot: Snapshot) -> None:
        t = self.t
        pairings, codes = snapshot
        self.listing.clear()
        with self.listing:
            if not pairings and not codes:
                ui.label(t("pairing.none")).classes("text-slate-400")
            for c in codes:
                ui.label(t("pairing.open_code", bay=c.bay, until=self.hm(c.expires_at))).classes(
                    "text-slate-500"
                )
            for p in pairings:
                self._row(p)

    def _row(self, p: Pairing) -> None:
        t, hm = self.t, self.hm
        with ui.row().classes("items-center gap-2 no-wrap w-full").mark(f"pairing-{p.bay}"):
            # The browser's own description (its user agent) is no words: a tooltip.
            address, _, agent = p.client.partition(" ")
            ui.label(
                t(
                    "pairing.line",
                    bay=p.bay,
                    client=address,
                    at=hm(p.paired_at),
                    by=p.paired_by,
                    seen=hm(p.last_seen),
                )
            ).classes("grow").tooltip(agent[:120])
            ui.button(
                t("pairing.revoke"), on_click=lambda pid=p.id: self.book.revoke(pid, self.who)
            ).props("dense outline no-caps color=negative").classes("shrink-0 px-3").mark(
                f"revoke-{p.id}"
            )

    def read(self) -> Snapshot:  # the same object while nothing changed: nothing redrawn
        now = tuple(self.book.pairings()), tuple(self.book.open_codes())
        if not self._last or self._last[0] != now:
            self._last[:] = [now]
        return self._last[0]
