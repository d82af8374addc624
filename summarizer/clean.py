"""Boilerplate removal for scraped news: consent, cookie, podcast, newsletter, "read more",
comment blocks, photo credits and captions, in German and English.

Our own rules rather than a library: trafilatura drops navigation and banners from HTML, but
consent text embedded in an article body (and everything in plain-text scrapes) passes through,
and no offline library knows German news furniture. Patterns are phrases, not single words, so
an article *about* cookies or newsletters keeps its sentences.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from summarizer.text import words

# Phrases that mark a paragraph or sentence as page furniture wherever they appear.
_ANYWHERE = [
    # consent / embedded content (German); "Zustimm+ung" also matches a real typo seen in scrapes
    r"empfohlener redaktioneller inhalt",
    r"mit ihrer zustimm+ung wird hier",
    r"externe[rn]? (?:inhalte?|podcast|video|audio)\w* (?:geladen|angezeigt)",
    r"ich bin damit einverstanden",
    r"einverstanden, dass mir externe",
    r"personenbezogene daten an drittplattformen",
    r"mehr dazu in unserer datenschutz",
    r"datenschutzerkl(?:ä|ae)rung",
    r"datenschutzhinweise",
    r"(?:externe[nr]? )?inhalte? (?:von|aus) (?:drittanbietern|externen quellen) (?:anzeigen|laden|zulassen)",
    r"zustimmung (?:widerrufen|erteilen|geben)",
    r"inhalt(?:e)? (?:laden|anzeigen|entsperren|aktivieren)\b",
    r"cookie-?(?:einstellungen|hinweis|banner|richtlinie)",
    r"(?:wir )?(?:verwenden|nutzen|setzen) cookies",
    r"cookies? (?:akzeptieren|zulassen|ablehnen)",
    r"alle akzeptieren",
    # consent / cookies (English)
    r"recommended editorial content",
    r"with your consent,? (?:an )?external",
    r"i agree (?:that|to)",
    r"i consent to",
    r"privacy (?:policy|notice|statement)",
    r"cookie (?:policy|settings|preferences|consent|notice)",
    r"we use cookies",
    r"(?:accept|reject|manage) (?:all )?cookies",
    r"this (?:site|website) uses cookies",
    r"third[- ]party (?:content|provider)s? (?:may|will|is|are) (?:be )?(?:load|display|shown)",
    # newsletters / subscriptions / podcasts
    r"newsletter (?:abonnieren|bestellen|anmelden)",
    r"(?:zum|für den|unseren?) newsletter (?:an|abonnieren|bestellen)",
    r"(?:melden sie sich|jetzt) (?:für (?:unseren|den) newsletter )?(?:an|anmelden)\b.*newsletter",
    r"newsletter.*(?:kostenlos|abonnieren|anmelden|e-mail-adresse)",
    r"sign up (?:for|to) (?:our|the) (?:\w+ )?newsletter",
    r"subscribe to (?:our|the) (?:\w+ )?(?:newsletter|podcast|channel)",
    r"newsletter.*(?:sign up|subscribe|inbox|email address)",
    r"(?:jetzt|hier) (?:den )?podcast (?:hören|abonnieren)",
    r"(?:listen to|subscribe to) (?:the|our) podcast",
    r"podcast (?:abonnieren|hören sie)",
    # read more / related
    r"^(?:lesen sie (?:auch|mehr|hier)|mehr zum thema|mehr dazu|weiterlesen|auch interessant|"
    r"das könnte sie (?:auch )?interessieren|zum thema|weitere artikel|passend zum thema)\b",
    r"^(?:read more|read also|see also|related(?: articles| stories| coverage)?|more on this|"
    r"recommended(?: for you| reading)?|you may also like|more from)\b",
    r"\b(?:mehr zum thema|lesen sie auch|read more)\s*:",
    r"hier (?:geht es|geht's) zum (?:artikel|beitrag|video|podcast)",
    r"click here to",
    r"klicken sie hier",
    # comments / sharing / ads
    r"^\d*\s*(?:leser)?kommentare?\b(?!\w)",
    r"kommentar (?:schreiben|verfassen|abgeben)",
    r"(?:diskutieren|kommentieren) sie mit",
    r"^\d*\s*comments?\b",
    r"(?:leave|post|add|write) a comment",
    r"(?:join|start) the (?:conversation|discussion)",
    r"artikel (?:teilen|drucken|merken)",
    r"^(?:teilen|share|drucken|print|anzeige|advertisement|werbung)\s*[:|]?\s*$",
    r"share (?:this|on) (?:article|story|facebook|twitter|x)",
    r"(?:jetzt|hier) (?:abonnieren|abonnent werden)",
    r"alle rechte vorbehalten",
    r"all rights reserved",
    # a newsroom's note on itself: "CNN has reached out to … for comment"
    r"\b(?:has|have) reached out to\b.*\bfor (?:a )?comment",
    r"did not (?:immediately )?respond to (?:a |our )?request(?:s)? for comment",
    # player, login and account UI of a media library or paywall
    r"^(?:video|audio|beitrag|sendung) (?:abspielen|starten|ansehen)\b",
    r"^gemerkt(?: auf| in)? mein(?:e[mn]?)? ",
    r"(?:bitte )?melden sie sich an,? um (?:diese[ns]? )?(?:funktion|inhalte?|video|artikel)",
    r"^(?:play video|watch (?:the )?video|sign in to|log in to|please (?:sign|log) in)\b",
    r"^verfügbar bis\b",
    r"^verfuegbar bis\b",
    r"^untertitel (?:ein|aus)blenden",
]

# A photo credit: "Bilder: A, B / Shutterstock.com", "Foto: dpa", "Image: X/Getty Images".
_CREDIT = re.compile(
    r"(?:^|[.,;|]\s*|\(\s*)(?:bild|bilder|foto|fotos|photo|photos|image|images|picture|pictures|"
    r"grafik|illustration|video|quelle|credit|credits|bildquelle|fotoquelle)\s*:\s*\S"
    r"|©|\bcopyright\b"
    r"|/\s*(?:shutterstock|getty|dpa|afp|reuters|ap|imago|picture alliance|epa|istock|unsplash)"
    r"|\b(?:shutterstock(?:\.com)?|getty images|picture[- ]alliance|imago images|istockphoto)\b",
    re.IGNORECASE,
)
_ANYWHERE_RE = re.compile("|".join(f"(?:{p})" for p in _ANYWHERE), re.IGNORECASE)
# Words one of which every `_ANYWHERE` pattern needs (lower case). Nearly all news sentences
# contain none of them, so the large pattern above runs on few texts (it cost most of ingest).
_ANYWHERE_ANCHORS = (
    "redaktionell", "zustimm", "extern", "einverstanden", "drittplattform", "datenschutz",
    "inhalt", "cookie", "akzeptieren", "recommended", "consent", "agree", "privacy", "party",
    "newsletter", "subscribe", "podcast", "lesen sie", "mehr zum", "mehr dazu", "weiterlesen",
    "interessant", "interessieren", "zum thema", "weitere artikel", "read ", "see also",
    "related", "more on this", "you may also like", "more from", "geht", "click here",
    "klicken", "kommentar", "comment", " sie mit", "conversation", "discussion",
    "artikel ", "teilen", "share", "drucken", "print", "anzeige", "advertisement", "werbung",
    "abonn", "vorbehalten", "rights reserved", "reached out", "request for comment",
    "requests for comment", "abspielen", "starten", "ansehen", "gemerkt", "melden sie sich",
    "video", "sign in", "log in", "verfügbar bis", "verfuegbar bis", "untertitel",
)  # fmt: skip
# Every credit pattern needs one of these (lower case).
_CREDIT_ANCHORS = (
    ":", "©", "/", "copyright", "shutterstock", "getty", "picture", "imago", "istock",
)  # fmt: skip

# Headers after which a block of link headlines or user comments follows.
_COMMENTS_HEADER = re.compile(
    r"^\d*\s*(?:leser)?kommentare?\b|^\d*\s*comments?\b|^(?:diskussion|discussion)\s*(?:\(\d+\))?$",
    re.IGNORECASE,
)
_RELATED_HEADER = re.compile(
    r"^(?:lesen sie (?:auch|mehr)|mehr zum thema|mehr dazu|weitere artikel|auch interessant|"
    r"das könnte sie (?:auch )?interessieren|passend zum thema|read more|read also|see also|"
    r"related(?: articles| stories| coverage)?|more on this(?: story| topic)?|you may also like|"
    r"recommended(?: for you| reading)?|empfohlener redaktioneller inhalt|"
    r"recommended editorial content)\s*:?\s*$",
    re.IGNORECASE,
)
_SENTENCE_END = re.compile(r"[.!?…:;\"“”»«'’)]\s*$")

CREDIT_MAX_WORDS = 40
BOILERPLATE_MAX_WORDS = 80
GARBLED_SHARE = 0.2  # prose has a few symbols; binary read as Latin-1 has 40 % and more

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffd]")
_ODD = re.compile(r"[^\w\s.,;:!?…„“”‚‘’\"'«»‹›()\[\]/%&€$£§+*#@°=–—-]")


def is_credit(text: str) -> bool:
    """A photo-credit or caption-with-credit line ("Bilder: … / Shutterstock.com")."""
    lowered = text.lower()
    if not any(anchor in lowered for anchor in _CREDIT_ANCHORS):
        return False
    return len(words(text)) <= CREDIT_MAX_WORDS and bool(_CREDIT.search(text))


def furniture_phrases(text: str) -> int:
    """How many furniture phrases (consent, cookies, newsletter, "read more", ...) a text holds."""
    lowered = text.lower()
    if not any(anchor in lowered for anchor in _ANYWHERE_ANCHORS):
        return 0
    return len(_ANYWHERE_RE.findall(text))


def is_boilerplate(text: str, language: str) -> bool:
    """True for consent, cookie, newsletter, podcast, "read more", comment and credit text.

    Works on a paragraph or a single sentence; long paragraphs count only when furniture
    phrases are dense in them, so one quoted phrase does not delete a real paragraph.
    `language` is accepted for symmetry with the rest of the core: the rules cover de and en
    together, because pages mix them (English cookie banners on German sites).
    """
    stripped = " ".join(text.split())
    if not stripped:
        return True
    if is_credit(stripped):
        return True
    hits = furniture_phrases(stripped)
    if not hits:
        return False
    return len(words(stripped)) <= BOILERPLATE_MAX_WORDS * hits


def is_garbled(text: str) -> bool:
    """Binary data or mojibake read as text: control characters, or more than a fifth of the
    visible characters neither letters, digits nor punctuation prose uses."""
    if _CONTROL.search(text):
        return True
    visible = len(text) - sum(c.isspace() for c in text)
    return visible > 0 and len(_ODD.findall(text)) > GARBLED_SHARE * visible


def is_heading(text: str) -> bool:
    """A short line without sentence punctuation: a title, subheading, caption or link."""
    stripped = text.strip()
    return bool(stripped) and len(words(stripped)) <= 14 and not _SENTENCE_END.search(stripped)


def clean_paragraphs(paragraphs: Sequence[str], language: str) -> list[str]:
    """Drop boilerplate paragraphs, link lists after "read more" headers, and comment sections.

    A comment-section header ends the article: everything after it is readers' text.
    After a "Mehr zum Thema"/"Read more"/consent header, the short headline-like paragraphs
    that follow (the linked teasers) are dropped too, until real prose resumes.
    """
    kept: list[str] = []
    in_link_block = False
    for paragraph in paragraphs:
        text = " ".join(paragraph.split())
        if not text:
            continue
        if _COMMENTS_HEADER.match(text) and len(words(text)) <= 8:
            break
        if _RELATED_HEADER.match(text):
            in_link_block = True
            continue
        if in_link_block:
            if is_heading(text) or is_boilerplate(text, language):
                continue
            in_link_block = False
        if is_boilerplate(text, language):
            continue
        kept.append(text)
    return kept


# Embedded posts and agency fixture boxes, judged sentence by sentence (a paragraph quoting
# ten tweets still holds the reporter's sentences around them): "… pic.twitter.com/x",
# "— Name (@handle) 4. Mai", "(APA, 18.3.2016) FC A – FC B (Stadion, 16.30 Uhr)".
_EMBED = re.compile(
    r"pic\.twitter\.com/|https?://t\.co/|\(@\w{1,15}\)|^@\w{1,15}\b|(?:^|\s)#[^\W\d_]\w+"
    r"|^\((?:apa|dpa|afp|reuters|sid|ap|red)\b[^)]{0,20}\)",
    re.IGNORECASE,
)


def is_embed(sentence: str) -> bool:
    """An embedded social-media post or an agency's fixture box, not a sentence of the article."""
    return _EMBED.search(sentence) is not None


def clean_sentences(sentences: Sequence[str], language: str) -> list[str]:
    """Drop single boilerplate sentences and embedded posts left inside real paragraphs."""
    sentences = [s for s in sentences if not is_embed(s)]
    normalised = [" ".join(s.split()) for s in sentences]
    joined = " ".join(normalised).lower()
    if not any(a in joined for a in _CREDIT_ANCHORS) and not any(
        a in joined for a in _ANYWHERE_ANCHORS
    ):  # one look at the whole paragraph clears all its sentences (the usual case)
        return [s for s, n in zip(sentences, normalised, strict=True) if n]
    return [s for s in sentences if not is_boilerplate(s, language)]


# "Wien – Die Regierung …", "Frankfurt am Main (dpa) – …", "London (CNN)It was …": where a
# report was filed, glued to its first sentence. An editor drops it (and a place named only
# there is no mention of it). The dash form needs an upper-case word after it, so "Merkel –
# die Kanzlerin – sagte" keeps its dash.
_DATELINE = re.compile(
    r"^[A-ZÄÖÜ][\w'’.]*(?:[ /-](?:[A-ZÄÖÜ][\w'’.]*|am|an|im|upon|on|de|del)){0,3}"
    r"(?:\s*\((?:[^()]{1,30})\)\s*[–—-]?\s*(?=[A-ZÄÖÜ„\"»0-9])"
    r"|\s+[–—-]\s+(?=[A-ZÄÖÜ„\"»0-9]))"
)


def has_dateline(sentence: str) -> bool:
    return strip_dateline(sentence) != sentence


def strip_dateline(sentence: str) -> str:
    """The sentence without a dateline at its start ("Wien – ", "London (CNN)")."""
    match = _DATELINE.match(sentence)
    if match is None:
        return sentence
    rest = sentence[match.end() :]
    return rest if len(rest.split()) >= 3 else sentence


# A subhead glued onto the sentence after it: '"Besorgniserregender Vorfall" Der Minister …'
_GLUED_SUBHEAD = re.compile(r"^[\"„“»«‚‘']([^\"„“”»«.!?]{3,60})[\"“”«»‘’']\s+(?=[A-ZÄÖÜ])")
SUBHEAD_MAX_WORDS = 8


def strip_subhead(sentence: str) -> str:
    """The sentence without a quoted subhead glued to its start (at most SUBHEAD_MAX_WORDS)."""
    match = _GLUED_SUBHEAD.match(sentence)
    if match is None or len(words(match.group(1))) > SUBHEAD_MAX_WORDS:
        return sentence
    rest = sentence[match.end() :]
    return rest if len(words(rest)) >= 3 else sentence


def is_subhead(sentence: str) -> bool:
    """A short line with no sentence end ('"Besorgniserregender Vorfall"', "Die Folgen"):
    a subhead split off its paragraph, never a point."""
    stripped = sentence.strip().strip("\"„“”»«‚‘’'")
    return 0 < len(words(stripped)) <= SUBHEAD_MAX_WORDS and not re.search(r"[.!?…]$", stripped)


# Wikipedia's page references left behind by extraction: "… in 1882.:121,154", "Paris:12"
_CITATION = re.compile(r"(?<=[^\W\d_]|[.,;\"”)\]]):\d{1,4}(?:[,–-]\d{1,4})*(?=[\s.,;]|$)")


def strip_citations(sentence: str) -> str:
    """The sentence without page-reference residue glued to a word (":121,154")."""
    return _CITATION.sub("", sentence)
