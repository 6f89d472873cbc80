"""What the soak (bench/soak.py) found wrong outside its own code, each reproduced in the
smallest way and kept as a test once fixed.

Found by the soak (fixed): a reinstalled tablet (outbox deleted) that taps more while waiting for
its first answer than the core ever had from it is renumbered past its own numbers, not
after the core's: the core waits for the numbers in between, which never come, and holds
every later tap of that kiosk for good (the soak's kiosk-b08 lost 34 taps this way)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from core.store.repository import Store
from tests.kiosk_env import Workshop, demo_workshop
from tests.waiting import wait_until


@pytest.fixture
def shop(store: Store, tmp_path: Path) -> Iterator[Workshop]:
    w = demo_workshop(store, tmp_path)
    yield w
    w.close()


def test_a_reinstalled_tablet_that_tapped_more_than_the_core_ever_had_is_heard(
    shop: Workshop,
) -> None:
    station = shop.station("B03")
    station.sign_in("T002")
    shop.settle("B03")  # the core has kiosk-b03's #1
    shop.links["B03"].stop()
    for f in shop.state_dir.glob("kiosk-b03.outbox.sqlite*"):
        f.unlink()  # a new SD card
    station = shop.station("B03", online=False)
    for _ in range(3):  # six taps before the core has answered one of the new outbox's
        station.sign_out("T002")
        station.sign_in("T002")
    link = shop.links["B03"]
    link.go_online()

    def renumbered() -> bool:
        pending = [p.seq for p in link.outbox.pending()]
        return not pending or pending[0] != 1

    wait_until(renumbered, "the answer seq_taken and the renumbering")
    pending = [p.seq for p in link.outbox.pending()]
    core_last = max(seq for seq, _, _ in shop.core.store.inbox_results("kiosk-b03"))
    assert not pending or pending[0] <= core_last + 1, (
        f"renumbered {pending}: the core waits for #{core_last + 1}, which never comes"
    )
    wait_until(lambda: len(shop.core.store.audit_events("kiosk-b03")) == 7, "every tap applied")
