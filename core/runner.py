"""``pitboard run``: everything on one machine, on embedded defaults."""

from __future__ import annotations

import logging
import os
from pathlib import Path

from core.app import CoreService, data_dir, database_url
from core.broker import AmqttBroker, MosquittoBroker, mosquitto_binary
from core.config import SiteConfig
from core.mqtt import BrokerAddress

logger = logging.getLogger("pitboard")


def start_broker(config: SiteConfig, workdir: Path) -> MosquittoBroker | AmqttBroker:
    if mosquitto_binary() is not None:
        return MosquittoBroker(config, workdir).start()
    logger.warning("mosquitto is not installed: using the embedded amqtt broker (MQTT 3.1.1)")
    return AmqttBroker().start()


def run_all(config: SiteConfig, demo: bool, port: int | None, speed: float) -> int:
    from nicegui import app, ui

    from board.pages import register
    from devices.simulated import SimulatedDevices

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
    devices = SimulatedDevices(config, address, broker.passwords if broker else {}).start()
    player = None
    if demo:
        from core.demo.player import DemoPlayer

        player = DemoPlayer(
            config, service.core, address, broker.passwords if broker else {}, base, speed
        ).start()

    register(
        lambda: service.core.lounge,
        lambda: service.core.dispatch_view,
        config.zone,
        config.site.name,
    )

    web_port = port or config.web.port
    host = config.web.host
    kiosk_pw = broker.passwords.get("kiosk-b03", "") if broker else "<password>"
    auth = f"-u kiosk-b03 -P {kiosk_pw} " if broker and broker.kind == "mosquitto" else ""
    mqtt_port = address.port
    print(
        f"\nPitboard is running (site {config.site.id}).\n"
        f"  lounge screen   http://{host}:{web_port}/lounge\n"
        f"  dispatch board  http://{host}:{web_port}/dispatch\n"
        f"  broker          {address.host}:{mqtt_port} ({broker.kind if broker else 'external'})\n"
        f"  database        {database_url(config)}\n"
        f"  device passwords in {base / 'broker' / 'credentials.env'}\n\n"
        "Send a tap like a kiosk does:\n"
        f"  mosquitto_pub -h 127.0.0.1 -p {mqtt_port} {auth}-q 1 -t "
        f"pitboard/{config.site.id}/dev/kiosk-b03/event -m "
        '\'{"v":1,"source":"kiosk-b03","seq":1,"ts":"2026-11-24T09:15:02+08:00",'
        '"type":"tech.signed_in","bay":"B03","tech":"T002"}\'\n'
        f"and watch the answer: mosquitto_sub -h 127.0.0.1 -p {mqtt_port} {auth}"
        f"-t pitboard/{config.site.id}/dev/kiosk-b03/ack\n",
        flush=True,
    )

    def shutdown() -> None:
        if player is not None:
            player.stop()
        devices.stop()
        service.stop()
        if broker is not None:
            broker.stop()

    app.on_shutdown(shutdown)
    secret = os.environ.get(config.web.secret_env) or "pitboard-demo-secret"
    ui.run(
        host=host,
        port=web_port,
        reload=False,
        show=False,
        title="Pitboard",
        storage_secret=secret,
        language="zh-CN",
    )
    return 0
