"""Boilerplate recognition: furniture goes, news sentences that merely mention it stay."""

from __future__ import annotations

from pathlib import Path

import pytest

from summarizer.clean import clean_paragraphs, is_boilerplate, is_credit, is_garbled
from summarizer.text import split_sentences
from tests.conftest import FIXTURES


@pytest.mark.parametrize(
    "text",
    [
        "Empfohlener redaktioneller Inhalt",
        "Mit Ihrer Zustimmmung wird hier ein Hörstück der Beispiel GmbH eingebettet.",
        "Ich bin damit einverstanden, dass mir fremde Beiträge eingeblendet werden.",
        "Alles Weitere regelt unsere Datenschutzerklärung.",
        "Wir verwenden Cookies, um unser Angebot zu verbessern.",
        "Newsletter abonnieren: die Nachrichten des Tages kostenlos per E-Mail.",
        "Lesen Sie auch: Was der Streik für Pendler bedeutet",
        "Mehr zum Thema: Wahlen in Sachsen",
        "Kommentare (12)",
        "Bilder: Erika Muster, Max Beispiel / Shutterstock.com",
        "Foto: dpa",
        "We use cookies to improve your experience on our site.",
        "Sign up for our daily newsletter and never miss a story.",
        "Read more: Why the vote matters",
        "Image: Jane Example/Getty Images",
        "Leave a comment",
        "I agree that external content may be displayed to me.",
        "Recommended editorial content",
    ],
)
def test_furniture_is_boilerplate(text: str) -> None:
    assert is_boilerplate(text, "de")


@pytest.mark.parametrize(
    "text",
    [
        "Die EU will Cookies auf Websites strenger regulieren, sagte die Kommissarin am Montag.",
        "Der Verlag verschickt seinen Newsletter inzwischen an 200.000 Leser, doppelt so viele wie 2020.",
        "Am 17. Juni 2024 reiste der russische Präsident Wladimir Putin nach Nordkorea.",
        "The court ruled that the company had broken data protection rules in 2022.",
        "Privacy campaigners welcomed the ruling as a landmark for millions of users.",
        "Mehr als 7.000 Container mit Waffen seien verschifft worden, erklärten die USA.",
    ],
)
def test_news_sentences_are_kept(text: str) -> None:
    assert not is_boilerplate(text, "de")


def test_credit_lines() -> None:
    assert is_credit(
        "Wladimir Putin, Kim Jong-un. Bilder: A. Mammadov, A. Khitrov / Shutterstock.com"
    )
    assert is_credit("Stalls on the square. Image: Alex Photo/Getty")
    assert not is_credit("Der Fotograf wurde bei der Demonstration verletzt.")


def test_clean_paragraphs_drops_link_lists_and_comment_sections() -> None:
    paragraphs = [
        "Der Stadtrat hat den Haushalt für das kommende Jahr beschlossen.",
        "Mehr zum Thema",
        "Haushaltsloch: Stadt muss sparen",
        "Kita-Gebühren steigen ab Januar",
        "Die Opposition stimmte geschlossen gegen den Entwurf.",
        "Kommentare",
        "Leser1: Das war abzusehen, finde ich.",
    ]
    assert clean_paragraphs(paragraphs, "de") == [
        "Der Stadtrat hat den Haushalt für das kommende Jahr beschlossen.",
        "Die Opposition stimmte geschlossen gegen den Entwurf.",
    ]


def test_long_paragraph_with_one_phrase_survives() -> None:
    paragraph = " ".join(
        ["Die Behörde veröffentlichte am Montag neue Zahlen zur Arbeitslosigkeit."] * 12
        + ["Details stehen in der Datenschutzerklärung des Amtes."]
    )
    assert not is_boilerplate(paragraph, "de")


def _all_fixture_texts() -> list[str]:
    from pathlib import Path

    from summarizer.text import paragraphs, split_sentences

    folder = Path(__file__).resolve().parent / "fixtures"
    texts: list[str] = []
    for path in sorted(folder.rglob("*")):
        if path.suffix in {".txt", ".md", ".html", ".xml", ".rdf", ".json"}:
            raw = path.read_text(encoding="utf-8", errors="replace")
            for paragraph in paragraphs(raw):
                texts.append(paragraph)
                texts.extend(split_sentences(paragraph, "de"))
    return texts


def test_anchor_prefilters_change_no_decision() -> None:
    """The cheap word checks in front of the two big patterns only skip texts they cannot match."""
    from summarizer import clean

    texts = _all_fixture_texts()
    assert len(texts) > 100
    for text in texts:
        stripped = " ".join(text.split())
        assert clean.furniture_phrases(stripped) == len(clean._ANYWHERE_RE.findall(stripped))
        slow_credit = len(clean.words(stripped)) <= clean.CREDIT_MAX_WORDS and bool(
            clean._CREDIT.search(stripped)
        )
        assert clean.is_credit(stripped) == slow_credit
        sentences = split_sentences(text, "de")
        assert clean.clean_sentences(sentences, "de") == [
            s for s in sentences if not clean.is_boilerplate(s, "de")
        ]


def test_every_furniture_pattern_names_one_of_the_anchor_words() -> None:
    from summarizer import clean

    for pattern in clean._ANYWHERE:
        assert any(anchor.strip() in pattern for anchor in clean._ANYWHERE_ANCHORS), pattern


def test_fixtures_are_written_in_our_own_words(shared_data: Path) -> None:
    """Fixtures reproduce the patterns of scraped news (consent blocks included) but never
    copy a sentence of the third-party articles in ../shared/data."""
    sentences: set[str] = set()
    for article in sorted((shared_data / "articles").glob("*.txt")):
        for line in article.read_text(encoding="utf-8").splitlines():
            sentences.update(s.strip() for s in split_sentences(line, "de") if len(s.strip()) >= 40)
    ours = [Path(__file__), *sorted(p for p in FIXTURES.rglob("*") if p.is_file())]
    for path in ours:
        text = path.read_text(encoding="utf-8", errors="ignore")
        copied = [s for s in sentences if s in text]
        assert not copied, (path.name, copied[:3])


def test_garbled_text_is_recognised_and_prose_is_not(shared_data: Path) -> None:
    """Binary read as Latin-1 is garbled; every sentence of the seed article (numbers, quotes,
    dashes, percent signs included) is not."""
    garbage = bytes(range(32, 256)).decode("latin-1")
    assert is_garbled(garbage)
    assert is_garbled("Ein Satz mit \x07 Steuerzeichen.")
    assert is_garbled("D <ýæñÂk0ùÇÝäu4¢ ~|^` ¬¦¤ ¨¯¸ ¶·× ©®±")
    assert not is_garbled(
        "Der Kurs stieg um 3,5 % auf 1.234,56 € – so hoch wie nie (Stand: 17. Juni)."
    )
    assert not is_garbled(
        "Wind farms supplied 29% of Britain's power, the grid said: “a milestone”."
    )
    for article in sorted((shared_data / "articles").glob("*.txt")):
        text = article.read_text(encoding="utf-8")
        for sentence in split_sentences(" ".join(text.split()), "de"):
            assert not is_garbled(sentence), sentence


def test_tweets_fixture_boxes_and_page_references_are_no_sentences() -> None:
    from summarizer import clean

    assert clean.is_embed("#Gipfel #Kanzlerin pic.twitter.com/AbCdEf12 Toll!")
    assert clean.is_embed("Love this #Kanzlerin photo, best of the summit.")
    assert clean.is_embed("— Anna Muster (@annamuster) 4. Mai 2016")
    assert clean.is_embed("(APA, 2.4.2016) FC Nord – SC Süd (Nordstadion, 18 Uhr).")
    assert not clean.is_embed("Der FC Nord gewann das Spiel gegen den SC Süd 2:1.")
    assert not clean.is_embed("Sie wurde auf Platz #1 gewählt, hieß es.")
    kept = clean.clean_sentences(
        [
            "Ein Foto vom Gipfel sorgt im Netz für Erheiterung.",
            "#Gipfel pic.twitter.com/AbCdEf12 Toll!",
            "Die Bilder verbreiten sich in Rekordzeit.",
        ],
        "de",
    )
    assert kept == [
        "Ein Foto vom Gipfel sorgt im Netz für Erheiterung.",
        "Die Bilder verbreiten sich in Rekordzeit.",
    ]
    assert clean.strip_citations("The bridge opened in 1882.:121,154") == (
        "The bridge opened in 1882."
    )
    assert clean.strip_citations("Es steht 2:1 für den Gast.") == "Es steht 2:1 für den Gast."
