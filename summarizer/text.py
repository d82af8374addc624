"""Words and sentences for German and English: splitting, language, normalising, stemming.

Language detection is our own stop-word vote rather than a model: the bot only tells German from
English, a vote over the commonest function words is right on any paragraph-long news text, and
it costs microseconds instead of the half second py3langid needs to load (cold start matters for
`briefbot ask`).

Sentences are split by our own rules rather than pysbd: on the gold sentence breaks of XQuAD-R
(`python -m bench.splitting`) they beat pysbd in both languages (boundary F1 0.99 vs 0.97) at
about 1/100 of its cost (pysbd re-compiles regular expressions per call and took more than half
of the ingest time). A boundary is `.!?…` (plus closing quotes) before a space and an upper-case
letter or a digit, unless the word before the period is an abbreviation ("z. B.", "Dr.", "Mio."),
an initial ("George W. Bush"), or, in German, an ordinal number ("am 17. Juni", "Wilhelm II.");
abbreviations that may also end a sentence ("usw.", "U.S.", "Inc.") split when a typical sentence
opener ("Die", "Er", "The") follows.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from functools import lru_cache

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
# Per-word results (folding, terms) are cached: news vocabulary repeats, and ingest, search and
# answers all fold the same words. Longer strings are whole texts, folded without the cache.
WORD_CACHE_SIZE = 100_000
WORD_CACHE_MAX_LENGTH = 40


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


# Abbreviations (lower case, without the final period) after which a period never ends a sentence.
_ABBREVIATIONS = frozenset(
    "abb abs allg anm bd bsp bspw bzgl bzw ca dipl dr dt ebd ehem einschl engl entspr evtl ff "
    "fr franz frl geb gebr gegr ggf griech hl hr hrsg inkl ital jh jhd kap kath lat lt nr orig "
    "pfd pkt prof rd reg sog st std str tab tel vgl zb zzgl zt "
    "jan feb febr mär apr jun jul aug sep sept okt nov dez "
    "approx assn ave blvd capt cf cmdr col dept dist e.g fig figs gen gov govt i.e lb lbs mt "
    "mr mrs ms nos op pp rep reps rev sen sens sgt vol vols vs oct dec".split()
)
# Abbreviations that may also end a sentence, or are words too ("no", "min"): they split only
# before a typical sentence opener.
_FINAL_ABBREVIATIONS = frozenset(
    "etc usw abt mio mrd tsd min max chr al co corp inc ltd jr sr no a.m p.m u.s u.k u.n e.v".split()
)
# Words that typically open a sentence; after an ambiguous period they decide for a boundary.
_OPENERS = {
    "de": frozenset(
        "der die das den dem des ein eine einer eines einem einen er sie es wir ich ihr du man "
        "dies diese dieser dieses damit dann doch aber auch als am an auf aus bei bis da dabei "
        "dagegen daher danach darauf darin darum dass denn deshalb dort durch für gegen heute "
        "hier im in inzwischen jetzt jedoch kein keine mit nach nun noch nur ob oder seit so "
        "sowohl trotz um und unter vor während was weil wenn wer wie wo zu zudem zum zur zwar "
        "mehr viele alle andere einige allerdings außerdem bereits schon immer nicht".split()
    ),
    "en": frozenset(
        "the a an he she it we i they you this that these those there then but and also as at "
        "by for from in on of if when while after before since his her its their our my nor "
        "however meanwhile yet so some many most all other such what which who why how where "
        "not no one two three with without during under over".split()
    ),
}
_BOUNDARY = re.compile(r"([.!?…]+)([\"“”»«'’)\]]*)\s+")
_NEXT_WORD = re.compile(r"[^\W_]+(\.?)")
_ROMAN = re.compile(r"[IVXLC]{1,6}")
_ACRONYM = re.compile(r"(?:[^\W\d_]\.)+[^\W\d_]")  # "U.S", "z.B", "d.h" (final period cut off)
_QUOTES = frozenset("\"“”»«'’")
_OPENING = "(\"'„“‚‘»«[-–—"


def _ends_sentence(text: str, start: int, boundary: re.Match[str], language: str) -> bool:
    """Whether the punctuation `boundary` (in the sentence begun at `start`) ends a sentence."""
    following = _NEXT_WORD.search(text, boundary.end(), boundary.end() + 40)
    if following is None:
        return False  # only punctuation follows: keep it with this sentence
    word = following.group()
    if word[0].islower():
        return False
    punctuation, closing = boundary.group(1), boundary.group(2)
    if punctuation != "." or any(c in _QUOTES for c in closing):
        return True  # "?", "!", "…", "...", or a quotation ending with a period
    token = text[start : boundary.start()].rsplit(" ", 1)[-1].lstrip(_OPENING)
    lowered = token.lower()
    opener = not following.group(1) and word.lower() in _OPENERS[language]
    if lowered in _ABBREVIATIONS or lowered.endswith("str"):  # "Hauptstr. 5"
        return False
    if lowered in _FINAL_ABBREVIATIONS or _ACRONYM.fullmatch(token):
        return opener
    if len(token) == 1 and token.isalpha():  # an initial, or "z. B.", "u. a.", "n. Chr."
        return opener
    if language == "de" and token.isdigit() and len(token) <= 3:
        return opener or word[0].isdigit()  # an ordinal: "am 17. Juni", "im 3. Quartal"
    if language == "de" and _ROMAN.fullmatch(token):
        return opener  # "Wilhelm II. (1859–1941)"
    return True


def split_sentences(paragraph: str, language: str) -> list[str]:
    """Split one paragraph into sentences (rules above); never returns empty strings."""
    text = " ".join(paragraph.split())
    if not text:
        return []
    language = check_language(language)
    sentences: list[str] = []
    start = 0
    for boundary in _BOUNDARY.finditer(text):
        if _ends_sentence(text, start, boundary, language):
            sentences.append(text[start : boundary.end()].strip())
            start = boundary.end()
    sentences.append(text[start:].strip())
    return [s for s in sentences if s]


def words(text: str) -> list[str]:
    """Words as written (letters and digits, inner hyphens/apostrophes kept), Unicode-aware."""
    return _WORD.findall(text)


def fold(word: str) -> str:
    """Lower-case and spell out umlauts and ß, so "Fußball" and "FUSSBALL" compare equal.

    Meant for words (each folded once, then cached) but right for any text.
    """
    if word.isascii():
        return word.lower()
    if len(word) <= WORD_CACHE_MAX_LENGTH:
        return _fold_word(word)
    return _fold(word)


def _fold(text: str) -> str:
    lowered = unicodedata.normalize("NFC", text).lower().translate(_FOLD)
    if lowered.isascii():
        return lowered
    return "".join(c for c in unicodedata.normalize("NFD", lowered) if not unicodedata.combining(c))


@lru_cache(maxsize=WORD_CACHE_SIZE)
def _fold_word(word: str) -> str:
    return _fold(word)


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
    out: list[str] = []
    for word in words(text):
        out.extend(word_terms(word, language))
    return out


@lru_cache(maxsize=WORD_CACHE_SIZE)
def word_terms(word: str, language: str) -> tuple[str, ...]:
    """The stemmed content terms of one word as `words` returns it (hyphen parts apart)."""
    stops = stop_words(language)
    out: list[str] = []
    for part in word.replace("’", "'").split("-"):
        folded = fold(part)
        if len(folded) > 1 and folded not in stops:
            out.append(stem(folded, language))
    return tuple(out)


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


def fold_tokens(text: str) -> list[str]:
    """Folded tokens of a text as the search index stores them: words split at hyphens and
    apostrophes, then `fold` ("Nordkorea-Besuch" -> nordkorea, besuch; "Kim's" -> kim, s)."""
    return [token for token, _ in fold_parts(text)]


def fold_parts(text: str) -> list[tuple[str, str]]:
    """(folded token, the part of a word it was written as) for every token of `fold_tokens`:
    one pass gives the index its tokens and the vocabulary their written forms."""
    out: list[tuple[str, str]] = []
    for word in words(text):
        for part in word.replace("’", "'").replace("'", "-").split("-"):
            folded = fold(part)
            if folded.isalnum():  # nearly every word: one token as it is
                out.append((folded, part))
            elif folded:
                out.extend((token, part) for token in words(folded))
    return out
