"""Every user-facing line of the built-in chat commands, in German and English.

Kept in one module so translations are reviewed side by side and handlers hold no prose.
Placeholders use `str.format` names; `Phrase.format(language, **values)` fills them.
"""

from __future__ import annotations

from summarizer.i18n import Phrase

# --- command usage lines (with an example) and one-line summaries --------------------------

START_USAGE = Phrase(de="/start", en="/start")
START_SUMMARY = Phrase(de="Begrüßung und kurze Anleitung", en="Greeting and a short guide")

HELP_USAGE = Phrase(de="/help", en="/help")
HELP_SUMMARY = Phrase(de="Alle Befehle mit Beispielen", en="All commands with examples")

BRIEF_USAGE = Phrase(
    de="/brief THEMA – z. B. /brief nordkorea", en="/brief TOPIC – e.g. /brief nordkorea"
)
BRIEF_SUMMARY = Phrase(
    de="Die wichtigsten Punkte aller Artikel zu einem Thema",
    en="The key points of every article on a topic",
)

ASK_USAGE = Phrase(
    de="/ask FRAGE – z. B. /ask Wann reiste Putin nach Nordkorea?",
    en="/ask QUESTION – e.g. /ask When did Putin travel to North Korea?",
)
ASK_SUMMARY = Phrase(
    de="Eine Frage an alle gespeicherten Artikel",
    en="Ask a question of all stored articles",
)

SOURCES_USAGE = Phrase(
    de="/sources [SEITE] – z. B. /sources 2", en="/sources [PAGE] – e.g. /sources 2"
)
SOURCES_SUMMARY = Phrase(de="Die gespeicherten Artikel", en="The stored articles")

ADD_USAGE = Phrase(
    de="/add URL, Datei (.txt/.md/.html) oder Text – z. B. /add https://example.org/artikel",
    en="/add URL, file (.txt/.md/.html) or text – e.g. /add https://example.org/article",
)
ADD_SUMMARY = Phrase(de="Einen Artikel hinzufügen", en="Add an article")

LANG_USAGE = Phrase(de="/lang de|en – z. B. /lang en", en="/lang de|en – e.g. /lang de")
LANG_SUMMARY = Phrase(de="Sprache der Antworten wählen", en="Choose the reply language")

# --- general -----------------------------------------------------------------------------

START = Phrase(
    de=(
        "Hallo! Ich fasse die Nachrichten zusammen, die ihr mir gebt.\n"
        "• /add URL oder Text – einen Artikel speichern\n"
        "• /brief THEMA – die wichtigsten Punkte zu einem Thema\n"
        "• danach einfach eine Frage schreiben (oder auf die Zusammenfassung antworten)\n"
        "• /help – alle Befehle"
    ),
    en=(
        "Hello! I sum up the news you give me.\n"
        "• /add URL or text – store an article\n"
        "• /brief TOPIC – the key points on a topic\n"
        "• then just write a question (or reply to the summary)\n"
        "• /help – all commands"
    ),
)
HELP_TITLE = Phrase(de="Befehle", en="Commands")
HELP_FOLLOWUP = Phrase(
    de="Nach einem /brief: eine Frage schreiben oder auf die Zusammenfassung antworten.",
    en="After a /brief: write a question, or reply to the summary.",
)
HELP_CONSOLE_PASTE = Phrase(
    de="Mehrzeiligen Text speichern: /add allein, dann den Text, zuletzt eine Zeile nur mit „.“.",
    en="To store multi-line text: /add on its own, then the text, then a line with just “.”.",
)
USAGE = Phrase(de="Verwendung: {usage}", en="Usage: {usage}")
UNKNOWN_COMMAND = Phrase(
    de="Unbekannter Befehl /{name}. /help zeigt alle Befehle.",
    en="Unknown command /{name}. /help lists all commands.",
)
EMPTY = Phrase(
    de="Schreib einen Befehl, z. B. /brief nordkorea, oder /help.",
    en="Send a command, e.g. /brief nordkorea, or /help.",
)
TOO_LONG = Phrase(
    de="Die Nachricht ist zu lang ({length} Zeichen, höchstens {limit}).",
    en="The message is too long ({length} characters, at most {limit}).",
)
GENERIC_ERROR = Phrase(
    de="Das hat nicht geklappt – ein interner Fehler. Bitte später noch einmal versuchen.",
    en="That did not work – an internal error. Please try again later.",
)
REFUSED = Phrase(
    de="Entschuldigung, dieser Bot ist für diesen Chat nicht freigeschaltet.",
    en="Sorry, this bot is not enabled for this chat.",
)
ADMIN_ONLY = Phrase(
    de="Das dürfen nur die Admins dieses Bots.",
    en="Only this bot's admins may do that.",
)
NO_CONTEXT = Phrase(
    de="Worum geht es? Erst /brief THEMA, dann fragen – oder direkt /ask FRAGE.",
    en="What about? First /brief TOPIC, then ask – or use /ask QUESTION directly.",
)

# --- /brief and its buttons ----------------------------------------------------------------

BRIEF_TITLE = Phrase(de="Kernpunkte: {topic}", en="Key points: {topic}")
BRIEF_MORE_TITLE = Phrase(de="Weitere Punkte: {topic}", en="More points: {topic}")
BRIEF_NOTHING = Phrase(
    de="Zu „{topic}“ habe ich keinen Artikel. /sources zeigt, was gespeichert ist.",
    en='I have no article on "{topic}". /sources shows what is stored.',
)
BRIEF_NOTHING_BUT = Phrase(
    de="Zu „{topic}“ habe ich keinen Artikel. Meintest du {suggestions}?",
    en='I have no article on "{topic}". Did you mean {suggestions}?',
)
BRIEF_SOURCES_HEADING = Phrase(de="Quellen:", en="Sources:")
BRIEF_FOLLOWUP_HINT = Phrase(
    de="Fragen dazu? Einfach schreiben oder auf diese Nachricht antworten.",
    en="Questions? Just write them, or reply to this message.",
)
BRIEF_FOLLOWUP_HINT_GROUP = Phrase(
    de="Fragen dazu? Auf diese Nachricht antworten.",
    en="Questions? Reply to this message to ask a follow-up.",
)
"""In groups the bot reads only replies to it, mentions and commands, not every message."""
TOPIC_TOO_LONG = Phrase(
    de="Das Thema ist zu lang ({length} Zeichen, höchstens {limit}).",
    en="The topic is too long ({length} characters, at most {limit}).",
)
NO_MORE_POINTS = Phrase(
    de="Mehr wichtige Punkte gibt es zu „{topic}“ nicht.",
    en='There are no more key points on "{topic}".',
)
EXPIRED = Phrase(
    de="Diese Zusammenfassung ist nicht mehr verfügbar. Bitte /brief neu aufrufen.",
    en="This summary is no longer available. Please run /brief again.",
)
UNKNOWN_ACTION = Phrase(
    de="Dieser Knopf funktioniert nicht mehr.",
    en="This button no longer works.",
)
BUTTON_MORE = Phrase(de="Mehr Punkte", en="More points")
BUTTON_SOURCES = Phrase(de="Quellen", en="Sources")
BUTTON_SUBSCRIBE = Phrase(de="Täglich abonnieren", en="Subscribe daily")
CONTEXT_SOURCES_TITLE = Phrase(de="Quellen zu „{topic}“", en='Sources on "{topic}"')
CONTEXT_SOURCES_TITLE_PLAIN = Phrase(de="Quellen", en="Sources")

# --- answers ---------------------------------------------------------------------------------

ANSWER_SOURCE = Phrase(de="Quelle: {source}", en="Source: {source}")
ANSWER_ALSO = Phrase(de="Vielleicht auch:", en="Possibly also:")
"""Introduces a close runner-up quoted after the answer (summarizer.qa.ALSO_SHARE)."""
NOT_IN_SOURCES = Phrase(
    de="Dazu steht nichts in den Quellen.",
    en="The sources do not say.",
)
NOT_IN_LIBRARY = Phrase(
    de="Dazu steht nichts in den gespeicherten Artikeln.",
    en="The stored articles do not say.",
)
CLOSEST_MENTION = Phrase(
    de="Am nächsten kommt dem diese Stelle – sie beantwortet die Frage nicht:",
    en="The closest mention – it does not answer the question:",
)
"""Introduces the best sentence of a declined answer (summarizer.qa.CLOSEST_SCORE)."""
LIBRARY_EMPTY = Phrase(
    de="Noch keine Artikel gespeichert. /add URL oder Text fügt einen hinzu.",
    en="No articles stored yet. /add URL or text adds one.",
)

# --- /sources -------------------------------------------------------------------------------

SOURCES_TITLE = Phrase(de="Gespeicherte Artikel", en="Stored articles")
SOURCES_NEXT = Phrase(de="Weitere: /sources {next}", en="More: /sources {next}")
SOURCES_NO_PAGE = Phrase(de="Seite {page} ist leer.", en="Page {page} is empty.")
UNTITLED = Phrase(de="(ohne Titel)", en="(untitled)")

# --- /add -----------------------------------------------------------------------------------

ADDED = Phrase(de="Gespeichert: {title}", en="Added: {title}")
ALREADY_THERE = Phrase(de="Schon vorhanden: {title}", en="Already there: {title}")
ADD_PATH_CONSOLE_ONLY = Phrase(
    de="Dateipfade gehen nur in der Konsole. Hier bitte eine URL oder den Text schicken.",
    en="File paths work in the console only. Here, please send a URL or the text.",
)
PATH_IS_FOLDER = Phrase(
    de="Das ist ein Ordner, keine Datei.",
    en="That is a folder, not a file.",
)
PATH_UNREADABLE = Phrase(
    de="Die Datei lässt sich nicht lesen (keine Berechtigung?).",
    en="That file cannot be read (no permission?).",
)
FILE_TYPE = Phrase(
    de="Dieser Dateityp geht nicht ({suffix}): bitte .txt, .md oder .html schicken.",
    en="That file type is not supported ({suffix}): please send .txt, .md or .html.",
)
FILE_TOO_BIG = Phrase(
    de="Die Datei ist zu groß ({size}); höchstens {limit} gehen.",
    en="That file is too large ({size}); at most {limit} is accepted.",
)
FILE_DOWNLOAD_FAILED = Phrase(
    de="Die Datei ließ sich nicht herunterladen. Bitte noch einmal schicken.",
    en="The file could not be downloaded. Please send it again.",
)
ADD_NO_FETCHER = Phrase(
    de="Das Laden von URLs ist hier nicht eingerichtet.",
    en="Fetching URLs is not set up here.",
)

# --- /lang ------------------------------------------------------------------------------------

LANG_SET = Phrase(de="Ich antworte jetzt auf Deutsch.", en="I will reply in English now.")
LANG_CURRENT = Phrase(
    de="Aktuelle Sprache: Deutsch. Wechseln mit /lang en.",
    en="Current language: English. Switch with /lang de.",
)

# --- files shared in Slack --------------------------------------------------------------------

FILE_ONLY_FIRST = Phrase(
    de="Von den {count} Dateien habe ich nur die erste gelesen ({name}). "
    "Die anderen bitte einzeln schicken.",
    en="Of the {count} files I read only the first ({name}). Please send the others one by one.",
)

# --- /add of an address that is no web page --------------------------------------------------

ADD_NOT_WEB_URL = Phrase(
    de="„{url}“ ist keine Webadresse: /add nimmt nur http:// und https://.",
    en="“{url}” is not a web address: /add takes only http:// and https://.",
)
