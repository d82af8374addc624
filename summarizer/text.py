"""Words and sentences for German and English: splitting, language, normalising, stemming.

Language detection is our own stop-word vote rather than a model: the bot only tells German from
English, a vote over the commonest function words is right on any paragraph-long news text, and
it costs microseconds instead of the half second py3langid needs to load (cold start matters for
`briefbot ask`). Sentences come from pysbd (measured best on German news, see DESIGN.md).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from functools import lru_cache

import pysbd
from sumy.nlp.stemmers import Stemmer
from sumy.utils import get_stop_words

LANGUAGES = ("de", "en")
SUMY_LANGUAGE = {"de": "german", "en": "english"}

_GERMAN_MARKERS = frozenset(
    "der die das und ist nicht ein eine einen dem den des mit sich auf für von zu im auch "
    "wird wurde sind hat haben bei nach wie aber oder über dass noch nur vor aus als sie er".split()
)
_ENGLISH_MARKERS = frozenset(
    "the and is of to in that it was for on are with as his they be at by this have from "
    "or had not but what which were when an their has been would who will there".split()
)

_WORD = re.compile(r"[^\W_]+(?:[-'’][^\W_]+)*", re.UNICODE)
_FOLD = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "æ": "ae", "œ": "oe"})


def detect_language(text: str, default: str = "de") -> str:
    """Return "de" or "en" by a vote of common function words; `default` on a tie."""
    german = english = 0
    for word in _WORD.findall(text[:20_000].lower()):
        german += word in _GERMAN_MARKERS
        english += word in _ENGLISH_MARKERS
    if german == english:
        if re.search(r"[äöüß]", text.lower()):
            return "de"
        return default
    return "de" if german > english else "en"


def check_language(language: str) -> str:
    """Validate a language code; raise ValueError with a clear message otherwise."""
    code = language.strip().lower()[:2]
    if code not in LANGUAGES:
        raise ValueError(f"unknown language {language!r}: use one of {', '.join(LANGUAGES)}")
    return code


def paragraphs(text: str) -> list[str]:
    """Split a text at blank lines; single line breaks inside a paragraph become spaces."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    parts = re.split(r"\n\s*\n", text)
    return [" ".join(p.split()) for p in parts if p.strip()]


@lru_cache(maxsize=4)
def _segmenter(language: str) -> pysbd.Segmenter:
    return pysbd.Segmenter(language=language, clean=False, char_span=False)


def split_sentences(paragraph: str, language: str) -> list[str]:
    """Split one paragraph into sentences with pysbd; never returns empty strings."""
    paragraph = " ".join(paragraph.split())
    if not paragraph:
        return []
    try:
        parts = _segmenter(check_language(language)).segment(paragraph)
    except Exception:  # pysbd has raised on odd inputs; a text must never be lost
        parts = re.split(r"(?<=[.!?])\s+(?=[A-ZÄÖÜ])", paragraph)
    return [s.strip() for s in parts if s and s.strip()]


def words(text: str) -> list[str]:
    """Words as written (letters and digits, inner hyphens/apostrophes kept), Unicode-aware."""
    return _WORD.findall(text)


def fold(word: str) -> str:
    """Lower-case and spell out umlauts and ß, so "Fußball" and "FUSSBALL" compare equal."""
    lowered = unicodedata.normalize("NFC", word).lower().translate(_FOLD)
    return "".join(c for c in unicodedata.normalize("NFD", lowered) if not unicodedata.combining(c))


@lru_cache(maxsize=4)
def _stemmer(language: str) -> Stemmer:
    return Stemmer(SUMY_LANGUAGE[check_language(language)])


@lru_cache(maxsize=200_000)
def stem(word: str, language: str) -> str:
    """Snowball stem of the word, folded ("Verhandlungen" -> "verhandl")."""
    return fold(_stemmer(language)(word.lower()))


@lru_cache(maxsize=4)
def stop_words(language: str) -> frozenset[str]:
    """sumy's stop words for the language, folded like `fold`."""
    return frozenset(fold(w) for w in get_stop_words(SUMY_LANGUAGE[check_language(language)]))


def terms(text: str, language: str) -> list[str]:
    """Stemmed content words of a text (stop words and one-letter tokens dropped)."""
    stops = stop_words(language)
    out: list[str] = []
    for word in words(text):
        for part in word.replace("’", "'").split("-"):
            folded = fold(part)
            if len(folded) > 1 and folded not in stops:
                out.append(stem(folded, language))
    return out


class SumyTokenizer:
    """The tokenizer object sumy calls (`to_sentences`, `to_words`), with no NLTK data needed."""

    def __init__(self, language: str) -> None:
        self.language = check_language(language)

    def to_sentences(self, paragraph: str) -> list[str]:
        return split_sentences(paragraph, self.language)

    def to_words(self, sentence: str) -> list[str]:
        return words(sentence)


def iter_sentences(text: str, language: str) -> Iterator[tuple[int, str]]:
    """(paragraph number, sentence) for every sentence of a multi-paragraph text."""
    for number, paragraph in enumerate(paragraphs(text)):
        for sentence in split_sentences(paragraph, language):
            yield number, sentence
