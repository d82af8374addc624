"""The exceptions the core raises for a user to read, each with its message in German and English.

    UserError            anything the user can fix or should know: one short line, no traceback
    ├── ExtractError     a file or page holds no usable article (missing, empty, unreadable)
    └── FetchError       a URL could not be fetched (status, size, time, forbidden address)
        └── TransientFetchError  ... for a reason that may pass (time-out, network, DNS, 5xx):
                                 worth trying again later, as the feed poller does

`code` is a stable machine word for tests and logs; `message(language)` is what a chat shows.
"""

from __future__ import annotations


class UserError(Exception):
    """An error with a short, translated message for the user."""

    def __init__(self, code: str, *, de: str, en: str) -> None:
        super().__init__(en)
        self.code = code
        self.de = de
        self.en = en

    def message(self, language: str) -> str:
        return self.de if language == "de" else self.en


class ExtractError(UserError):
    """The source holds no article text we can use."""


class FetchError(UserError):
    """The URL could not be fetched, or was refused before any connection was made."""


class TransientFetchError(FetchError):
    """A fetch that failed for a reason that may pass by itself (time-out, no connection, no
    DNS answer, a 5xx status): a caller that retries later should, unlike for a 404."""
