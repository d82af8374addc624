"""Alembic environment: runs revisions on the connection and metadata that `migrate` hands over.

Only online mode: `summarizer.migrate` always passes a live connection (and the metadata whose
table modules the caller imported), so nothing here reads a URL or an ini file.
"""

from __future__ import annotations

from alembic import context

from summarizer.migrate import include_object

config = context.config
connection = config.attributes["connection"]

context.configure(
    connection=connection,
    target_metadata=config.attributes["target_metadata"],
    include_object=include_object,
    render_as_batch=connection.dialect.name == "sqlite",  # SQLite alters tables by copying
    compare_type=True,
)

with context.begin_transaction():
    context.run_migrations()
