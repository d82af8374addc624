"""Topic -> full-text query: folding, stems as prefixes, phrases and de<->en names.

One parse of a topic feeds both stores: SQLite FTS5 (`fts5_query`) and PostgreSQL full-text
search over the 'simple' configuration (`tsquery`), so both give the same results. Texts are
indexed as `index_text` makes them: folded (lower case, umlauts spelled out, ß -> ss) words
separated by single spaces, hyphens and apostrophes split, so "Nordkorea-Besuch" is indexed
as "nordkorea besuch" on either backend.

A topic word becomes a prefix of its German Snowball stem ("Nordkoreas" -> nordkorea*); the
library narrows that to the words of its vocabulary that are the word inflected
(`Library.word_forms`: "Hypo" finds "Hypos", not "Hypothese"). Words of two or three letters
("EU", "USA", "Kim") match exactly or with a genitive -s ("Kims"), so "eu" does not find
"Euro". For `/brief` (`topic_query`) a topic of several words is one phrase, in any spelling
of the names in it ("Bayern München", "New Zealand"), and a person's surname stands for the
whole name inside an article naming it; `parse` (questions, the library search) requires each
word on its own.

Names cross languages through `ALIASES`, a small hand-written table of spellings the sources
below lack (North Korea <-> Nordkorea <-> DPRK, Selenskyj <-> Zelensky, Peking <-> Beijing),
and `summarizer.lexicon`: CLDR's names of countries, languages and nationalities (Babel) and
the dictionary's place names (Schweden <-> Sweden, Sowjetunion <-> Soviet Union).
"""

from __future__ import annotations

from dataclasses import dataclass

from summarizer import lexicon
from summarizer.text import fold_tokens, stem, stop_words, words

MIN_PREFIX = 4
MAX_SPELLINGS = 24  # phrases a multi-word topic with names in it expands to
LONGEST_NAME = 3  # words of the longest country, language or nationality name looked up

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
class SearchPhrase:
    """Consecutive folded tokens; the last one matches as a prefix when `prefix` is set, and
    earlier ones where `inner` says so (a multi-word topic: "Europäischen Union" finds
    "Europäische Union", each word by its stem)."""

    tokens: tuple[str, ...]
    prefix: bool
    inner: tuple[bool, ...] = ()

    def flags(self) -> tuple[bool, ...]:
        """Per token: does it match as a prefix?"""
        inner = self.inner or (False,) * (len(self.tokens) - 1)
        return (*inner, self.prefix)


@dataclass(frozen=True)
class Term:
    """One required part of a topic: any one of its phrases must occur. `name` marks a known
    name (all spellings of a place or person across languages)."""

    label: str
    phrases: tuple[SearchPhrase, ...]
    name: bool = False


def tokens(text: str) -> list[str]:
    """Folded tokens of a text: words split at hyphens and apostrophes, then `fold`."""
    return fold_tokens(text)


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


def _phrases(parts: tuple[str, ...]) -> tuple[SearchPhrase, ...]:
    """How a run of tokens may occur: one phrase, plus its genitive when the last word is short.

    A short word matches exactly (not as a prefix, so "eu" does not find "Euro"), but news
    German writes the genitive of a short name with an -s ("Kims Schwester"), so "kims" is
    searched for too. The English "Kim's" needs nothing: the index splits at the apostrophe.
    """
    last, prefix = _prefix_of(parts[-1])
    phrase = SearchPhrase((*parts[:-1], last), prefix)
    if prefix or last.endswith("s"):
        return (phrase,)
    return (phrase, SearchPhrase((*parts[:-1], last + "s"), False))


def _name_phrases(spelling: tuple[str, ...]) -> tuple[SearchPhrase, ...]:
    """How a known name of several words may occur: each word by its stem, so the inflected
    "Europäischen Union" and "Vereinigten Staaten" are found too."""
    if len(spelling) == 1:
        return _phrases(spelling)
    inner = tuple(_prefix_of(token) for token in spelling[:-1])
    return tuple(
        SearchPhrase((*(t for t, _ in inner), *p.tokens[-1:]), p.prefix, tuple(f for _, f in inner))
        for p in _phrases(spelling)
    )


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
# the same names by the stems of their words: "Europäischen Union", "Vereinigten Staaten"
_ALIAS_STEMS = {tuple(_prefix_of(t)[0] for t in key): key for key in _ALIAS_INDEX if len(key) > 1}
_LONGEST_ALIAS = max(len(key) for key in _ALIAS_INDEX)


def _spellings(key: tuple[str, ...]) -> tuple[tuple[str, ...], ...]:
    """Every spelling of the name `key` is (its tokens), in German and English: the ALIASES
    row it belongs to (also inflected: "Nordkoreas", "Europäischen Union"), and CLDR's and the
    dictionary's names of countries, languages and nationalities (summarizer.lexicon:
    "Schweden" / "Sweden", "Sowjetunion" / "Soviet Union"). Empty when it is no known name.
    A spelling that is a stop word ("US" for the USA) is no way to find the name."""
    inflected = (*key[:-1], _without_genitive(key[-1]))
    stems = tuple(_prefix_of(t)[0] for t in key) if len(key) > 1 else ()
    found: list[tuple[str, ...]] = []
    for known in (key, inflected):
        if known in _ALIAS_INDEX:
            found.extend(_ALIAS_INDEX[known])
            break
    else:
        if stems in _ALIAS_STEMS:
            found.extend(_ALIAS_INDEX[_ALIAS_STEMS[stems]])
    for spelling in [*found] or [key, inflected]:
        for other in lexicon.name_equivalents(" ".join(spelling)):
            found.append(tuple(other.split()))
    if found and key not in found and inflected not in found:
        found.insert(0, key)
    unique = tuple(dict.fromkeys(found))
    if len(unique) > 1 or (unique and unique[0] in _ALIAS_INDEX):
        return tuple(s for s in unique if s and not (len(s) == 1 and _is_stop(s[0])))
    return ()


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
        for size in range(min(max(_LONGEST_ALIAS, LONGEST_NAME), len(flat) - i), 0, -1):
            end = i + size
            if end < len(flat) and flat[end][1] == flat[end - 1][1]:
                continue  # an alias covers whole words only ("Nordkorea-Besuch" is one phrase)
            key = tuple(token for token, _ in flat[i : i + size])
            spellings = _spellings(key)
            if spellings:
                match = (size, key, spellings)
                break
        if match is not None:
            size, key, spellings = match
            phrases = tuple(dict.fromkeys(p for s in spellings for p in _name_phrases(s)))
            terms.append(Term(" ".join(key), phrases, name=True))
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

    def phrase(p: SearchPhrase) -> str:
        if not any(p.inner):
            return '"' + " ".join(p.tokens) + '"' + ("*" if p.prefix else "")
        return " + ".join(
            f'"{token}"' + ("*" if prefix else "")
            for token, prefix in zip(p.tokens, p.flags(), strict=True)
        )

    parts = ["(" + " OR ".join(phrase(p) for p in t.phrases) + ")" for t in terms]
    return (" AND " if match_all else " OR ").join(parts)


def tsquery(terms: list[Term], *, match_all: bool = True) -> str:
    """A PostgreSQL to_tsquery('simple', …) expression with the same meaning as `fts5_query`."""

    def phrase(p: SearchPhrase) -> str:
        quoted = [
            f"'{token}'" + (":*" if prefix else "")
            for token, prefix in zip(p.tokens, p.flags(), strict=True)
        ]
        return " <-> ".join(quoted)

    parts = ["(" + " | ".join(phrase(p) for p in t.phrases) + ")" for t in terms]
    return (" & " if match_all else " | ").join(parts)


# First words that make a two-word topic a place or a thing rather than a person's name
# ("New Zealand", "Deutsche Bank"): such a topic's last word alone never stands for it.
_NOT_GIVEN_NAMES = frozenset(
    "new north south east west united great upper lower san santa los las saint st sankt "
    "bad neu alt gross klein ober unter nord sued ost west royal real".split()
)
# Words dropped at either end of a multi-word topic ("der Krieg", "the Brexit vote")
_ARTICLES = frozenset("der die das den dem des ein eine einen einem einer eines the a an".split())


@dataclass(frozen=True)
class TopicQuery:
    """What a /brief topic asks for: every term required, the words of a multi-word topic
    together as a phrase; `surname` is a person's last name, which stands for the whole name
    inside an article that names the whole name ("Gordon Brown" ... "Mr Brown said")."""

    topic: str
    terms: tuple[Term, ...]
    surname: Term | None = None

    def loose(self) -> TopicQuery | None:
        """The topic's words (and names) each required on their own, for a phrase no article
        holds ("putin nordkorea", "Merkel Flüchtlinge"); None when that is no different."""
        terms = tuple(parse(self.topic))
        return None if not terms or terms == self.terms else TopicQuery(self.topic, terms)


def _join(first: Term, second: Term) -> Term:
    """Two adjacent words as one phrase: inner words match by their stem as well, and a known
    name in it by any of its spellings ("Bayern München", "Bavaria Munich"; at most
    MAX_SPELLINGS phrases)."""
    phrases = tuple(
        SearchPhrase((*a.tokens, *b.tokens), b.prefix, (*a.flags(), *b.flags()[:-1]))
        for a in first.phrases[: max(1, MAX_SPELLINGS // max(1, len(second.phrases)))]
        for b in second.phrases
    )[:MAX_SPELLINGS]
    return Term(f"{first.label} {second.label}", phrases)


def _compound(term: Term) -> SearchPhrase | None:
    """ "Bitcoin Börse" is also written "Bitcoinbörse" (and "Rhein Metall" "Rheinmetall")."""
    parts = term.label.split()
    if not 2 <= len(parts) <= 3 or any(len(p) < 3 or not p.isalpha() for p in parts):
        return None
    joined, prefix = _prefix_of("".join(parts))
    return SearchPhrase((joined,), prefix)


def _adjective(word: str) -> bool:
    """ "Deutsche", "Europäischen", "Rotes", "wichtigen": an adjective opening a name of a
    thing, not a given name ("Werner", "Heike", "Peter" keep their short endings)."""
    if word.endswith(("isch", "ische", "ischen", "ischer", "isches", "lich", "liche", "ig")):
        return True
    return word.endswith("es") or (len(word) >= 7 and word.endswith(("e", "en", "em")))


def _surname(term: Term) -> Term | None:
    """The last word of a person's name, as a term of its own, or None for a non-person.

    A guess from the words alone: two or three words, none a stop word and none the name of
    a place or language (summarizer.lexicon), the first no place word ("New", "San") and no
    adjective ("Deutsche", "Rotes"), the last at least 4 letters.
    """
    parts = term.label.split()
    if not 2 <= len(parts) <= 3 or not all(p.isalpha() for p in parts):
        return None
    first, last = parts[0], parts[-1]
    if any(_is_stop(p) for p in parts) or first in _NOT_GIVEN_NAMES or len(last) < MIN_PREFIX:
        return None
    if _adjective(first):
        return None
    if any(lexicon.name_equivalents(p) for p in parts):
        return None  # a place in it: "Bayern München", "Rapid Wien" are no person's names
    return Term(last, _phrases((last,)))


def _a_persons_name(term: Term) -> bool:
    """A known name whose every spelling has several words ending in the same last name
    ("Wladimir Putin", "Vladimir Putin"); not a country that also has a one-word name."""
    if not term.name:
        return False
    lasts = {p.tokens[-1] for p in term.phrases}
    return len(lasts) == 1 and all(len(p.tokens) > 1 for p in term.phrases)


def topic_query(topic: str) -> TopicQuery | None:
    """Parse a /brief topic; None when it has no searchable word.

    Adjacent words that are no known name form one phrase ("New Zealand", "Gordon Brown",
    "Europäische Union" as written), so "new" and "Zealand" apart do not match; stop words
    inside a phrase stay ("Bank of England"), at its ends they go. A known name (ALIASES) is
    a term of its own with all its spellings.
    """
    parsed = parse(topic, drop_stop_words=False)
    if not parsed:
        return None
    if all(_only_stop_words(t) for t in parsed):
        return TopicQuery(topic, tuple(parsed))
    groups: list[list[Term]] = [list(parsed)]
    terms: list[Term] = []
    person_like = all(len(t.label.split()) == 1 and not t.name for t in parsed)
    for group in groups:
        while len(group) > 1 and group[0].label in _ARTICLES:
            group = group[1:]
        while len(group) > 1 and group[-1].label in _ARTICLES:
            group = group[:-1]
        if len(group) == 1:
            if group[0].name or not _only_stop_words(group[0]):
                terms.append(group[0])
            continue
        joined = group[0]
        for term in group[1:]:
            joined = _join(joined, term)
        compound = _compound(joined)
        if compound is not None:
            joined = Term(joined.label, (*joined.phrases, compound))
        terms.append(joined)
    if not terms:
        return None
    surname = None
    if len(terms) == 1 and (person_like or _a_persons_name(terms[0])):
        surname = _surname(terms[0])
    return TopicQuery(topic, tuple(dict.fromkeys(terms)), surname)
