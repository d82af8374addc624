"""The `briefbot` CLI contract: every subcommand, the JSON shapes, stdin, and error exits."""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from bench.web_server import WebServer
from bot.app import build_app, build_components, console_components, serve
from bot.cli import main
from bot.config import Settings
from tests.briefbot_processes import HANG, defaults_env

FIXTURES = Path(__file__).parent / "fixtures" / "router"
HAFEN = FIXTURES / "hafen_de.txt"
RATHAUS = FIXTURES / "rathaus_de.txt"
BRIDGE = FIXTURES / "bridge_en.txt"


@pytest.fixture(autouse=True)
def clean_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A fresh working directory and database, and no configuration from the machine."""
    for key in list(os.environ):
        if key.startswith(("BRIEFBOT_", "TELEGRAM_", "SLACK_")) or key == "DATABASE_URL":
            monkeypatch.delenv(key)
    monkeypatch.chdir(tmp_path)


def run(
    capsys: pytest.CaptureFixture[str], *argv: str, stdin: bytes | None = None
) -> tuple[int, str, str]:
    if stdin is not None:
        sys.stdin = io.TextIOWrapper(io.BytesIO(stdin), encoding="utf-8")
    try:
        code = main(list(argv))
    finally:
        sys.stdin = sys.__stdin__
    out, err = capsys.readouterr()
    return code, out, err


def run_json(capsys: pytest.CaptureFixture[str], *argv: str, stdin: bytes | None = None) -> Any:
    code, out, err = run(capsys, *argv, "--json", stdin=stdin)
    assert code == 0, err
    return json.loads(out)


# --- one-file commands ---------------------------------------------------------------------


def test_extract_json_shape(capsys: pytest.CaptureFixture[str]) -> None:
    data = run_json(capsys, "extract", str(HAFEN))
    assert set(data) == {"title", "teaser", "language", "text", "sentences"}
    assert data["title"] == "Warnstreik legt den Hafen von Lindholm lahm"
    assert data["teaser"].startswith("Die Gewerkschaft ruft")
    assert data["language"] == "de"
    assert all(isinstance(s, str) for s in data["sentences"]) and len(data["sentences"]) > 8
    assert not any("Datenschutz" in s or "Wellenfunk" in s for s in data["sentences"])
    code, out, _ = run(capsys, "extract", str(BRIDGE))
    assert code == 0 and out.startswith("Harbour bridge in Lindholm reopens")


def test_extract_reads_stdin(capsys: pytest.CaptureFixture[str]) -> None:
    data = run_json(capsys, "extract", "-", stdin=BRIDGE.read_bytes())
    assert data["language"] == "en" and data["title"].startswith("Harbour bridge")


def test_digest_json_shape(capsys: pytest.CaptureFixture[str]) -> None:
    data = run_json(capsys, "digest", str(HAFEN), "--points", "3")
    assert set(data) == {"title", "language", "points"}
    assert len(data["points"]) == 3
    for point in data["points"]:
        assert set(point) == {"text", "sentence_index"}
        assert isinstance(point["sentence_index"], int)
    sentences = run_json(capsys, "extract", str(HAFEN))["sentences"]
    assert all(sentences[p["sentence_index"]] == p["text"] for p in data["points"])
    with pytest.raises(SystemExit) as exit_info:
        main(["digest", str(HAFEN), "--points", "0"])
    assert exit_info.value.code == 2 and "von 1 bis 30" in capsys.readouterr().err


def test_ask_json_shape_one_entry_per_question(capsys: pytest.CaptureFixture[str]) -> None:
    data = run_json(
        capsys,
        "ask",
        str(HAFEN),
        "Wann ist die nächste Verhandlungsrunde?",
        "Wer gewann das Pokalfinale im Eishockey?",
    )
    assert isinstance(data, list) and len(data) == 2
    for entry in data:
        assert set(entry) == {"question", "found", "answer", "sentence_indexes", "score"}
        assert isinstance(entry["score"], float) and isinstance(entry["found"], bool)
    assert data[0]["found"] and "10. März" in data[0]["answer"]
    assert data[0]["sentence_indexes"] and data[0]["question"].startswith("Wann")
    assert data[1]["found"] is False
    code, out, _ = run(capsys, "ask", str(HAFEN), "Wer gewann das Pokalfinale im Eishockey?")
    assert code == 0 and "nicht in der Quelle" in out


def test_ask_prints_a_close_runner_up_but_keeps_the_json_contract(
    capsys: pytest.CaptureFixture[str],
) -> None:
    bath = Path(__file__).parent / "fixtures" / "qa" / "hallenbad_de.txt"
    question = "Wann wird das Hallenbad in Lindenau eröffnet?"
    code, out, _ = run(capsys, "ask", str(bath), question)
    lines = out.splitlines()
    assert code == 0 and lines[0] == f"? {question}" and lines[1].startswith("  „")
    assert "  Vielleicht auch:" in lines and len([x for x in lines if x.startswith("  „")]) == 2
    [entry] = run_json(capsys, "ask", str(bath), question)
    assert set(entry) == {"question", "found", "answer", "sentence_indexes", "score"}


# --- library commands ----------------------------------------------------------------------


def test_add_brief_sources_on_the_default_database(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, out, err = run(capsys, "add", str(HAFEN), str(RATHAUS))
    assert code == 0, err
    assert out.count("added: ") == 2
    assert (tmp_path / "data" / "briefbot.db").is_file()  # ./data/briefbot.db by default
    code, out, _ = run(capsys, "add", str(HAFEN))
    assert code == 0 and out.startswith("already there: Warnstreik")

    brief = run_json(capsys, "brief", "lindholm")
    assert set(brief) == {"topic", "articles", "points"}
    assert brief["topic"] == "lindholm" and 5 <= len(brief["points"]) <= 7
    ids = {a["id"] for a in brief["articles"]}
    assert all(set(a) == {"id", "title"} for a in brief["articles"])
    for point in brief["points"]:
        assert set(point) == {"text", "article_id", "sentence_index"}
        assert point["article_id"] in ids
    code, out, _ = run(capsys, "brief", "neues", "rathaus")
    assert code == 0 and "[1] Neues Rathaus in Lindholm wird teurer als geplant" in out

    sources = run_json(capsys, "sources")
    assert {s["title"] for s in sources} == {
        "Neues Rathaus in Lindholm wird teurer als geplant",
        "Warnstreik legt den Hafen von Lindholm lahm",
    }
    assert all(set(s) == {"id", "title", "url", "published"} for s in sources)
    code, out, _ = run(capsys, "sources")
    assert "1. " in out and "2. " in out


def test_brief_without_matches_is_empty_and_succeeds(capsys: pytest.CaptureFixture[str]) -> None:
    assert run_json(capsys, "brief", "fußball") == {
        "topic": "fußball",
        "articles": [],
        "points": [],
    }
    code, out, _ = run(capsys, "brief", "fußball")
    assert code == 0 and "`briefbot sources`" in out and " /sources" not in out


def test_add_keeps_going_past_a_bad_source(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    database = f"sqlite:///{(tmp_path / 'other.db').as_posix()}"
    code, out, err = run(capsys, "--database", database, "add", "missing.txt", str(BRIDGE))
    assert code == 1
    assert err.strip() == "briefbot: missing.txt: Die Datei gibt es nicht."
    assert "added: Harbour bridge" in out
    rows = run_json(capsys, "--database", database, "add", "-", stdin=BRIDGE.read_bytes())
    assert rows[0]["created"] is False and rows[0]["source"] == "-"


def test_add_url_fetches_through_the_guarded_fetcher(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    with WebServer() as web:
        url = web.page("/bridge.txt", BRIDGE.read_bytes())
        code, _, err = run(capsys, "add", url)
        assert code == 1 and "briefbot: " + url in err  # loopback refused by default
        assert web.paths() == []
        monkeypatch.setenv("BRIEFBOT_FETCH_ALLOW", "127.0.0.1")
        rows = run_json(capsys, "add", url)
        assert rows[0]["created"] is True and rows[0]["title"].startswith("Harbour bridge")
        assert web.paths() == ["/bridge.txt"]


# --- errors --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("argv", "stdin", "message"),
    [
        (["extract", "nope.txt"], None, "briefbot: nope.txt: Die Datei gibt es nicht."),
        (["digest", "-"], b"   \n", "briefbot: stdin: Darin steht kein Artikeltext."),
        (
            ["extract", str(HAFEN), "-l", "fr"],
            None,
            "briefbot: unbekannte Sprache 'fr': de oder en",
        ),
        (["ask", str(FIXTURES), "Wann?"], None, f"briefbot: {FIXTURES}: Das ist ein Ordner"),
    ],
)
def test_errors_are_one_line_on_stderr(
    capsys: pytest.CaptureFixture[str], argv: list[str], stdin: bytes | None, message: str
) -> None:
    code, out, err = run(capsys, *argv, stdin=stdin)
    assert code == 1 and out == ""
    assert err.startswith(message) and err.count("\n") == 1 and "Traceback" not in err


def test_errors_in_english(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BRIEFBOT_LANGUAGE", "en")
    code, _, err = run(capsys, "extract", "nope.md")
    assert code == 1 and err == "briefbot: nope.md: That file does not exist.\n"
    code, _, err = run(capsys, "extract", "page.pdf")
    assert code == 1 and err.startswith("briefbot: page.pdf: ")


def usage_error(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    with pytest.raises(SystemExit) as exit_info:
        main(list(argv))
    err = capsys.readouterr().err
    assert exit_info.value.code == 2 and err.count("\n") == 1, err
    return err


def test_bad_numbers_get_one_line_in_the_users_language(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    err = usage_error(capsys, "digest", str(HAFEN), "--points", "abc")
    assert err.startswith("briefbot digest: --points/-n: eine ganze Zahl von 1 bis 30 erwartet")
    assert "invalid" not in err and "_points" not in err and "usage:" not in err
    assert "ab 1 erwartet, nicht '-5'" in usage_error(capsys, "sources", "--limit", "-5")
    assert "nicht '0'" in usage_error(capsys, "sources", "--limit", "0")
    monkeypatch.setenv("BRIEFBOT_LANGUAGE", "en")
    err = usage_error(capsys, "brief", "x", "-n", "31")
    assert "expected a whole number between 1 and 30, not '31'" in err


def test_a_bad_setting_is_one_line_naming_the_variable(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BRIEFBOT_LANGUAGE", "xx")
    code, out, err = run(capsys, "sources")
    assert code == 1 and out == ""
    assert err.startswith("briefbot: ungültige Einstellung BRIEFBOT_LANGUAGE='xx': ")
    assert err.count("\n") == 1 and "validation error" not in err
    monkeypatch.setenv("BRIEFBOT_LANGUAGE", "en")
    monkeypatch.setenv("BRIEFBOT_HTTP_PORT", "abc")
    code, _, err = run(capsys, "run")
    assert code == 1 and err.startswith("briefbot: invalid setting BRIEFBOT_HTTP_PORT='abc'")


def test_an_empty_library_says_so(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "sources")
    assert code == 0 and out.startswith("Die Bibliothek ist leer. Artikel hinzufügen: briefbot add")
    assert run_json(capsys, "sources") == []


def test_a_folder_as_source_is_named_as_such(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, out, err = run(capsys, "add", str(tmp_path), str(BRIDGE))
    assert code == 1 and "added: Harbour bridge" in out
    assert err == f"briefbot: {tmp_path}: Das ist ein Ordner, keine Datei.\n"


def test_argparse_errors_speak_the_users_language(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A German line is German throughout, not "the following arguments are required"."""
    err = usage_error(capsys, "ask", str(HAFEN))
    assert err.startswith("briefbot ask: es fehlt: QUESTION (briefbot --help zeigt")
    assert "unbekannte Argumente: --frob" in usage_error(capsys, "sources", "--frob")
    monkeypatch.setenv("BRIEFBOT_LANGUAGE", "en")
    err = usage_error(capsys, "ask", str(HAFEN))
    assert "the following arguments are required: QUESTION" in err


def test_add_of_a_non_web_address_says_so(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """ "ftp://…" is no missing file: the line says only http(s) addresses work."""
    code, out, err = run(capsys, "add", "ftp://news.example/a", str(BRIDGE))
    assert code == 1 and "added: Harbour bridge" in out
    assert err == (
        "briefbot: ftp://news.example/a: Das ist keine Webadresse; "
        "nur http:// und https:// gehen.\n"
    )
    monkeypatch.setenv("BRIEFBOT_LANGUAGE", "en")
    code, _, err = run(capsys, "add", "file:///etc/hosts")
    assert code == 1 and "not a web address" in err


def test_usage_errors_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main([])
    assert exit_info.value.code == 2
    with pytest.raises(SystemExit) as exit_info:
        main(["ask", str(HAFEN)])
    assert exit_info.value.code == 2


# --- as a process: the module, the console script, run --------------------------------------


def process(tmp_path: Path, *argv: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", *argv],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=defaults_env(),
        timeout=HANG,
    )


def test_ask_from_stdin_as_a_process(tmp_path: Path) -> None:
    result = process(
        tmp_path, "ask", "-", "How much did the repairs cost?", "--json", stdin=BRIDGE.read_text()
    )
    assert result.returncode == 0, result.stderr
    [entry] = json.loads(result.stdout)
    assert entry["found"] and "64 million" in entry["answer"]


def test_run_without_tokens_starts_the_console(tmp_path: Path) -> None:
    result = process(
        tmp_path, "run", stdin=f"/add {RATHAUS}\n/brief rathaus\n/subscribe rathaus 07:30\n"
    )
    assert result.returncode == 0, result.stderr
    assert "briefbot-Konsole" in result.stdout
    assert "Kernpunkte: rathaus" in result.stdout and "Abonniert: rathaus" in result.stdout
    assert "Traceback" not in result.stderr
    assert "apscheduler" not in result.stderr  # its INFO lines would land in the chat
    assert " INFO " not in result.stderr  # console mode logs warnings only, unless LOG_LEVEL says


def test_run_stops_cleanly_on_sigterm(tmp_path: Path) -> None:
    child = subprocess.Popen(
        [sys.executable, "-m", "bot", "run"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=tmp_path,
        env=defaults_env(),
    )
    try:
        assert child.stdout is not None and child.stdin is not None
        assert child.stdout.readline().startswith("briefbot-Konsole")  # running, input open
        child.send_signal(signal.SIGTERM)
        assert child.wait(timeout=HANG) == 0
        assert "Traceback" not in (child.stderr.read() if child.stderr else "")
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()


# --- the composition root ------------------------------------------------------------------


class Recorder:
    def __init__(self, name: str, log: list[str], *, fail: bool = False) -> None:
        self.name = name
        self.log = log
        self.fail = fail

    async def start(self) -> None:
        if self.fail:
            raise RuntimeError(f"{self.name} cannot start")
        self.log.append(f"start {self.name}")

    async def stop(self) -> None:
        self.log.append(f"stop {self.name}")


async def test_serve_starts_in_order_and_stops_in_reverse(tmp_path: Path) -> None:
    app = build_app(app_settings(tmp_path))
    log: list[str] = []

    class Stopper(Recorder):
        async def start(self) -> None:
            await super().start()
            app.stop.set()

    await serve(app, [Recorder("a", log), Recorder("b", log), Stopper("c", log)])
    assert log == ["start a", "start b", "start c", "stop c", "stop b", "stop a"]
    log.clear()
    app.stop.clear()
    with pytest.raises(RuntimeError):
        await serve(app, [Recorder("a", log), Recorder("b", log, fail=True), Recorder("c", log)])
    assert log == ["start a", "stop a"]  # what started is stopped, nothing else
    app.close()


def app_settings(tmp_path: Path, **values: str) -> Settings:
    database = f"sqlite:///{(tmp_path / 'app.db').as_posix()}"
    return Settings.model_validate({"DATABASE_URL": database, **values})


def test_components_follow_the_configuration(tmp_path: Path) -> None:
    plain = build_app(app_settings(tmp_path))
    names = [c.name for c in build_components(plain.settings, plain)]
    assert names == ["http", "leader-election", "console"]  # feeds: on the leader
    menu = [name for name, _ in plain.router.command_menu("de")]
    assert {"feed", "subscribe", "subscriptions", "unsubscribe", "timezone"} <= set(menu)
    plain.close()
    headless = build_app(app_settings(tmp_path))
    names = [c.name for c in build_components(headless.settings, headless, console=False)]
    assert names == ["http", "leader-election"]
    headless.close()

    settings = app_settings(
        tmp_path,
        TELEGRAM_BOT_TOKEN="123:abc",
        TELEGRAM_WEBHOOK_URL="https://bot.example/telegram",
        SLACK_BOT_TOKEN="xoxb-1",
        SLACK_SIGNING_SECRET="secret",
        BRIEFBOT_HTTP_PORT="0",
    )
    app = build_app(settings)
    components = build_components(settings, app)
    assert [c.name for c in components] == [
        "http",
        "telegram",
        "slack",
        "pending-adds",  # finishes an /add URL a killed process left (issue 14)
        "leader-election",
    ]
    http = components[0]
    paths = {route.resource.canonical for route in http.app.router.routes()}  # type: ignore[attr-defined]
    assert {"/telegram", "/slack/events", "/healthz"} <= paths
    app.close()
    alone = build_app(settings)  # `briefbot console` with the same tokens
    assert [c.name for c in console_components(settings, alone)] == [
        "leader-election",
        "console",
    ]
    alone.close()


def test_database_may_follow_the_command(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """`briefbot brief X --database URL` works as `briefbot --database URL brief X` does."""
    url = f"sqlite:///{(tmp_path / 'other.db').as_posix()}"
    code, _, err = run(capsys, "add", str(HAFEN), "--database", url)
    assert code == 0, err
    assert (tmp_path / "other.db").is_file()
    assert not (tmp_path / "data" / "briefbot.db").exists()
    after = run_json(capsys, "brief", "lindholm", "--database", url)
    before = run_json(capsys, "--database", url, "brief", "lindholm")
    assert after == before and after["points"]
    code, out, _ = run(capsys, "brief", "Lindhom", "--database", url)
    assert code == 0 and "Lindholm" in out  # the close spelling is offered


def test_brief_text_cites_every_outlet_of_a_point(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """Two outlets reporting the same fact: one point, both numbers, every listed source cited."""
    first = tmp_path / "a.txt"
    second = tmp_path / "b.txt"
    first.write_text(
        "Fähre nach Lindholm fällt aus\n\n"
        "Die Fähre nach Lindholm fährt wegen eines Motorschadens bis Freitag nicht.\n\n"
        "Pendler müssen auf Busse ausweichen, die stündlich ab dem Bahnhof fahren.\n",
        encoding="utf-8",
    )
    second.write_text(
        "Motorschaden: Lindholm ohne Fähre\n\n"
        "Wegen eines Motorschadens fährt die Fähre nach Lindholm bis Freitag nicht.\n\n"
        "Der Betreiber entschuldigte sich bei den Fahrgästen in Lindholm für die Ausfälle.\n",
        encoding="utf-8",
    )
    code, _, err = run(capsys, "add", str(first), str(second))
    assert code == 0, err
    code, out, _ = run(capsys, "brief", "Lindholm")
    lines = [line for line in out.splitlines() if line.startswith("• ")]
    assert sum("Motorschaden" in line for line in lines) == 1
    assert any(line.endswith("[1] [2]") or line.endswith("[2] [1]") for line in lines)
