"""The web's routes as its own route table lists them, for the tests that open them all."""

from __future__ import annotations

import re
from collections.abc import Iterator

from fastapi.routing import APIRoute
from starlette.routing import BaseRoute, Mount, Route


def routes(table: list[BaseRoute], prefix: str = "") -> Iterator[tuple[str, str]]:
    """(method, path template) of every route, those of mounted apps with their prefix."""
    for route in table:
        if isinstance(route, Mount) and route.routes:
            yield from routes(list(route.routes), prefix + route.path)
        elif isinstance(route, Mount):
            yield "GET", prefix + route.path
        elif isinstance(route, APIRoute | Route):
            methods = sorted(route.methods or {"GET"})
            yield ("GET" if "GET" in methods else methods[0]), prefix + route.path


def filled(template: str, values: dict[str, str]) -> str:
    def value(match: re.Match[str]) -> str:
        return values.get(match.group(1).split(":")[0], "x")

    return re.sub(r"\{([^}]+)\}", value, template)
