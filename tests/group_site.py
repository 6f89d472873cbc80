"""A site that feeds its dealer group, for the group feed's tests: the demo site with
``[group] enabled``, and its outbox as the hub would read it."""

from __future__ import annotations

from concurrent.futures import Future
from typing import Any

from sqlalchemy import select

from core.commands import Command
from core.config import SiteConfig
from core.engine import Core, WebCommand
from core.store.repository import Store
from core.store.tables import GroupOutboxRow
from tests.helpers import demo_config


def group_config(**group: Any) -> SiteConfig:
    cfg = demo_config()
    return cfg.model_copy(update={"group": cfg.group.model_copy(update={"enabled": True, **group})})


def outbox(store: Store) -> list[tuple[int, str, dict[str, Any]]]:
    """(seq, kind, data) of every fact waiting, oldest first."""
    o = GroupOutboxRow
    with store.engine.connect() as conn:
        rows = conn.execute(
            select(o.seq, o.kind, o.payload).where(o.site == store.site).order_by(o.seq)
        ).all()
    return [(int(s), k, p) for s, k, p in rows]


def run(core: Core, command: Command, actor: str = "advisor:SA01") -> Any:
    """A page's command as one batch of its own, on the test's thread."""
    done: Future[Any] = Future()
    core.step.process([WebCommand(command, actor, done)])
    return done.result(0)
