"""The console as a user drives it: `python -m bot console` with stdin piped, output asserted."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from bench.web_server import WebServer
from tests.briefbot_processes import HANG, defaults_env

FIXTURES = Path(__file__).parent / "fixtures" / "router"


def console(tmp_path: Path, lines: list[str], **env: str) -> subprocess.CompletedProcess[str]:
    """`python -m bot console` with `lines` piped in (`env` over its defaults), after checking
    that it ended cleanly: exit code 0 and no traceback."""
    environment = defaults_env(
        DATABASE_URL=f"sqlite:///{(tmp_path / 'console.db').as_posix()}", **env
    )
    result = subprocess.run(
        [sys.executable, "-m", "bot", "console"],
        input="".join(line + "\n" for line in lines),
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=environment,
        timeout=HANG,
    )
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    return result


def test_a_whole_session(tmp_path: Path) -> None:
    out = console(
        tmp_path,
        [
            "/help",
            f"/add {FIXTURES / 'hafen_de.txt'}",
            f"/add {FIXTURES / 'hafen_de.txt'}",
            f"/add {FIXTURES / 'rathaus_de.txt'}",
            "/brief lindholm",
            "Wie viele Schiffe lagen vor der Einfahrt?",
            "Wer gewann das Pokalfinale im Eishockey?",
            "!1",
            "!2",
            "!9",
            "/sources",
            "/frobnicate",
            "/lang en",
            "/brief",
            "/quit",
            "/help",  # never read: the session ended
        ],
    ).stdout
    assert out.startswith("briefbot-Konsole")
    assert "/brief THEMA – z. B. /brief nordkorea" in out
    assert "Gespeichert: Warnstreik legt den Hafen von Lindholm lahm" in out
    assert "Schon vorhanden: Warnstreik legt den Hafen von Lindholm lahm" in out
    assert "Kernpunkte: lindholm" in out
    assert "Knöpfe: [!1] Mehr Punkte  [!2] Quellen" in out
    assert "31 Frachtschiffe" in out
    assert "Dazu steht nichts in den Quellen." in out
    assert "Weitere Punkte: lindholm" in out  # !1 = more
    more = out.split("Weitere Punkte: lindholm", 1)[1].split("Knöpfe:", 1)[0]
    assert "Fragen dazu? Einfach schreiben" in more  # the console is a private chat
    assert "Quellen zu „lindholm“" in out  # !2 = sources of that brief
    assert "Diesen Knopf gibt es nicht." in out
    assert "Gespeicherte Artikel" in out and "Neues Rathaus in Lindholm" in out
    assert "Unbekannter Befehl /frobnicate" in out
    assert "I will reply in English now." in out
    assert "Usage: /brief TOPIC" in out
    assert out.count("Commands") == 0  # the /help after /quit was not answered
    for forbidden in ("Wellenfunk", "Datenschutz", "einverstanden"):
        assert forbidden not in out


def test_end_of_input_ends_the_console_and_state_persists(tmp_path: Path) -> None:
    first = console(tmp_path, [f"/add {FIXTURES / 'bridge_en.txt'}", "/lang en"]).stdout
    assert "Added: Harbour bridge" not in first
    assert "Gespeichert: Harbour bridge" in first
    second = console(tmp_path, ["/brief bridge", "How much did the repairs cost?"])
    assert second.stdout.startswith("briefbot console")  # the language was stored
    assert "Key points: bridge" in second.stdout
    assert "64 million euros" in second.stdout


def test_configured_language_and_bad_lines(tmp_path: Path) -> None:
    out = console(
        tmp_path,
        ["", "   ", "!1", "/", "x" * 30_000, "/add", ".", "/add nope.txt", "plain question?"],
        BRIEFBOT_LANGUAGE="en",
    ).stdout
    assert "There is no such button." in out
    assert "too long" in out
    assert "Usage: /add" in out
    assert "That file does not exist." in out
    assert "First /brief TOPIC" in out


def test_subscribe_button_and_commands_are_wired(tmp_path: Path) -> None:
    out = console(
        tmp_path,
        [f"/add {FIXTURES / 'rathaus_de.txt'}", "/brief rathaus", "!2", "!3", "/subscriptions"],
    ).stdout
    assert "Täglich abonnieren" in out
    assert "Abonniert: rathaus" in out
    assert "1. rathaus" in out  # /subscriptions lists it


def test_console_never_starts_the_chat_adapters(tmp_path: Path) -> None:
    """With tokens set (as next to a running `briefbot run`), `briefbot console` must not poll
    Telegram (a second poller gets 409 Conflict) nor open Slack or the HTTP port."""
    with WebServer() as platform:
        result = console(
            tmp_path,
            [f"/add {FIXTURES / 'rathaus_de.txt'}", "/brief rathaus", "!2", "/subscriptions"],
            TELEGRAM_BOT_TOKEN="123:abc",
            TELEGRAM_API_BASE_URL=platform.url("/bot"),
            SLACK_BOT_TOKEN="xoxb-1",
            SLACK_SIGNING_SECRET="secret",
            SLACK_API_URL=platform.url("/api/"),
            BRIEFBOT_HTTP_PORT="0",
            LOG_LEVEL="INFO",
        )
        assert platform.connections == 0
    out = result.stdout
    assert "Kernpunkte: rathaus" in out and "Abonniert: rathaus" in out  # scheduler is there
    assert "apscheduler" not in out + result.stderr  # no scheduler chatter in the chat


def test_pasted_multi_line_text_is_one_article(tmp_path: Path) -> None:
    """A headline on the /add line and the body pasted with it, ended by "."; then a bare
    /add whose text runs to the end of input. Each is stored whole, once."""
    bridge = (FIXTURES / "bridge_en.txt").read_text(encoding="utf-8").splitlines()
    rathaus = (FIXTURES / "rathaus_de.txt").read_text(encoding="utf-8").splitlines()
    out = console(
        tmp_path,
        [
            "/help",
            f"/add {bridge[0]}",
            *bridge[1:],
            ".",
            "/brief bridge",
            "Wie viel haben die Reparaturen gekostet?",
            "/sources",
            "/add",
            *rathaus,
        ],
    ).stdout
    assert "Mehrzeiligen Text speichern: /add" in out  # banner
    assert "eine Zeile nur mit „.“" in out.split("Befehle", 1)[1]  # and /help
    assert "Gespeichert: Harbour bridge in Lindholm reopens" in out
    assert "Kernpunkte: bridge" in out
    assert "1. Harbour bridge in Lindholm reopens" in out
    assert "2. " not in out.split("Gespeicherte Artikel", 1)[1]  # the body was no article
    assert "Text einfügen;" in out
    assert "Gespeichert: Neues Rathaus in Lindholm wird teurer als geplant" in out
    assert "Unbekannter Befehl" not in out and "Worum geht es?" not in out


def test_single_line_add_is_sent_at_once(tmp_path: Path) -> None:
    text = "Der Stadtrat von Lindholm hat am Dienstag einen neuen Radweg beschlossen."
    out = console(tmp_path, [f"/add {FIXTURES / 'hafen_de.txt'}", f"/add {text}", "."]).stdout
    assert "Gespeichert: Warnstreik legt den Hafen von Lindholm lahm" in out
    assert out.count("Gespeichert: ") == 2 and "Text einfügen;" not in out


def test_add_of_an_unsupported_url_does_not_swallow_the_next_lines(tmp_path: Path) -> None:
    """ "/add ftp://…" and "/add http://" are single sources: the lines piped after them are
    the next messages, never the body of a pasted article."""
    out = console(
        tmp_path,
        [
            "/add ftp://example.org/artikel",
            "/add http://",
            f"/add {FIXTURES / 'hafen_de.txt'}",
            "/sources",
        ],
    ).stdout
    assert "Gespeichert: Warnstreik legt den Hafen von Lindholm lahm" in out
    assert "Gespeicherte Artikel" in out
    assert "2. " not in out.split("Gespeicherte Artikel", 1)[1]  # no article made of commands


def test_a_command_line_ends_a_pasted_text(tmp_path: Path) -> None:
    """A bare /add whose "." was forgotten, and "/add Headline" followed by commands: the
    text is stored and every command after it is still answered."""
    rathaus = (FIXTURES / "rathaus_de.txt").read_text(encoding="utf-8").splitlines()
    out = console(
        tmp_path,
        [
            "/add",
            *rathaus,
            "/brief rathaus",
            "/add Nur eine Zeile über den Stadtrat von Lindholm und seinen Beschluss.",
            "/sources",
            "/add",
            "/lang en",
        ],
    ).stdout
    assert "Gespeichert: Neues Rathaus in Lindholm wird teurer als geplant" in out
    assert "Kernpunkte: rathaus" in out
    assert "Gespeicherte Artikel" in out
    assert "/brief" not in out.split("Gespeicherte Artikel", 1)[1]  # not stored as text
    assert "Verwendung: /add" in out  # the bare /add with nothing pasted
    assert "I will reply in English now." in out


def test_punctuation_alone_is_no_follow_up_question(tmp_path: Path) -> None:
    out = console(
        tmp_path,
        [
            f"/add {FIXTURES / 'hafen_de.txt'}",
            "/brief lindholm",
            "//",
            "???",
            "👍",
            "/lang en",
            "!!!",
            "...",
            "Wie viele Schiffe lagen vor der Einfahrt?",
        ],
    ).stdout
    assert out.count("Schreib einen Befehl, z. B. /brief nordkorea, oder /help.") == 3
    assert out.count("Send a command, e.g. /brief nordkorea, or /help.") == 2
    assert "Dazu steht nichts in den Quellen." not in out and "The sources do not" not in out
    assert "31 Frachtschiffe" in out  # the brief is still there for a real question


def test_subscribe_with_times_as_people_write_them(tmp_path: Path) -> None:
    out = console(
        tmp_path,
        [
            "/subscribe fussball 9 Uhr",
            "/subscribe news 7.30 Uhr",
            "/subscribe fussball wochenende 9 Uhr",
            "/subscribe news 25 Uhr",
            "/timezone",
            "/lang en",
            "/subscribe x 9:30 pm Europe/London",
            "/subscribe sport 18 h",
            "/subscribe x 13 pm",
        ],
    ).stdout
    assert "Abonniert: fussball, täglich 09:00" in out
    assert "Abonniert: news, täglich 07:30" in out
    assert "Geändert: fussball jetzt am Wochenende 09:00" in out
    assert "25 Uhr gibt es nicht: Stunden 0–23" in out
    assert "Ändern, z. B.: /timezone America/New_York" in out  # the console's zone is Berlin
    assert "Subscribed: x, daily 21:30 (Europe/London)." in out
    assert "Subscribed: sport, daily 18:00" in out
    assert "13 pm is not a time of day" in out
    assert "Bitte eine Uhrzeit angeben" not in out and "please give a time" not in out.lower()
