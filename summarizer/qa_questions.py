"""What kind of answer a question asks for (a time, a number, a person, a place, a reason), and
whether a sentence holds that kind of thing.

Hand-written patterns rather than a tagger: the bot runs offline with no model downloads, question
words in German and English are a closed class, and a regular expression per answer type costs
microseconds per sentence.
"""

from __future__ import annotations

import re
from enum import Enum
from functools import lru_cache


class AnswerType(Enum):
    TIME = "time"
    NUMBER = "number"
    PERSON = "person"
    PLACE = "place"
    REASON = "reason"


# The more specific patterns come first: "in welchem Jahr" is a time, "wie viele" a number.
_QUESTION_PATTERNS: tuple[tuple[AnswerType, re.Pattern[str]], ...] = (
    (
        AnswerType.TIME,
        re.compile(
            r"\b(wann|seit wann|bis wann|ab wann|in welche[mn]? (jahr|jahrhundert|monat|jahrzehnt)"
            r"|welche[sn]? (jahr|datum|jahrhundert|jahrzehnt|monat)|an welchem tag|um wie viel uhr"
            r"|when|what (year|date|time|century|decade|month|day)"
            r"|in (what|which) (year|century|decade|month)|which (year|century|decade|month))\b",
            re.IGNORECASE,
        ),
    ),
    (
        AnswerType.NUMBER,
        re.compile(
            r"\b(wie ?viele?n?|wie (hoch|gro(ß|ss)|lang|alt|weit|oft|schwer|teuer|breit|tief)"
            r"|wie ?viel prozent|welche[rn]? (anzahl|betrag|prozentsatz|anteil)"
            r"|how (many|much|long|old|far|big|large|high|tall|often|deep|wide|heavy)"
            r"|what (percentage|percent|number|amount|proportion|fraction))\b",
            re.IGNORECASE,
        ),
    ),
    (
        AnswerType.REASON,
        re.compile(
            r"\b(warum|weshalb|wieso|weswegen|aus welchem grund|why|for what reason)\b",
            re.IGNORECASE,
        ),
    ),
    (
        AnswerType.PLACE,
        re.compile(
            r"\b(wo|woher|wohin|in welche[mr]? (land|stadt|staat|region|ort|gegend|gebäude)"
            r"|where|in (what|which) (country|city|state|region|town|place|building))\b",
            re.IGNORECASE,
        ),
    ),
    (
        AnswerType.PERSON,
        re.compile(r"\b(wer|wen|wem|wessen|who|whom|whose)\b", re.IGNORECASE),
    ),
)

_MONTHS = (
    "januar|jänner|februar|märz|maerz|april|mai|juni|juli|august|september|oktober|november"
    "|dezember|january|february|march|may|june|july|october|december"
)
_TIME_CUE = re.compile(
    r"\b(1\d{3}|20\d{2}|\d{1,2}\.\s?(" + _MONTHS + r")|(" + _MONTHS + r")"
    r"|jahrhundert|jahrhunderts|century|jahrzehnt|decade|\d{2}er|\d{4}s|\d{1,2}\. jh"
    r"|montag|dienstag|mittwoch|donnerstag|freitag|samstag|sonntag|monday|tuesday|wednesday"
    r"|thursday|friday|saturday|sunday|heute|gestern|morgen|today|yesterday|tomorrow"
    r"|uhr|o'clock|a\.m\.|p\.m\.|v\. ?chr|n\. ?chr|bc|ad)\b",
    re.IGNORECASE,
)
_NUMBER_CUE = re.compile(
    r"\d|\b(ein|eine|zwei|drei|vier|fünf|sechs|sieben|acht|neun|zehn|elf|zwölf|zwanzig|dreißig"
    r"|hundert|tausend|million|millionen|milliarde|milliarden|dutzend|hälfte|drittel|viertel"
    r"|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty|hundred"
    r"|hundreds|thousand|thousands|millions?|billions?|dozen|half|third|quarter|prozent|percent)\b",
    re.IGNORECASE,
)
_REASON_CUE = re.compile(
    r"\b(weil|da|denn|deshalb|daher|deswegen|darum|aufgrund|wegen|um\s+\w+\s+zu|damit|infolge"
    r"|because|due to|since|so that|in order to|as a result|therefore|thus|owing to|caused"
    r"|reason|grund|ursache)\b",
    re.IGNORECASE,
)
_PLACE_CUE = re.compile(
    r"\b(in|im|nach|bei|aus|an|am|auf|vor|nahe|near|at|from|to|on|within|across)\s+"
    r"(der |dem |den |des |the )?[A-ZÄÖÜ]\w+"
)
# Two capitalised words in a row (a first and a last name) outside the sentence start; German
# capitalises every noun, so one capital alone says little there.
_NAME_CUE = re.compile(
    r"(?<!^)(?<![.!?]\s)\b[A-ZÄÖÜ][\w'’-]+\s+(von\s+|van\s+|de\s+)?[A-ZÄÖÜ][\w'’-]+"
)


def question_type(question: str) -> AnswerType | None:
    """The kind of answer a question asks for, or None when it does not say. The question word
    that comes first decides: "What happened when ..." asks no time, "How old was he when ..."
    a number; at the same place the more specific pattern wins ("in welchem Jahr")."""
    found: list[tuple[int, int, AnswerType]] = []
    for order, (kind, pattern) in enumerate(_QUESTION_PATTERNS):
        match = pattern.search(question)
        if match:
            found.append((match.start(), order, kind))
    if not found:
        return None
    start, _, kind = min(found)
    other = _OTHER_QUESTION_WORD.search(question)
    if kind is AnswerType.TIME and other is not None and other.start() < start:
        return None  # "What happened when ...": "when" joins a clause, it asks nothing
    return kind


# Question words that ask for no particular kind ("what", "was"): one of them before "when"
# means "when" starts a clause.
_OTHER_QUESTION_WORD = re.compile(r"\b(what|which|was|welche[rsnm]?)\b", re.IGNORECASE)


def sentence_types(sentence: str) -> frozenset[AnswerType]:
    """The kinds of answer a sentence could give (it names a time, a number, a name, ...)."""
    found: set[AnswerType] = set()
    if _TIME_CUE.search(sentence):
        found.add(AnswerType.TIME)
    if _NUMBER_CUE.search(sentence):
        found.add(AnswerType.NUMBER)
    if _REASON_CUE.search(sentence):
        found.add(AnswerType.REASON)
    if _PLACE_CUE.search(sentence):
        found.add(AnswerType.PLACE)
    if _NAME_CUE.search(sentence):
        found.add(AnswerType.PERSON)
    return frozenset(found)


# Words that only frame a question and say nothing about its topic (folded), beyond the stop
# words of summarizer.text (sumy's German list lacks most auxiliaries).
QUESTION_WORDS = frozenset(
    "wann wie viele vielen viel wieviel wer wen wem wessen wo woher wohin wofuer womit wodurch "
    "worauf woran worin warum weshalb wieso weswegen was welche welcher welches welchen welchem "
    "name namen heisst hiess hiessen nennt nannte genannt gibt gab gaben gegeben war waren "
    "gewesen hat hatte hatten haben habe hast wurde wurden worden wird werden ist sind sein "
    "kann konnte konnten koennte koennten muss musste mussten soll sollte sollten will wollte "
    "man etwa genau beim ueberhaupt eigentlich gegen um dann denn "
    "when how many much who whom whose where why what which name named called does did do doe "
    "is are was were been be has have had can could would should will shall may might must "
    "according".split()
)

_NEGATION = re.compile(
    r"\b(not|never|no|none|nobody|nothing|neither|nor|without|cannot|n't|nicht|nie|niemals"
    r"|kein|keine|keinen|keinem|keiner|keines|ohne|niemand|nichts|weder)\b|n't\b",
    re.IGNORECASE,
)
# What counts as naming a thing of each kind when judging an answer: the ingest patterns above
# plus looser evidence (a time phrase "after the war", a single name "Lenin", a place after
# "durch die", a multiple "das Zehnfache"). Looser, because a missed cue declines a right answer.
_ORDINAL_TIME = (
    r"|\d+(st|nd|rd|th)|(first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth"
    r"|eleventh|twelfth|thirteenth|fourteenth|fifteenth|sixteenth|seventeenth|eighteenth"
    r"|nineteenth|twentieth|twenty-first)|when|once|als|wenn|bp|time|zeit|zeitpunkt|age|alter|centuries|jahrhunderte[n]?|\d{2,4}er(-jahre[n]?)?|ende|anfang|beginn|mitte"
    r"|krieg\w*|weltkrieg\w*|war|during|after|before|since|until|während|nach|vor|seit|bis"
    r"|früher|später|earlier|later|ago|jahre[n]?|years?|monate[n]?|months?|wochen?|weeks?"
)
_CUES: dict[AnswerType, re.Pattern[str]] = {
    AnswerType.TIME: re.compile(
        r"\b(" + _TIME_CUE.pattern[3:-3] + _ORDINAL_TIME + r")\b", re.IGNORECASE
    ),
    AnswerType.NUMBER: re.compile(
        _NUMBER_CUE.pattern + r"|\b(\w+fache[n]?|twice|double|triple|several|mehrere|dutzende"
        r"|zahlreiche|numerous|few|wenige|viele|many|most|meisten|all|alle)\b",
        re.IGNORECASE,
    ),
    AnswerType.REASON: re.compile(
        _REASON_CUE.pattern + r"|\b(as|für|for|in response|aus|angesichts|to|um)\b",
        re.IGNORECASE,
    ),
    AnswerType.PLACE: re.compile(  # any phrase after a preposition of place
        r"\b(in|im|nach|bei|aus|an|am|auf|vor|nahe|near|at|from|to|on|within|across|into|durch"
        r"|through|innerhalb|inside|zwischen|between|über|over|unter|under|entlang|along)\s+"
        r"(der |dem |den |des |die |das |einer |einem |eine |the |a |an )?\w+",
        re.IGNORECASE,
    ),
    AnswerType.PERSON: re.compile(r"\b[A-ZÄÖÜ][\w'’-]+"),  # any name, group or noun
}


# What follows the question word and names the thing asked about: "how many *ships*",
# "which *river*", "wie viele *Schiffe*", "welche *Partei*" (adjectives may come between).
_FOCUS = re.compile(
    r"\b(?:how many|how much|what|which|what kind of|what type of|wie ?viele?n?|welche[rnsm]?"
    r"|was für(?: eine?[nmrs]?)?)\s+([\w'’-]+(?:\s+[\w'’-]+)?)",
    re.IGNORECASE,
)


@lru_cache(maxsize=1)
def _function_words() -> frozenset[str]:
    """Words that name nothing ("The", "Die", "It"), however they are capitalised."""
    from summarizer.text import stop_words

    return stop_words("de") | stop_words("en")


def negated(text: str) -> bool:
    """Does the text hold a negation ("not", "never", "kein", "nicht", ...)?"""
    return _NEGATION.search(text) is not None


def new_cue(kind: AnswerType, sentence: str, question: str) -> bool:
    """Does the sentence name a thing of `kind` (a date for TIME, ...) that the question does
    not already hold? "When did X happen in 1990?" is not answered by the 1990 it names."""
    asked = {m.group(0).casefold() for m in _CUES[kind].finditer(question)}
    asked |= {w.casefold() for w in re.findall(r"[\w'’-]+", question)}
    if kind is AnswerType.PERSON:
        asked |= _function_words()
    if kind is AnswerType.REASON:  # a reason cue is a connective; the question never has it
        return _CUES[kind].search(sentence) is not None
    return any(m.group(0).casefold() not in asked for m in _CUES[kind].finditer(sentence))


def focus_words(question: str) -> tuple[str, ...]:
    """The words right after "how many", "which", "welche", ... (what the question is about)."""
    found = _FOCUS.search(question)
    return tuple(found.group(1).split()) if found else ()
