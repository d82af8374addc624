"""Fake chat platforms on 127.0.0.1 for tests and benchmarks: the real python-telegram-bot and
slack-bolt code talks to them over HTTP, and they record every call and can misbehave on request.
"""

from __future__ import annotations
