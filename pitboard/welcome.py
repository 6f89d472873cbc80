"""What ``pitboard run`` prints once everything is up: where the pages are and a tap to try."""

from __future__ import annotations

from core.app import database_url
from core.contract import site_clock
from core.domain.vocabulary import Role
from pitboard.app import Pitboard, demo_api_token


def example_tap(site: Pitboard) -> tuple[str, str, str]:
    """A kiosk no process here taps as (so its numbers clash with nobody), its bay and a
    technician the demo does not put to work (it takes each team's first ones)."""
    from kiosk.app import kiosk_device

    config = site.config
    spare = next(
        (k for k in config.kiosks if k.device != kiosk_device(config, k.bay)), config.kiosks[0]
    )
    team = next((b.team for b in config.bays if b.id == spare.bay), None)
    tech = next(
        (
            t.id
            for t in reversed(config.technicians)
            if t.team == team and Role.TECHNICIAN in t.roles
        ),
        config.technicians[-1].id if config.technicians else "T001",
    )
    return spare.device, spare.bay, tech


def try_the_api(site: Pitboard, web: str) -> str:
    token = demo_api_token(site)
    if token is None:
        return "  API tokens      pitboard token create --scope read|write --name NAME\n"
    return f"  try the API     curl -H 'Authorization: Bearer {token}' {web}/api/v1/repair-orders\n"


def welcome(site: Pitboard, host: str, port: int) -> str:
    config, address, broker = site.config, site.address, site.broker
    device, bay, tech = example_tap(site)
    password = site.passwords.get(device, "<password>")
    auth = f"-u {device} -P {password} " if broker and broker.kind == "mosquitto" else ""
    users = ", ".join(f"{u.id} ({u.role})" for u in config.users) or "no [[users]] configured"
    if config.is_demo:
        users += " — demo password: pitboard"
    web = f"http://{host}:{port}"
    devices = f"pitboard/{config.site.id}/dev/{device}"
    # The tablet's next number and the time now, so the example works on every start.
    seq = site.service.store.last_seqs().get(device, 0) + 1
    now = site_clock.now(config.zone).isoformat(timespec="seconds")
    return (
        f"\nPitboard is running (site {config.site.id}).\n"
        f"  lounge screen   {web}/lounge\n"
        f"  dispatch board  {web}/dispatch\n"
        f"  reception desk  {web}/desk    reports  /reports\n"
        f"  signing in      {users}\n"
        f"  sign-ins, tokens {web}/access  (the service manager)\n"
        f"  bay kiosks      {web}/kiosk/{{bay}}  ({', '.join(sorted(site.kiosks))}); "
        "a screen shows one once paired on the dispatch board\n"
        f"  API             {web}/api/v1/docs  (signed in)\n"
        f"  health          {web}/healthz    metrics /metrics (signed in or a token)\n"
        f"{try_the_api(site, web)}"
        f"  broker          {address.host}:{address.port} "
        f"({broker.kind if broker else 'external'})\n"
        f"  database        {site.plan.database_url or database_url(config)}\n"
        f"  device passwords in {site.base / 'broker' / 'credentials.env'}\n\n"
        "Send a tap like a kiosk does:\n"
        f"  mosquitto_pub -h 127.0.0.1 -p {address.port} {auth}-q 1 -t {devices}/event -m "
        f'\'{{"v":1,"source":"{device}","seq":{seq},"ts":"{now}",'
        f'"type":"tech.signed_in","bay":"{bay}","tech":"{tech}"}}\'\n'
        f"and watch the answer: mosquitto_sub -h 127.0.0.1 -p {address.port} {auth}"
        f"-t {devices}/ack\n"
    )
