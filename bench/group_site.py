"""One site of the dealer-group simulation, headless: its core (with the group feed's
relay), its bays' kiosks, a simulated key cabinet and printers, and workshop days played
at speed through them — against the site's own Mosquitto, on its own SQLite.

    python -m bench.group_site CONFIG BROKER_URL DATABASE_URL PASSWORDS_JSON SPEED

Killed and started again it goes on from its database and its outboxes (the site clock
comes from the environment, so site time runs on across the restart)."""

from __future__ import annotations

import json
import logging
import os
import sys
from pathlib import Path

from core.config import SiteConfig, load_config
from pitboard.app import Pitboard, Plan


class SimulatedSite(Pitboard):
    """A site whose broker the simulation started: it knows its devices' passwords."""

    def __init__(self, config: SiteConfig, plan: Plan, passwords: dict[str, str]) -> None:
        super().__init__(config, plan)
        self._passwords = passwords

    @property
    def passwords(self) -> dict[str, str]:
        return self._passwords


def main(argv: list[str]) -> int:
    config_path, broker_url, database_url, passwords_path, speed = argv
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(name)s %(message)s")
    config = load_config(config_path)
    passwords = json.loads(Path(passwords_path).read_text(encoding="utf-8"))
    os.environ.setdefault(config.broker.password_env, passwords[config.broker.username])
    plan = Plan(
        broker_url=broker_url,
        database_url=database_url,
        everything=True,
        demo=True,
        speed=float(speed),
    )
    site = SimulatedSite(config, plan, passwords).start()
    site.wait()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
