"""Alembic migrations of the canonical store, shipped inside the package."""
