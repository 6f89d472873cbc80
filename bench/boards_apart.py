"""The lounge and dispatch boards served by a process of their own that follows the core's
retained views over MQTT (an experiment for tap_to_painted ``--apart``; read-only: the
boards' actions would go to the core through its API).

    python -m bench.boards_apart BROKER_PORT PASSWORD WEB_PORT
"""

from __future__ import annotations

import sys
import tempfile
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import paho.mqtt.client as mqtt
from nicegui import app, ui
from paho.mqtt.enums import CallbackAPIVersion

from bench.common import demo_config
from board.auth import register_login
from board.dispatch import register_dispatch
from board.live import STATIC_DIR, STATIC_URL
from board.lounge import register_lounge
from core.access import Access
from core.contract import topics
from core.contract.dispatch_mirror import BoardMirror
from core.contract.help_board import HelpBoard
from core.contract.views import DispatchView, LoungeView
from core.mqtt import no_delay
from core.store.access import AccessStore
from core.store.database import make_engine, migrate, sqlite_url


class ViewFollower:
    """The part of the boards' source the lounge and dispatch boards read."""

    def __init__(self, port: int, password: str) -> None:
        self.config = demo_config()
        self._lounge: LoungeView | None = None
        self._board = BoardMirror(self.config.site.id)
        self._dispatch: DispatchView | None = None
        self._help: HelpBoard | None = None
        self._listeners: list[Callable[[], None]] = []
        self.client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id="boards-apart")
        self.client.username_pw_set("core", password)
        self.client.on_socket_open = no_delay
        site = self.config.site.id

        def connected(c: mqtt.Client, *_: Any) -> None:
            c.subscribe(topics.LOUNGE.full(site), qos=0)
            c.subscribe(topics.HELP.full(site), qos=0)  # the help calls, apart from the board
            for topic in topics.BOARD:  # the board comes in parts
                c.subscribe(topic.wildcard(site), qos=0)

        def message(_c: mqtt.Client, _u: Any, m: mqtt.MQTTMessage) -> None:
            if m.topic.endswith("/lounge"):
                self._lounge = LoungeView.model_validate_json(m.payload)
            elif m.topic == topics.HELP.full(site):
                self._help = HelpBoard.model_validate_json(m.payload)
            elif self._board.receive(m.topic, bytes(m.payload)):
                board = self._board.view()
                if board is self._dispatch:
                    return  # a whole board is still on its way
                self._dispatch = board
            for listener in list(self._listeners):
                listener()

        self.client.on_connect = connected
        self.client.on_message = message
        self.client.connect("127.0.0.1", port)
        self.client.loop_start()
        # Sign-in sessions of their own, in a database of their own.
        engine = make_engine(sqlite_url(tempfile.mkdtemp(prefix="boards-apart-")))
        migrate(engine)
        self.access = Access(AccessStore(engine, site), self.config.web)

    def lounge(self) -> LoungeView | None:
        return self._lounge

    def dispatch(self) -> DispatchView | None:
        return self._dispatch

    def help(self) -> HelpBoard | None:
        return self._help

    def subscribe(self, listener: Callable[[], None]) -> Callable[[], None]:
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener) if listener in self._listeners else None

    def now(self) -> datetime:
        return datetime.now(UTC)

    def recent_prints(self) -> list[tuple[str, str, str, str | None]]:
        return []

    def run(self, command: object, actor: str) -> Any:
        raise NotImplementedError("the boards apart are read-only")


def main() -> None:
    broker_port, password, web_port = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
    source = ViewFollower(broker_port, password)
    app.add_static_files(STATIC_URL, STATIC_DIR)
    register_login(source)  # type: ignore[arg-type]
    register_lounge(source)  # type: ignore[arg-type]
    register_dispatch(source)  # type: ignore[arg-type]
    threading.Timer(0.5, lambda: print("READY", flush=True)).start()
    ui.run(
        host="127.0.0.1",
        port=web_port,
        reload=False,
        show=False,
        storage_secret="boards-apart",
        ws_per_message_deflate=False,
    )


if __name__ == "__main__":
    main()
