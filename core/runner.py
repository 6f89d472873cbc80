"""``pitboard run``: everything on one machine, on embedded defaults."""

from __future__ import annotations

import logging
import os
import secrets
from pathlib import Path

from core.app import CoreService, data_dir, database_url
from core.broker import AmqttBroker, MosquittoBroker, free_port, mosquitto_binary, port_free
from core.config import SiteConfig
from core.mqtt import BrokerAddress

logger = logging.getLogger("pitboard")


def start_broker(config: SiteConfig, workdir: Path) -> MosquittoBroker | AmqttBroker:
    port = config.broker.listen_port
    if not port_free(port):
        taken, port = port, free_port()
        logger.warning("port %d is taken (another broker?): our broker uses %d", taken, port)
    if mosquitto_binary() is not None:
        return MosquittoBroker(config, workdir, port=port).start()
    logger.warning("mosquitto is not installed: using the embedded amqtt broker (MQTT 3.1.1)")
    return AmqttBroker(port=port).start()


def run_all(config: SiteConfig, demo: bool, port: int | None, speed: float) -> int:
    from nicegui import app

    from board.pages import register
    from core.board_source import CoreBoardSource
    from core.web import mount, serve
    from devices.simulated import SimulatedDevices
    from kiosk.app import connect, kiosk_device
    from kiosk.page import register as register_kiosks

    base = data_dir(config)
    broker = None
    if config.broker.url:
        address = BrokerAddress.from_url(
            config.broker.url, config.broker.username, config.broker.password
        )
    else:
        broker = start_broker(config, base / "broker")
        address = BrokerAddress.from_url(
            broker.url,
            config.broker.username,
            broker.passwords.get(config.broker.username),
            broker.protocol,
        )
    service = CoreService(config, address, database_url(config)).start()
    passwords = broker.passwords if broker else {}
    devices = SimulatedDevices(config, address, passwords).start()
    # Every configured kiosk runs here too, each with its own MQTT user and outbox, as it
    # would on its own bay PC.
    kiosks = {
        bay: connect(
            config, bay, address, passwords.get(kiosk_device(config, bay)), base / "kiosks"
        )
        for bay in dict.fromkeys(k.bay for k in config.kiosks)
    }
    register_kiosks({bay: station for bay, (station, _) in kiosks.items()})
    player = None
    if demo:
        from core.demo.player import DemoPlayer

        player = DemoPlayer(
            config,
            service.core,
            {bay: link for bay, (_, link) in kiosks.items()},
            devices.cabinet,
            speed,
        ).start()

    register(CoreBoardSource(service.core), kiosk_bays=sorted(kiosks))
    mount(app, config, service.core, service.link.connected.is_set, lambda: service.link.state)
    if not os.environ.get(config.api.tokens_env):
        # A token for trying the API on the demo; a real site sets its own.
        os.environ[config.api.tokens_env] = f"demo={secrets.token_urlsafe(24)}"
    api_token = os.environ[config.api.tokens_env].split(",")[0].split("=", 1)[1]

    web_port = port or config.web.port
    host = config.web.host
    # The example taps as a device no process here uses, so its numbers clash with nobody.
    spare = next(
        (k for k in config.kiosks if k.device != kiosk_device(config, k.bay)), config.kiosks[0]
    )
    # …and for a technician the demo does not put to work (it takes each team's first ones).
    team = next((b.team for b in config.bays if b.id == spare.bay), None)
    example_tech = next(
        (t.id for t in reversed(config.technicians) if t.team == team and "technician" in t.roles),
        config.technicians[-1].id if config.technicians else "T001",
    )
    kiosk_pw = passwords.get(spare.device, "<password>")
    auth = f"-u {spare.device} -P {kiosk_pw} " if broker and broker.kind == "mosquitto" else ""
    mqtt_port = address.port
    users = ", ".join(f"{u.id} ({u.role})" for u in config.users) or "no [[users]] configured"
    if config.site.id == "demo":
        users += " — demo password: pitboard"
    print(
        f"\nPitboard is running (site {config.site.id}).\n"
        f"  lounge screen   http://{host}:{web_port}/lounge\n"
        f"  dispatch board  http://{host}:{web_port}/dispatch\n"
        f"  reception desk  http://{host}:{web_port}/desk    reports  /reports\n"
        f"  signing in      {users}\n"
        f"  bay kiosks      http://{host}:{web_port}/kiosk/{{bay}}"
        f"  ({', '.join(sorted(kiosks))})\n"
        f"  API             http://{host}:{web_port}/api/v1/docs"
        f"  (tokens in {config.api.tokens_env}: client=token,…)\n"
        f"  health, metrics http://{host}:{web_port}/healthz  /metrics\n"
        f"  try the API     curl -H 'Authorization: Bearer {api_token}' "
        f"http://{host}:{web_port}/api/v1/repair-orders\n"
        f"  broker          {address.host}:{mqtt_port} ({broker.kind if broker else 'external'})\n"
        f"  database        {database_url(config)}\n"
        f"  device passwords in {base / 'broker' / 'credentials.env'}\n\n"
        "Send a tap like a kiosk does:\n"
        f"  mosquitto_pub -h 127.0.0.1 -p {mqtt_port} {auth}-q 1 -t "
        f"pitboard/{config.site.id}/dev/{spare.device}/event -m "
        f'\'{{"v":1,"source":"{spare.device}","seq":1,"ts":"2026-11-24T09:15:02+08:00",'
        f'"type":"tech.signed_in","bay":"{spare.bay}","tech":"{example_tech}"}}\'\n'
        f"and watch the answer: mosquitto_sub -h 127.0.0.1 -p {mqtt_port} {auth}"
        f"-t pitboard/{config.site.id}/dev/{spare.device}/ack\n",
        flush=True,
    )

    def shutdown() -> None:
        if player is not None:
            player.stop()
        for _, link in kiosks.values():
            link.stop()
        devices.stop()
        service.stop()
        if broker is not None:
            broker.stop()

    serve(config, host, web_port, shutdown)
    return 0
