"""Sentence splitting on tricky German and English news cases, and the splitting bench on a slice."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench import splitting
from summarizer.text import split_sentences

# (language, paragraph, the sentences it must give); our own sentences, written for these cases
CASES = [
    ("de", "Am 17. Juni 2024 reiste er ab. Danach kam er zurück.", 2),
    ("de", "Das Treffen ist am 3. Oktober in Berlin.", 1),
    ("de", "Der 1. FC Köln gewann. Die Fans jubelten.", 2),
    ("de", "Im 19. Jahrhundert wuchs die Stadt stark.", 1),
    ("de", "Die Mannschaft landete auf Platz 3. Der Trainer war zufrieden.", 2),
    ("de", "Es kamen z. B. Vertreter der Häfen. Sie blieben lange.", 2),
    ("de", "Beteiligt waren u. a. Reedereien aus Hamburg.", 1),
    ("de", "Das gilt d. h. für alle Schiffe.", 1),
    ("de", "Die Stadt wurde 750 n. Chr. gegründet.", 1),
    ("de", "Dr. Müller und Prof. Schmidt sprachen zuerst.", 1),
    ("de", "Er wohnt in der Hauptstr. 5 in Kiel.", 1),
    ("de", "Der Schaden beträgt 10 Mio. Euro. Die Polizei ermittelt.", 2),
    ("de", "Der Schaden beträgt rund 10 Mio. Die Polizei ermittelt.", 2),
    ("de", "Rund 1.000 Menschen kamen. 2.500 weitere folgten am Abend.", 2),
    ("de", "Die Quote stieg auf 3,5 Prozent. Das ist viel.", 2),
    ("de", "Papst Johannes Paul II. besuchte die Stadt.", 1),
    ("de", "Kaiser Wilhelm II. Der letzte deutsche Kaiser dankte ab.", 2),
    ("de", "„Wir kommen wieder“, sagte sie. „Ganz sicher.“ Dann ging sie.", 3),
    ("de", "„Warum jetzt?“, fragte er. Niemand antwortete.", 2),
    ("de", "Wie geht es weiter? Das ist offen! Alle warten.", 3),
    ("de", "Äpfel, Birnen usw. Die Auswahl war groß.", 2),
    ("de", "Äpfel, Birnen usw. waren im Angebot.", 1),
    ("de", "Die Kosten stiegen (vgl. Tab. 2) deutlich.", 1),
    ("de", "Er sagte... Dann schwieg er.", 2),
    ("de", "Die Firma Muster GmbH. Das Werk steht in Kiel.", 2),
    ("de", "George W. Bush traf Kim Jong Un nicht.", 1),
    ("en", "The U.S. Navy sent a ship. It arrived on Monday.", 2),
    ("en", "The ship left the U.S. The crew was tired.", 2),
    ("en", "Mr. Smith met Dr. Jones at 5 p.m. on Friday.", 1),
    ("en", "Prices rose, e.g. for fuel and bread. Wages did not.", 2),
    ("en", "George W. Bush visited Seoul. He left the next day.", 2),
    ("en", "Apple Inc. reported results. Shares fell 3.5 percent.", 2),
    ("en", "Smith et al. 2019 found the same.", 1),
    ("en", "It cost $4.5 billion. Nobody objected.", 2),
    ("en", '"We will return," she said. "Certainly." Then she left.', 3),
    ("en", "Is it over? Nobody knows! The talks go on.", 3),
    ("en", "The vote was held in 2019. In 2020 it was repeated.", 2),
    ("en", "No. 10 Downing Street issued a statement.", 1),
    ("en", "The report (Fig. 3) shows it. The data are new.", 2),
    ("en", "J. R. R. Tolkien wrote it. It sold well.", 2),
    ("en", "He said no. The talks ended.", 2),
    ("de", "Schah Alam II. (1728–1806) regierte lange.", 1),
]


@pytest.mark.parametrize(("language", "paragraph", "expected"), CASES)
def test_tricky_cases(language: str, paragraph: str, expected: int) -> None:
    sentences = split_sentences(paragraph, language)
    assert len(sentences) == expected, sentences
    assert " ".join(sentences) == paragraph  # nothing lost, nothing added


def test_abbreviation_at_paragraph_end_and_odd_spacing() -> None:
    assert split_sentences("  Es war   ein Tag.\n Danach usw.  ", "de") == [
        "Es war ein Tag.",
        "Danach usw.",
    ]
    assert split_sentences("Ende. ...", "de") == ["Ende. ..."]
    assert split_sentences("", "en") == []


def test_our_splitter_beats_pysbd_on_the_tricky_cases() -> None:
    """Why we replaced pysbd: it gets fewer of these right (the bench shows the gold figures)."""
    ours = sum(len(split_sentences(p, lang)) == n for lang, p, n in CASES)
    theirs = sum(len(splitting.pysbd_split(p, lang)) == n for lang, p, n in CASES)
    assert ours == len(CASES)
    assert theirs < ours


def test_splitting_bench_on_a_slice(shared_data: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert splitting.main(["--limit", "20"]) == 0
    lines = [line for line in capsys.readouterr().out.splitlines() if line.startswith("| ")]
    rows = [[cell.strip() for cell in line.strip("|").split("|")] for line in lines[1:]]
    assert {(row[0], row[1]) for row in rows} == {
        (lang, name) for lang in ("de", "en") for name in splitting.SPLITTERS
    }
    ours = {row[0]: float(row[4]) for row in rows if row[1] == "ours"}
    assert all(0.9 <= f1 <= 1.0 for f1 in ours.values())


def test_bench_scores_boundaries_in_non_space_characters() -> None:
    paragraph = splitting.Paragraph("Eins ist gut.  Zwei ist besser.", gold=(11,))
    score = splitting.score("ours", split_sentences, "de", [paragraph])
    assert (score.precision, score.recall, score.exact) == (1.0, 1.0, 1.0)
    wrong = splitting.score("naive", lambda p, _: [p], "de", [paragraph])
    assert (wrong.recall, wrong.exact) == (0.0, 0.0)
