"""Briefs across articles: about the topic, the central article first, one point per fact, no
resends; through the real library (a SQLite file) and `Briefing.brief`."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from summarizer import brief, digest, extract, topic
from summarizer.library import Library
from summarizer.models import Digest, Document, Sentence
from summarizer.service import Briefing

TEXTS = Path(__file__).resolve().parent / "fixtures" / "texts"


def document(texts: list[str], *, day: int, title: str = "", language: str = "de") -> Document:
    sentences = tuple(Sentence(i, t, 0) for i, t in enumerate(texts))
    return Document(
        title,
        "",
        language,
        " ".join(texts),
        sentences,
        published=datetime(2024, 6, day, 8, tzinfo=UTC),
    )


class Shelf:
    """A library on a SQLite file and the Briefing over it, with named articles."""

    def __init__(self, url: str) -> None:
        self.briefing = Briefing(Library.open(url))
        self.ids: dict[str, str] = {}

    def add(self, name: str, doc: Document) -> str:
        self.ids[name] = self.briefing.add_document(doc).article.id
        return self.ids[name]

    def name(self, article_id: str) -> str:
        return next(n for n, i in self.ids.items() if i == article_id)

    def brief(self, topic_text: str, **options: object) -> Digest:
        return self.briefing.brief(topic_text, **options)  # type: ignore[arg-type]


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def shelf(request: pytest.FixtureRequest) -> Shelf:
    """The same briefs on SQLite (FTS5) and PostgreSQL (tsvector): both sentence indexes."""
    return Shelf(request.getfixturevalue(f"{request.param}_url"))


OUTLET_A = [
    "Russlands Präsident Wladimir Putin ist am Dienstag zu einem Besuch in Nordkorea eingetroffen.",
    "Beide Länder unterzeichneten ein Abkommen über gegenseitigen militärischen Beistand mit Nordkorea.",
    "Südkorea und Japan äußerten sich besorgt über die engere Zusammenarbeit mit Nordkorea.",
]
OUTLET_B = [
    "Wladimir Putin ist am Dienstag zu einem Besuch in Nordkorea eingetroffen, meldeten Staatsmedien.",
    "Kim Jong-un empfing den Gast mit einer großen Militärparade in der Hauptstadt Nordkoreas.",
    "Die USA kündigten neue Sanktionen gegen Rüstungsfirmen aus Nordkorea an.",
]

# Written for these tests: one article about Rheinmetall, others naming it once in passing.
RHEINMETALL = [
    "Rheinmetall hat einen Großauftrag über Munition im Wert von zwei Milliarden Euro erhalten.",
    "Der Düsseldorfer Konzern soll die Lieferungen ab dem kommenden Jahr ausführen.",
    "Rheinmetall baut dafür ein neues Werk in Niedersachsen mit 500 Arbeitsplätzen.",
    "Die Aktie von Rheinmetall stieg nach der Mitteilung um vier Prozent.",
    "Analysten rechnen mit weiteren Aufträgen aus mehreren Ländern Europas.",
]
BAHN_WITH_PASSING_MENTION = [
    "Die Bahn kündigte für Montag einen Notfahrplan an und rechnet mit vielen Ausfällen.",
    "Pendler sollen sich vor der Fahrt über ihre Verbindungen im Internet informieren.",
    "Die Gewerkschaft hatte den Streik am Wochenende überraschend angekündigt.",
    "Betroffen sind auch Werkszüge, etwa zum Standort von Rheinmetall in Unterlüß.",
    "Der Fahrgastverband forderte Entschädigungen für alle Zeitkarteninhaber.",
    "Im Güterverkehr stauen sich bereits Hunderte Züge an den Grenzübergängen.",
]
MARKETS_WITH_DANGLING_MENTION = [
    "Der Dax schloss am Freitag mit einem leichten Plus von einem halben Prozent.",
    "Gefragt waren vor allem Werte aus der Chemiebranche und dem Bankensektor.",
    "Doch auch Rheinmetall legte zu, nachdem ein Konkurrent Zahlen vorgelegt hatte.",
    "Der Euro notierte zuletzt etwas fester bei knapp 1,09 Dollar.",
]


def test_a_passing_mention_gives_only_its_naming_sentence(shelf: Shelf) -> None:
    shelf.add("central", document(RHEINMETALL, day=3, title="Großauftrag für Rheinmetall"))
    shelf.add("bahn", document(BAHN_WITH_PASSING_MENTION, day=5, title="Bahnstreik am Montag"))
    result = shelf.brief("Rheinmetall", points=7)
    by_article = {}
    for point in result.points:
        by_article.setdefault(shelf.name(point.article_id), []).append(point)
    assert result.points[0].article_id == shelf.ids["central"]  # the central article leads
    assert len(by_article["central"]) >= 4
    assert [p.sentence_index for p in by_article.get("bahn", [])] in ([], [3])
    assert not any("Notfahrplan" in p.text or "Pendler" in p.text for p in result.points)


def test_a_sentence_leaning_on_a_missing_antecedent_never_opens_a_point(shelf: Shelf) -> None:
    shelf.add("markets", document(MARKETS_WITH_DANGLING_MENTION, day=5, title="Börse"))
    result = shelf.brief("Rheinmetall")
    assert result.points == ()  # its only mention opens with "Doch": nothing to show
    assert shelf.briefing.mentions("Rheinmetall")  # although the article names it


def test_every_point_is_about_the_topic(shelf: Shelf) -> None:
    shelf.add("central", document(RHEINMETALL, day=3, title="Großauftrag für Rheinmetall"))
    shelf.add("bahn", document(BAHN_WITH_PASSING_MENTION, day=5, title="Bahnstreik"))
    shelf.add("markets", document(MARKETS_WITH_DANGLING_MENTION, day=6, title="Börse"))
    mentions = {m.article_id: m for m in shelf.briefing.mentions("Rheinmetall")}
    result = shelf.brief("Rheinmetall", points=10)
    assert result.points
    for point in result.points:
        assert topic.is_about(point.sentence_index, point.text, "de", mentions[point.article_id])


NEW_ZEALAND = [
    "New Zealand has announced a ban on foreign buyers of existing homes.",
    "The government in Wellington said prices had risen beyond the reach of most families.",
    "New Zealand joins several countries that restrict purchases by non-residents.",
]
ZEALAND_ISLAND = [
    "A new ferry now links the port of Rostock with Zealand, the largest island of Denmark.",
    "The crossing takes less than two hours and runs six times a day.",
    "Zealand is home to Copenhagen and about 2.3 million people.",
]


def test_a_multi_word_topic_is_a_phrase(shelf: Shelf) -> None:
    wanted = shelf.add("nz", document(NEW_ZEALAND, day=4, title="Housing", language="en"))
    shelf.add("island", document(ZEALAND_ISLAND, day=5, title="Ferry", language="en"))
    result = shelf.brief("New Zealand")
    assert result.points and {p.article_id for p in result.points} == {wanted}


BROWN = [
    "Former prime minister Gordon Brown has called for a new global health fund.",
    "Mr Brown said rich countries had failed to share vaccines fairly.",
    "The fund would be financed by the twenty largest economies.",
    "Brown made the remarks at a conference in Edinburgh on Monday.",
]
BEARS = [
    "Rangers counted more brown bears in the national park than in any year before.",
    "The population has grown to about 120 animals, the park said.",
    "Brown bears in the region feed mainly on berries and fish.",
]


def test_a_persons_surname_counts_inside_an_article_naming_the_whole_name(shelf: Shelf) -> None:
    politics = shelf.add("brown", document(BROWN, day=4, title="Health fund", language="en"))
    shelf.add("bears", document(BEARS, day=6, title="Park", language="en"))
    mentions = {m.article_id: m for m in shelf.briefing.mentions("Gordon Brown")}
    assert set(mentions) == {politics}
    assert mentions[politics].naming == (0, 1, 3)
    result = shelf.brief("Gordon Brown")
    assert {p.article_id for p in result.points} == {politics}


def test_a_topic_nothing_names_gets_close_spellings(shelf: Shelf) -> None:
    shelf.add("central", document(RHEINMETALL, day=3, title="Großauftrag für Rheinmetall"))
    result = shelf.brief("Rheinmettal")
    assert result.points == ()
    assert result.suggestions == ("Rheinmetall",)
    assert shelf.brief("Quantencomputer").suggestions == ()


def test_same_fact_from_two_outlets_is_one_point(shelf: Shelf) -> None:
    shelf.add("a", document(OUTLET_A, day=18))
    shelf.add("b", document(OUTLET_B, day=19))
    result = shelf.brief("Nordkorea", points=10)
    arrivals = [p for p in result.points if "eingetroffen" in p.text]
    assert len(arrivals) == 1
    assert {shelf.name(p.article_id) for p in result.points} == {"a", "b"}
    assert len(result.points) == 5
    assert not result.has_more


def test_newer_article_first_and_has_more(shelf: Shelf) -> None:
    shelf.add("old", document(OUTLET_A, day=1))
    shelf.add("new", document(OUTLET_B, day=19))
    result = shelf.brief("Nordkorea", points=2)
    assert shelf.name(result.points[0].article_id) == "new"
    assert len(result.points) == 2
    assert result.has_more


def test_exclude_and_shown_skip_points_already_sent(shelf: Shelf) -> None:
    shelf.add("a", document(OUTLET_A, day=18))
    first = shelf.brief("Nordkorea", points=1).points
    again = shelf.brief("Nordkorea", points=3, exclude={brief.point_key(first[0].text)})
    assert first[0].text not in {p.text for p in again.points}
    assert len(again.points) == 2
    reworded = "Putin traf am Dienstag zu einem Besuch in Nordkorea ein."
    shelf.add("b", document(OUTLET_B, day=19))
    later = shelf.brief("Nordkorea", points=10, shown=[reworded])
    assert not any("eingetroffen" in p.text for p in later.points)


def test_point_key_ignores_case_spacing_and_umlaut_spelling() -> None:
    assert brief.point_key("Der Fußball-Verein gewinnt!") == brief.point_key(
        "der  FUSSBALL-verein gewinnt"
    )
    assert brief.point_key("Der Verein gewinnt.") != brief.point_key("Der Verein verliert.")


def test_near_duplicate() -> None:
    assert brief.near_duplicate(OUTLET_A[0], OUTLET_B[0], "de")
    assert not brief.near_duplicate(OUTLET_A[1], OUTLET_B[2], "de")


def test_a_sentence_of_one_or_two_words_states_no_fact_to_repeat() -> None:
    """ "Und die ÖVP?" holds only the topic: it is no second report of every sentence naming
    the party (a brief cited one such article under all seven of its points)."""
    report = "Die ÖVP stellt ihr neues Wirtschaftsprogramm am Montag in Linz vor."
    assert not brief.near_duplicate("Und die ÖVP?", report, "de")
    assert not brief.near_duplicate("Und doch die ÖVP in Linz?", report, "de")
    named = "Die FPÖ lud Heinz-Christian Strache am Montag zu einem Pressegespräch in Linz."
    assert not brief.near_duplicate("(Heinz-Christian Strache).", named, "de")
    assert brief.near_duplicate("Die ÖVP stellt am Montag in Linz ihr Programm vor.", report, "de")


def test_every_point_stands_on_its_own(shelf: Shelf) -> None:
    """A brief is a list of bullets: no point leans on the sentence before or after it."""
    texts = [
        "Die Regierung hat ein neues Waldgesetz zum Schutz der Wälder vorgelegt.",
        "Es sieht strengere Strafen für illegale Rodungen vor und soll 2025 in Kraft treten.",
        "Sieben davon betreffen den Staatswald in den Mittelgebirgen.",
        "Der Minister sagte dazu vor Journalisten in Berlin:",
        "Umweltverbände begrüßten das Waldgesetz, forderten aber mehr Kontrollen.",
    ]
    shelf.add("w", document(texts, day=10, title="Waldgesetz"))
    order = [p.sentence_index for p in shelf.brief("Waldgesetz", points=5).points]
    assert order == [0, 4]


def test_fixture_pages_give_clean_points(shelf: Shelf) -> None:
    for number, name in enumerate(("de_hafen.txt", "de_wahl.html")):
        doc = extract.from_path(TEXTS / name)
        shelf.add(name, replace(doc, published=datetime(2024, 6, 1 + number, tzinfo=UTC)))
    hafen = shelf.briefing.article(shelf.ids["de_hafen.txt"])
    assert hafen is not None
    word = hafen.title.split()[0]
    result = shelf.brief(word, points=7)
    assert result.points
    for point in result.points:
        assert "Cookie" not in point.text and "Newsletter" not in point.text


def test_points_of_one_article_come_in_reading_order(shelf: Shelf) -> None:
    doc = extract.from_path(TEXTS / "en_market.html")
    ranking = digest.rank(doc)
    assert [i for i, _ in ranking[:5]] != sorted(i for i, _ in ranking[:5])  # a real reorder
    shelf.add("market", doc)
    word = "market"
    order = [p.sentence_index for p in shelf.brief(word, points=5).points]
    assert len(order) >= 3
    assert order == sorted(order)


def test_an_empty_library_and_an_empty_topic(shelf: Shelf) -> None:
    assert shelf.brief("Nordkorea").points == ()
    assert shelf.brief("...").points == ()
    assert brief.merge([], points=5) == ([], False)


SCHWEDEN = [
    "Schweden hat als erstes Land der Region eine Steuer auf Lieferflüge eingeführt.",
    "Die Regierung in Stockholm erwartet Einnahmen von 90 Millionen Kronen im Jahr.",
    "Schwedens Fluggesellschaften kündigten an, die Preise zu erhöhen.",
]
SOVIET = [
    "The Soviet Union launched its first weather satellite in the spring of 1966.",
    "Engineers in Moscow had worked on the design for five years.",
    "The satellite sent pictures of cloud cover over the Soviet Union for two years.",
]


def test_names_of_countries_cross_between_german_and_english(shelf: Shelf) -> None:
    german = shelf.add("schweden", document(SCHWEDEN, day=4, title="Flugsteuer"))
    english = shelf.add("soviet", document(SOVIET, day=5, title="Satellite", language="en"))
    assert {p.article_id for p in shelf.brief("Sweden").points} == {german}
    assert {p.article_id for p in shelf.brief("Sowjetunion").points} == {english}
    assert {p.article_id for p in shelf.brief("Griechenland").points} == set()


def test_a_short_topic_finds_its_inflections_not_other_words_starting_alike(shelf: Shelf) -> None:
    bank = shelf.add(
        "bank",
        document(
            [
                "Die Hypo muss weitere 300 Millionen Euro an Rückstellungen bilden.",
                "Die Verluste der Hypo belasten den Landeshaushalt seit Jahren.",
            ],
            day=3,
        ),
    )
    shelf.add(
        "study",
        document(
            [
                "Die Forscher prüften die Hypothese an 4.000 Schulkindern.",
                "Die Elefantenrunde im Fernsehen dauerte zwei Stunden.",
            ],
            day=4,
        ),
    )
    assert {p.article_id for p in shelf.brief("Hypo").points} == {bank}
    assert shelf.brief("Elefant").points == ()
    refugees = shelf.add(
        "refugees",
        document(["Die Flüchtlingskrise beschäftigt die Regierung seit dem Sommer."], day=5),
    )
    assert {p.article_id for p in shelf.brief("Flüchtling").points} == {refugees}


def test_a_phrase_no_article_holds_offers_its_words(shelf: Shelf) -> None:
    shelf.add("central", document(RHEINMETALL, day=3, title="Großauftrag für Rheinmetall"))
    shelf.add("bahn", document(BAHN_WITH_PASSING_MENTION, day=5, title="Bahnstreik"))
    result = shelf.brief("Rheinmetall Bahn")
    assert result.points == ()
    assert set(result.suggestions) == {"Rheinmetall", "Bahn"}


def test_a_phrase_of_two_place_names_is_the_phrase_not_both_places(shelf: Shelf) -> None:
    club = shelf.add(
        "club",
        document(
            [
                "Bayern München gewann am Samstag auswärts mit 3:0 und führt die Tabelle an.",
                "Der Trainer lobte nach dem Spiel vor allem die Abwehr seiner Mannschaft.",
            ],
            day=4,
        ),
    )
    shelf.add(
        "lake",
        document(
            [
                "Der Ammersee ist ein See in Bayern, rund 35 Kilometer westlich von München.",
                "Im Sommer fahren Ausflugsschiffe zwischen den Orten am Ufer.",
            ],
            day=5,
        ),
    )
    assert {p.article_id for p in shelf.brief("Bayern München").points} == {club}
    # two topics no sentence names together as a phrase: both words in one sentence
    both = shelf.brief("Ammersee München")
    assert {shelf.name(p.article_id) for p in both.points} == {"lake"}


def test_close_spellings_offer_a_name_once_not_also_its_genitive(shelf: Shelf) -> None:
    shelf.add(
        "vice",
        document(
            [
                "Vizekanzler Mitterlehner kündigte am Montag eine Steuerreform an.",
                "Mitterlehners Vorschlag stieß beim Koalitionspartner auf Skepsis.",
            ],
            day=3,
        ),
    )
    assert shelf.brief("Mitterlener").suggestions == ("Mitterlehner",)
