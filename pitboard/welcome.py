"""What ``pitboard run`` prints once everything is up: where the pages are and a tap to send
by hand."""

from __future__ import annotations

import math
import shlex
from fractions import Fraction

from core.app import database_url
from core.config import KioskConfig, SiteConfig, served_url
from core.contract import site_clock
from core.contract.site_clock import SiteClock
from core.domain.vocabulary import Role
from pitboard.app import Pitboard, demo_api_token

#: The envelope's ``ts`` as the shell's ``date`` writes it: UTC, to the second.
SHELL_TS = "+%Y-%m-%dT%H:%M:%SZ"


def console_of(config: SiteConfig) -> KioskConfig | None:
    """The first console configured for sending by hand (numbering = "rising")."""
    return next((k for k in config.kiosks if k.by_hand), None)


def free_technician(config: SiteConfig, bay: str) -> str:
    """A technician of the bay's team the demo does not put to work (it takes each team's
    first ones)."""
    team = next((b.team for b in config.bays if b.id == bay), None)
    return next(
        (
            t.id
            for t in reversed(config.technicians)
            if t.team == team and Role.TECHNICIAN in t.roles
        ),
        config.technicians[-1].id if config.technicians else "T001",
    )


def shell_site_time(clock: SiteClock) -> str:
    """The site's time when the command runs, as the shell works it out: its own clock, or
    the demo's clock reckoned from it (GNU date). Rounded down, never ahead of the core's
    clock, which refuses a tap dated more than 5 minutes after it arrived."""
    if clock.site_start is None or clock.real_start is None:
        return f"$(date -u {SHELL_TS})"
    site = math.floor(clock.site_start.timestamp())
    real = math.ceil(clock.real_start.timestamp())
    rate = Fraction(clock.speed).limit_denominator(1000)
    times = f"*{rate.numerator}" + (f"/{rate.denominator}" if rate.denominator > 1 else "")
    return f"$(date -u -d @$(({site}+($(date +%s)-{real}){times})) {SHELL_TS})"


def mqtt_options(site: Pitboard, device: str) -> str:
    """Where the broker is, how its certificate is checked, and who the device is to it."""
    address = site.address
    options = f"-h {address.host} -p {address.port}"
    if address.ca_file is not None:  # mqtts://: Mosquitto's clients check the certificate too
        ca = address.ca_file
        options += f" --cafile {shlex.quote(ca)}" if ca else " --capath /etc/ssl/certs"
    if site.broker is None:  # the site's broker: `pitboard broker credentials` has it
        return f'{options} -u {device} -P "$PITBOARD_DEVICE_PASSWORD"'
    if site.broker.kind == "mosquitto":
        return f"{options} -u {device} -P {site.passwords[device]}"
    return options  # the embedded broker asks nobody's name


def example_tap(site: Pitboard) -> str:
    """A tap a person sends by hand as the site's console, numbered and dated by the clock
    when it runs (so the same line works every time it is pasted), and how to watch its
    answer; or how to configure a console."""
    config = site.config
    console = console_of(config)
    if console is None:
        return (
            "Send taps by hand: add a console to the site file (a [[kiosks]] entry with\n"
            '  numbering = "rising", docs/configuration.md) and start again.\n'
        )
    device, bay = console.device, console.bay
    tech = free_technician(config, bay)
    options, topic = mqtt_options(site, device), f"pitboard/{config.site.id}/dev/{device}"
    payload = (
        f'\'{{"v":1,"source":"{device}","seq":\'$(date +%s)\',"ts":"\''
        f"{shell_site_time(site_clock.current())}"
        f'\'","type":"tech.signed_in","bay":"{bay}","tech":"{tech}"}}\''
    )
    password = (
        "" if site.broker is not None else f" (PITBOARD_DEVICE_PASSWORD: {device}'s password)"
    )
    return (
        f"Send a tap by hand as {device}, the console at {bay}{password}: it signs {tech} in.\n"
        "Watch the answers first, in a second terminal:\n"
        f"  mosquitto_sub {options} -t {topic}/ack\n"
        "then send it (numbered and dated by the clock: pasted again a second later it is\n"
        "applied again; twice within one second, the second is answered duplicate):\n"
        f"  mosquitto_pub {options} -q 1 -t {topic}/event -m {payload}\n"
    )


def try_the_api(site: Pitboard, web: str) -> str:
    token = demo_api_token(site)
    if token is None:
        return "  API tokens      pitboard token create --scope read|write --name NAME\n"
    return f"  try the API     curl -H 'Authorization: Bearer {token}' {web}/api/v1/repair-orders\n"


def the_clock(config: SiteConfig) -> str:
    """The demo's site clock, which every time on the pages and the wire is in."""
    clock = site_clock.current()
    if clock.is_real:
        return ""
    now = site_clock.now(config.zone).isoformat(timespec="seconds")
    return f"  site clock      {now} (the demo's: {clock.speed:g}× real time)\n"


def welcome(site: Pitboard, host: str, port: int) -> str:
    config, address, broker = site.config, site.address, site.broker
    users = ", ".join(f"{u.id} ({u.role})" for u in config.users) or "no [[users]] configured"
    if config.is_demo:
        users += " — demo password: pitboard"
    # Listening on every address, the machine's address on the site's network.
    web = served_url(config.web.scheme, host, port)
    return (
        f"\nPitboard is running (site {config.site.id}).\n"
        f"  lounge screen   {web}/lounge\n"
        f"  welcome board   {web}/welcome  (reception: today's booked cars)\n"
        f"  dispatch board  {web}/dispatch    schedule /schedule\n"
        f"  reception desk  {web}/desk    my cars  /mycars    reports  /reports\n"
        f"  bay calls       {web}/parts  (the parts counter, 领料)    help calls /help  (安灯)\n"
        f"  signing in      {users}\n"
        f"  sign-ins, tokens {web}/access  (the service manager)\n"
        f"  bay kiosks      {web}/kiosk/{{bay}}  ({', '.join(sorted(site.kiosks))}); "
        "a screen shows one once paired on the dispatch board\n"
        f"  API             {web}/api/v1/docs  (signed in)\n"
        f"  health          {web}/healthz    metrics /metrics (signed in or a token)\n"
        f"{try_the_api(site, web)}"
        f"{the_clock(config)}"
        f"  broker          {address.host}:{address.port} "
        f"({broker.kind if broker else 'external'})\n"
        f"  database        {site.plan.database_url or database_url(config)}\n"
        f"  device passwords in {site.base / 'broker' / 'credentials.env'}\n\n"
        f"{example_tap(site)}"
    )
