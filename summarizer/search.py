"""Topic -> full-text query: folding, stems as prefixes, hyphenated phrases and de<->en aliases.

One parse of a topic feeds both stores: SQLite FTS5 (`fts5_query`) and PostgreSQL full-text
search over the 'simple' configuration (`tsquery`), so both give the same results. Texts are
indexed as `index_text` makes them: folded (lower case, umlauts spelled out, ß -> ss) words
separated by single spaces, hyphens and apostrophes split, so "Nordkorea-Besuch" is indexed
as "nordkorea besuch" on either backend.

A topic word becomes a prefix of its German Snowball stem ("Nordkoreas" -> nordkorea*), which
finds inflections and compounds that start with the word ("nordkoreanischen",
"Nordkorea-Besuch"); words of two or three letters ("EU", "USA", "Kim") match exactly or with a
genitive -s ("Kims"), so "eu" does not find "Euro". Every word of a topic is required; a
hyphenated word is a phrase.

`ALIASES` is a small hand-written table of German and English names of the same place or
person (North Korea <-> Nordkorea, Russland <-> Russia, …). It is a table, not a library,
because no offline package maps news names across languages and a few dozen entries cover the
names a news team briefs on most.
"""

from __future__ import annotations

from dataclasses import dataclass

from summarizer.text import fold, stem, stop_words, words

MIN_PREFIX = 4

# Each row lists spellings of one name; a topic naming any of them searches for all of them.
ALIASES: tuple[tuple[str, ...], ...] = (
    ("nordkorea", "north korea", "dprk"),
    ("suedkorea", "south korea"),
    ("russland", "russia", "russische foederation", "russian federation"),
    ("ukraine", "ukrainian"),
    ("kiew", "kyiv", "kiev"),
    ("moskau", "moscow"),
    ("usa", "vereinigte staaten", "united states", "amerika", "america"),
    ("china", "volksrepublik china", "peoples republic of china"),
    ("peking", "beijing"),
    ("deutschland", "germany", "bundesrepublik"),
    ("frankreich", "france"),
    ("grossbritannien", "great britain", "vereinigtes koenigreich", "united kingdom"),
    ("europaeische union", "european union", "eu"),
    ("vereinte nationen", "united nations", "uno"),
    ("tuerkei", "turkey", "tuerkiye"),
    ("syrien", "syria"),
    ("aegypten", "egypt"),
    ("indien", "india"),
    ("italien", "italy"),
    ("spanien", "spain"),
    ("polen", "poland"),
    ("wladimir putin", "vladimir putin"),
    ("selenskyj", "selenskij", "zelensky", "zelenskyy"),
    ("kim jong un", "kim jong-un"),
)
# Names used only as a way in: "US" finds what "USA" finds, but "us" itself is not searched
# for (it is an English pronoun).
ALIAS_KEYS_ONLY: dict[str, str] = {"us": "usa", "uk": "grossbritannien", "un": "uno"}


@dataclass(frozen=True)
class Phrase:
    """Consecutive folded tokens; the last one matches as a prefix when `prefix` is set."""

    tokens: tuple[str, ...]
    prefix: bool


@dataclass(frozen=True)
class Term:
    """One required part of a topic: any one of its phrases must occur."""

    label: str
    phrases: tuple[Phrase, ...]


def tokens(text: str) -> list[str]:
    """Folded tokens of a text: words split at hyphens and apostrophes, then `fold`."""
    out: list[str] = []
    for word in words(text):
        for part in word.replace("’", "'").replace("'", "-").split("-"):
            folded = fold(part)
            if folded:
                out.extend(words(folded))
    return out


def index_text(text: str) -> str:
    """What the search index stores for a text: its folded tokens joined by spaces."""
    return " ".join(tokens(text))


def _without_genitive(token: str) -> str:
    """ "nordkoreas" -> "nordkorea": Snowball keeps an -s after vowels, news German adds it."""
    if len(token) >= MIN_PREFIX + 2 and token.endswith("s") and not token.endswith("ss"):
        return token[:-1]
    return token


def _prefix_of(token: str) -> tuple[str, bool]:
    """The token as matched: a stem prefix for long words, the exact token for short ones."""
    if len(token) < MIN_PREFIX:
        return token, False
    stemmed = _without_genitive(stem(token, "de"))
    if len(stemmed) >= MIN_PREFIX and token.startswith(stemmed):
        return stemmed, True
    return token, True


def _phrases(parts: tuple[str, ...]) -> tuple[Phrase, ...]:
    """How a run of tokens may occur: one phrase, plus its genitive when the last word is short.

    A short word matches exactly (not as a prefix, so "eu" does not find "Euro"), but news
    German writes the genitive of a short name with an -s ("Kims Schwester"), so "kims" is
    searched for too. The English "Kim's" needs nothing: the index splits at the apostrophe.
    """
    last, prefix = _prefix_of(parts[-1])
    phrase = Phrase((*parts[:-1], last), prefix)
    if prefix or last.endswith("s"):
        return (phrase,)
    return (phrase, Phrase((*parts[:-1], last + "s"), False))


def _alias_index() -> dict[tuple[str, ...], tuple[tuple[str, ...], ...]]:
    index: dict[tuple[str, ...], tuple[tuple[str, ...], ...]] = {}
    for row in ALIASES:
        spellings = tuple(tuple(tokens(name)) for name in row)
        for spelling in spellings:
            index[spelling] = spellings
    for key, target in ALIAS_KEYS_ONLY.items():
        index[(key,)] = index[(target,)]
    return index


_ALIAS_INDEX = _alias_index()
_LONGEST_ALIAS = max(len(key) for key in _ALIAS_INDEX)


def _is_stop(token: str) -> bool:
    return token in stop_words("de") or token in stop_words("en")


def _only_stop_words(term: Term) -> bool:
    """A term made of stop words only ("der", "or"); a known name (alias) never is one."""
    tokens = tuple(term.label.split())
    return tokens not in _ALIAS_INDEX and all(map(_is_stop, tokens))


def parse(topic: str, *, drop_stop_words: bool = True) -> list[Term]:
    """The required terms of a topic; an empty list when it has no searchable word.

    Known names (see `ALIASES`) become one term matching any spelling; a hyphenated word
    ("Kim Jong-un", "Nordkorea-Besuch") is a phrase. Stop words are dropped unless the topic
    has nothing else.
    """
    groups: list[tuple[str, ...]] = []
    for word in words(topic):
        parts = tuple(tokens(word))
        if len(parts) > 1:  # "Putin's" -> putin, not the phrase "putin s"
            parts = tuple(p for p in parts if len(p) > 1) or parts
        if parts:
            groups.append(parts)
    flat = [(token, g) for g, parts in enumerate(groups) for token in parts]
    terms: list[Term] = []
    i = 0
    while i < len(flat):
        match = None
        for size in range(min(_LONGEST_ALIAS, len(flat) - i), 0, -1):
            end = i + size
            if end < len(flat) and flat[end][1] == flat[end - 1][1]:
                continue  # an alias covers whole words only ("Nordkorea-Besuch" is one phrase)
            key = tuple(token for token, _ in flat[i : i + size])
            inflected = (*key[:-1], _without_genitive(key[-1]))
            if key in _ALIAS_INDEX or inflected in _ALIAS_INDEX:
                match = (size, key if key in _ALIAS_INDEX else inflected)
                break
        if match is not None:
            size, key = match
            phrases = tuple(dict.fromkeys(p for s in _ALIAS_INDEX[key] for p in _phrases(s)))
            terms.append(Term(" ".join(key), phrases))
            i += size
            continue
        group = flat[i][1]
        parts = tuple(token for token, g in flat[i:] if g == group)
        terms.append(Term(" ".join(parts), _phrases(parts)))
        i += len(parts)
    if drop_stop_words:
        content = [t for t in terms if not _only_stop_words(t)]
        if content:
            terms = content
    return list(dict.fromkeys(terms))


def fts5_query(terms: list[Term], *, match_all: bool = True) -> str:
    """An FTS5 MATCH expression: every term required (or any, for `match_all=False`)."""

    def phrase(p: Phrase) -> str:
        return '"' + " ".join(p.tokens) + '"' + ("*" if p.prefix else "")

    parts = ["(" + " OR ".join(phrase(p) for p in t.phrases) + ")" for t in terms]
    return (" AND " if match_all else " OR ").join(parts)


def tsquery(terms: list[Term], *, match_all: bool = True) -> str:
    """A PostgreSQL to_tsquery('simple', …) expression with the same meaning as `fts5_query`."""

    def phrase(p: Phrase) -> str:
        quoted = [f"'{token}'" for token in p.tokens]
        if p.prefix:
            quoted[-1] += ":*"
        return " <-> ".join(quoted)

    parts = ["(" + " | ".join(phrase(p) for p in t.phrases) + ")" for t in terms]
    return (" & " if match_all else " | ").join(parts)
