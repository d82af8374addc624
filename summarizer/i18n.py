"""One way to say something in German and English: a `Phrase`.

Every user-facing line of briefbot is a Phrase, from the chat's replies (`bot/texts.py`) to
the errors the core raises (`summarizer.errors.UserError` carries one) and the words a schedule
describes itself with. The core cannot import `bot/`, so the type lives here; what is said
stays beside the code that decides to say it only where that code is in the core.
"""

from __future__ import annotations

from dataclasses import dataclass

LANGUAGES = ("de", "en")
"""The languages briefbot speaks; anything else is answered in English."""


@dataclass(frozen=True)
class Phrase:
    """A line in both languages: `Phrase(de="Hallo {name}", en="Hello {name}")`."""

    de: str
    en: str

    def get(self, language: str) -> str:
        """The line in `language` (German for "de", English otherwise)."""
        return self.de if language == "de" else self.en

    def format(self, language: str, **values: object) -> str:
        """The line in `language` with its `{placeholders}` filled."""
        return self.get(language).format(**values)

    def filled(self, **values: object) -> Phrase:
        """Both languages with the same `values` filled in (for an error raised before the
        reader's language is known)."""
        return Phrase(self.de.format(**values), self.en.format(**values))
