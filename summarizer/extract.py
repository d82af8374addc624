"""Turn a source (plain text, Markdown, HTML, bytes, a file) into a cleaned Document.

Plain text is read the way scraped news is laid out: headline, caption and photo-credit lines,
teaser, then the body with furniture (consent, cookie, newsletter, "read more", comments) in it.
HTML goes through trafilatura (offline, fast, drops navigation and banners), with title, teaser,
author and date from its metadata, and then the same cleaning as plain text.
"""

from __future__ import annotations

import logging
import math
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from summarizer import clean
from summarizer.errors import ExtractError
from summarizer.i18n import Phrase
from summarizer.models import Document, Sentence
from summarizer.text import (
    check_language,
    detect_language,
    fold,
    split_sentences,
    terms,
    words,
)

TEXT_SUFFIXES = frozenset({".txt", ".md", ".markdown", ".text"})
HTML_SUFFIXES = frozenset({".html", ".htm", ".xhtml"})

TITLE_MAX_WORDS = 20
CAPTION_MAX_WORDS = 14
TEASER_MAX_WORDS = 60
HEAD_SCAN = 5  # paragraphs after the headline that may still be caption, credit or teaser
LEAD_BLOCKS = 3  # a teaser sentence repeating the first paragraphs is not body again
TEASER_MIN_WORDS = 7  # a shorter teaser sentence is a telegraphic line, not a news sentence
SAID_SHARE = 0.8  # of a teaser sentence's content words found in one lead sentence: a repeat
LEAD_FRAGMENTS = 2  # subtitle lines looked for at the start of a first paragraph
FRAGMENT_WORDS = 15  # a dashed line this short is a run of fragments, not a sentence
TEASER_LINE_WORDS = 10  # a line this short that the lead repeats is its teaser
TEASER_COVERED = 0.5  # of a line's content words the following lead repeats: a teaser
DATELINE_SCAN = 4  # a dateline this many sentences into the first paragraph opens the body
PAGE_MIN_WORDS = 15  # a web page with less text than this after cleaning is no article

_MD_IMAGE = re.compile(r"!\[[^\]]*\]\([^)]*\)")
_MD_LINK = re.compile(r"\[([^\]]+)\]\([^)]*\)")
_MD_EMPHASIS = re.compile(r"(\*\*|__|\*|_|`)(?=\S)(.+?)(?<=\S)\1")
_HEADING_LINE = re.compile(r"^\s*(#{1,6}|={1,6})\s*(.*?)\s*=*\s*$")
_LIST_MARK = re.compile(r"^\s*(?:[-*+•]|>+)\s+")
_TAG_HINT = re.compile(r"<\s*(?:!doctype\s+html|html|head|body|article|p|div)\b", re.IGNORECASE)
logging.getLogger("trafilatura").setLevel(logging.CRITICAL)
"""trafilatura logs a page it cannot parse as ERROR lines ("empty HTML tree"); we turn that into
one ExtractError for the user, so its lines were only noise (printed into the console chat)."""

_DATELINE = re.compile(
    r"^[A-ZÄÖÜ][\w'’.-]*(?:[ /](?:[A-ZÄÖÜ][\w'’.-]*|am|an|der|im|upon|on)){0,3}"
    r"(?:\s*\([^()]{1,30}\))?\s+[–—-]\s"
)
"""A news lead's "Berlin – ", "Frankfurt am Main (dpa) – ": such a paragraph opens the body."""
_CMS_NAME = re.compile(r"[a-z0-9_.:-]+")
_DROP_CAP = re.compile(
    r"<(?P<tag>[a-zA-Z0-9]+)\b[^>]*\bclass=[\"'][^\"']*"
    r"(?i:drop|initial|versal|lettrine|firstletter|first-letter)[^\"']*[\"'][^>]*>"
    r"\s*(?:<img\b[^>]*\balt=[\"'](?P<alt>[A-ZÄÖÜ])[\"'][^>]*>|(?P<letter>[A-ZÄÖÜ]))\s*"
    r"</(?P=tag)>(?P<between>(?:\s*<[^>]+>)*?)\s*(?P<next>[a-zäöüß])"
)
"""A drop cap set apart from its word ("<span class=dropcap>T</span>urkey"): trafilatura
keeps "urkey"; the letter is put back in front of the word."""


def _restore_drop_caps(html: str) -> str:
    return _DROP_CAP.sub(
        lambda m: f"{m['between']}{m['alt'] or m['letter']}{m['next']}", html, count=3
    )


_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([\w-]+)""", re.IGNORECASE)


@dataclass
class _Block:
    """A paragraph of the source and whether it was marked up as a heading."""

    text: str
    heading: bool = False
    lines: int = 1


ERRORS = {
    "missing_file": Phrase(de="Die Datei gibt es nicht.", en="That file does not exist."),
    "empty": Phrase(de="Darin steht kein Artikeltext.", en="There is no article text in it."),
    "encoding": Phrase(
        de="Die Zeichenkodierung ist nicht lesbar (UTF-8 oder Latin-1 erwartet).",
        en="The text encoding is unreadable (expected UTF-8 or Latin-1).",
    ),
    "not_article": Phrase(
        de="Auf der Seite ist kein Artikel zu finden.", en="No article found on that page."
    ),
    "file_type": Phrase(
        de="Dieser Dateityp geht nicht: bitte .txt, .md oder .html.",
        en="That file type is not supported: use .txt, .md or .html.",
    ),
}
"""What each ExtractError code tells the user; the code is also what tests and logs match."""


def _error(code: str) -> ExtractError:
    return ExtractError(code, ERRORS[code])


def _plain_line(line: str) -> str:
    line = _MD_IMAGE.sub("", line)
    line = _MD_LINK.sub(r"\1", line)
    line = _LIST_MARK.sub("", line)
    return _MD_EMPHASIS.sub(r"\2", line)


def _blocks(raw: str) -> list[_Block]:
    """Paragraphs at blank lines (or at every line when the text has no blank line at all);
    Markdown/wiki headings become blocks of their own, marked as headings."""
    text = raw.replace("\ufeff", "").replace("\r\n", "\n").replace("\r", "\n").replace("\xa0", " ")
    lines = text.split("\n")
    has_blank = any(not line.strip() for line in lines[1:-1])
    blocks: list[_Block] = []
    current: list[str] = []

    def flush() -> None:
        if current:
            joined = " ".join(" ".join(current).split())
            if joined:
                blocks.append(_Block(joined, lines=len(current)))
            current.clear()

    for line in lines:
        heading = _HEADING_LINE.match(line)
        if heading and heading.group(2):
            flush()
            blocks.append(_Block(" ".join(_plain_line(heading.group(2)).split()), heading=True))
            continue
        if not line.strip():
            flush()
            continue
        current.append(_plain_line(line))
        if not has_blank:
            flush()
    flush()
    return [b for b in blocks if b.text]


def _ends_like_sentence(text: str) -> bool:
    return text.rstrip().endswith((".", ";", ","))


def _split_head(
    blocks: list[_Block], language: str, *, title: str = "", teaser: str = ""
) -> tuple[str, str, list[_Block]]:
    """Recognise headline, captions, credit lines and teaser at the top; return the body."""
    body = list(blocks)
    if not title and len(body) > 1:
        first = body[0]
        if first.heading or (
            first.lines == 1
            and len(words(first.text)) <= TITLE_MAX_WORDS
            and not _ends_like_sentence(first.text)
        ):
            title = first.text
            body = body[1:]
    if title:
        title_key = _key(title)
        if body and _key(body[0].text) == title_key:
            body = body[1:]
        # captions and credit lines under the headline
        scanned = 0
        while body and scanned < HEAD_SCAN:
            block = body[0]
            nxt = body[1].text if len(body) > 1 else ""
            if clean.is_credit(block.text) or (
                not block.heading and clean.is_heading(block.text) and len(body) > 2
            ):
                body = body[1:]
            elif (
                len(words(block.text)) <= CAPTION_MAX_WORDS * 2
                and nxt
                and clean.is_credit(nxt)
                and len(words(nxt)) <= CAPTION_MAX_WORDS
            ):
                body = body[2:]  # caption sentence followed by its credit line
            else:
                break
            scanned += 1
        if (
            not teaser
            and len(body) > 2
            and not body[0].heading
            and len(words(body[0].text)) <= TEASER_MAX_WORDS
            and not clean.is_boilerplate(body[0].text, language)
            and not _DATELINE.match(body[0].text)
        ):
            teaser = body[0].text
            body = body[1:]
    news = _news_in_teaser(teaser, title, body, language)
    if news:
        body = [_Block(news), *body]
    return title, teaser, body


def _teaser_before_dateline(
    sentences: list[str], teaser: str, title: str, language: str
) -> tuple[str, list[str]]:
    """(teaser, sentences) of a first paragraph whose body starts at a dateline after a few
    lines ("Rüffel für den Minister – Will mehr Geld. Wien – Der Finanzminister …", as
    scraped news often runs subtitle and body together): the lines before the dateline are
    the teaser, and only its news sentences stay (see `_news_in_teaser`)."""
    start = next(
        (i for i, s in enumerate(sentences[: DATELINE_SCAN + 1]) if i and clean.has_dateline(s)),
        None,
    )
    if start is None:
        return teaser, sentences
    head, rest = sentences[:start], sentences[start:]
    lead = [clean.strip_dateline(s) for s in rest[:LEAD_BLOCKS]]
    news = _news_sentences(head, [title, *lead] if title else lead, language)
    return teaser or " ".join(head), [*news, *rest]


def _without_lead_fragments(sentences: list[str], language: str) -> list[str]:
    """The first paragraph without the subtitle lines scraped news opens with (no headline,
    no dateline to tell them apart): a short run of fragments joined by dashes ("Laut
    Informationen aus der Zulieferkette – frühestens 2017."), or a line the next sentences
    say again at length (the teaser of the lead that follows it)."""
    if len(sentences) < 3:
        return sentences
    kept = list(sentences)
    for sentence in sentences[:LEAD_FRAGMENTS]:
        rest = kept[1 : 1 + LEAD_BLOCKS]
        dashed = re.search(r"\s[–—-]\s", sentence) and len(words(sentence)) <= FRAGMENT_WORDS
        repeated = len(words(sentence)) <= TEASER_LINE_WORDS and any(
            len(words(later)) > len(words(sentence)) and _covered(sentence, later, language)
            for later in rest
        )
        if not (dashed or repeated):
            break
        kept = kept[1:]
    return kept


def _covered(sentence: str, other: str, language: str) -> bool:
    """Are most of the sentence's content words in `other` (a teaser and its lead)?"""
    own = set(terms(sentence, language))
    return len(own) >= 2 and len(own & set(terms(other, language))) / len(own) >= TEASER_COVERED


def _news_in_teaser(teaser: str, title: str, body: list[_Block], language: str) -> str:
    """The sentences of a teaser that belong in the body: the lead is often the news itself
    ("Tony Blair has apologised to …"), and points and answers come only from the body.

    Kept: statements (no question, at least TEASER_MIN_WORDS words, not cut off with "…") that
    neither the headline nor the body's first paragraphs already say (near-duplicates, as a
    brief judges them). Telegraphic teasers ("Rüstungskooperation im Vordergrund.") stay out.
    """
    if not teaser or clean.is_boilerplate(teaser, language):
        return ""
    lead = [title] if title else []
    for block in body[:LEAD_BLOCKS]:
        lead.extend(split_sentences(block.text, language))
    return " ".join(_news_sentences(split_sentences(teaser, language), lead, language))


def _news_sentences(candidates: list[str], lead: list[str], language: str) -> list[str]:
    """The teaser sentences that are news: statements of at least TEASER_MIN_WORDS words,
    ended by a period (no question, no "…", no colon), that no lead sentence already says."""
    keys = {_key(line) for line in lead}
    kept = []
    for sentence in candidates:
        stripped = sentence.rstrip()
        if len(words(sentence)) < TEASER_MIN_WORDS or stripped.endswith(("?", "…", "...")):
            continue
        if not stripped.endswith((".", "!", '"', "“", "»", "«")) or _key(sentence) in keys:
            continue
        if len(re.findall(r"\s[–—]\s", sentence)) >= 2:  # "A – B – C.": a run of fragments
            continue
        if any(_said_in(sentence, line, language) for line in lead):
            continue
        kept.append(sentence)
    return kept


def _said_in(sentence: str, other: str, language: str) -> bool:
    """Does `other` already say `sentence`: most of its content words, or nearly the same?
    One way only: a short headline whose words all recur in a long lead does not make the
    lead a repeat of it."""
    own, theirs = set(terms(sentence, language)), set(terms(other, language))
    if not own or not theirs:
        return False
    shared = len(own & theirs)
    return shared / len(own) >= SAID_SHARE or shared / math.sqrt(len(own) * len(theirs)) >= 0.55


def _key(text: str) -> str:
    return " ".join(fold(w) for w in words(text))


def _drop_captions(blocks: list[_Block]) -> list[_Block]:
    """Inside the body, a short line directly before a credit line is that photo's caption."""
    kept: list[_Block] = []
    for i, block in enumerate(blocks):
        nxt = blocks[i + 1].text if i + 1 < len(blocks) else ""
        if (
            nxt
            and clean.is_credit(nxt)
            and len(words(block.text)) <= CAPTION_MAX_WORDS * 2
            and not clean.is_credit(block.text)
        ):
            continue
        kept.append(block)
    return kept


def _document(
    blocks: list[_Block],
    *,
    title: str,
    teaser: str,
    url: str | None,
    language: str | None,
    author: str | None = None,
    published: datetime | None = None,
) -> Document:
    guess = language or detect_language(" ".join(b.text for b in blocks[:40]) + " " + title)
    lang = check_language(guess)
    title, teaser, body = _split_head(blocks, lang, title=title, teaser=teaser)
    body = _drop_captions(body)
    headings = {b.text for b in body if b.heading}
    cleaned = clean.clean_paragraphs([b.text for b in body], lang)  # headers end comment blocks
    paragraphs = [p for p in cleaned if p not in headings and not clean.is_heading(p)]
    sentences: list[Sentence] = []
    texts: list[str] = []
    for number, paragraph in enumerate(paragraphs):
        kept = clean.clean_sentences(split_sentences(paragraph, lang), lang)
        if not sentences:
            opened, kept = kept, _teaser_before_dateline(kept, teaser, title, lang)[1]
            if kept == opened:  # no dateline told teaser and body apart
                kept = _without_lead_fragments(kept, lang)
            else:
                teaser = teaser or " ".join(opened[: len(opened) - len(kept)])
        kept = [
            clean.strip_citations(clean.strip_subhead(clean.strip_dateline(s)))
            for s in kept
            if any(c.isalpha() for c in s) and not clean.is_garbled(s)
        ]
        if len(kept) > 1 or len(paragraphs) > 1:  # a one-line text stays what it is
            kept = [s for s in kept if not clean.is_subhead(s)]
        if not kept:
            continue
        texts.append(" ".join(kept))
        start = len(sentences)
        sentences.extend(Sentence(start + j, s, number) for j, s in enumerate(kept))
    if title and len(sentences) > 1 and _key(sentences[0].text) == _key(title):
        # the headline repeated as the body's first sentence: one sentence, never a point
        sentences = [Sentence(s.index - 1, s.text, s.paragraph) for s in sentences[1:]]
    if not sentences:
        raise _error("empty")
    if language is None:
        lang = detect_language(" ".join(texts) + " " + title, default=lang)
    return Document(
        title=title,
        teaser=teaser,
        language=lang,
        text="\n\n".join(texts),
        sentences=tuple(sentences),
        url=url,
        author=author,
        published=published,
    )


def from_text(raw: str, *, url: str | None = None, language: str | None = None) -> Document:
    """Plain text or Markdown: headline, captions, credits and teaser recognised, body cleaned."""
    if language is not None:
        language = check_language(language)
    blocks = _blocks(raw)
    if not blocks:
        raise _error("empty")
    return _document(blocks, title="", teaser="", url=url, language=language)


def _published(value: object) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None


def from_html(
    html: str | bytes, *, url: str | None = None, language: str | None = None
) -> Document:
    """An HTML page through trafilatura (comments off), then the plain-text cleaning."""
    import trafilatura  # imported here: 100+ ms, and plain-text users never need it

    if language is not None:
        language = check_language(language)
    if isinstance(html, bytes):
        html = _decode(html, html=True)
    if not html.strip():
        raise _error("empty")
    html = _restore_drop_caps(html)
    try:
        result = trafilatura.bare_extraction(
            html, url=url, include_comments=False, with_metadata=True, include_tables=False
        )
    except Exception as exc:  # lxml raises on some broken documents
        raise _error("not_article") from exc
    if result is None:
        raise _error("not_article")
    meta = result if isinstance(result, dict) else result.as_dict()
    body = str(meta.get("text") or "")
    if not body.strip():
        raise _error("not_article")
    blocks = [_Block(" ".join(line.split())) for line in body.split("\n") if line.strip()]
    title = " ".join(str(meta.get("title") or "").split())
    if _CMS_NAME.fullmatch(title):
        title = ""  # "escenic", "wp-post": the publishing system's name, not a headline
    teaser = " ".join(str(meta.get("excerpt") or meta.get("description") or "").split())
    if teaser and clean.is_boilerplate(teaser, language or "de"):
        teaser = ""
    author = meta.get("author")
    document = _document(
        blocks,
        title=title,
        teaser=teaser,
        url=url or (str(meta["url"]) if meta.get("url") else None),
        language=language,
        author=str(author) if author else None,
        published=_published(meta.get("date")),
    )
    if sum(len(words(s.text)) for s in document.sentences) < PAGE_MIN_WORDS:
        # a media library's or a login page's text is player, account and cookie UI
        raise _error("not_article")
    return document


def _decode(data: bytes, *, html: bool = False, content_type: str | None = None) -> str:
    """UTF-8 (with or without BOM); else a declared charset; else charset detection."""
    if b"\x00" in data[:4096] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise _error("encoding")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    declared: list[str] = []
    if content_type and "charset=" in content_type.lower():
        declared.append(content_type.lower().split("charset=")[1].split(";")[0].strip(" \"'"))
    if html:
        match = _META_CHARSET.search(data[:4096])
        if match:
            declared.append(match.group(1).decode("ascii", "ignore"))
    for charset in declared:
        try:
            return data.decode(charset)
        except (LookupError, UnicodeDecodeError):
            continue
    from charset_normalizer import from_bytes as detect

    best = detect(data).best()
    if best is None or best.encoding is None:
        raise _error("encoding")
    text = str(best)
    if sum(not (c.isprintable() or c.isspace()) for c in text) > len(text) // 20:
        raise _error("encoding")
    return text


def _looks_like_html(text: str) -> bool:
    return bool(_TAG_HINT.search(text[:2000]))


def from_bytes(
    data: bytes,
    *,
    content_type: str | None = None,
    filename: str | None = None,
    url: str | None = None,
    language: str | None = None,
) -> Document:
    """Decode bytes and dispatch to HTML or plain-text extraction."""
    if not data.strip():
        raise _error("empty")
    suffix = Path(filename).suffix.lower() if filename else ""
    is_html = (
        (content_type is not None and "html" in content_type.lower())
        or suffix in HTML_SUFFIXES
        or (not suffix and _TAG_HINT.search(data[:2000].decode("latin-1")) is not None)
    )
    text = _decode(data, html=is_html, content_type=content_type)
    if is_html or (suffix not in TEXT_SUFFIXES and _looks_like_html(text)):
        return from_html(text, url=url, language=language)
    return from_text(text, url=url, language=language)


def from_path(path: Path, *, language: str | None = None) -> Document:
    """A .txt, .md or .html file."""
    path = Path(path)
    if not path.is_file():
        raise _error("missing_file")
    suffix = path.suffix.lower()
    if suffix not in TEXT_SUFFIXES | HTML_SUFFIXES:
        raise _error("file_type")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise _error("missing_file") from exc
    return from_bytes(data, filename=path.name, language=language)
