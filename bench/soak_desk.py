"""The service desk during the soak: a car checked in through the integration API every
few seconds (each asks for a job ticket, a key tag and a pickup card), and cars whose prints
are all done cancelled again, so the workshop stays the same size through a long run.

Calls that fail (the core is down, its disk is full) are made again with the same repair
order number; "already exists" then means the first call went through.
"""

from __future__ import annotations

import json
import random
import threading
import urllib.error
import urllib.request
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, select

from core.store.tables import PrintRow

OPEN_AT_MOST = 6


class Desk:
    def __init__(self, web_port: int, token: str, engine: Engine, site: str, seed: str) -> None:
        self.base = f"http://127.0.0.1:{web_port}/api/v1"
        self.token = token
        self.engine = engine
        self.site = site
        self.checked_in: list[str] = []
        self.cancelled: list[str] = []
        self.failed_calls = 0
        self._next = 1
        self._rng = random.Random(seed)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="desk", daemon=True)

    def start(self) -> Desk:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(30)

    def _call(self, path: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        request = urllib.request.Request(
            self.base + path,
            data=json.dumps(body).encode(),
            headers={"Authorization": f"Bearer {self.token}", "Content-Type": "application/json"},
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=15) as answer:
                return answer.status, json.loads(answer.read() or b"{}")
        except urllib.error.HTTPError as err:
            try:
                return err.code, json.loads(err.read() or b"{}")
            except ValueError:
                return err.code, {}
        except (OSError, ValueError):
            return 0, {}

    def _check_in(self) -> None:
        n = self._next
        ro = f"SOAK-{n:05d}"
        status, body = self._call(
            "/repair-orders",
            {
                "ro": ro,
                "vehicle": {"plate": f"京D{n:05d}", "model": "大众 帕萨特", "colour": "黑"},
                "customer": {"name": "顾客", "phone": "13900000000"},
                "operations": [{"code": "M010"}],
                "promised_at": (datetime.now(UTC) + timedelta(hours=5)).isoformat(),
                "advisor": "SA01",
                "key_tag": f"5D{n:08X}",
            },
        )
        if status == 201 or (status == 409 and body.get("code") == "duplicate_job"):
            self.checked_in.append(ro)
            self._next += 1
        else:
            self.failed_calls += 1

    def _all_printed(self, ros: list[str]) -> set[str]:
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(PrintRow.ro, PrintRow.state).where(
                    PrintRow.site == self.site, PrintRow.ro.in_(ros)
                )
            ).all()
        waiting = {ro for ro, state in rows if state != "done"}
        return {str(ro) for ro, _ in rows if ro is not None} - waiting

    def _cancel_printed(self) -> None:
        open_ = [ro for ro in self.checked_in if ro not in self.cancelled]
        if len(open_) <= OPEN_AT_MOST:
            return
        try:
            printed = self._all_printed(open_)
        except Exception:  # the database is busy or its disk full: next time
            return
        for ro in open_[: len(open_) - OPEN_AT_MOST]:
            if ro not in printed:
                continue
            status, body = self._call(f"/repair-orders/{ro}/cancel", {"reason": "soak"})
            if status == 200 or body.get("code") in ("illegal_transition", "unknown_job"):
                self.cancelled.append(ro)
            else:
                self.failed_calls += 1

    def _run(self) -> None:
        while not self._stop.wait(self._rng.uniform(1.5, 3.5)):
            self._check_in()
            self._cancel_printed()
