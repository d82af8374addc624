"""Files shared with the Slack bot become articles: the real slack-bolt AsyncApp (in-process, over
HTTP and in Socket Mode) against the fake Slack Web API, which serves the files, files.info and
Slack's sign-in page, and records every download and the token it carried."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp import ClientSession

from bot.app import App
from bot.slack import SlackBot
from tests.fakes.library import briefed_app
from tests.fakes.recording import serve_routes
from tests.fakes.slack_api import (
    BOT_TOKEN,
    BOT_USER_ID,
    ENDLESS_LIMIT,
    FakeSlackAPI,
    signed_headers,
)
from tests.test_slack import dispatch, make_bot

FIXTURES = Path(__file__).parent / "fixtures" / "slack"
UPLOAD = (FIXTURES / "uploads" / "stadtwerke_fernwaerme.txt").read_bytes()
TITLE = "Stadtwerke Leipzig bauen Großwärmepumpe"


def shared(fixture: str, files: list[dict[str, Any]], event_id: str, **changes: Any) -> str:
    """A message event from `fixture` turned into a file share ("file_share", `files`)."""
    body = json.loads((FIXTURES / fixture).read_text(encoding="utf-8"))
    body["event_id"] = event_id
    body["event"].update(subtype="file_share", text="", files=files, upload=False)
    body["event"].update(changes)
    return json.dumps(body)


def mention_with(files: list[dict[str, Any]], event_id: str, text: str = "") -> str:
    """An app_mention in a channel carrying `files` ("@briefbot" plus an upload)."""
    body = json.loads((FIXTURES / "event_app_mention.json").read_text(encoding="utf-8"))
    body["event_id"] = event_id
    body["event"].update(text=f"<@{BOT_USER_ID}> {text}".strip(), files=files)
    return json.dumps(body)


def dm(files: list[dict[str, Any]], event_id: str = "Ev0FILEDM01", **changes: Any) -> str:
    return shared("event_direct_message.json", files, event_id, **changes)


def texts_of(api: FakeSlackAPI) -> list[str]:
    return [str(message["text"]) for message in api.posted()]


@pytest.fixture
async def api() -> AsyncIterator[FakeSlackAPI]:
    fake = await FakeSlackAPI().start()
    yield fake
    await fake.stop()


@pytest.fixture
def bot(app: App, api: FakeSlackAPI) -> SlackBot:
    return make_bot(app.router, api)


# ------------------------------------------------------------------ added


async def test_direct_message_file_is_added_and_listed_in_sources(
    bot: SlackBot, app: App, api: FakeSlackAPI
) -> None:
    before = app.library.count()
    file = api.add_file("F0WAERME1", "fernwaerme.txt", UPLOAD)
    assert await dispatch(bot, dm([file])) == 200
    [saved] = api.posted()
    assert saved["channel"] == "D0ANNA001"
    assert saved["text"].startswith("Gespeichert") and TITLE in saved["text"]
    assert "Elster" in saved["text"].split("•", 1)[1]  # the first key points follow
    assert app.library.count() == before + 1
    [download] = api.downloads()
    assert download["path"].endswith("/download/fernwaerme.txt")
    assert download["authorization"] == f"Bearer {BOT_TOKEN}"
    assert api.posted("files.info") == []  # the event carried the whole file object
    listing = json.loads(dm([], "Ev0SOURCES1"))
    listing["event"] = {k: v for k, v in listing["event"].items() if k not in ("subtype", "files")}
    listing["event"]["text"] = "sources"
    assert await dispatch(bot, json.dumps(listing)) == 200
    assert TITLE in json.dumps(api.posted()[-1], ensure_ascii=False)


async def test_file_sent_twice_is_already_there(bot: SlackBot, app: App, api: FakeSlackAPI) -> None:
    file = api.add_file("F0WAERME1", "fernwaerme.txt", UPLOAD)
    await dispatch(bot, dm([file]))
    await dispatch(bot, dm([file], "Ev0FILEDM02"))
    assert texts_of(api)[1].startswith("Schon vorhanden")
    assert len(app.briefing.sources(limit=100)) == app.library.count()


async def test_file_over_http_is_acknowledged_then_added(app: App, api: FakeSlackAPI) -> None:
    bot = make_bot(app.router, api, process_before_response=False)
    runner, url = await serve_routes(bot.routes(), "/slack/events")
    body = dm([api.add_file("F0WAERME1", "fernwaerme.txt", UPLOAD)])
    try:
        async with (
            ClientSession() as session,
            session.post(
                url, data=body, headers=signed_headers(body, content_type="application/json")
            ) as response,
        ):
            assert response.status == 200
        [saved] = await api.wait_for("chat.postMessage")
    finally:
        await runner.cleanup()
    assert TITLE in saved.params["text"]
    assert app.briefing.brief("wärmepumpe").points


async def test_file_in_socket_mode_is_added(app: App, api: FakeSlackAPI) -> None:
    bot = SlackBot(app.router, bot_token=BOT_TOKEN, app_token="xapp-test", api_url=api.base_url)
    await bot.start()
    try:
        body = json.loads(dm([api.add_file("F0WAERME1", "fernwaerme.txt", UPLOAD)]))
        await api.send_envelope("events_api", body)
        [saved] = await api.wait_for("chat.postMessage")
    finally:
        await bot.stop()
    assert saved.params["text"].startswith("Gespeichert")


async def test_bare_file_object_is_completed_with_files_info(
    bot: SlackBot, app: App, api: FakeSlackAPI
) -> None:
    """Slack Connect sends only the id; files.info gives the name, size and URLs."""
    api.add_file("F0WAERME1", "fernwaerme.md", UPLOAD, mimetype="text/markdown")
    bare = {"id": "F0WAERME1", "mode": "file_access", "file_access": "check_file_info",
            "created": 0, "timestamp": 0, "user": ""}  # fmt: skip
    await dispatch(bot, dm([bare]))
    assert [call["file"] for call in api.posted("files.info")] == ["F0WAERME1"]
    assert TITLE in texts_of(api)[0]
    assert len(api.downloads()) == 1


async def test_file_without_a_name_gets_its_suffix_from_the_type(
    bot: SlackBot, app: App, api: FakeSlackAPI
) -> None:
    file = api.add_file("F0WAERME1", "fernwaerme.txt", UPLOAD) | {"name": ""}
    before = app.library.count()
    await dispatch(bot, dm([file]))
    assert texts_of(api)[0].startswith("Gespeichert")
    assert app.library.count() == before + 1


async def test_file_in_a_thread_under_the_bots_post_is_added_there(
    bot: SlackBot, app: App, api: FakeSlackAPI
) -> None:
    await dispatch(bot, mention_with([], "Ev0BRIEF001", "brief nordkorea"))
    digest_ts = api.last_ts()
    file = api.add_file("F0WAERME1", "fernwaerme.txt", UPLOAD)
    body = shared("event_thread_reply.json", [file], "Ev0FILETH01", thread_ts=digest_ts)
    await dispatch(bot, body)
    saved = api.posted()[-1]
    assert saved["thread_ts"] == digest_ts and TITLE in saved["text"]


async def test_mention_with_a_file_in_a_channel_is_added_once(
    bot: SlackBot, app: App, api: FakeSlackAPI
) -> None:
    """Slack sends both a message (file_share, with the mention) and an app_mention."""
    before = app.library.count()
    file = api.add_file("F0WAERME1", "fernwaerme.txt", UPLOAD)
    as_message = shared("event_channel_chatter.json", [file], "Ev0FILECH01",
                        text=f"<@{BOT_USER_ID}> zum Lesen")  # fmt: skip
    await dispatch(bot, as_message)
    await dispatch(bot, mention_with([file], "Ev0FILEMN01", "zum Lesen"))
    [saved] = api.posted()
    assert saved["channel"] == "C0NEWS001" and TITLE in saved["text"]
    assert app.library.count() == before + 1
    assert len(api.downloads()) == 1


async def test_only_the_first_of_several_files_is_added_and_the_reply_says_so(
    bot: SlackBot, app: App, api: FakeSlackAPI
) -> None:
    before = app.library.count()
    first = api.add_file("F0WAERME1", "fernwaerme.txt", UPLOAD)
    second = api.add_file("F0ZWEITE1", "zweite.txt", "Ein zweiter Text. Er hat Sätze.".encode())
    await dispatch(bot, dm([first, second]))
    saved, note = texts_of(api)
    assert TITLE in saved
    assert "nur die erste" in note and "fernwaerme.txt" in note and "2 Dateien" in note
    assert app.library.count() == before + 1
    assert [d["path"].rsplit("/", 1)[-1] for d in api.downloads()] == ["fernwaerme.txt"]


async def test_a_direct_message_that_mentions_the_bot_is_answered(
    bot: SlackBot, api: FakeSlackAPI
) -> None:
    """Slack sends no app_mention for direct messages, so the DM itself must be answered."""
    body = json.loads((FIXTURES / "event_direct_message.json").read_text(encoding="utf-8"))
    body["event"]["text"] = f"<@{BOT_USER_ID}> brief nordkorea"
    await dispatch(bot, json.dumps(body))
    [digest] = api.posted()
    assert digest["blocks"][0]["type"] == "header"


# ------------------------------------------------------------------ refused


async def test_pdf_is_refused_with_the_type_message_and_never_downloaded(
    bot: SlackBot, app: App, api: FakeSlackAPI
) -> None:
    before = app.library.count()
    file = api.add_file("F0BERICHT", "bericht.pdf", b"%PDF-1.7 ...", mimetype="application/pdf",
                        filetype="pdf")  # fmt: skip
    await dispatch(bot, dm([file]))
    [reply] = texts_of(api)
    assert "Dateityp" in reply and ".pdf" in reply
    assert api.downloads() == []
    assert app.library.count() == before


@pytest.mark.parametrize(
    ("reported_size", "refusal", "downloads"),
    [
        pytest.param(None, "500 B", 0, id="reported-over-the-limit-refused-before-download"),
        pytest.param(300, "höchstens 500 B", 1, id="larger-than-reported-cut-off-and-refused"),
    ],
)
async def test_file_over_the_size_limit_is_refused(
    tmp_path: Path, api: FakeSlackAPI, reported_size: int | None, refusal: str, downloads: int
) -> None:
    app = briefed_app(tmp_path, fetch_max_bytes=500)
    before = app.library.count()
    bot = make_bot(app.router, api)
    file = api.add_file("F0WAERME1", "fernwaerme.txt", UPLOAD, size=reported_size)
    await dispatch(bot, dm([file]))
    [reply] = texts_of(api)
    assert "zu groß" in reply and refusal in reply
    assert len(api.downloads()) == downloads
    assert app.library.count() == before


@pytest.mark.parametrize(
    ("language", "status", "sign_in_page", "expected"),
    [
        ("de", 403, False, "ließ sich nicht herunterladen"),
        ("en", 200, True, "could not be downloaded"),
        ("de", 404, False, "ließ sich nicht herunterladen"),
    ],
)
async def test_refused_download_says_so_and_adds_nothing(
    tmp_path: Path, api: FakeSlackAPI, language: str, status: int, sign_in_page: bool,
    expected: str,
) -> None:  # fmt: skip
    app = briefed_app(tmp_path, language=language)
    before = app.library.count()
    bot = make_bot(app.router, api)
    file = api.add_file("F0WAERME1", "fernwaerme.txt", UPLOAD, sign_in_page=sign_in_page)
    if status == 404:
        file["url_private_download"] = file["url_private_download"].replace("F0WAERME1", "F0GONE")
    elif status != 200:
        api.fail("file", status)
    await dispatch(bot, dm([file]))
    [reply] = texts_of(api)
    assert expected in reply
    assert len(api.downloads()) == 1
    assert app.library.count() == before


async def test_html_file_is_added_but_a_sign_in_page_for_it_is_not(
    bot: SlackBot, app: App, api: FakeSlackAPI
) -> None:
    page = b"<html><head><title>Wasserstand der Elbe steigt</title></head><body><article>" + (
        "<p>In Dresden stieg der Pegel der Elbe am Morgen auf 4,20 Meter. Die Stadt baut "
        "mobile Schutzwände auf. Weitere Regenfälle sind angekündigt.</p>".encode()
    ) + b"</article></body></html>"  # fmt: skip
    before = app.library.count()
    good = api.add_file("F0PEGEL01", "pegel.html", page, mimetype="text/html", filetype="html")
    await dispatch(bot, dm([good]))
    bad = api.add_file("F0PEGEL02", "pegel2.html", page, mimetype="text/html", filetype="html",
                       sign_in_page=True)  # fmt: skip
    await dispatch(bot, dm([bad], "Ev0FILEDM02"))
    saved, failed = texts_of(api)
    assert saved.startswith("Gespeichert") and "Elbe" in saved
    assert "ließ sich nicht herunterladen" in failed
    assert app.library.count() == before + 1


async def test_file_on_another_host_is_never_fetched_and_gets_no_token(
    bot: SlackBot, app: App, api: FakeSlackAPI
) -> None:
    """Only files.slack.com and the Web API's own origin see the bot token: a file URL on
    another loopback port is refused before any connection."""
    other = await FakeSlackAPI().start()
    try:
        foreign = other.add_file("F0WAERME1", "fernwaerme.txt", UPLOAD)
        before = app.library.count()
        await dispatch(bot, dm([foreign]))
        redirect = api.add_file("F0WAERME2", "umleitung.txt", UPLOAD)
        await dispatch(bot, dm([redirect | {"url_private_download": foreign["url_private"]}],
                               "Ev0FILEDM02"))  # fmt: skip
    finally:
        await other.stop()
    assert other.calls == []
    assert api.downloads() == []
    assert all("ließ sich nicht herunterladen" in text for text in texts_of(api))
    assert len(texts_of(api)) == 2
    assert app.library.count() == before


async def test_non_admin_in_a_channel_gets_the_admin_refusal_and_nothing_is_fetched(
    tmp_path: Path, api: FakeSlackAPI
) -> None:
    app = briefed_app(tmp_path, admins=["U0SOMEONE"])
    before = app.library.count()
    bot = make_bot(app.router, api)
    first = api.add_file("F0WAERME1", "fernwaerme.txt", UPLOAD)
    second = api.add_file("F0ZWEITE1", "zweite.txt", b"Noch ein Text.")
    await dispatch(bot, mention_with([first, second], "Ev0FILEMN01"))
    [reply] = texts_of(api)  # the refusal only, no note about the second file
    assert "nur die Admins" in reply
    assert api.downloads() == []
    assert app.library.count() == before


async def test_channel_file_without_a_mention_is_ignored(
    bot: SlackBot, app: App, api: FakeSlackAPI
) -> None:
    before = app.library.count()
    file = api.add_file("F0WAERME1", "fernwaerme.txt", UPLOAD)
    assert await dispatch(bot, shared("event_channel_chatter.json", [file], "Ev0FILECH01")) == 200
    foreign_thread = shared("event_foreign_thread.json", [file], "Ev0FILEFT01")
    assert await dispatch(bot, foreign_thread) == 200
    assert api.posted() == [] and api.downloads() == [] and api.posted("files.info") == []
    assert app.library.count() == before


@pytest.mark.parametrize("subtype", ["message_changed", "bot_message", "file_comment"])
async def test_other_subtypes_with_files_are_ignored(
    bot: SlackBot, app: App, api: FakeSlackAPI, subtype: str
) -> None:
    file = api.add_file("F0WAERME1", "fernwaerme.txt", UPLOAD)
    await dispatch(bot, dm([file], subtype=subtype))
    assert api.posted() == [] and api.downloads() == []


async def test_endless_download_stops_at_the_limit(tmp_path: Path, api: FakeSlackAPI) -> None:
    """A file far larger than Slack said is cut off while streaming: the bot hangs up long
    before the fake has sent it all."""
    app = briefed_app(tmp_path, fetch_max_bytes=100_000)
    before = app.library.count()
    bot = make_bot(app.router, api)
    await dispatch(bot, dm([api.add_file("F0ENDLOS1", "endlos.txt", UPLOAD * 100, size=700,
                                         endless=True)]))  # fmt: skip
    [reply] = texts_of(api)
    assert "zu groß" in reply
    assert api.files["F0ENDLOS1"].streamed < ENDLESS_LIMIT
    assert app.library.count() == before


async def test_redirects_are_followed_only_on_slack_hosts(
    bot: SlackBot, app: App, api: FakeSlackAPI
) -> None:
    other = await FakeSlackAPI().start()
    try:
        foreign = other.add_file("F0WAERME1", "fernwaerme.txt", UPLOAD)
        away = api.add_file("F0WEG0001", "weg.txt", UPLOAD, redirect=foreign["url_private"])
        await dispatch(bot, dm([away]))
        home = api.add_file("F0HEIM001", "heim.txt", UPLOAD)
        home = api.add_file("F0HEIM001", "heim.txt", UPLOAD, redirect=home["url_private"])
        await dispatch(bot, dm([home], "Ev0FILEDM02"))
    finally:
        await other.stop()
    failed, saved = texts_of(api)
    assert "ließ sich nicht herunterladen" in failed
    assert other.calls == []
    assert saved.startswith("Gespeichert") and TITLE in saved
    assert [d["path"].rsplit("/", 1)[-1] for d in api.downloads()] == ["weg.txt", "heim.txt",
                                                                        "heim.txt"]  # fmt: skip


async def test_bare_file_that_files_info_does_not_know_gets_the_download_message(
    bot: SlackBot, app: App, api: FakeSlackAPI
) -> None:
    before = app.library.count()
    await dispatch(bot, dm([{"id": "F0UNBEKANNT", "file_access": "check_file_info"}]))
    [reply] = texts_of(api)
    assert "ließ sich nicht herunterladen" in reply
    assert [call["file"] for call in api.posted("files.info")] == ["F0UNBEKANNT"]
    assert api.downloads() == []
    assert app.library.count() == before
