"""Stored documents name their schema version; a document of an older version is upcast,
one version at a time, to the current one as it is loaded."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

#: The field every stored document carries its schema version in. A document without it
#: was written before versions were recorded: version 1.
SCHEMA = "schema"

#: Takes the body of a version-k document (without ``SCHEMA``) to the body of version k+1.
Upcaster = Callable[[dict[str, Any]], dict[str, Any]]


class NewerDocumentError(ValueError):
    """A stored document written by a newer Pitboard than this one: refused, not rewritten."""


@dataclass(frozen=True)
class DocumentVersions:
    """One kind of stored document: its current version and the steps up to it."""

    kind: str
    current: int
    #: version k → the function producing version k+1, for every k below ``current``
    upcasters: Mapping[int, Upcaster] = field(default_factory=dict)
    #: the field that names a document in an error message
    key: str = "id"

    def __post_init__(self) -> None:
        missing = [k for k in range(1, self.current) if k not in self.upcasters]
        extra = [k for k in self.upcasters if not 1 <= k < self.current]
        if missing or extra:
            raise ValueError(
                f"{self.kind} documents at version {self.current} need exactly one upcaster "
                f"from each of 1..{self.current - 1} (missing {missing}, extra {extra})"
            )

    def stamp(self, body: Mapping[str, Any]) -> dict[str, Any]:
        """The document to store: the body with the current version in front."""
        return {SCHEMA: self.current, **body}

    def stamp_json(self, body: bytes) -> str:
        """``stamp`` on a body already written as a JSON object with fields."""
        if body[:1] != b"{" or body == b"{}":
            raise ValueError(f"a {self.kind} document is an object with fields, not {body[:20]!r}")
        front = b'{"%s":%d,' % (SCHEMA.encode(), self.current)
        return (front + body[1:]).decode()

    def upcast(self, doc: Mapping[str, Any]) -> dict[str, Any]:
        """The body of a stored document of any version this code knows, as the current one."""
        body = dict(doc)
        version = body.pop(SCHEMA, 1)
        name = f"{self.kind} document {body.get(self.key)!r}"
        if type(version) is not int or version < 1:
            raise ValueError(f"{name} has no valid schema version: {version!r}")
        if version > self.current:
            raise NewerDocumentError(
                f"{name} has schema version {version}, newer than the {self.current} this "
                "Pitboard knows; it was left as it is: run the newer Pitboard with this database"
            )
        for k in range(version, self.current):
            body = self.upcasters[k](body)
        return body
