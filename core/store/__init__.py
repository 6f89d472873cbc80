"""Durable storage: SQLAlchemy tables, Alembic migrations, one writer."""
