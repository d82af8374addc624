"""How much an article is about a topic, and whether a point is: one definition for briefs,
scheduled digests and the benchmarks that judge them (`bench.briefs`, `bench.daily`).

Centrality is read from where an article names the topic (`Mentions`, from the sentence
index), never from its text again:

- the title names it: 0.5;
- the lead names it (one of the first two body sentences): 0.25, one of the first five: 0.1;
- the share of body sentences naming it: up to 0.4, reached at SHARE_FULL (a quarter).

An article scoring CENTRAL (0.35) or more is centred on the topic: a title naming it does
that alone, a lead mention needs a few more mentions after it (about 15 % of the sentences),
and a share of about 22 % does it anywhere; without the title, it takes two naming sentences
(one sentence of a five-sentence report is a fifth of it, still a passing mention). Anything
less is a passing mention: it gives only
the sentences that name the topic. On the 10kGNAD library (`python -m bench.briefs`) the
topics' most-naming articles score 0.4–0.9 and the articles naming a topic once 0.02–0.25.

A point is about the topic when its sentence names it (any inflection, compound or alias; a
person's surname inside an article naming the whole name), or continues a naming sentence
right before it (opens with a reference back: "Er …", "Doch …", "His …"), or comes from an
article centred on the topic.
"""

from __future__ import annotations

from summarizer.digest import dangling
from summarizer.models import Mentions

TITLE = 0.5
LEAD = 0.25
EARLY = 0.1
SHARE = 0.4
SHARE_FULL = 0.25
LEAD_SENTENCES = 2
EARLY_SENTENCES = 5
CENTRAL = 0.35
MIN_NAMING = 2  # without the title, one naming sentence is a passing mention however short
PASSING_MAX = 0.3


def centrality(mentions: Mentions) -> float:
    """0..1: how much the article is about the topic (see the module docstring)."""
    if not mentions.in_title and len(mentions.naming) < MIN_NAMING:
        return min(PASSING_MAX, _score(mentions))
    return _score(mentions)


def _score(mentions: Mentions) -> float:
    score = TITLE if mentions.in_title else 0.0
    if mentions.naming:
        first = mentions.naming[0]
        if first < LEAD_SENTENCES:
            score += LEAD
        elif first < EARLY_SENTENCES:
            score += EARLY
        share = len(mentions.naming) / max(1, mentions.sentence_count)
        score += SHARE * min(1.0, share / SHARE_FULL)
    return min(1.0, score)


def is_central(mentions: Mentions) -> bool:
    return centrality(mentions) >= CENTRAL


def continues(index: int, text: str, language: str, mentions: Mentions) -> bool:
    """Does the sentence at `index` lean on a sentence right before it that names the topic?"""
    return index - 1 in mentions.naming and dangling(text, language)


def is_about(index: int, text: str, language: str, mentions: Mentions | None) -> bool:
    """Is the point (sentence `index` of the article these `mentions` describe) about the
    topic? `mentions` is None for an article that does not name the topic at all."""
    if mentions is None:
        return False
    return (
        index in mentions.naming
        or is_central(mentions)
        or continues(index, text, language, mentions)
    )
