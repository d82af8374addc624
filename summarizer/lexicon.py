"""German <-> English terms: names of countries, territories, languages and nationalities, and
word translations, so a question or a /brief topic in one language finds text in the other.

Two sources, both offline:
- CLDR names through Babel (a dependency already): `Locale('de').territories` against
  `Locale('en').territories`, the same for languages; a language name doubles as the nationality
  adjective in both ("schwedisch" / "Swedish"). A few historical states CLDR no longer lists
  (Sowjetunion, DDR, ...) are written out below.
- Ding, the TU Chemnitz German-English dictionary (GPL-2+, Debian package `trans-de-en`), read at
  run time from `BRIEFBOT_DICTIONARY` (default /usr/share/trans/de-en) when it is there and never
  copied into this repository. Its entries tagged [geogr.] add place and nationality names; the
  rest gives `translations`. Without the file, names still work and translations are names only.
  Parsing Ding takes seconds, so the first use compiles it into an SQLite file under
  `BRIEFBOT_CACHE_DIR` (default ~/.cache/briefbot), and later processes look words up there.

Everything is folded as summarizer.search folds topics (lower case, ä -> ae, ß -> ss, words split
at hyphens and apostrophes, joined by one space). Tables are built on first use and cached:
importing this module costs nothing, the first name lookup about 0.1 s (CLDR), a word lookup
in the compiled dictionary microseconds.
"""

from __future__ import annotations

import os
import re
import sqlite3
import tempfile
import threading
from collections.abc import Iterable, Iterator
from contextlib import closing
from functools import lru_cache
from pathlib import Path

from summarizer.text import fold, words

DICTIONARY_ENV = "BRIEFBOT_DICTIONARY"
DICTIONARY_DEFAULT = Path("/usr/share/trans/de-en")
CACHE_ENV = "BRIEFBOT_CACHE_DIR"  # where the compiled dictionary goes (~/.cache/briefbot)
SCHEMA = 5  # bump when the compiled tables change
WORD_CACHE = 20_000
MAX_TRANSLATIONS = 8  # per word: Ding lists the common senses first, the tail is noise
MAX_PHRASE_WORDS = 3  # longer translations are explanations, not terms

# Historical states and unions CLDR no longer names (German, English spellings).
_HISTORICAL: tuple[tuple[str, ...], ...] = (
    ("Sowjetunion", "UdSSR", "Soviet Union", "USSR"),
    ("DDR", "Deutsche Demokratische Republik", "East Germany", "German Democratic Republic"),
    ("Westdeutschland", "West Germany"),
    ("Jugoslawien", "Yugoslavia"),
    ("Tschechoslowakei", "Czechoslovakia"),
    ("Preußen", "Prussia"),
    ("Osmanisches Reich", "Ottoman Empire"),
    ("Römisches Reich", "Roman Empire"),
    ("Heiliges Römisches Reich", "Holy Roman Empire"),
    ("Britisches Empire", "British Empire"),
    ("Sowjetisch", "Soviet"),
    ("Tschechien", "Czech Republic"),
    ("Großbritannien", "Great Britain", "Britain"),
    ("Vereinigte Staaten", "USA", "United States", "US"),
)

_ANNOTATION = re.compile(r"\{[^}]*\}|\[[^\]]*\]|\([^)]*\)|<[^>]*>|/[^/]*/")
_COMPILING = threading.Lock()
_ENGLISH_INFINITIVE = re.compile(r"^to\s+")
# Ding's "someone/something" slots ("jdn. etw. tragen", "to carry sth."): not part of a term.
_PLACEHOLDERS = frozenset("jd jdn jdm jds etw sb sth sich oneself".split())


def fold_phrase(phrase: str) -> str:
    """Folded tokens of a phrase joined by one space, as summarizer.search.tokens makes them."""
    out: list[str] = []
    for word in words(phrase):
        for part in word.replace("’", "'").replace("'", "-").split("-"):
            folded = fold(part)
            if folded:
                out.extend(words(folded))
    return " ".join(out)


def dictionary_path() -> Path:
    return Path(os.environ.get(DICTIONARY_ENV) or DICTIONARY_DEFAULT)


def _groups_from_cldr() -> Iterator[set[str]]:
    from babel import Locale  # imported on first use: Babel's locale data is not free

    german, english = Locale("de"), Locale("en")
    for de_names, en_names in (
        (german.territories, english.territories),
        (german.languages, english.languages),
    ):
        for code, de_name in de_names.items():
            en_name = en_names.get(code)
            if en_name and de_name and not code.isdigit():  # "150" is a region (Europe)
                yield {fold_phrase(de_name), fold_phrase(en_name)}


def _clean(side: str) -> list[str]:
    """The synonyms of one side of a Ding sub-entry, annotations removed, folded."""
    return [folded for folded, _ in _clean_cased(side)]


def _clean_cased(side: str) -> list[tuple[str, bool]]:
    """(folded synonym, written with a capital) for one side of a Ding sub-entry: German
    nouns are capitalised, so "Schiffe" (ships) and "schiffen" (to pee) stay apart."""
    out: list[tuple[str, bool]] = []
    for synonym in side.split(";"):
        text = _ANNOTATION.sub(" ", synonym)
        text = _ENGLISH_INFINITIVE.sub("", text.strip()).strip()
        folded = " ".join(w for w in fold_phrase(text).split() if w not in _PLACEHOLDERS)
        if folded and len(folded.split()) <= MAX_PHRASE_WORDS:
            out.append((folded, text[:1].isupper()))
    return out


def _ding_entries(path: Path) -> Iterator[tuple[bool, list[tuple[str, bool]], list[str]]]:
    """(is a [geogr.] name, German synonyms, English synonyms) of each headword of Ding and
    of the sub-entry after it."""
    try:
        handle = path.open(encoding="utf-8", errors="replace")
    except OSError:
        return
    with handle:
        for line in handle:
            if line.startswith("#") or " :: " not in line:
                continue
            german, english = line.rstrip("\n").split(" :: ", 1)
            # The first sub-entry is the headword, the second mostly its plural or participle
            # ("Häfen {pl} :: harbours; ports"); the others are examples.
            de_parts, en_parts = german.split(" | ", 2)[:2], english.split(" | ", 2)[:2]
            for number, (de_part, en_part) in enumerate(zip(de_parts, en_parts, strict=False)):
                yield number == 0 and "[geogr.]" in de_part, _clean_cased(de_part), _clean(en_part)


def _cache_path(source: Path) -> Path | None:
    """Where the compiled dictionary of `source` lives: keyed by its size and time, so an
    updated package is compiled anew."""
    try:
        stat = source.stat()
    except OSError:
        return None
    base = Path(os.environ.get(CACHE_ENV) or Path.home() / ".cache" / "briefbot")
    return base / f"lexicon-{SCHEMA}-{stat.st_size}-{int(stat.st_mtime)}.sqlite3"


def _compile(source: Path, target: Path) -> None:
    """Parse Ding once (seconds) into an SQLite file that answers a word in microseconds."""
    tables: dict[str, dict[str, list[str]]] = {"de": {}, "en": {}}
    names: list[tuple[str, str]] = []
    for geographic, de_side, en_side in _ding_entries(source):
        if not de_side or not en_side:
            continue
        if geographic:
            names.append((de_side[0][0], en_side[0]))
        for word, capital in de_side:  # words and phrases ("nuclear weapon" -> "Atomwaffe")
            _add(tables["de"], _german_key(word, capital), en_side)
        german = [word for word, _ in de_side]
        for word in en_side:
            _add(tables["en"], word, german)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(f".{os.getpid()}.partial")
    partial.unlink(missing_ok=True)
    with closing(sqlite3.connect(partial)) as db:
        db.execute(
            "CREATE TABLE words (language TEXT, word TEXT, translations TEXT,"
            " PRIMARY KEY (language, word)) WITHOUT ROWID"
        )
        db.execute("CREATE TABLE names (german TEXT, english TEXT)")
        db.executemany(
            "INSERT INTO words VALUES (?, ?, ?)",
            (
                (language, word, "\t".join(found))
                for language, table in tables.items()
                for word, found in table.items()
            ),
        )
        db.executemany("INSERT INTO names VALUES (?, ?)", names)
        db.commit()
    partial.replace(target)  # atomic: a concurrent reader sees the whole file or none


@lru_cache(maxsize=1)
def _database() -> sqlite3.Connection | None:
    """The compiled dictionary, compiled on first use; None without the Ding file. Answers run
    in worker threads: one lock, so two first questions do not compile it twice."""
    with _COMPILING:
        source = dictionary_path()
        target = _cache_path(source)
        if target is None:
            return None
        if not target.is_file():
            try:
                _compile(source, target)
            except OSError:  # no writable cache folder: compile in memory for this process
                memory = sqlite3.connect(":memory:", check_same_thread=False)
                with tempfile.TemporaryDirectory() as folder:
                    scratch = Path(folder) / "lexicon.sqlite3"
                    _compile(source, scratch)
                    with closing(sqlite3.connect(scratch)) as disk:
                        disk.backup(memory)
                return memory
        return sqlite3.connect(f"file:{target}?mode=ro", uri=True, check_same_thread=False)


@lru_cache(maxsize=1)
def _names() -> dict[str, frozenset[str]]:
    groups: list[set[str]] = [{fold_phrase(name) for name in row} for row in _HISTORICAL]
    groups.extend(_groups_from_cldr())
    db = _database()
    if db is not None:
        groups.extend({de, en} for de, en in db.execute("SELECT german, english FROM names"))
    index: dict[str, set[str]] = {}
    for group in groups:
        group.discard("")
        if len(group) < 2:
            continue
        for name in group:
            index.setdefault(name, set()).update(group)
    return {name: frozenset(group - {name}) for name, group in index.items()}


def name_equivalents(phrase: str) -> frozenset[str]:
    """Other spellings of a place/language/nationality name across de and en, folded as
    summarizer.search.tokens folds (lower case, ä->ae, ß->ss, tokens joined by one space):
    'sweden' -> {'schweden'}, 'sowjetunion' -> {'soviet union'}, 'griechenland' -> {'greece'}.
    Empty when the phrase is no known name. Precise: names only, no dictionary guesses."""
    return _names().get(fold_phrase(phrase), frozenset())


def _add(table: dict[str, list[str]], key: str, values: Iterable[str]) -> None:
    known = table.setdefault(key, [])
    for value in values:
        if value != key and value not in known and len(known) < MAX_TRANSLATIONS:
            known.append(value)


@lru_cache(maxsize=WORD_CACHE)
def _translated(word: str, language: str) -> tuple[str, ...]:
    db = _database()
    if db is None:
        return ()
    row = db.execute(
        "SELECT translations FROM words WHERE language = ? AND word = ?", (language, word)
    ).fetchone()
    return tuple(row[0].split("\t")) if row and row[0] else ()


# Endings tried, longest first, when an inflected word is not in the dictionary itself
# ("weapons" -> "weapon", "Schiffen" -> "Schiff"); the first form found wins.
_ENDINGS = {
    "en": (("ies", "y"), ("ied", "y"), ("es", ""), ("ed", ""), ("ed", "e"), ("ing", ""),
           ("ing", "e"), ("s", "")),
    "de": (("ern", ""), ("en", ""), ("er", ""), ("es", ""), ("em", ""), ("e", ""), ("n", ""),
           ("s", "")),
}  # fmt: skip


def _german_key(folded: str, capital: bool) -> str:
    return ("N:" if capital else "w:") + folded


def _lookups(word: str, language: str) -> Iterator[str]:
    """The keys to try for a word, best first: as written, then without an inflection ending;
    in German first as the noun or the verb its capital says, then as the other."""
    key = fold_phrase(word)
    forms = [key] + [
        key[: -len(ending)] + replacement
        for ending, replacement in _ENDINGS[language]
        if key.endswith(ending) and len(key) - len(ending) >= 3
    ]
    if language == "en":
        yield from forms
        return
    if key.endswith("t") and len(key) > 5:  # participles: "gekostet" -> "kosten"
        for base in (key[2:] if key.startswith("ge") else key, key):
            forms += [base[:-2] + "en", base[:-1] + "en", base[:-1] + "n"]
    capital = word[:1].isupper()
    for noun in (capital, not capital):
        for form in forms:
            yield _german_key(form, noun)


def translations(word: str, language: str) -> frozenset[str]:
    """Folded translations of one word (or a phrase of up to three) from `language` ('de'/'en')
    into the other. German words are looked up as nouns when capitalised ("Schiffe"), else as
    verbs and adjectives; an inflected word falls back to its base form."""
    key = fold_phrase(word)
    found = set(name_equivalents(key))
    if language in ("de", "en"):
        for lookup in _lookups(word, language):
            translated = _translated(lookup, language)
            if translated:
                found.update(translated)
                break
    found.discard(key)
    return frozenset(found)


def dictionary_available() -> bool:
    """Is the Ding word list there (translations beyond names)?"""
    return dictionary_path().is_file()


def clear_cache() -> None:
    """Forget the loaded tables (tests point BRIEFBOT_DICTIONARY elsewhere)."""
    _names.cache_clear()
    _translated.cache_clear()
    db = _database()
    _database.cache_clear()
    if db is not None:
        db.close()
