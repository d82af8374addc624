"""The real slack-bolt AsyncApp with signed requests (over HTTP and in-process) against the fake
Slack Web API: slash commands, mentions, thread follow-ups, buttons, retries, limits, access."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from aiohttp import ClientSession, web
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot import texts
from bot.app import App, build_app, build_components
from bot.commands import Action, Command, Request
from bot.retry import RetryPolicy
from bot.router import Router
from bot.seen_updates import SeenUpdates
from bot.slack import PLATFORM, SlackBot, SlackSender
from schedules.sending import ChatGone, RetryAfter
from summarizer.i18n import Phrase
from summarizer.reply import Button, ChatRef, Reply
from tests.fakes.library import briefed_app
from tests.fakes.recording import serve_routes
from tests.fakes.slack_api import (
    BOT_TOKEN,
    SIGNING_SECRET,
    FakeSlackAPI,
    block_problems,
    signed_headers,
)

FIXTURES = Path(__file__).parent / "fixtures" / "slack"


class Sleeps:
    def __init__(self) -> None:
        self.waits: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


def fixture(name: str) -> dict[str, Any]:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


def slash(
    api: FakeSlackAPI, command: str = "/brief", text: str = "nordkorea", **fields: str
) -> str:
    payload = fixture("slash_brief.json") | {"command": command, "text": text}
    payload["response_url"] = api.response_url()
    payload.update(fields)
    return urlencode(payload)


def event(name: str, **changes: Any) -> str:
    body = fixture(name)
    body["event"].update(changes)
    return json.dumps(body)


def button_press(value: str, message_ts: str) -> str:
    body = json.dumps(fixture("block_actions.json"))
    body = body.replace("MESSAGE_TS", message_ts).replace('"ACTION"', json.dumps(value))
    return urlencode({"payload": body})


@pytest.fixture
async def api() -> AsyncIterator[FakeSlackAPI]:
    fake = await FakeSlackAPI().start()
    yield fake
    await fake.stop()


def make_bot(router: Router, api: FakeSlackAPI, **kwargs: Any) -> SlackBot:
    kwargs.setdefault("policy", RetryPolicy(base_delay=0.5, sleep=Sleeps()))
    kwargs.setdefault("process_before_response", True)
    return SlackBot(
        router, bot_token=BOT_TOKEN, signing_secret=SIGNING_SECRET, api_url=api.base_url, **kwargs
    )


async def dispatch(bot: SlackBot, body: str, **headers: str) -> int:
    """Deliver a signed request in-process; returns Bolt's HTTP status."""
    json_body = body.startswith("{")
    content_type = "application/json" if json_body else "application/x-www-form-urlencoded"
    all_headers = signed_headers(body, content_type=content_type) | headers
    response = await bot.app.async_dispatch(AsyncBoltRequest(body=body, headers=all_headers))
    return response.status


@pytest.fixture
async def http(app: App, api: FakeSlackAPI) -> AsyncIterator[tuple[SlackBot, str]]:
    """The bot in HTTP mode, acking first and answering afterwards, as in production."""
    bot = make_bot(app.router, api, process_before_response=False)
    await bot.start()
    runner, url = await serve_routes(bot.routes(), "/slack/events")
    yield bot, url
    await runner.cleanup()
    await bot.stop()


async def post(url: str, body: str, headers: dict[str, str]) -> tuple[int, str]:
    async with ClientSession() as session, session.post(url, data=body, headers=headers) as r:
        return r.status, await r.text()


# ------------------------------------------------------------------ HTTP mode


async def test_slash_brief_over_http_posts_block_kit_digest(
    http: tuple[SlackBot, str], api: FakeSlackAPI
) -> None:
    _, url = http
    body = slash(api)
    status, _ = await post(url, body, signed_headers(body))
    assert status == 200
    [call] = await api.wait_for("chat.postMessage")
    message = call.params
    assert message["channel"] == "C0NEWS001"
    assert "thread_ts" not in message
    types = [b["type"] for b in message["blocks"]]
    assert types[0] == "header" and "section" in types and types[-1] == "actions"
    assert "context" in types
    assert "Nordkorea" in message["text"]
    values = [
        e["value"] for b in message["blocks"] if b["type"] == "actions" for e in b["elements"]
    ]
    assert any(v.startswith("sources:") for v in values)
    assert not block_problems(message["blocks"])


async def test_slash_command_is_acknowledged_before_it_is_answered(
    app: App, api: FakeSlackAPI
) -> None:
    release = asyncio.Event()

    async def slow(request: Request) -> list[Reply]:
        await release.wait()
        return [Reply("fertig")]

    class Slow:
        """A command group of one command that answers only when released."""

        def commands(self) -> list[Command]:
            return [Command("slow", slow, Phrase("/slow", "/slow"), Phrase("x", "x"))]

        def actions(self) -> list[Action]:
            return []

    app.router.add(Slow())
    bot = make_bot(app.router, api, process_before_response=False)
    body = slash(api, "/slow", "")
    assert await dispatch(bot, body) == 200  # returned while the handler still waits
    assert api.posted() == []
    release.set()
    [call] = await api.wait_for("chat.postMessage")
    assert call.params["text"] == "fertig"


@pytest.mark.parametrize(("secret", "age"), [("wrong-secret", 0), (SIGNING_SECRET, 400)])
async def test_bad_or_stale_signature_gets_401(
    http: tuple[SlackBot, str], api: FakeSlackAPI, secret: str, age: int
) -> None:
    bot, url = http
    body = slash(api)
    headers = signed_headers(body, secret=secret, age=age)
    status, _ = await post(url, body, headers)
    assert status == 401
    response = await bot.app.async_dispatch(AsyncBoltRequest(body=body, headers=headers))
    assert response.status == 401
    assert api.posted() == []


async def test_retried_event_is_answered_once(
    http: tuple[SlackBot, str], api: FakeSlackAPI
) -> None:
    _, url = http
    body = event("event_app_mention.json")
    headers = signed_headers(body, content_type="application/json")
    assert (await post(url, body, headers))[0] == 200
    retry = headers | {"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"}
    assert (await post(url, body, retry))[0] == 200
    await api.wait_for("chat.postMessage")
    await asyncio.sleep(0.05)  # give a wrongly accepted retry the chance to show up
    assert len(api.posted()) == 1


# ------------------------------------------------------------------ in-process


@pytest.fixture
def bot(app: App, api: FakeSlackAPI) -> SlackBot:
    return make_bot(app.router, api)


async def test_mention_briefs_and_thread_reply_is_a_follow_up(
    bot: SlackBot, api: FakeSlackAPI
) -> None:
    assert await dispatch(bot, event("event_app_mention.json")) == 200
    [digest] = api.posted()
    assert digest["blocks"][0]["type"] == "header"
    digest_ts = api.last_ts()
    body = event("event_thread_reply.json", thread_ts=digest_ts)
    assert await dispatch(bot, body) == 200
    answer = api.posted()[-1]
    assert answer["thread_ts"] == digest_ts
    quoted = " ".join(b["text"]["text"] for b in answer["blocks"] if b["type"] == "section")
    assert "6.700" in quoted


async def test_channel_chatter_and_other_threads_are_ignored(
    bot: SlackBot, api: FakeSlackAPI
) -> None:
    assert await dispatch(bot, event("event_channel_chatter.json")) == 200
    assert await dispatch(bot, event("event_foreign_thread.json")) == 200
    assert api.posted() == []


async def test_direct_message_works_like_a_command(bot: SlackBot, api: FakeSlackAPI) -> None:
    assert await dispatch(bot, event("event_direct_message.json")) == 200
    [digest] = api.posted()
    assert digest["channel"] == "D0ANNA001" and digest["blocks"][0]["type"] == "header"


async def test_sources_button_answers_in_the_digest_thread(
    bot: SlackBot, api: FakeSlackAPI
) -> None:
    await dispatch(bot, slash(api))
    [digest] = api.posted()
    ts = api.last_ts()
    values = [e["value"] for b in digest["blocks"] if b["type"] == "actions" for e in b["elements"]]
    sources = next(v for v in values if v.startswith("sources:"))
    assert await dispatch(bot, button_press(sources, ts)) == 200
    listing = api.posted()[-1]
    assert listing["thread_ts"] == ts
    assert "Nordkorea" in json.dumps(listing["blocks"], ensure_ascii=False)


async def test_more_points_in_a_direct_message_say_just_write(
    bot: SlackBot, api: FakeSlackAPI
) -> None:
    """The press carries the chat's kind, so "more points" in a DM ends like the /brief it
    continues ("just write"), not with the channel hint ("reply to this message")."""
    dm = "D0ANNA001"
    await dispatch(bot, slash(api, channel_id=dm, channel_name="directmessage"))
    [digest] = api.posted()
    values = [e["value"] for b in digest["blocks"] if b["type"] == "actions" for e in b["elements"]]
    more = next(v for v in values if v.startswith("more:"))
    press = button_press(more, api.last_ts()).replace("C0NEWS001", dm)
    assert await dispatch(bot, press) == 200
    points = api.posted()[-1]
    assert points["channel"] == dm
    hints = {texts.BRIEF_FOLLOWUP_HINT.de, texts.BRIEF_FOLLOWUP_HINT.en}
    group_hints = {texts.BRIEF_FOLLOWUP_HINT_GROUP.de, texts.BRIEF_FOLLOWUP_HINT_GROUP.en}
    assert any(hint in points["text"] for hint in hints), points["text"]
    assert not any(hint in points["text"] for hint in group_hints)


async def test_429_honours_retry_after(app: App, api: FakeSlackAPI) -> None:
    sleeps = Sleeps()
    bot = make_bot(app.router, api, policy=RetryPolicy(sleep=sleeps))
    api.fail("chat.postMessage", 429, retry_after=2)
    await dispatch(bot, slash(api))
    assert sleeps.waits == [2.0]
    assert len(api.posted()) == 2  # the refused one and the successful retry


async def test_5xx_retries_with_backoff(app: App, api: FakeSlackAPI) -> None:
    sleeps = Sleeps()
    bot = make_bot(app.router, api, policy=RetryPolicy(base_delay=0.25, sleep=sleeps))
    api.fail("chat.postMessage", 500, times=2)
    await dispatch(bot, slash(api))
    assert sleeps.waits == [0.25, 0.5]
    assert len(api.posted()) == 3


async def test_channel_without_the_bot_gets_the_answer_through_response_url(
    bot: SlackBot, api: FakeSlackAPI
) -> None:
    api.fail("chat.postMessage", error="not_in_channel")
    await dispatch(bot, slash(api))
    [response] = api.posted("response_url")
    assert response["response_type"] == "in_channel"
    assert response["blocks"][0]["type"] == "header"


async def test_single_attempt_sender_raises_retry_after_at_once(api: FakeSlackAPI) -> None:
    sleeps = Sleeps()
    client = AsyncWebClient(token=BOT_TOKEN, base_url=api.base_url)
    sender = SlackSender(client, policy=RetryPolicy(sleep=sleeps)).single_attempt()
    api.fail("chat.postMessage", 429, retry_after=2)
    with pytest.raises(RetryAfter):
        await sender.send(ChatRef("slack", "C0NEWS001"), Reply("Hallo"))
    assert sleeps.waits == []


async def test_archived_channel_is_chat_gone(api: FakeSlackAPI) -> None:
    sender = SlackSender(AsyncWebClient(token=BOT_TOKEN, base_url=api.base_url))
    api.fail("chat.postMessage", error="is_archived")
    with pytest.raises(ChatGone):
        await sender.send(ChatRef("slack", "C0NEWS001"), Reply("Hallo"))


# ------------------------------------------------------------------ access


async def test_refused_workspace_gets_an_ephemeral_line_only(
    tmp_path: Path, api: FakeSlackAPI
) -> None:
    app = briefed_app(tmp_path, allowed_chats=["T0OTHER99"])
    bot = make_bot(app.router, api)
    await dispatch(bot, slash(api))
    assert api.posted() == []
    [response] = api.posted("response_url")
    assert response["response_type"] == "ephemeral"
    assert "Container" not in json.dumps(response)


async def test_allowed_by_team_id(tmp_path: Path, api: FakeSlackAPI) -> None:
    app = briefed_app(tmp_path, allowed_chats=["T0TEAM001"])
    bot = make_bot(app.router, api)
    await dispatch(bot, slash(api))
    assert len(api.posted()) == 1


async def test_button_press_allowed_by_team_id(tmp_path: Path, api: FakeSlackAPI) -> None:
    app = briefed_app(tmp_path, allowed_chats=["T0TEAM001"])
    bot = make_bot(app.router, api)
    await dispatch(bot, slash(api))
    [digest] = api.posted()
    values = [e["value"] for b in digest["blocks"] if b["type"] == "actions" for e in b["elements"]]
    sources = next(v for v in values if v.startswith("sources:"))
    assert await dispatch(bot, button_press(sources, api.last_ts())) == 200
    assert "Nordkorea" in json.dumps(api.posted()[-1]["blocks"], ensure_ascii=False)


async def test_non_admin_add_is_refused(tmp_path: Path, api: FakeSlackAPI) -> None:
    app = briefed_app(tmp_path, admins=["U0SOMEONE"])
    before = app.library.count()
    bot = make_bot(app.router, api)
    await dispatch(bot, slash(api, "/add", "Ein kurzer Text über Netze. Er hat zwei Sätze."))
    assert app.library.count() == before
    [response] = api.posted("response_url")
    assert response["response_type"] == "ephemeral"
    assert api.posted() == []


async def test_the_fake_refuses_blocks_slack_refuses(api: FakeSlackAPI) -> None:
    """Beyond the limits our renderer meets (checked by slack_sdk's block models, not by
    hand): a button label over 75 characters is invalid_blocks, as in Slack."""
    client = AsyncWebClient(token=BOT_TOKEN, base_url=api.base_url)
    button = {"type": "button", "text": {"type": "plain_text", "text": "x" * 76}, "value": "v"}
    with pytest.raises(SlackApiError) as refused:
        await client.chat_postMessage(
            channel="C0NEWS001", text="x", blocks=[{"type": "actions", "elements": [button]}]
        )
    assert refused.value.response["error"] == "invalid_blocks"
    button["text"]["text"] = "x" * 75
    fine = await client.chat_postMessage(
        channel="C0NEWS001", text="x", blocks=[{"type": "actions", "elements": [button]}]
    )
    assert fine["ok"]


# ------------------------------------------------------------------ limits through the sender


async def test_more_than_50_blocks_continue_in_the_thread(api: FakeSlackAPI) -> None:
    delivered: list[str] = []
    sender = SlackSender(
        AsyncWebClient(token=BOT_TOKEN, base_url=api.base_url),
        on_delivered=lambda chat, reply, ts: delivered.append(ts),
    )
    lines = tuple(f"Punkt {i} <mit> & Zeichen" for i in range(130))
    reply = Reply("Lang", title="Lang", lines=lines, buttons=(Button("mehr", "more:x"),),
                  context_id="x")  # fmt: skip
    ids = await sender.send_parts(ChatRef("slack", "C0NEWS001"), reply)
    posted = api.posted()
    assert len(posted) == len(ids) == 3
    assert "thread_ts" not in posted[0]
    assert all(p["thread_ts"] == ids[0] for p in posted[1:])
    assert all(len(p["blocks"]) <= 50 for p in posted)
    assert delivered == ids


def test_manifest_declares_what_the_adapter_handles(app: App) -> None:
    import yaml

    manifest = yaml.safe_load((Path(__file__).parents[1] / "slack_manifest.yml").read_text())
    commands = {c["command"].lstrip("/") for c in manifest["features"]["slash_commands"]}
    build_components(app.settings, app, console=False)  # registers /subscribe and its family
    assert commands == {name for name, _ in app.router.command_menu("en")} - {"start", "lang"}
    events = set(manifest["settings"]["event_subscriptions"]["bot_events"])
    assert {"app_mention", "message.channels", "message.im"} <= events
    assert manifest["settings"]["interactivity"]["is_enabled"] is True
    scopes = set(manifest["oauth_config"]["scopes"]["bot"])
    assert {"app_mentions:read", "chat:write", "commands", "channels:history"} <= scopes
    assert {"files:read", "im:history", "groups:history"} <= scopes  # shared files


async def test_socket_mode_acks_the_envelope_and_answers(app: App, api: FakeSlackAPI) -> None:
    bot = SlackBot(app.router, bot_token=BOT_TOKEN, app_token="xapp-test", api_url=api.base_url)
    assert not bot.http_mode
    await bot.start()
    try:
        payload = dict(fixture("slash_brief.json"), response_url=api.response_url())
        envelope_id = await api.send_envelope("slash_commands", payload)
        [ack] = await api.wait_for("socket_ack")
        [digest] = await api.wait_for("chat.postMessage")
    finally:
        await bot.stop()
    assert ack.params["envelope_id"] == envelope_id
    assert digest.params["channel"] == "C0NEWS001"
    assert digest.params["blocks"][0]["type"] == "header"


async def test_retried_event_on_another_replica_is_answered_once(
    app: App, api: FakeSlackAPI
) -> None:
    """Two Bolt apps (own engine and router each) sharing one SQLite file: Slack's retry of an
    event (X-Slack-Retry-Num) lands on the other replica and is acknowledged, not answered."""
    other = build_app(app.settings)
    runners: list[web.AppRunner] = []
    urls: list[str] = []
    bots = [
        make_bot(
            replica.router,
            api,
            process_before_response=False,
            seen_updates=SeenUpdates(replica.engine),
        )
        for replica in (app, other)
    ]
    for bot in bots:
        runner, url = await serve_routes(bot.routes(), "/slack/events")
        runners.append(runner)
        urls.append(url)
    body = event("event_app_mention.json")
    headers = signed_headers(body, content_type="application/json")
    retries = [
        headers | {"X-Slack-Retry-Num": str(n), "X-Slack-Retry-Reason": "http_timeout"}
        for n in (1, 2)
    ]
    try:
        assert (await post(urls[0], body, headers))[0] == 200
        for url, retry in zip(urls[::-1], retries, strict=True):
            assert (await post(url, body, retry))[0] == 200
        await api.wait_for("chat.postMessage")
        fresh = json.loads(body) | {"event_id": "Ev0MENTION2"}
        fresh_body = json.dumps(fresh)
        fresh_headers = signed_headers(fresh_body, content_type="application/json")
        assert (await post(urls[1], fresh_body, fresh_headers))[0] == 200
        await api.wait_for("chat.postMessage", count=2)
        await asyncio.sleep(0.05)  # give a wrongly accepted retry the chance to show up
    finally:
        for runner in runners:
            await runner.cleanup()
        other.close()
    assert len(api.posted()) == 2  # the first delivery and the new event, no retry


async def test_late_retry_after_the_claim_lease_is_still_skipped(
    app: App, api: FakeSlackAPI
) -> None:
    """Slack retries an event for up to an hour; a retry that arrives after the claim's lease
    (2 minutes) must not be answered again: the claim was marked done once the event was
    taken."""
    clock = [datetime(2026, 11, 27, 9, 0, tzinfo=UTC)]
    seen = SeenUpdates(app.engine, now=lambda: clock[0])
    bot = make_bot(app.router, api, seen_updates=seen)
    runner, url = await serve_routes(bot.routes(), "/slack/events")
    body = event("event_app_mention.json")
    headers = signed_headers(body, content_type="application/json")
    retry = headers | {"X-Slack-Retry-Num": "2", "X-Slack-Retry-Reason": "http_timeout"}
    try:
        assert (await post(url, body, headers))[0] == 200
        await api.wait_for("chat.postMessage")
        clock[0] += timedelta(minutes=5)  # Slack's second retry comes about 5 minutes later
        other = SeenUpdates(app.engine, now=lambda: clock[0])  # another replica's fresh memory
        assert other.first_time(PLATFORM, json.loads(body)["event_id"]) is False
        assert (await post(url, body, retry))[0] == 200
        await asyncio.sleep(0.05)  # give a wrongly accepted retry the chance to show up
    finally:
        await runner.cleanup()
    assert len(api.posted()) == 1
