"""PostgreSQL storage in Parse Server's own layout (``postgres://…`` databaseURI)."""

from .adapter import PostgresAdapter

__all__ = ["PostgresAdapter"]
