"""What is generated from the topic registry is committed as generated: no drift."""

from __future__ import annotations

import json
from pathlib import Path

from core.contract.acl import render_acl
from core.contract.document import render_protocol, schemas
from core.contract.topics import CORE_SUBSCRIPTIONS, TOPICS
from tests.helpers import demo_config

ROOT = Path(__file__).resolve().parents[1]


def test_protocol_document_is_current() -> None:
    assert (ROOT / "docs" / "protocol.md").read_text(encoding="utf-8") == render_protocol(
        demo_config()
    ), "run: pitboard docs -o docs"


def test_json_schemas_are_current() -> None:
    for key, schema in schemas().items():
        on_disk = json.loads((ROOT / "docs" / "schema" / f"{key}.json").read_text(encoding="utf-8"))
        assert on_disk == schema, f"docs/schema/{key}.json is stale: run pitboard docs -o docs"
    left_over = {p.stem for p in (ROOT / "docs" / "schema").glob("*.json")} - set(schemas())
    assert not left_over, f"schemas of no payload: {sorted(left_over)}"


def test_shipped_demo_acl_is_current() -> None:
    assert (ROOT / "broker_config" / "acl.demo").read_text(encoding="utf-8") == render_acl(
        demo_config()
    ), "run: pitboard broker acl -o broker_config/acl.demo"


def test_every_topic_appears_in_doc_and_acl() -> None:
    doc = render_protocol()
    acl = render_acl(demo_config())
    for t in TOPICS:
        assert f"`{t.pattern}`" in doc
        if t.readers == ("board",):  # the boards read every one: by wildcard
            assert f"topic read {t.wildcard('demo')}\n" in acl
        else:
            assert t.full("demo", device="kiosk-b01", bay="B01") in acl
    assert {t.key for t in CORE_SUBSCRIPTIONS} == {"event", "status"}
