"""Documents given to the driver as the JSON text pydantic wrote, not as dicts.

A job's document is most of what a tap writes. Made as a dict (pydantic's ``dump_python``)
and then written out by the column's JSON type (``json.dumps``), it is built twice; pydantic
writes the same JSON at once. ``WrittenJson`` marks such text, and the writer's statements
(driver_statements.py) hand it to the driver as it is, where a dict would be serialised.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from sqlalchemy import Dialect

Convert = Callable[[Any], Any]


class WrittenJson(str):
    """A document's JSON text, ready for a JSON column."""


def taking_written(convert: Convert, dialect: Dialect) -> Convert:
    """A JSON column's conversion that passes ``WrittenJson`` through as the driver takes
    JSON text (SQLite: the text; psycopg: its ``Json`` with the text as it is); any other
    driver gets the text read back, so that its own conversion is the one it knows."""
    if dialect.name == "sqlite":
        return lambda value: str(value) if type(value) is WrittenJson else convert(value)
    if dialect.driver == "psycopg":
        from psycopg.types.json import Json

        return lambda value: (
            Json(value, dumps=str) if type(value) is WrittenJson else convert(value)
        )
    return lambda value: convert(json.loads(value) if type(value) is WrittenJson else value)
