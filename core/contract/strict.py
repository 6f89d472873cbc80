"""The base of every wire payload model: no unknown fields, immutable once parsed."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

#: An identifier on the wire: a job, a bay, a technician, a tag, a print.
Ident = Annotated[str, Field(min_length=1, max_length=64)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
