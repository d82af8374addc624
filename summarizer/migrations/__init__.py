"""Alembic migrations of briefbot's schema (env.py, the revision template, versions/).

Run them with `summarizer.migrate.migrate` (what `briefbot migrate` and start-up call); there is no
alembic.ini: the configuration is built in code so the installed package carries everything.
"""
