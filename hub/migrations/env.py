"""Alembic environment of the hub: run against the connection the caller hands over, with
a version table of its own (the database may also hold a site's tables)."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from hub.store import VERSION_TABLE
from hub.tables import metadata

config = context.config
target_metadata = metadata

connection = config.attributes.get("connection")
if connection is None:
    url = config.get_main_option("sqlalchemy.url")
    if not url:
        raise RuntimeError("set sqlalchemy.url or pass a connection")
    with create_engine(url).connect() as conn:
        context.configure(
            connection=conn,
            target_metadata=target_metadata,
            render_as_batch=True,
            version_table=VERSION_TABLE,
        )
        with context.begin_transaction():
            context.run_migrations()
        conn.commit()
else:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=True,
        version_table=VERSION_TABLE,
    )
    with context.begin_transaction():
        context.run_migrations()
