"""The group dashboard served for a real browser: 20 sites of a dealer group, some silent
for long (stale), some with cars at risk, on an in-memory hub.

    python -m tests.group_server DATA_DIR WEB_PORT

Head office signs in as HQ01 (password ``pitboard``). When DATA_DIR/change appears, the
hub commits a fact of 上海浦东店 (three cars at risk now), as a test's way to change the
hub while a browser watches.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from pitboard.web import serve_group
from tests.group_env import FakeReader, detail, figures, hub_config, line

NAMES = [
    ("SH01", "上海浦东店"),
    ("SH02", "上海闵行店"),
    ("SH03", "上海嘉定店"),
    ("SH04", "上海宝山店"),
    ("HZ01", "杭州西湖店"),
    ("HZ02", "杭州滨江店"),
    ("NJ01", "南京江宁店"),
    ("NJ02", "南京河西店"),
    ("SZ01", "苏州园区店"),
    ("SZ02", "苏州吴中店"),
    ("WX01", "无锡新区店"),
    ("CZ01", "常州武进店"),
    ("NB01", "宁波鄞州店"),
    ("NB02", "宁波北仑店"),
    ("WZ01", "温州鹿城店"),
    ("HF01", "合肥政务区店"),
    ("JX01", "嘉兴南湖店"),
    ("SX01", "绍兴柯桥店"),
    ("TZ01", "台州椒江店"),
    ("YZ01", "扬州邗江店"),
]
#: Silent minutes (None: never heard), cars at risk, devices offline of some sites.
TROUBLE = {
    "SH03": (42, 0, 0),
    "NB02": (9, 2, 1),
    "TZ01": (None, 0, 0),
    "HZ02": (0.5, 4, 0),
    "NJ01": (1, 2, 3),
    "WX01": (2, 1, 0),
}


def group_reader(now: datetime) -> FakeReader:
    reader = FakeReader()
    for n, (site, name) in enumerate(NAMES):
        silent, at_risk, offline = TROUBLE.get(site, (0.2 + n % 4, 0, 0))
        reader.lines[site] = line(
            site,
            name,
            silent_min=silent,
            now=now,
            open_jobs=6 + (n * 7) % 19,
            at_risk=at_risk,
            devices_offline=offline,
            bays=10 + n % 6,
            bays_busy=5 + n % 6,
            waiting_dispatch=n % 4,
            lag_seconds=0.4 + (n % 5) * 0.7 if silent is not None else None,
        )
        reader.details[site] = detail(reader.lines[site], now)
    reader.by_period["day"] = [
        figures(
            site,
            name,
            on_time=None if n % 9 == 4 else 0.62 + (n * 13 % 37) / 100,
            first_time_fix=0.8 + (n * 7 % 19) / 100,
            efficiency=0.7 + (n * 11 % 41) / 100,
            approval=None if n == 3 else 0.3 + (n * 5 % 40) / 100,
            satisfaction=4.0 + (n * 3 % 10) / 10,
            help_response_seconds=40 + (n * 29 % 300),
            complaints=n % 3,
            help_calls=n % 7,
        )
        for n, (site, name) in enumerate(NAMES)
    ]
    return reader


def change_on_request(reader: FakeReader, flag: Path) -> None:
    while not flag.exists():
        time.sleep(0.1)
    reader.change("SH01", at_risk=3, last_heard=datetime.now(UTC) - timedelta(seconds=5))


def main() -> None:
    data, web_port = Path(sys.argv[1]), int(sys.argv[2])
    reader = group_reader(datetime.now(UTC))
    config = hub_config(NAMES)
    threading.Thread(target=change_on_request, args=(reader, data / "change"), daemon=True).start()
    os.environ.pop(config.web.secret_env, None)  # a development run makes its own
    print("READY", flush=True)
    serve_group(reader, config, host="127.0.0.1", port=web_port, development=True)


if __name__ == "__main__":
    main()
