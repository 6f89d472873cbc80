"""Site configuration: one typed model, read from TOML, with errors that say where."""

from __future__ import annotations

import functools
import ipaddress
import os
import re
import tomllib
from datetime import time, timedelta
from pathlib import Path
from typing import Annotated, Literal, TypeVar
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from core.contract.numbering import Numbering
from core.domain.booking_rules import BookingRules
from core.domain.help_calls import HelpTiers, Tier
from core.domain.model import Bay, Technician
from core.domain.vocabulary import BayKind, HelpKind, Role, StaffRole
from core.domain.working_hours import WorkingHours
from core.secret_hash import is_secret_hash, verify_secret
from core.working_day import day_periods

ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
Id = Annotated[str, Field(pattern=ID_PATTERN.pattern)]
DEMO_SITE = "demo"  # the site id of core/demo/site.toml


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SiteInfo(_Section):
    id: Id = Field(description="Site id; every topic starts with pitboard/{id}/")
    name: str = Field(description="Shown on the screens")
    timezone: str = Field(default="Asia/Shanghai", description="IANA time zone of the workshop")
    language: Literal["zh", "en"] = Field(default="zh", description="Default screen language")
    desk_phone: str = Field(
        default="",
        max_length=32,
        description="The service desk's phone number, printed on the customer's pickup card",
    )
    currency: str = Field(
        default="¥",
        min_length=1,
        max_length=8,
        description="Printed before amounts: the charges your dealer system sends are printed on "
        "the delivery summary (none sent, none printed)",
    )
    shift_ends: list[time] = Field(
        default=[time(18, 0)],
        description="Local times at which every running clock is paused (reason shift_end)",
    )
    opens_at: time = Field(
        default=time(8, 0),
        description="When the workshop opens: the dispatch board's day and the reports' "
        "bay utilisation start here (they end at the last shift end)",
    )
    breaks: list[tuple[time, time]] = Field(
        default=[],
        description="Stretches of every working day the workshop does not work, each "
        '[start, end] in local time (lunch: [["12:00", "13:00"]]): the plan, the promises, '
        "the predicted ready times and the bays' open hours leave them out",
    )

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        return known_zone(value)

    @model_validator(mode="after")
    def _breaks_inside_the_day(self) -> SiteInfo:
        """Breaks apart, each inside a stretch the workshop works (from opening to the last
        shift end, or to midnight and from it for a night shift)."""
        periods = day_periods(self.opens_at, self.shift_ends)
        ends = time.min
        for start, end in sorted(self.breaks):
            inside = any(a < start < end < b for a, b in periods)
            if not inside or start <= ends:
                spans = ", ".join(f"{a:%H:%M}–{b:%H:%M}" for a, b in periods)
                raise ValueError(
                    f"break {start:%H:%M}–{end:%H:%M}: breaks must be apart and inside the "
                    f"working day {spans}"
                )
            ends = end
        return self


def known_zone(value: str) -> str:
    """An IANA time zone this machine knows, or a ValueError that names it."""
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {value!r}") from None
    return value


class BrokerConfig(_Section):
    url: str | None = Field(
        default=None,
        description="mqtt://host:port of an existing broker; empty: start one of our own",
    )
    username: str = Field(default="core", description="The core's MQTT user name")
    password_env: str = Field(
        default="PITBOARD_MQTT_PASSWORD", description="Environment variable holding the password"
    )
    listen_port: int = Field(
        default=1883,
        ge=1,
        le=65535,
        description="Port of the broker `pitboard run` starts (a free one if it is taken)",
    )
    protocol: Literal["auto", "5", "3.1.1"] = Field(
        default="auto", description="MQTT version; auto: 5, or 3.1.1 for the embedded amqtt"
    )
    ca_file: str | None = Field(
        default=None,
        description="With an mqtts:// url: the site's CA certificate (`pitboard broker certs`)"
        " that the broker's certificate must chain to; unset: the system's CAs",
    )

    @property
    def password(self) -> str | None:
        return os.environ.get(self.password_env)

    @field_validator("url")
    @classmethod
    def _a_broker_url(cls, value: str | None) -> str | None:
        return None if value is None or not value.strip() else broker_url(value, "url")

    @model_validator(mode="after")
    def _ca_with_mqtts(self) -> BrokerConfig:
        if self.ca_file and self.url and not self.url.startswith(("mqtts://", "ssl://")):
            raise ValueError("ca_file is for an mqtts:// url")
        return self


def broker_url(value: str, what: str, schemes: tuple[str, ...] = ("mqtt", "mqtts")) -> str:
    """``mqtt://host:port`` or ``mqtts://host:port``: a typo (``mqtt//host``) is refused
    here rather than connecting to whatever broker listens on this machine."""
    parts = urlsplit(value.strip())
    if parts.scheme not in (*schemes, "tcp", "ssl") or not parts.hostname:
        raise ValueError(f"{what} {value!r}: expected mqtt://host:port or mqtts://host:port")
    try:
        parts.port  # noqa: B018 - a port that is no number is refused here
    except ValueError:
        raise ValueError(f"{what} {value!r}: the port is not a number") from None
    return value.strip()


class DatabaseConfig(_Section):
    url: str | None = Field(
        default=None,
        description="SQLAlchemy URL (postgresql+psycopg://…); empty: SQLite in the data folder",
    )


class WebConfig(_Section):
    host: str = Field(default="127.0.0.1", description="Address the web pages listen on")
    port: int = Field(default=8080, ge=1, le=65535, description="Port of the web pages")
    secret_env: str = Field(
        default="PITBOARD_SESSION_SECRET",
        description="Environment variable with the session secret (32 characters or more): "
        "it signs the boards' sign-in cookies; every site but the demo must set it",
    )
    public_url: str | None = Field(
        default=None,
        description="The site's address as customers' phones reach it, e.g. "
        "http://192.168.1.20:8080: the pickup card's QR code and link lead there. Empty: "
        "the address the pages are served on (with host 0.0.0.0, this machine's address on "
        "the site's network)",
    )
    tls_cert: str | None = Field(
        default=None, description="HTTPS: the pages' certificate (PEM), with tls_key"
    )
    tls_key: str | None = Field(default=None, description="HTTPS: the certificate's key (PEM)")
    session_idle_minutes: int = Field(
        default=240,
        ge=5,
        le=24 * 60,
        description="A board sign-in ends after this long without a page opened or a tap, "
        "click or key on one",
    )
    session_max_hours: int = Field(
        default=12,
        ge=1,
        le=7 * 24,
        description="A board sign-in ends this long after it began, however much it is used",
    )

    @field_validator("public_url")
    @classmethod
    def _a_public_url(cls, value: str | None) -> str | None:
        return None if value is None or not value.strip() else checked_public_url(value)

    @property
    def scheme(self) -> str:
        return "https" if self.tls_cert else "http"

    def link_base(self) -> str:
        """Where links and QR codes that leave the building lead: ``public_url``, or the
        address the pages are served on."""
        return self.public_url or served_url(self.scheme, self.host, self.port)

    @model_validator(mode="after")
    def _both_or_neither(self) -> WebConfig:
        if (self.tls_cert is None) != (self.tls_key is None):
            raise ValueError("HTTPS needs both tls_cert and tls_key (or neither)")
        return self

    @model_validator(mode="after")
    def _idle_within_longest(self) -> WebConfig:
        if self.session_idle_minutes > self.session_max_hours * 60:
            raise ValueError("session_idle_minutes is longer than session_max_hours")
        return self


def checked_public_url(value: str) -> str:
    """A site's address for customers' phones, without the trailing slash, or why not."""
    example = "e.g. http://192.168.1.20:8080 or https://service.example.cn"
    url = value.strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not url.lower().startswith(parts.scheme + "://"):
        raise ValueError(f"{value!r} must start with http:// or https:// ({example})")
    try:
        port = parts.port
    except ValueError:
        raise ValueError(f"{value!r} has no usable port ({example})") from None
    if not parts.hostname or any(c.isspace() for c in url) or port == 0:
        raise ValueError(f"{value!r} names no host a phone can open ({example})")
    if parts.username is not None or parts.query or parts.fragment:
        raise ValueError(f"{value!r}: only scheme, host, port and a path ({example})")
    return url.rstrip("/")


ANY_ADDRESS = ("0.0.0.0", "::", "")
DEFAULT_PORTS = {"http": 80, "https": 443}


def served_url(scheme: str, host: str, port: int) -> str:
    """The address pages served on ``host``:``port`` are opened at from another machine:
    listening on every address, this machine's address on the site's network."""
    if host in ANY_ADDRESS:
        host = lan_address() or "127.0.0.1"
    if ":" in host:
        host = f"[{host}]"  # IPv6
    return f"{scheme}://{host}" + ("" if DEFAULT_PORTS[scheme] == port else f":{port}")


@functools.cache
def lan_address() -> str | None:
    """This machine's first IPv4 address that is neither loopback nor link-local."""
    import ifaddr

    for adapter in ifaddr.get_adapters():
        for ip in adapter.ips:
            if not isinstance(ip.ip, str):
                continue  # IPv6
            address = ipaddress.IPv4Address(ip.ip)
            if not (address.is_loopback or address.is_link_local or address.is_unspecified):
                return str(address)
    return None


class ApiConfig(_Section):
    tokens_env: str = Field(
        default="PITBOARD_API_TOKENS",
        description="Where tokens were set before they were stored: the core warns that a "
        "value there is no longer read (create tokens with `pitboard token create`)",
    )


class BayConfig(_Section):
    id: Id
    name: str
    kind: BayKind = BayKind.GENERAL
    team: Id | None = None


class TeamConfig(_Section):
    id: Id
    name: str
    leader: Id | None = None


class TechnicianConfig(_Section):
    id: Id
    name: str
    team: Id | None = None
    roles: list[Role] = [Role.TECHNICIAN]
    may_check_twice: bool = Field(
        default=False,
        description="A small shop's word that this person may do two of a car's three checks "
        "(self, leader, final): each such check says so on the order and in the audit log",
    )
    badge: str | None = Field(
        default=None, min_length=1, max_length=64, description="Badge number the kiosk accepts"
    )
    pin_hash: str | None = Field(
        default=None,
        description="From `pitboard pin ID`: the kiosk PIN as a salted scrypt hash (every "
        "kiosk PC holds this file; the PIN itself is never stored)",
    )

    @model_validator(mode="before")
    @classmethod
    def _no_plain_pin(cls, data: object) -> object:
        if isinstance(data, dict) and "pin" in data:
            raise ValueError(
                f"technician {data.get('id', '?')}: a PIN in plain text is refused (every kiosk "
                "PC holds this file). Run `pitboard pin --config FILE --hash-plain` to turn "
                "every `pin` into a `pin_hash`, or `pitboard pin ID --config FILE` to set one"
            )
        return data

    @field_validator("pin_hash")
    @classmethod
    def _a_pin_hash(cls, value: str | None) -> str | None:
        if value is not None and not is_secret_hash(value):
            raise ValueError("not a hash from `pitboard pin` (a PIN itself does not belong here)")
        return value

    def pin_matches(self, pin: str) -> bool:
        """The PIN checked against the hash this file holds: no server needed."""
        return self.pin_hash is not None and verify_secret(pin, self.pin_hash)


class KioskConfig(_Section):
    device: Id = Field(description="MQTT user name of the kiosk")
    bay: Id = Field(description="The bay it stands at; never taken from what the kiosk says")
    numbering: Numbering = Field(
        default=Numbering.CONSECUTIVE,
        description="How its events are numbered: consecutive (a kiosk PC or tablet: seq "
        "rises by one, a gap is waited for), or rising for a console that sends by hand "
        "(mosquitto_pub numbered by the clock: any seq above its last is next). No kiosk "
        "process taps as a rising one",
    )

    @property
    def by_hand(self) -> bool:
        return self.numbering is Numbering.RISING


# Ways to a printer that cannot carry its answers back to the bridge.
ONE_WAY_PRINTERS = ("file", "usb")


class PrinterConfig(_Section):
    device: Id
    url: str = Field(
        description="tcp://host:9100, serial:///dev/ttyUSB0, usb://…, file://…, virtual://name"
    )
    width: Literal[58, 80] = 80
    #: The parts counter's printer (``parts``) prints the bays' pick slips.
    role: Literal["desk", "workshop", "parts"] = "desk"
    confirms: bool = Field(
        default=True,
        description="The printer answers ESC/POS status requests, so a print is done only "
        "once the printer has confirmed it. false for one that cannot (file://, usb://, or a "
        "network or serial printer that does not answer): its prints are at-least-once",
    )
    timeout_seconds: float = Field(
        default=10.0,
        gt=0,
        le=600,
        description="How long the printer may take to answer: its paper status, and the "
        "confirmation once it has processed a ticket",
    )

    @model_validator(mode="after")
    def _one_way_said_so(self) -> PrinterConfig:
        scheme = self.url.partition("://")[0]
        if scheme in ONE_WAY_PRINTERS and self.confirms:
            raise ValueError(
                f"a {scheme}:// printer cannot answer, so it cannot confirm a print: set "
                "confirms = false (its prints are then at-least-once)"
            )
        return self


class KeyReaderConfig(_Section):
    url: str = Field(description="Serial port or pyserial URL of the reader")
    protocol: Literal["em4100", "line"] = "em4100"
    mode: Literal["slot", "door"] = "slot"
    slot: int | None = Field(default=None, ge=0)
    gap_seconds: float = Field(default=2.0, gt=0)


class KeyCabinetConfig(_Section):
    id: Id
    name: str = ""
    slots: int = Field(default=50, ge=1, le=10_000)
    readers: list[KeyReaderConfig] = []


class BridgeConfig(_Section):
    device: Id = Field(default="bridge-1", description="MQTT user name of the devices bridge")


class AlertsConfig(_Section):
    approval_call_minutes: int = Field(
        default=20, ge=1, description="A finding unanswered this long: call the customer"
    )
    approval_escalate_minutes: int = Field(
        default=120, ge=1, description="A finding unanswered this long: escalate to the manager"
    )
    key_out_minutes: int = Field(
        default=60,
        ge=1,
        description="A key out of the cabinet this long while nobody works on its car raises "
        "an alert",
    )


class SignInConfig(_Section):
    """How kiosks take PINs: their length, and the growing wait after wrong ones."""

    pin_min_length: int = Field(
        default=4, ge=4, le=12, description="`pitboard pin` refuses shorter PINs"
    )
    technician_misses: int = Field(
        default=3,
        ge=1,
        le=20,
        description="Wrong PINs in a row for one technician at a kiosk before they wait",
    )
    kiosk_misses: int = Field(
        default=9,
        ge=1,
        le=100,
        description="Wrong PINs or unknown codes in a row at one kiosk before it waits",
    )
    first_wait_seconds: int = Field(
        default=30, ge=1, le=3600, description="The first wait; every further miss doubles it"
    )
    longest_wait_seconds: int = Field(
        default=3600, ge=1, le=86400, description="The wait grows no longer than this"
    )


class RetentionConfig(_Section):
    """How long `pitboard prune` keeps what piles up: the rest goes to the archive folder."""

    inbox_days: int = Field(
        default=30,
        ge=0,
        le=36500,
        description="Every event received is kept this long to answer a repeat of it; each "
        "device's latest event stays however old (it says where the device's numbering "
        "stands). 0: kept for ever",
    )
    audit_years: int = Field(
        default=3,
        ge=0,
        le=100,
        description="Lines of the audit log (every tap, action and sign-in) are kept this "
        "many years. 0: kept for ever",
    )
    prints_days: int = Field(
        default=30,
        ge=0,
        le=36500,
        description="A print the printer confirmed is kept this long after it printed; one "
        "not yet printed is kept until it is. 0: kept for ever",
    )
    archive_dir: str | None = Field(
        default=None,
        description="Where `pitboard prune` writes what it removes, as compressed JSON Lines "
        "per table and month (default: archive in the data folder)",
    )


class AppointmentsConfig(_Section):
    """How bookings are taken: the reception's slots, the grace before a no-show, the
    share of a technician's hours the day's capacity counts."""

    reception_opens: time = Field(default=time(8, 0), description="First reception slot")
    reception_closes: time = Field(
        default=time(17, 0), description="The last slot ends here (local time)"
    )
    slot_minutes: int = Field(
        default=15, ge=5, le=120, description="One car per advisor per slot of this length"
    )
    buffer_every: int = Field(
        default=4,
        ge=0,
        le=100,
        description="Every n-th slot of the day is kept free for walk-ins and overruns "
        "(0: none; 1 is refused: every slot)",
    )
    no_show_grace_minutes: int = Field(
        default=15,
        ge=0,
        le=240,
        description="A booked car this long after its slot is a no-show; later, it is late",
    )
    efficiency: float = Field(
        default=0.85,
        gt=0,
        le=2,
        description="Standard hours a technician's working hour is counted as, for a "
        "team's capacity of a day",
    )
    to_bay_minutes: int = Field(
        default=15,
        ge=0,
        le=240,
        description="From the reception slot to the lift: where a booked car's bay time begins",
    )

    @model_validator(mode="after")
    def _slots_to_take(self) -> AppointmentsConfig:
        if self.reception_closes <= self.reception_opens:
            raise ValueError("reception_closes must come after reception_opens")
        if self.buffer_every == 1:
            raise ValueError("buffer_every = 1 keeps every slot free: 0 (none) or 2 and more")
        return self


def backoff(misses: int, allowed: int, first: int, longest: int) -> int:
    """Seconds to wait after ``misses`` wrong tries in a row, the first ``allowed`` free,
    then ``first`` doubling with every further one up to ``longest``."""
    if misses < allowed:
        return 0
    return int(min(longest, first * 2 ** min(misses - allowed, 30)))


class AdvisorConfig(_Section):
    """The advisor's own cars (我的车辆): how long a promise at risk may wait for them."""

    escalate_after_minutes: int = Field(
        default=15,
        ge=1,
        le=240,
        description="An at-risk notice the advisor has not acknowledged this long goes to "
        "the service manager",
    )


class HelpTierConfig(_Section):
    after_minutes: int = Field(ge=1, le=1440, description="Unanswered this long from the call…")
    to: StaffRole = Field(description="…the call goes to (and shows as escalated to) this role")


class HelpKindConfig(_Section):
    """Who answers one kind of help call (安灯), and whom it goes to unanswered."""

    kind: HelpKind
    answered_by: list[StaffRole] = Field(
        min_length=1, description="The roles whose help page shows the call to answer"
    )
    tiers: list[HelpTierConfig] = Field(
        default_factory=list, description="Escalation, in order of after_minutes"
    )

    @model_validator(mode="after")
    def _in_order(self) -> HelpKindConfig:
        minutes = [t.after_minutes for t in self.tiers]
        if minutes != sorted(set(minutes)):
            raise ValueError(f"help {self.kind.value}: tiers go up in after_minutes, once each")
        return self


def _tiers(*steps: tuple[int, StaffRole]) -> list[HelpTierConfig]:
    return [HelpTierConfig(after_minutes=m, to=r) for m, r in steps]


_F, _M, _Q = StaffRole.FOREMAN, StaffRole.MANAGER, StaffRole.QC
#: Every kind unanswered 5 minutes goes to the foreman, 15 to the service manager; a call
#: for the foreman or for safety goes to the manager at once after 5.
DEFAULT_HELP = [
    HelpKindConfig(kind=HelpKind.FOREMAN, answered_by=[_F], tiers=_tiers((5, _M))),
    HelpKindConfig(kind=HelpKind.LEADER, answered_by=[_F], tiers=_tiers((5, _F), (15, _M))),
    HelpKindConfig(kind=HelpKind.DIAGNOSTIC, answered_by=[_F], tiers=_tiers((5, _F), (15, _M))),
    HelpKindConfig(kind=HelpKind.QC, answered_by=[_Q], tiers=_tiers((5, _F), (15, _M))),
    HelpKindConfig(kind=HelpKind.PARTS, answered_by=[_F], tiers=_tiers((5, _F), (15, _M))),
    HelpKindConfig(kind=HelpKind.SAFETY, answered_by=[_F, _M], tiers=_tiers((5, _M))),
]


class HelpConfig(_Section):
    """Help calls from the kiosks (安灯): a kind the file leaves out keeps its default."""

    kinds: list[HelpKindConfig] = Field(default_factory=list)

    @model_validator(mode="after")
    def _once_each(self) -> HelpConfig:
        named = [k.kind for k in self.kinds]
        if len(named) != len(set(named)):
            raise ValueError("help: a kind appears twice")
        return self

    def of(self, kind: HelpKind) -> HelpKindConfig:
        """The kind as configured, or its default."""
        return next(k for k in (*self.kinds, *DEFAULT_HELP) if k.kind is kind)

    def answers(self, role: StaffRole) -> list[HelpKind]:
        """The kinds a role answers (a manager: all of them)."""
        if role is StaffRole.MANAGER:
            return list(HelpKind)
        return [k for k in HelpKind if role in self.of(k).answered_by]


class AftercareConfig(_Section):
    """After the car has gone: when it is due back, and the follow-up call."""

    next_service_months: int = Field(
        default=6, ge=1, le=36, description="The next service is due this many months on…"
    )
    next_service_km: int = Field(
        default=5000, ge=500, le=50000, description="…or this many km on, whichever is first"
    )
    follow_up_tries: int = Field(
        default=3,
        ge=1,
        le=10,
        description="Follow-up calls tried when nobody answers, before the call is closed "
        "as unreachable",
    )
    complaint_reply_hours: int = Field(
        default=48, ge=1, le=720, description="A complaint is answered within this long"
    )


class GroupConfig(_Section):
    """The site's feed to its dealer group's head office (docs/group.md)."""

    enabled: bool = Field(
        default=False,
        description="Send the site's group facts to head office: kept in the site's database "
        "until the hub acknowledges them, so a link down for days loses nothing",
    )
    hub_url: str | None = Field(
        default=None,
        description="mqtt:// or mqtts://host:port of head office's broker, which the site "
        "broker's bridge connects to (`pitboard broker bridge`)",
    )
    bridge_password_env: str = Field(
        default="PITBOARD_GROUP_PASSWORD",
        description="Environment variable with the password of the site's bridge user "
        "(site-{id}) at head office's broker",
    )
    hub_ca_file: str | None = Field(
        default=None, description="With an mqtts:// hub_url: the CA its certificate chains to"
    )
    max_facts: int = Field(
        default=200, ge=1, le=500, description="Facts in one feed message at most"
    )
    resend_after_seconds: float = Field(
        default=5.0,
        gt=0,
        le=600,
        description="Facts not acknowledged this long after they were sent are sent again",
    )
    figures_every_seconds: int = Field(
        default=60,
        ge=1,
        le=3600,
        description="The day's figures go to head office at most this often (and at every "
        "delivery)",
    )

    @field_validator("hub_url")
    @classmethod
    def _a_hub_url(cls, value: str | None) -> str | None:
        return None if value is None or not value.strip() else broker_url(value, "hub_url")

    @model_validator(mode="after")
    def _ca_with_mqtts(self) -> GroupConfig:
        if self.hub_ca_file and self.hub_url and not self.hub_url.startswith("mqtts://"):
            raise ValueError("hub_ca_file is for an mqtts:// hub_url: the link is not encrypted")
        return self


class UserConfig(_Section):
    """Someone who signs in to the boards (technicians sign in at the kiosks instead)."""

    id: Id
    name: str
    role: StaffRole
    password_hash: str = Field(
        description="From `pitboard hash-password`; the password itself is never stored",
    )

    @field_validator("password_hash")
    @classmethod
    def _a_hash(cls, value: str) -> str:
        if not is_secret_hash(value):
            raise ValueError(
                "not a hash from `pitboard hash-password` (a password itself does not belong "
                "in the file)"
            )
        return value


def key_slots(config: SiteConfig) -> int:
    """Hooks of the key cabinet cars are given at reception (the first cabinet's)."""
    return config.key_cabinets[0].slots if config.key_cabinets else 0


class SiteConfig(_Section):
    """A whole site: who works where, which devices exist, how to reach broker and store."""

    site: SiteInfo
    broker: BrokerConfig = BrokerConfig()
    database: DatabaseConfig = DatabaseConfig()
    web: WebConfig = WebConfig()
    api: ApiConfig = ApiConfig()
    bridge: BridgeConfig = BridgeConfig()
    alerts: AlertsConfig = AlertsConfig()
    sign_in: SignInConfig = SignInConfig()
    retention: RetentionConfig = RetentionConfig()
    appointments: AppointmentsConfig = AppointmentsConfig()
    aftercare: AftercareConfig = AftercareConfig()
    advisor: AdvisorConfig = AdvisorConfig()
    help: HelpConfig = HelpConfig()
    group: GroupConfig = GroupConfig()
    users: list[UserConfig] = []
    bays: list[BayConfig] = Field(min_length=1)
    teams: list[TeamConfig] = []
    technicians: list[TechnicianConfig] = []
    kiosks: list[KioskConfig] = []
    printers: list[PrinterConfig] = []
    key_cabinets: list[KeyCabinetConfig] = []
    data_dir: str = Field(default="var", description="Where SQLite, outboxes and previews live")

    @model_validator(mode="after")
    def _consistent(self) -> SiteConfig:
        def unique(kind: str, ids: list[str]) -> None:
            seen: set[str] = set()
            for i in ids:
                if i in seen:
                    raise ValueError(f"{kind} {i!r} appears twice")
                seen.add(i)

        unique("bay", [b.id for b in self.bays])
        unique("team", [t.id for t in self.teams])
        unique("technician", [t.id for t in self.technicians])
        unique("user", [u.id for u in self.users])
        unique("badge", [t.badge for t in self.technicians if t.badge])
        if self.alerts.approval_escalate_minutes <= self.alerts.approval_call_minutes:
            raise ValueError("alerts: approval_escalate_minutes must come after the call")
        devices = [k.device for k in self.kiosks] + [p.device for p in self.printers]
        unique("device", [*devices, self.bridge.device])
        bays = {b.id for b in self.bays}
        teams = {t.id for t in self.teams}
        for b in self.bays:
            if b.team is not None and b.team not in teams:
                raise ValueError(f"bay {b.id} names unknown team {b.team!r}")
        for t in self.technicians:
            if t.team is not None and t.team not in teams:
                raise ValueError(f"technician {t.id} names unknown team {t.team!r}")
        for k in self.kiosks:
            if k.bay not in bays:
                raise ValueError(f"kiosk {k.device} stands at unknown bay {k.bay!r}")
        reserved = {self.broker.username, "lounge", "welcome", "board"}
        for d in devices:
            if d in reserved:
                raise ValueError(f"device name {d!r} is reserved")
        return self

    @property
    def archive_dir(self) -> Path:
        """Where `pitboard prune` writes what it removes."""
        return Path(self.retention.archive_dir or Path(self.data_dir) / "archive")

    def on_port(self, port: int | None) -> SiteConfig:
        """This configuration with the pages served on ``port`` (a command's --port), so
        that the links that leave the building name the port really served."""
        if port is None or port == self.web.port:
            return self
        return self.model_copy(update={"web": self.web.model_copy(update={"port": port})})

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.site.timezone)

    @property
    def is_demo(self) -> bool:
        """The demo site (its people's password is published), which may run without a
        session secret of its own."""
        return self.site.id == DEMO_SITE

    def kiosk_bay(self, device: str) -> str | None:
        return _kiosk_bays(self.kiosks).get(device)

    def kiosk_at(self, bay: str) -> str | None:
        """The device a bay's kiosk process taps as: the first configured at the bay that
        is not sent to by hand."""
        return next((k.device for k in self.kiosks if k.bay == bay and not k.by_hand), None)

    @property
    def rising_numbered(self) -> frozenset[str]:
        """The devices whose numbers may skip forward (consoles sent to by hand)."""
        return frozenset(k.device for k in self.kiosks if k.by_hand)

    def device_kind(self, device: str) -> str | None:
        return _device_kinds(self).get(device)


#: Each list of kiosks' bays by device, by the list's id (the list kept: its id stays its).
_BAYS_OF: dict[int, tuple[list[KioskConfig], dict[str, str]]] = {}


def _kiosk_bays(kiosks: list[KioskConfig]) -> dict[str, str]:
    """Each kiosk's bay by its device, made once per list of kiosks: asked several times
    for every event, a search through a thousand kiosks would cost each event more than
    all else the core does with it (and a model's private attribute is slow to read)."""
    made = _BAYS_OF.get(id(kiosks))
    if made is None or made[0] is not kiosks:
        bays: dict[str, str] = {}
        for k in kiosks:
            bays.setdefault(k.device, k.bay)  # the first listed, as a search finds it
        made = _BAYS_OF[id(kiosks)] = (kiosks, bays)
    return made[1]


#: Each configuration's devices' kinds, by the configuration's id (the configuration kept).
_KINDS_OF: dict[int, tuple[SiteConfig, dict[str, str]]] = {}


def _device_kinds(config: SiteConfig) -> dict[str, str]:
    """Every device's kind (kiosk, bridge, printer), made once per configuration: asked
    for every event, more than once."""
    made = _KINDS_OF.get(id(config))
    if made is None or made[0] is not config:
        kinds = {p.device: "printer" for p in config.printers}
        kinds[config.bridge.device] = "bridge"
        kinds.update((k.device, "kiosk") for k in config.kiosks)  # a kiosk first, as before
        made = _KINDS_OF[id(config)] = (config, kinds)
    return made[1]


class ConfigError(Exception):
    """A configuration file that cannot be used, with where and why."""


_Model = TypeVar("_Model", bound=BaseModel)


def parse_config(text: str, origin: str = "<config>") -> SiteConfig:
    return parse_toml(SiteConfig, text, origin)


def parse_toml(model: type[_Model], text: str, origin: str) -> _Model:
    """A configuration file read into ``model``; every mistake said with its place (a
    setting misspelt is named as unknown), in one ConfigError."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{origin}: not valid TOML: {exc}") from None
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        lines = []
        for err in exc.errors():
            where = ".".join(str(p) for p in err["loc"]) or "(top level)"
            msg = err["msg"]
            if err["type"] == "extra_forbidden":
                msg = "unknown setting (typo?)"
            lines.append(f"  {where}: {msg}")
        raise ConfigError(f"{origin}: invalid configuration\n" + "\n".join(lines)) from None


def load_config(path: str | Path) -> SiteConfig:
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"{p}: cannot read: {exc.strerror}") from None
    return parse_config(text, str(p))


def bays_from_config(config: SiteConfig) -> list[Bay]:
    """The site's bays as the domain knows them."""
    return [Bay(b.id, b.name, BayKind(b.kind), b.team) for b in config.bays]


def technicians_from_config(config: SiteConfig) -> list[Technician]:
    """The site's technicians as the domain knows them."""
    return [
        Technician(t.id, t.name, t.team, frozenset(Role(r) for r in t.roles), t.may_check_twice)
        for t in config.technicians
    ]


def working_hours_from_config(config: SiteConfig) -> WorkingHours:
    """The site's working time as the plan knows it: from opening to the last shift end,
    every day (a night shift's end after midnight too), its breaks left out."""
    site = config.site
    periods = day_periods(site.opens_at, site.shift_ends)
    for start, end in sorted(site.breaks):
        i = next(i for i, (a, b) in enumerate(periods) if a < start < end < b)
        periods[i : i + 1] = [(periods[i][0], start), (end, periods[i][1])]
    return WorkingHours(periods=tuple(periods), zone=config.zone)


def booking_rules_from_config(config: SiteConfig) -> BookingRules:
    """The site's rules for taking bookings, as the domain knows them."""
    a = config.appointments
    return BookingRules(
        reception_opens=a.reception_opens,
        reception_closes=a.reception_closes,
        slot=timedelta(minutes=a.slot_minutes),
        buffer_every=a.buffer_every,
        no_show_grace=timedelta(minutes=a.no_show_grace_minutes),
        efficiency=a.efficiency,
        to_bay=timedelta(minutes=a.to_bay_minutes),
    )


def help_tiers_from_config(config: SiteConfig) -> HelpTiers:
    """Each kind's escalation, as the domain knows it."""
    return {
        kind: tuple(
            Tier(timedelta(minutes=t.after_minutes), t.to.value) for t in config.help.of(kind).tiers
        )
        for kind in HelpKind
    }
