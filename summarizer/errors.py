"""The exceptions the core raises for a user to read, each with its message as a `Phrase`.

    UserError            anything the user can fix or should know: one short line, no traceback
    ├── ExtractError     a file or page holds no usable article (missing, empty, unreadable)
    └── FetchError       a URL could not be fetched (status, size, time, forbidden address)
        └── TransientFetchError  ... for a reason that may pass (time-out, network, DNS, 5xx):
                                 worth trying again later, as the feed poller does

`code` is a stable machine word for tests and logs; `phrase` is the message in German and
English and `message(language)` is what a chat shows. Write a message once per language as a
module-level Phrase next to the code that raises it; a message with values has `{placeholders}`
and is raised as `UserError(code, PHRASE.filled(value=...))`, because the reader's language is
known only where the error is shown.
"""

from __future__ import annotations

from summarizer.i18n import Phrase


class UserError(Exception):
    """An error with a short message for the user in both languages; `str()` is the English
    one, which is what logs and tracebacks show."""

    def __init__(self, code: str, phrase: Phrase) -> None:
        super().__init__(phrase.en)
        self.code = code
        self.phrase = phrase

    def message(self, language: str) -> str:
        """The message in `language` (German for "de", English otherwise)."""
        return self.phrase.get(language)


class ExtractError(UserError):
    """The source holds no article text we can use."""


class FetchError(UserError):
    """The URL could not be fetched, or was refused before any connection was made."""


class TransientFetchError(FetchError):
    """A fetch that failed for a reason that may pass by itself (time-out, no connection, no
    DNS answer, a 5xx status): a caller that retries later should, unlike for a 404."""
