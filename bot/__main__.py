"""`python -m bot`: the same as the `briefbot` command."""

from __future__ import annotations

from bot.cli import main

raise SystemExit(main())
