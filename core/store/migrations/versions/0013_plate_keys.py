"""jobs.plate holds what makes two plates one car (京A·12345, 京A 12345 and 京a12345 are
京A12345), so that a car's history finds its every order however its plate was typed

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06 23:00:00
"""

from __future__ import annotations

import unicodedata

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

_jobs = sa.table("jobs", sa.column("plate", sa.String(32)))


def _key(plate: str) -> str:
    # As core.domain.plates.plate_key was when this revision was written: a revision
    # keeps doing what it did, whatever the code does later.
    return "".join(c for c in unicodedata.normalize("NFKC", plate).upper() if c.isalnum())


def upgrade() -> None:
    conn = op.get_bind()
    plates = conn.execute(sa.select(_jobs.c.plate).distinct()).scalars().all()
    for plate in plates:
        key = _key(plate)
        if key != plate:
            conn.execute(sa.update(_jobs).where(_jobs.c.plate == plate).values(plate=key))


def downgrade() -> None:
    # The plates as typed stay in each job's document. An older core looks a car's history
    # up by the plate as typed at its desk: a plate stored here with spaces or dots taken
    # out is found again when typed without them.
    pass
