"""The head office's configuration file (``hub.toml``): its broker, its PostgreSQL, the
dashboard's web server and who signs in to it, and the sites that feed it."""

from __future__ import annotations

from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo

from pydantic import Field, field_validator, model_validator

from core.config import (
    BrokerConfig,
    ConfigError,
    DatabaseConfig,
    Id,
    UserConfig,
    WebConfig,
    _Section,
    known_zone,
    parse_toml,
)

from .views import STALE_AFTER_SECONDS


class HubInfo(_Section):
    name: str = Field(default="Head office", description="Shown on the group dashboard")
    timezone: str = Field(
        default="Asia/Shanghai", description="IANA time zone the dashboard's days are in"
    )
    language: Literal["zh", "en"] = Field(default="zh", description="The dashboard's language")
    stale_after_seconds: int = Field(
        default=STALE_AFTER_SECONDS,
        ge=10,
        description="A site not heard from for this long stands out on the dashboard",
    )

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        return known_zone(value)


class HubSite(_Section):
    """A site allowed to feed the hub: its bridge signs in to the hub's broker as
    ``site-{id}`` and may write only its own feed and read only its own acks."""

    id: Id
    name: str


class HubUser(UserConfig):
    """Someone at head office who signs in to the group dashboard."""

    role: Literal["group"] = "group"  # type: ignore[assignment]


class HubConfig(_Section):
    hub: HubInfo = HubInfo()
    broker: BrokerConfig = BrokerConfig(username="hub")
    database: DatabaseConfig = DatabaseConfig()
    web: WebConfig = WebConfig(port=8090)
    sites: list[HubSite] = Field(default_factory=list)
    users: list[HubUser] = Field(default_factory=list)
    data_dir: str = Field(default="var", description="Where SQLite lives when no database url")

    @model_validator(mode="after")
    def _unique(self) -> HubConfig:
        for kind, ids in (
            ("site", [s.id for s in self.sites]),
            ("user", [u.id for u in self.users]),
        ):
            seen: set[str] = set()
            for i in ids:
                if i in seen:
                    raise ValueError(f"{kind} {i!r} appears twice")
                seen.add(i)
        return self

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.hub.timezone)

    def site_name(self, site: str) -> str:
        return next((s.name for s in self.sites if s.id == site), site)


#: The hub's retained online status (and its Last Will) on head office's broker: the
#: broker's ACL lets the ``hub`` user write it (without, each publish of it is refused).
HUB_STATUS = "pitboard/hub/status"


def bridge_user(site: str) -> str:
    """The MQTT user a site's bridge signs in to the hub's broker as."""
    return f"site-{site}"


def parse_hub_config(text: str, origin: str = "<hub config>") -> HubConfig:
    return parse_toml(HubConfig, text, origin)


def load_hub_config(path: str | Path) -> HubConfig:
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"{p}: cannot read: {exc.strerror}") from None
    return parse_hub_config(text, str(p))
