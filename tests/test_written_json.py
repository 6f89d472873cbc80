"""The documents the writer stores as the JSON text pydantic writes (core/store/written_json.py):
the same document as the dict form, stored as an object on either database, never as a
JSON string holding the text."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

from sqlalchemy import JSON, select
from sqlalchemy.dialects import sqlite

from core.domain.model import Customer, PauseReason
from core.engine.effects import rows_to_write
from core.store.codec import job_json, job_to_doc, tech_json, tech_to_doc
from core.store.repository import Batch, Store
from core.store.tables import JobRow, TechnicianStateRow
from core.store.written_json import WrittenJson, taking_written
from tests.helpers import at, delivered_car, domain_workshop, order


def worked_workshop() -> tuple[Any, str, str]:
    """A car delivered (every part of a job's document filled) and one paused at B01."""
    ws = domain_workshop()
    done = delivered_car(ws, "京A1")
    paused = ws.check_in(order(plate="京B2"), at(70)).ro
    ws.dispatch(paused, "B01", at(70))
    ws.sign_in("T001", "B01", at(71))
    ws.start(paused, "T001", "B01", at(72))
    ws.pause(paused, "T001", "B01", PauseReason.WAITING_PARTS, at(80))
    return ws, done, paused


def test_a_document_written_at_once_is_the_document_made_as_a_dict() -> None:
    ws, done, paused = worked_workshop()
    for ro in (done, paused):
        text = job_json(ws.jobs[ro])
        assert type(text) is WrittenJson
        assert json.loads(text) == job_to_doc(ws.jobs[ro])
    state = ws.tech_states["T001"]
    assert json.loads(tech_json(state)) == tech_to_doc(state)


def test_text_pydantic_will_not_write_is_written_as_json_writes_it() -> None:
    """A lone surrogate (no input path lets one in today) is no reason to lose a commit."""
    ws = domain_workshop()
    job = ws.check_in(replace(order(), customer=Customer(name="王\ud83d")), at(0))
    assert json.loads(job_json(job)) == job_to_doc(job)
    assert job_to_doc(job)["customer"]["name"] == "王\ud83d"


def test_the_store_keeps_written_documents_as_objects(store: Store) -> None:
    ws, done, paused = worked_workshop()
    store.commit(ws, Batch(), rows_to_write(ws.take_events()), at(90))
    with store.engine.connect() as conn:
        jobs = dict(conn.execute(select(JobRow.ro, JobRow.doc)).all())
        techs = dict(conn.execute(select(TechnicianStateRow.tech, TechnicianStateRow.doc)).all())
    # Stored as a string, the document would come back as the text: the JSON written twice.
    assert jobs == {done: job_to_doc(ws.jobs[done]), paused: job_to_doc(ws.jobs[paused])}
    assert techs["T001"] == tech_to_doc(ws.tech_states["T001"])
    assert store.load_job(paused) == ws.jobs[paused]


def test_a_driver_not_known_gets_the_document_read_back_for_its_own_conversion() -> None:
    given: list[object] = []

    def convert(value: object) -> str:
        given.append(value)
        return "converted"

    dialect = sqlite.dialect()
    dialect.name = "elsewhere"  # a database whose driver takes JSON its own way
    taking = taking_written(convert, dialect)
    assert taking(WrittenJson('{"schema":6,"ro":"R1"}')) == "converted"
    assert taking({"ro": "R2"}) == "converted"
    assert given == [{"schema": 6, "ro": "R1"}, {"ro": "R2"}]


def test_on_sqlite_the_text_goes_to_the_driver_as_it_is_and_a_dict_as_json_writes_it() -> None:
    dialect = sqlite.dialect()
    convert = JSON().dialect_impl(dialect).bind_processor(dialect)
    assert convert is not None
    taking = taking_written(convert, dialect)
    assert taking(WrittenJson('{"a":1}')) == '{"a":1}'
    assert json.loads(taking({"a": [1, "二"]})) == {"a": [1, "二"]}
