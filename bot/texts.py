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
SUGGESTED = Phrase(de="„{name}“", en='"{name}"')
"""A close spelling offered in BRIEF_NOTHING_BUT, quoted as the topic is quoted there."""
QUOTED = Phrase(de="„{text}“", en="“{text}”")
"""A quoted sentence (answers, the closest mention)."""
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

# --- /subscribe, /timezone, /subscriptions, /unsubscribe and the subscribe button -----

SUBSCRIBE_USAGE = Phrase(
    de=(
        "/subscribe THEMA [TAGE] UHRZEIT [ZONE] – z. B. /subscribe nordkorea 07:30, "
        "/subscribe 7:30 nordkorea, /subscribe nordkorea werktags 8 Uhr, "
        "/subscribe nordkorea mo,do 18:00 Europe/Berlin. Bei der Zeitumstellung: eine Uhrzeit, "
        "die es an dem Tag nicht gibt (02:30 im März), kommt eine Stunde später (03:30), "
        "eine doppelte (02:30 im Oktober) einmal, zur ersten."
    ),
    en=(
        "/subscribe TOPIC [DAYS] TIME [ZONE] – e.g. /subscribe nordkorea 07:30, "
        "/subscribe 7:30 nordkorea, /subscribe nordkorea weekdays 8am, "
        "/subscribe nordkorea mon,thu 6:30 pm Europe/London. When the clocks change: a time "
        "that does not exist that day (02:30 in March) comes an hour later (03:30), one that "
        "occurs twice (02:30 in October) once, at the first."
    ),
)
SUBSCRIBE_SUMMARY = Phrase(
    de="Tägliches Briefing zu einem Thema abonnieren", en="Get a daily briefing on a topic"
)
TIMEZONE_USAGE = Phrase(
    de="/timezone [ZONE] – z. B. /timezone Europe/Berlin",
    en="/timezone [ZONE] – e.g. /timezone UTC",
)
TIMEZONE_SUMMARY = Phrase(
    de="Zeitzone des Chats zeigen oder setzen", en="Show or set the chat's time zone"
)
SUBSCRIPTIONS_USAGE = Phrase(de="/subscriptions", en="/subscriptions")
SUBSCRIPTIONS_SUMMARY = Phrase(de="Abos dieses Chats zeigen", en="List this chat's subscriptions")
UNSUBSCRIBE_USAGE = Phrase(
    de="/unsubscribe THEMA | NUMMER | alle – z. B. /unsubscribe nordkorea",
    en="/unsubscribe TOPIC | NUMBER | all – e.g. /unsubscribe nordkorea",
)
UNSUBSCRIBE_SUMMARY = Phrase(de="Ein Abo beenden", en="Stop a subscription")
SUBSCRIBED = Phrase(
    de=(
        "Abonniert: {topic}, {when} ({zone}). Erster Versand: {first}, mit allem Neuen der "
        "24 Stunden davor; danach jeweils, was seit dem letzten Versand neu ist."
    ),
    en=(
        "Subscribed: {topic}, {when} ({zone}). First delivery: {first}, with what is new in "
        "the 24 hours before it; after that, what is new since the delivery before."
    ),
)
SUBSCRIPTION_MOVED = Phrase(
    de="Geändert: {topic} jetzt {when} ({zone}). Nächster Versand: {first}.",
    en="Changed: {topic} is now {when} ({zone}). Next delivery: {first}.",
)
ALREADY_SUBSCRIBED = Phrase(
    de="{topic} ist schon abonniert: {when} ({zone}). Andere Zeit: /subscribe {topic} 18:00",
    en="{topic} is already subscribed: {when} ({zone}). Another time: /subscribe {topic} 18:00",
)
SUBSCRIBE_BUTTON_HINT = Phrase(
    de="Andere Zeit: /subscribe {topic} 18:00 · Abbestellen: /unsubscribe {topic}",
    en="Another time: /subscribe {topic} 18:00 · Stop: /unsubscribe {topic}",
)
SUBSCRIBED_NO_ARTICLES = Phrase(
    de="Zu {topic} gibt es noch keine Artikel; sobald welche da sind, kommen sie im Briefing.",
    en="There are no articles on {topic} yet; once there are, they will be in the briefing.",
)
TOO_MANY_SUBSCRIPTIONS = Phrase(
    de="Dieser Chat hat schon {limit} Abos, mehr geht nicht. /unsubscribe gibt eins frei.",
    en="This chat already has {limit} subscriptions, the maximum. /unsubscribe frees one.",
)
NO_SUBSCRIPTIONS = Phrase(
    de="Keine Abos in diesem Chat. Beispiel: /subscribe nordkorea 07:30",
    en="No subscriptions in this chat. Example: /subscribe nordkorea 07:30",
)
SUBSCRIPTIONS_TITLE = Phrase(de="Abos in diesem Chat:", en="Subscriptions in this chat:")
SUBSCRIPTION_LINE = Phrase(
    de="{number}. {topic} – {when} ({zone}) – nächster Versand {next}",
    en="{number}. {topic} – {when} ({zone}) – next {next}",
)
NO_SUCH_SUBSCRIPTION = Phrase(
    de="Kein Abo zu „{what}“. /subscriptions zeigt die Abos dieses Chats.",
    en="No subscription “{what}”. /subscriptions lists this chat's subscriptions.",
)
UNSUBSCRIBED = Phrase(de="Abo beendet: {topics}.", en="Unsubscribed: {topics}.")
SUBSCRIPTION_LIST_CHANGED = Phrase(
    de="Nr. {number} der zuletzt gezeigten Liste gibt es nicht mehr: die Liste hat sich geändert. /subscriptions zeigt sie neu.",
    en="Number {number} of the list shown last is gone: the list has changed. /subscriptions shows it again.",
)
ZONE_IS = Phrase(
    de="Zeitzone dieses Chats: {zone}. Ändern, z. B.: /timezone {example}",
    en="This chat's time zone: {zone}. To change it, e.g.: /timezone {example}",
)
ZONE_SET = Phrase(de="Zeitzone ist jetzt {zone}.", en="The time zone is now {zone}.")
ZONE_MOVED_NONE = Phrase(
    de="Kein Abo folgt ihr (Abos mit eigener Zone bleiben).",
    en="No subscription follows it (those with their own zone stay).",
)
ZONE_MOVED_ONE = Phrase(de="1 Abo folgt ihr.", en="1 subscription follows it.")
ZONE_MOVED_MANY = Phrase(de="{moved} Abos folgen ihr.", en="{moved} subscriptions follow it.")
NO_NEXT_DELIVERY = Phrase(de="keiner", en="none")

# --- /feed, /feeds, /unfeed -----------------------------------------------------------

FEED_USAGE = Phrase(
    de="/feed URL [MINUTEN] – z. B. /feed https://example.org/rss 30",
    en="/feed URL [MINUTES] – e.g. /feed https://example.org/rss 30",
)
FEED_SUMMARY = Phrase(
    de="Einem RSS- oder Atom-Feed folgen (Standard alle 15 Minuten)",
    en="Follow an RSS or Atom feed (every 15 minutes by default)",
)
FEEDS_USAGE = Phrase(de="/feeds", en="/feeds")
FEEDS_SUMMARY = Phrase(de="Verfolgte Feeds mit letztem Abruf", en="Followed feeds and their state")
UNFEED_USAGE = Phrase(de="/unfeed N – z. B. /unfeed 2", en="/unfeed N – e.g. /unfeed 2")
UNFEED_SUMMARY = Phrase(de="Einem Feed nicht mehr folgen", en="Stop following a feed")
FEED_HOW = Phrase(
    de="So folgst du einem Feed: /feed https://…/rss [Minuten {low}–{high}]",
    en="To follow a feed: /feed https://…/rss [minutes {low}–{high}]",
)
FEED_BAD_INTERVAL = Phrase(
    de="Das Intervall muss eine Zahl von {low} bis {high} Minuten sein.",
    en="The interval must be a number from {low} to {high} minutes.",
)
TOO_MANY_FEEDS = Phrase(
    de="Es werden schon {limit} Feeds verfolgt. Entferne zuerst einen mit /unfeed N.",
    en="{limit} feeds are followed already. Remove one first with /unfeed N.",
)
ALREADY_FOLLOWING = Phrase(
    de="Diesem Feed folge ich schon: #{id} {title}",
    en="I follow that feed already: #{id} {title}",
)
FOLLOWING = Phrase(
    de="Folge jetzt #{id} {title} ({items} Einträge), Abruf alle {minutes} Minuten. "
    "Neue Artikel erscheinen im nächsten /brief.",
    en="Now following #{id} {title} ({items} items), checked every {minutes} minutes. "
    "New articles show up in the next /brief.",
)
NO_FEEDS = Phrase(
    de="Noch keine Feeds. Folgen mit /feed URL",
    en="No feeds yet. Follow one with /feed URL",
)
FEEDS_TITLE = Phrase(de="Verfolgte Feeds", en="Followed feeds")
FEED_LINE = Phrase(
    de="#{id} {title} – alle {minutes} min, {added} Artikel · zuletzt ok: {success}",
    en="#{id} {title} – every {minutes} min, {added} articles · last success: {success}",
)
FEED_ERROR_LINE = Phrase(de="   Fehler {when}: {error}", en="   error {when}: {error}")
FEED_FAILING = Phrase(de="   ⚠ fällt wiederholt aus", en="   ⚠ failing repeatedly")
FEED_NEVER = Phrase(de="noch nie", en="never")
UNFEED_HOW = Phrase(
    de="Welcher Feed? /unfeed N – die Nummern zeigt /feeds.",
    en="Which feed? /unfeed N – /feeds shows the numbers.",
)
NO_SUCH_FEED = Phrase(
    de="Keinen Feed #{id} gefunden. /feeds zeigt die Nummern.",
    en="No feed #{id}. /feeds shows the numbers.",
)
UNFOLLOWED = Phrase(de="Feed #{id} {title} entfernt.", en="Stopped following #{id} {title}.")

# --- the console ----------------------------------------------------------------------

CONSOLE_WELCOME = Phrase(
    de="briefbot-Konsole. /help zeigt die Befehle, !N drückt Knopf N, /quit oder Strg-D beendet.\n"
    "Mehrzeiligen Text speichern: /add, dann den Text einfügen, zuletzt eine Zeile nur mit „.“.",
    en="briefbot console. /help lists the commands, !N presses button N, /quit or Ctrl-D ends.\n"
    "To store multi-line text: /add, then paste the text, then a line with just “.”.",
)
CONSOLE_PASTE_HINT = Phrase(
    de="Text einfügen; eine Zeile nur mit „.“ (oder Strg-D) beendet ihn.",
    en="Paste the text; a line with just “.” (or Ctrl-D) ends it.",
)
CONSOLE_BUTTONS = Phrase(de="Knöpfe: {buttons}", en="Buttons: {buttons}")
CONSOLE_NO_SUCH_BUTTON = Phrase(de="Diesen Knopf gibt es nicht.", en="There is no such button.")

# --- /add finished after a restart ----------------------------------------------------

ADD_RESUMED = Phrase(
    de="Nach einem Neustart nachgeholt: /add {url}",
    en="Finished after a restart: /add {url}",
)
ADD_GAVE_UP = Phrase(
    de="/add {url} ließ sich nach einem Neustart nicht abschließen. Bitte noch einmal senden.",
    en="/add {url} could not be finished after a restart. Please send it again.",
)

# --- scheduled digests -------------------------------------------------------------------------

SCHEDULED_TITLE = Phrase(de="Briefing zu {topic} ({when})", en="Briefing on {topic} ({when})")
NOTHING_NEW = Phrase(
    de="Nichts Neues zu {topic} seit {since}", en="Nothing new on {topic} since {since}"
)

# --- labels of rich renderings (Telegram, Slack) ------------------------------------------------

SOURCES_LABEL = Phrase(de="Quellen", en="Sources")
ALSO_LABEL = Phrase(de="Vielleicht auch", en="Possibly also")
CONTINUED_LABEL = Phrase(de="Fortsetzung", en="continued")

# --- the command line (`briefbot …`) ------------------------------------------------------------

CLI_BRIEF_NOTHING = Phrase(
    de="Zu „{topic}“ habe ich keinen Artikel. `briefbot sources` zeigt, was gespeichert ist.",
    en='I have no article on "{topic}". `briefbot sources` shows what is stored.',
)
CLI_DID_YOU_MEAN = Phrase(de="Meintest du: {suggestions}?", en="Did you mean: {suggestions}?")
CLI_LIBRARY_EMPTY = Phrase(
    de="Die Bibliothek ist leer. Artikel hinzufügen: briefbot add DATEI|URL",
    en="The library is empty. Add articles with: briefbot add FILE|URL",
)
CLI_NOT_IN_SOURCE = Phrase(de="(nicht in der Quelle)", en="(not in the source)")
CLI_NOT_WEB_URL = Phrase(
    de="{source}: Das ist keine Webadresse; nur http:// und https:// gehen.",
    en="{source}: That is not a web address; only http:// and https:// work.",
)
CLI_EMPTY_TOPIC = Phrase(de="leeres Thema", en="empty topic")
CLI_UNKNOWN_LANGUAGE = Phrase(
    de="unbekannte Sprache {value!r}: de oder en", en="unknown language {value!r}: use de or en"
)
CLI_ADDED = Phrase(de="added: {title} ({id})", en="added: {title} ({id})")
CLI_ALREADY_THERE = Phrase(de="already there: {title} ({id})", en="already there: {title} ({id})")
CLI_NUMBER_FROM = Phrase(
    de="eine ganze Zahl ab {low} erwartet, nicht {value!r}",
    en="expected a whole number of at least {low}, not {value!r}",
)
CLI_NUMBER_BETWEEN = Phrase(
    de="eine ganze Zahl von {low} bis {high} erwartet, nicht {value!r}",
    en="expected a whole number between {low} and {high}, not {value!r}",
)
CLI_HELP_HINT = Phrase(
    de="briefbot --help zeigt die Befehle", en="briefbot --help lists the commands"
)
CLI_BAD_SETTING = Phrase(
    de="ungültige Einstellung {name}{shown}: {message}",
    en="invalid setting {name}{shown}: {message}",
)
CLI_STDIN_ONCE = Phrase(de="'-' (stdin) geht nur einmal", en="'-' (stdin) can be given once")
