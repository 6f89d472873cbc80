"""The service manager's page of who may get in: who is signed in now (and ending a
session), the API tokens (made, shown once, revoked) and the latest sign-in lines of the
audit log."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from nicegui import ui

from board.auth import actor, require
from board.frame import TAB_TITLE, frame, language, roles_of
from board.source import BoardSource
from board.table_words import worded
from board.words import Words
from core.config import ID_PATTERN
from core.display.texts import Lang, Texts
from core.domain.access import Scope

EVENTS_SHOWN = 30


def register_access(source: BoardSource) -> None:
    config = source.config

    @ui.page("/access", title=TAB_TITLE)
    def access_page() -> None:
        user = require("/access", *roles_of("/access"))
        if user is None:
            return
        t = frame(config, user, "access.title")
        AccessPage(source, user, t, language(config)).draw()


class AccessPage:
    """Who is signed in (each session may be ended), the API tokens (made, revoked) and the
    latest sign-in lines: three lists, each redrawn after a change."""

    def __init__(self, source: BoardSource, user: dict[str, Any], t: Texts, lang: Lang) -> None:
        self.config = source.config
        self.words = Words(source.config, lang)
        self.access = source.access
        self.names = {u.id: (u.name, u.role.value) for u in self.config.users}
        self.user = user
        self.who = actor(user)
        self.t = t
        self.sessions = ui.refreshable(self._sessions)
        self.tokens = ui.refreshable(self._tokens)
        self.events = ui.refreshable(self._events)

    def local(self, at: datetime) -> str:
        return at.astimezone(self.config.zone).strftime("%m-%d %H:%M")

    def draw(self) -> None:
        t = self.t
        with ui.column().classes("w-full p-4 gap-6"):
            with ui.card().classes("w-full"):
                ui.label(t("access.sessions")).classes("text-lg font-semibold")
                self.sessions()
            with ui.card().classes("w-full"):
                ui.label(t("access.tokens")).classes("text-lg font-semibold")
                self.tokens()
                self._new_token()
            with ui.card().classes("w-full"):
                ui.label(t("access.events")).classes("text-lg font-semibold")
                self.events()

    def _sessions(self) -> None:
        t, local = self.t, self.local
        for s in self.access.sessions():
            name, role = self.names.get(s.user, (s.user, ""))
            mine = s.id == self.user["session"]
            with ui.row().classes("items-center gap-4").mark(f"session-{s.user}"):
                ui.label(f"{s.user} {name} ({t('role.' + role) if role else ''})").classes("w-64")
                ui.label(s.address).classes("w-40 font-mono")
                ui.label(f"{t('access.since')} {local(s.started_at)}").classes("w-40")
                ui.label(f"{t('access.seen')} {local(s.seen_at)}").classes("w-40")
                if mine:
                    ui.label(t("access.this")).classes("text-slate-500")
                ui.button(
                    t("access.end"), on_click=lambda sid=s.id: self.end(sid), color="negative"
                ).props("dense flat").mark(f"end-{s.user}")

    def end(self, session_id: str) -> None:
        self.access.end_session(session_id, by=self.who)
        ui.notify(self.t("access.ended"), type="positive")
        self.sessions.refresh()
        self.events.refresh()

    def _tokens(self) -> None:
        t, local = self.t, self.local
        for token in self.access.tokens():
            with ui.row().classes("items-center gap-4").mark(f"token-{token.name}"):
                ui.label(token.name).classes("w-40 font-semibold")
                ui.label(t(f"scope.{token.scope.value}")).classes("w-40")
                ui.label(token.id).classes("w-32 font-mono text-slate-500")
                ui.label(f"{t('access.created')} {local(token.created_at)}").classes("w-40")
                if token.revoked_at is not None:
                    ui.label(t("access.revoked", at=local(token.revoked_at))).classes(
                        "text-slate-500"
                    )
                else:
                    ui.button(
                        t("access.revoke"),
                        on_click=lambda i=token.id: self.revoke(i),
                        color="negative",
                    ).props("dense flat").mark(f"revoke-{token.name}")

    def revoke(self, token_id: str) -> None:
        self.access.revoke_token(token_id, by=self.who)
        ui.notify(self.t("access.revoked_now"), type="positive")
        self.tokens.refresh()
        self.events.refresh()

    def _new_token(self) -> None:
        t = self.t
        with ui.row().classes("items-end gap-4 mt-2"):
            self.token_name = ui.input(t("access.token_name")).mark("token-name")
            self.scope = ui.select(
                {s.value: t(f"scope.{s.value}") for s in Scope},
                value=Scope.READ.value,
                label=t("access.scope"),
            ).mark("token-scope")
            ui.button(t("access.create"), on_click=self.create).mark("token-create")

    def create(self) -> None:
        name = (self.token_name.value or "").strip()
        if not ID_PATTERN.match(name):
            ui.notify(self.t("access.bad_name"), type="negative")
            return
        _, secret = self.access.create_token(name, Scope(self.scope.value), by=self.who)
        self.token_name.value = ""
        self.tokens.refresh()
        self.events.refresh()
        shown_once(self.t, secret)

    def _events(self) -> None:
        t = self.t
        rows = [_event_row(e, t, self.local, self.words) for e in self.access.log(EVENTS_SHOWN)]
        worded(
            ui.table(
                columns=[
                    {"name": k, "label": t(f"access.{k}"), "field": k, "align": "left"}
                    for k in ("at", "what", "by", "detail")
                ],
                rows=rows,
                pagination=10,
            ),
            t,
        ).classes("w-full").mark("access-events")


def shown_once(t: Any, secret: str) -> None:
    """The new token in a dialog, the one time anyone sees it."""
    with ui.dialog() as dialog, ui.card().classes("w-[40rem]"):
        ui.label(t("access.shown_once")).classes("text-lg")
        ui.input(value=secret).props("readonly outlined").classes("w-full font-mono").mark(
            "new-token"
        )
        with ui.row():
            ui.button(t("access.copy"), on_click=lambda: ui.clipboard.write(secret))
            ui.button(t("access.close"), on_click=dialog.close).mark("new-token-close")
    dialog.open()


def _event_row(entry: dict[str, Any], t: Any, local: Any, words: Words) -> dict[str, str]:
    return {
        "at": local(entry["at"]),
        "what": t(f"access_event.{entry['type']}"),
        "by": words.source(entry["source"]),
        "detail": words.detail(entry["type"], entry["payload"]),
    }
