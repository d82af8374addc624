"""Sentences, words, folding and stemming for German and English."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from summarizer import text


def test_split_keeps_dates_and_abbreviations_together() -> None:
    sentences = text.split_sentences(
        "Am 17. Juni 2024 reiste Putin nach Nordkorea. Es war z. B. ein kurzer Besuch.", "de"
    )
    assert sentences[0] == "Am 17. Juni 2024 reiste Putin nach Nordkorea."
    assert len(sentences) == 2


def test_words_are_unicode_letters() -> None:
    assert text.words("Größe: Straße, Kim Jong-un") == ["Größe", "Straße", "Kim", "Jong-un"]


def test_fold_and_stem() -> None:
    assert text.fold("Fußball") == text.fold("FUSSBALL")
    assert text.stem("Verhandlungen", "de") == text.stem("Verhandlung", "de")


def test_detect_language() -> None:
    assert text.detect_language("Der Hafen wird ausgebaut, und die Kosten steigen.") == "de"
    assert text.detect_language("The harbour will be expanded and the costs are rising.") == "en"


def test_sumy_tokenizer() -> None:
    tokenizer = text.SumyTokenizer("de")
    assert tokenizer.to_sentences("Eins ist gut. Zwei ist besser.") == [
        "Eins ist gut.",
        "Zwei ist besser.",
    ]
    assert tokenizer.to_words("Eins ist gut.") == ["Eins", "ist", "gut"]


@settings(max_examples=200, deadline=None)
@given(st.text(), st.sampled_from(["de", "en"]))
def test_split_sentences_never_raises(raw: str, language: str) -> None:
    for sentence in text.split_sentences(raw, language):
        assert sentence.strip()


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=60))
def test_fold_is_the_same_cached_or_not(raw: str) -> None:
    assert text.fold(raw) == text._fold(raw)
    assert text.fold(raw * 3) == text._fold(raw * 3)


def test_terms_of_a_text_are_its_words_terms() -> None:
    sentence = "Die Waffenlieferungen an Nordkorea-Häfen stiegen, sagte Kim Jong-un."
    expected = [t for w in text.words(sentence) for t in text.word_terms(w, "de")]
    assert text.terms(sentence, "de") == expected
    assert "waffenlief" in expected[0] and "nordkorea" in expected
