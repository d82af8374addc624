"""Extraction: headline, caption, credit, teaser and furniture recognised in text, Markdown, HTML."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from summarizer import extract
from summarizer.errors import ExtractError

TEXTS = Path(__file__).resolve().parent / "fixtures" / "texts"
FURNITURE = (
    "Podigee",
    "Shutterstock",
    "Getty",
    "Foto:",
    "Image:",
    "Datenschutz",
    "einverstanden",
    "Zustimmung",
    "Cookie",
    "cookie",
    "Newsletter",
    "newsletter",
    "Lesen Sie auch",
    "Read more",
    "Mehr zum Thema",
    "Kommentare",
    "consent",
    "privacy",
    "Hafenfreund",
    "Anwohnerin:",
    "riverwatcher",
    "annoyed_taxpayer",
    "localfoodie",
    "Bürger42",
    "Leserin",
)


def body(document) -> str:
    return " ".join(s.text for s in document.sentences)


def assert_clean(document) -> None:
    text = body(document)
    for word in FURNITURE:
        assert word not in text, word


def test_seed_article_title_teaser_and_clean_body(seed_article: Path) -> None:
    document = extract.from_path(seed_article)
    assert document.language == "de"
    blocks = [b.strip() for b in seed_article.read_text(encoding="utf-8").split("\n\n")]
    blocks = [b for b in blocks if b]
    assert document.title == blocks[0]
    # the telegraphic teaser ("… im Vordergrund.", a question) is no body sentence
    assert document.sentences[0].text.startswith("Am 17. Juni 2024 reiste")
    body_start = next(i for i, b in enumerate(blocks) if b.startswith(document.sentences[0].text))
    assert document.teaser == blocks[body_start - 1]  # the short block right above the body
    assert not any("Kim Jong-un. Bilder" in s.text for s in document.sentences)
    assert not any(s.text == "Wladimir Putin, Kim Jong-un" for s in document.sentences)
    assert [s.index for s in document.sentences] == list(range(len(document.sentences)))
    for word in ("Podigee", "Shutterstock", "Datenschutz", "einverstanden", "Empfohlener"):
        assert word not in document.text


def test_german_text_fixture() -> None:
    document = extract.from_path(TEXTS / "de_hafen.txt")
    assert document.language == "de"
    assert document.title.startswith("Neuer Containerhafen an der Elbe")
    assert document.teaser.startswith("Der Senat gibt grünes Licht")
    # the teaser's news sentence opens the body; its telegraphic and question lines do not
    assert document.sentences[0].text == "Der Senat gibt grünes Licht für das Terminal."
    assert document.sentences[1].text.startswith("Der Hamburger Senat hat am Dienstag")
    assert not any(s.text.endswith("?") for s in document.sentences[:2])
    assert_clean(document)
    # real prose after the furniture survives
    assert any(s.text.startswith("Anwohner in Finkenwerder") for s in document.sentences)
    assert any(s.text.startswith("Reedereien hatten") for s in document.sentences)
    assert not any("Elbvertiefung: Schiffe" in s.text for s in document.sentences)


def test_english_markdown_fixture() -> None:
    document = extract.from_path(TEXTS / "en_river.md")
    assert document.language == "en"
    assert document.title == "City council approves new flood barrier for the river district"
    assert document.teaser.startswith("The vote ends a three-year dispute.")
    # the teaser's one full news sentence opens the body; the six-word line stays out
    assert document.sentences[0].text == "Costs have nearly doubled since the first plan."
    assert document.sentences[1].text.startswith("The city council voted on Thursday")
    assert_clean(document)
    assert not any("Storm surge leaves" in s.text for s in document.sentences)
    assert document.sentences[-1].text.startswith("Funding will come partly")


@pytest.mark.parametrize(
    ("name", "language", "title", "teaser", "first"),
    [
        (
            "de_wahl.html",
            "de",
            "Bürgermeisterwahl in Kleinstadt",
            "Die Amtsinhaberin setzt sich",
            "Die bisherige Bürgermeisterin",
        ),
        (
            "en_market.html",
            "en",
            "Farmers' market moves",
            "After twenty years",
            "The weekly farmers' market",
        ),
    ],
)
def test_html_fixtures(name: str, language: str, title: str, teaser: str, first: str) -> None:
    document = extract.from_path(TEXTS / name)
    assert document.language == language
    assert document.title.startswith(title)
    assert document.teaser.startswith(teaser)
    # the page's teaser is news the body does not repeat: it opens the body
    assert document.sentences[0].text.startswith(teaser)
    assert document.sentences[1].text.startswith(first)
    assert document.author
    assert document.published is not None
    assert_clean(document)


def test_bytes_in_latin1_and_windows1252() -> None:
    text = (TEXTS / "de_hafen.txt").read_text(encoding="utf-8")
    for codec in ("iso-8859-1", "cp1252"):
        document = extract.from_bytes(text.encode(codec), filename="a.txt")
        assert "Bürgerinitiative" in document.text


def test_bytes_dispatch_html_by_content() -> None:
    data = (TEXTS / "en_market.html").read_bytes()
    document = extract.from_bytes(data)
    assert document.title.startswith("Farmers' market")


@pytest.mark.parametrize(
    ("call", "code"),
    [
        (lambda: extract.from_path(Path("/nonexistent/nothing.txt")), "missing_file"),
        (lambda: extract.from_text("   \n\n  "), "empty"),
        (lambda: extract.from_bytes(b""), "empty"),
        (lambda: extract.from_bytes(b"\x00\x01\x02\x03binary\x00" * 50), "encoding"),
        (
            lambda: extract.from_html("<html><body><script>var a;</script></body></html>"),
            "not_article",
        ),
    ],
)
def test_errors_have_codes_and_messages(call, code: str) -> None:
    with pytest.raises(ExtractError) as info:
        call()
    assert info.value.code == code
    assert info.value.message("de") and info.value.message("en")


def test_unsupported_file_type(tmp_path: Path) -> None:
    path = tmp_path / "a.pdf"
    path.write_bytes(b"%PDF-1.4")
    with pytest.raises(ExtractError) as info:
        extract.from_path(path)
    assert info.value.code == "file_type"


def test_pasted_text_without_blank_lines() -> None:
    raw = (
        "Streik bei der Bahn legt Nahverkehr lahm\n"
        "Die Gewerkschaft hat für Montag zu einem ganztägigen Warnstreik aufgerufen.\n"
        "Betroffen sind vor allem Pendler in Bayern und Baden-Württemberg.\n"
        "Die Bahn will einen Notfahrplan anbieten."
    )
    document = extract.from_text(raw)
    assert document.title == "Streik bei der Bahn legt Nahverkehr lahm"
    assert len(document.sentences) >= 2


def test_plain_sentences_stay_body() -> None:
    raw = "Die Aare ist ein Fluss in der Schweiz.\nSie fließt in den Rhein.\n\nSie ist lang."
    document = extract.from_text(raw)
    assert document.title == ""
    assert document.sentences[0].text == "Die Aare ist ein Fluss in der Schweiz."


@settings(max_examples=150, deadline=None)
@given(st.text())
def test_from_text_never_raises_anything_but_extract_error(raw: str) -> None:
    try:
        document = extract.from_text(raw)
    except ExtractError:
        return
    assert document.sentences
    assert document.language in ("de", "en")


@pytest.mark.parametrize(
    "dateline", ["Passau – ", "Frankfurt am Main (dpa) – ", "LONDON - ", "Halle (Saale) — "]
)
def test_a_datelined_lead_is_body_not_teaser(dateline: str) -> None:
    """The lead of a news text holds its main facts: it must be in the sentences (points and
    answers come only from those), not set aside as a teaser."""
    raw = (
        "Hochwasser in Bayern: Pegel steigen weiter\n\n"
        f"{dateline}Nach tagelangem Regen steigen die Pegel an Donau und Inn weiter. "
        "Die Stadt rief am Montag den Katastrophenfall aus.\n\n"
        "Rund 2.000 Helfer von Feuerwehr und THW sind im Einsatz.\n\n"
        "Der Deutsche Wetterdienst erwartet erst am Mittwoch ein Ende der Niederschläge.\n"
    )
    document = extract.from_text(raw)
    assert document.teaser == ""
    # the lead is the first sentence, without its dateline
    assert document.sentences[0].text.startswith("Nach tagelangem Regen")
    assert any("Katastrophenfall" in s.text for s in document.sentences)


def test_binary_garbage_is_no_article() -> None:
    """Random bytes pasted or read as Latin-1 are refused as "no article text", not stored
    with junk key points."""
    garbage = bytes((i * 97 + 13) % 256 for i in range(600)).decode("latin-1")
    with pytest.raises(ExtractError) as caught:
        extract.from_text(garbage.replace("\x00", ""))
    assert caught.value.code == "empty"
    document = extract.from_text(
        "Brücke wieder offen\n\n"
        "Die Brücke über den Fluss ist seit Montag wieder für den Verkehr geöffnet.\n\n"
        f"{garbage[200:260]}\n\n"
        "Die Reparatur hatte acht Monate gedauert und 4,2 Millionen Euro gekostet.\n"
    )
    assert document.teaser.startswith("Die Brücke über den Fluss")  # the lead, as usual
    assert [s.text[:13] for s in document.sentences] == ["Die Brücke üb", "Die Reparatur"]


def test_an_unparsable_page_logs_nothing(caplog: pytest.LogCaptureFixture) -> None:
    """One ExtractError for the user; no trafilatura ERROR lines (they showed in the console)."""
    caplog.set_level(logging.DEBUG)
    with pytest.raises(ExtractError) as caught:
        extract.from_html("\x01\x02<<<")
    assert caught.value.code == "not_article"
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING] == []


# --- text hygiene seen on real pages (fixtures written for these tests) -------------------------

PAGES = Path(__file__).resolve().parent / "fixtures" / "pages"


def test_a_quoted_subhead_is_no_sentence_and_related_links_are_dropped() -> None:
    document = extract.from_path(PAGES / "de_subhead_dropcap.html")
    texts = [s.text for s in document.sentences]
    assert not any("Besorgniserregender Vorfall" in t for t in texts)
    assert any(t.startswith("Der Innenminister sprach") for t in texts)
    assert not any("Lager werden aufgestockt" in t or "Großeinsatz" in t for t in texts)


def test_a_subhead_glued_onto_the_next_sentence_is_cut_off() -> None:
    document = extract.from_text(
        "Brand im Lager\n\n"
        "Zu den Ursachen äußerte sich der Betreiber nicht. "
        '"Besorgniserregender Vorfall" Der Innenminister sprach am Montag von einem Vorfall.\n\n'
        "Er kündigte schärfere Kontrollen an allen Lagern des Landes an.\n"
    )
    texts = [s.text for s in document.sentences]
    assert "Der Innenminister sprach am Montag von einem Vorfall." in texts
    assert not any("Besorgniserregender" in t for t in texts)


@pytest.mark.parametrize(
    "markup",
    [
        '<div class="dropcap">T</div><p>urkey',
        '<p><span class="dropcap" aria-hidden="true">T</span><span class="sr-only"></span>urkey',
        '<figure class="initial"><img alt="T" src="t.png"></figure><p>urkey',
    ],
)
def test_a_drop_cap_set_apart_is_put_back(markup: str) -> None:
    page = (
        "<html><head><title>Border talks</title></head><body><article>"
        "<h1>Border talks resume after a year</h1>"
        f"{markup}, Poland and Hungary agreed on Friday to resume talks on a joint border "
        "agency.</p><p>The agency would coordinate patrols and share data on crossings.</p>"
        "<p>Diplomats expect a first agreement before the end of the year.</p>"
        "</article></body></html>"
    )
    document = extract.from_html(page)
    assert document.sentences[0].text.startswith("Turkey, Poland and Hungary")


def test_a_cms_name_is_no_title() -> None:
    page = (
        "<html><head><title>escenic</title></head><body><article>"
        "<p>Die Stadtwerke erhöhen zum Jahreswechsel die Preise für Fernwärme um acht Prozent.</p>"
        "<p>Betroffen sind rund 40.000 Haushalte im Stadtgebiet und in zwei Nachbargemeinden.</p>"
        "</article></body></html>"
    )
    document = extract.from_html(page)
    assert document.title != "escenic"


def test_datelines_and_newsroom_notes_are_dropped() -> None:
    document = extract.from_path(PAGES / "en_dateline.html")
    texts = [s.text for s in document.sentences]
    assert texts[0].startswith("A cargo ship struck a pillar")  # the lead, no "Lisbon (CNN)"
    assert not any("reached out" in t for t in texts)
    assert any(t.startswith("Commuters were told") for t in texts)


def test_a_page_of_player_login_and_cookie_ui_is_no_article() -> None:
    with pytest.raises(ExtractError):
        extract.from_path(PAGES / "de_mediathek.html")


def test_a_lead_kept_as_teaser_becomes_a_sentence_unless_it_repeats_the_headline() -> None:
    raw = (
        "Airline profits fall by 40 per cent\n\n"
        "The airline reported a 40% drop in profits for the first half of the year on Friday.\n\n"
        "Fuel costs rose sharply while ticket prices stayed flat, the company said.\n\n"
        "Its shares fell by six per cent in early trading in London.\n"
    )
    document = extract.from_text(raw)
    assert document.sentences[0].text.startswith("The airline reported a 40% drop")
    repeated = extract.from_text(
        "Airline profits fall by 40 per cent\n\n"
        "Airline profits fall by 40 per cent.\n\n"
        "Fuel costs rose sharply while ticket prices stayed flat, the company said.\n\n"
        "Its shares fell by six per cent in early trading in London.\n"
    )
    assert not any(s.text.startswith("Airline profits") for s in repeated.sentences)


def test_a_headline_repeated_as_the_first_body_sentence_is_dropped() -> None:
    document = extract.from_text(
        "Stadtwerke erhöhen Fernwärmepreise\n\n"
        "Stadtwerke erhöhen Fernwärmepreise. Zum Jahreswechsel steigen die Preise um acht "
        "Prozent, teilte das Unternehmen mit.\n\n"
        "Betroffen sind rund 40.000 Haushalte im Stadtgebiet.\n"
    )
    assert document.sentences[0].text.startswith("Zum Jahreswechsel")
    assert [s.index for s in document.sentences] == list(range(len(document.sentences)))


def test_a_subtitle_run_into_the_body_before_its_dateline_is_a_teaser() -> None:
    """Scraped news often runs subtitle and body together: "Fragment – Fragment. Graz – …"."""
    document = extract.from_text(
        "Stadtrat rüffelt Bürgermeister – Neue Regeln für Baustellen – Kritik der Wirtschaft. "
        "Die Stadt will künftig alle Baustellen in der Innenstadt zentral koordinieren lassen. "
        "Graz – Der Grazer Stadtrat hat am Mittwoch neue Regeln für Baustellen beschlossen. "
        "Künftig muss jede Baustelle in der Innenstadt zwei Wochen vorher angemeldet werden.",
        language="de",
    )
    texts = [s.text for s in document.sentences]
    assert document.teaser.startswith("Stadtrat rüffelt Bürgermeister")
    assert not any("rüffelt" in t for t in texts)  # the run of fragments is no sentence
    assert texts[0].startswith("Die Stadt will künftig")  # the subtitle's news sentence stays
    assert texts[1].startswith("Der Grazer Stadtrat hat am Mittwoch")  # without "Graz – "
