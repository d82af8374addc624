"""summarizer.lexicon: names across German and English (CLDR, a few historical states, Ding's
[geogr.] entries) and word translations from a Ding-format dictionary compiled to SQLite."""

from __future__ import annotations

from functools import partial
from pathlib import Path

import pytest

from summarizer import lexicon
from tests.conftest import UseDictionary
from tests.threads import race

# Our own lines in Ding's format: German :: English, " | " between sub-entries, "; " synonyms.
DING_SAMPLE = """\
# Version :: test
Wahlbeteiligung {f} [pol.] | Wahlbeteiligungen {pl} :: voter turnout; turnout | voter turnouts
Hafen {m} [naut.] | Häfen {pl} :: harbour; port | harbours; ports
Arbeitslosenquote {f} :: unemployment rate; rate of unemployment
ausbauen {vt} | ausbauend :: to expand | expanding
Ruritanien {n} [geogr.] :: Ruritania
ruritanisch {adj} [geogr.] :: Ruritanian
Streichholz {n} :: match
Spiel {n}; Partie {f} :: match; game
"""


@pytest.fixture
def sample_dictionary(use_dictionary: UseDictionary) -> Path:
    return use_dictionary(DING_SAMPLE)


def test_country_names_from_cldr_without_a_dictionary(no_dictionary: None) -> None:
    assert lexicon.name_equivalents("sweden") == {"schweden"}
    assert lexicon.name_equivalents("Griechenland") == {"greece"}
    assert "north korea" in lexicon.name_equivalents("Nordkorea")
    assert "vereinigtes koenigreich" in lexicon.name_equivalents("United Kingdom")


def test_historical_states_and_languages(no_dictionary: None) -> None:
    assert "soviet union" in lexicon.name_equivalents("sowjetunion")
    assert "sowjetunion" in lexicon.name_equivalents("Soviet Union")
    assert "swedish" in lexicon.name_equivalents("Schwedisch")  # language = nationality adj.


def test_no_name_no_equivalents(no_dictionary: None) -> None:
    assert lexicon.name_equivalents("Hafen") == frozenset()
    assert lexicon.name_equivalents("") == frozenset()


def test_translations_are_names_only_without_a_dictionary(no_dictionary: None) -> None:
    assert lexicon.translations("Hafen", "de") == frozenset()
    assert lexicon.translations("Schweden", "de") == {"sweden"}
    assert not lexicon.dictionary_available()


def test_translations_both_ways_from_the_dictionary(sample_dictionary: Path) -> None:
    assert lexicon.translations("Hafen", "de") == {"harbour", "port"}
    assert lexicon.translations("port", "en") == {"hafen"}
    assert lexicon.translations("Arbeitslosenquote", "de") == {
        "unemployment rate",
        "rate of unemployment",
    }
    assert lexicon.translations("expand", "en") == {"ausbauen"}  # "to" dropped
    assert lexicon.translations("match", "en") == {"streichholz", "spiel", "partie"}


def test_geographic_entries_are_names(sample_dictionary: Path) -> None:
    assert lexicon.name_equivalents("Ruritanien") == {"ruritania"}
    assert lexicon.name_equivalents("ruritanian") == {"ruritanisch"}
    assert lexicon.name_equivalents("Hafen") == frozenset()  # a word, not a name


def test_compiled_once_then_read_from_the_cache(sample_dictionary: Path, tmp_path: Path) -> None:
    assert lexicon.translations("Wahlbeteiligung", "de") == {"voter turnout", "turnout"}
    compiled = list((tmp_path / "cache").glob("lexicon-*.sqlite3"))
    assert len(compiled) == 1
    written = compiled[0].stat().st_mtime_ns
    lexicon.clear_cache()  # as a fresh process
    assert lexicon.translations("Hafen", "de") == {"harbour", "port"}
    assert list((tmp_path / "cache").glob("lexicon-*")) == compiled
    assert compiled[0].stat().st_mtime_ns == written


def test_unwritable_cache_still_translates(
    sample_dictionary: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "file-not-folder"
    blocker.write_text("x")
    monkeypatch.setenv(lexicon.CACHE_ENV, str(blocker / "cache"))
    lexicon.clear_cache()
    assert lexicon.translations("Hafen", "de") == {"harbour", "port"}


@pytest.mark.skipif(
    not lexicon.DICTIONARY_DEFAULT.is_file(), reason="Debian's trans-de-en is not installed"
)
def test_the_installed_ding_dictionary(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(lexicon.DICTIONARY_ENV, raising=False)
    lexicon.clear_cache()
    try:
        assert "unemployment rate" in lexicon.translations("Arbeitslosenquote", "de")
        assert "arbeitslosigkeit" in lexicon.translations("unemployment", "en")
        assert "soviet union" in lexicon.name_equivalents("Sowjetunion")
    finally:
        lexicon.clear_cache()


def test_two_first_questions_at_once_compile_once(sample_dictionary: Path, tmp_path: Path) -> None:
    """Answers run in worker threads: both get the translations, one compiled file is left."""
    ask = partial(lexicon.translations, "Hafen", "de")
    results = race(ask, ask, ask, ask)
    assert results == [frozenset({"harbour", "port"})] * 4
    assert len(list((tmp_path / "cache").iterdir())) == 1
