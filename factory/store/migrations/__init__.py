"""Alembic migrations of the record store, shipped inside the package and applied on open."""
