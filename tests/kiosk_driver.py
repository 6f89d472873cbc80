"""A bay kiosk process without its screen, tapping a scripted shift: used by the fault
test, which kills it with SIGKILL and starts it again.

    python -m tests.kiosk_driver BROKER_PORT STATE_DIR JOB TOTAL

Taps: sign in, then findings numbered 2..TOTAL. Where it resumes after a kill comes from
its own outbox, exactly as a restarted kiosk continues.
"""

from __future__ import annotations

import logging
import os
import sys
import time
from pathlib import Path

from core.mqtt import BrokerAddress
from kiosk.app import connect
from tests.helpers import demo_config


def main() -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    port, state_dir, job, total = sys.argv[1], Path(sys.argv[2]), sys.argv[3], int(sys.argv[4])
    address = BrokerAddress("127.0.0.1", int(port))
    station, link = connect(
        demo_config(), "B03", address, os.environ["PITBOARD_DEVICE_PASSWORD"], state_dir
    )
    n = link.outbox.last_seq
    while n < total:
        n += 1
        if n == 1:
            station.sign_in("T002")
        else:
            station.finding(job, "T002", f"finding {n:04d}", "advisory", 0.1, 0)
        print(n, flush=True)
        time.sleep(0.004)
    drained = link.wait_drained(timeout=float(os.environ.get("DRAIN_TIMEOUT", "120")))
    if not drained:
        logging.error("unanswered: %s", [p.seq for p in link.outbox.pending()][:20])
    link.stop()
    return 0 if drained else 1


if __name__ == "__main__":
    sys.exit(main())
