"""Slack adapter: a slack-bolt AsyncApp that converts slash commands, mentions, thread replies
and button presses into router calls, and router replies into Block Kit messages (rendered by
bot/render.py). Socket Mode with an app token, HTTP mode (/slack/events) with a signing secret.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncApp, AsyncBoltContext, AsyncRespond
from slack_bolt.response import BoltResponse
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.commands import Incoming, Press
from bot.config import Settings
from bot.render import SLACK_ACTION_PREFIX, SlackMessage, mention_to_command, slack_messages
from bot.retry import (
    Delivered,
    Limiter,
    RecentIds,
    RetryingSender,
    RetryPolicy,
    pause_limiter,
    with_retries,
)
from bot.router import Router
from bot.seen_updates import SeenUpdates
from schedules.sending import ChatGone, RetryAfter, SendError, TransientSendError
from summarizer.reply import ChatRef, Reply

log = logging.getLogger(__name__)

PLATFORM = "slack"
EVENTS_PATH = "/slack/events"
GONE_ERRORS = {"channel_not_found", "is_archived", "not_in_channel", "account_inactive",
               "user_disabled", "team_access_not_granted", "restricted_action"}  # fmt: skip
PRIVATE_KINDS = {"refusal", "error", "usage"}
"""Replies to a slash command only the asking user sees (ephemeral, via response_url)."""
_MENTION = re.compile(r"<@[A-Z0-9]+(?:\|[^>]*)?>")


def is_direct(channel_id: str) -> bool:
    """Slack direct-message channel ids start with D."""
    return channel_id.startswith("D")


class SlackSender(RetryingSender):
    """Posts replies with chat.postMessage: implements schedules.sending.Sender.

    Messages past Slack's 50 blocks continue in the first message's thread. Each message is
    rate limited (the shared limiter), retried per `policy`; failures end as RetryAfter /
    TransientSendError / ChatGone. Replies with a conversation are reported to `on_delivered`.
    """

    def __init__(
        self,
        client: AsyncWebClient,
        *,
        limiter: Limiter | None = None,
        policy: RetryPolicy | None = None,
        on_delivered: Delivered | None = None,
    ) -> None:
        super().__init__(limiter=limiter, policy=policy, on_delivered=on_delivered)
        self.client = client

    async def send(self, chat: ChatRef, reply: Reply) -> str:
        """Post all messages of `reply`; returns the first message's ts."""
        return (await self.send_parts(chat, reply))[0]

    async def send_parts(self, chat: ChatRef, reply: Reply) -> list[str]:
        thread = chat.thread_id
        ids: list[str] = []
        for message in slack_messages(reply):

            async def once(message: SlackMessage = message, thread: str | None = thread) -> str:
                return await self._post(chat, message, thread)

            async def paused(seconds: float) -> None:
                await pause_limiter(self.limiter, PLATFORM, seconds, chat)

            ts = await with_retries(once, self.policy, on_retry_after=paused)
            ids.append(ts)
            thread = thread or ts  # overflow continues in the first message's thread
        if self.on_delivered is not None and (reply.context_id or reply.digest):
            for ts in ids:
                self.on_delivered(chat, reply, ts)
        return ids

    async def _post(self, chat: ChatRef, message: SlackMessage, thread: str | None) -> str:
        if self.limiter is not None:
            await self.limiter.wait(chat, group=not is_direct(chat.chat_id))
        try:
            response = await self.client.chat_postMessage(
                channel=chat.chat_id,
                text=message.text,
                blocks=list(message.blocks),
                thread_ts=thread,
                unfurl_links=False,
                unfurl_media=False,
            )
        except SlackApiError as error:
            raise _send_error(chat, error) from error
        except (aiohttp.ClientError, TimeoutError) as error:
            raise TransientSendError(f"slack: {error!r}") from error
        return str(response["ts"])


def _send_error(chat: ChatRef, error: SlackApiError) -> SendError:
    status = error.response.status_code
    code = str(error.response.get("error", ""))
    if status == 429 or code == "ratelimited":
        headers = {k.lower(): v for k, v in (error.response.headers or {}).items()}
        value = headers.get("retry-after", "1")
        seconds = float(value[0] if isinstance(value, list) else value)
        return RetryAfter(seconds)
    if status >= 500 or code in {"internal_error", "fatal_error", "service_unavailable"}:
        return TransientSendError(f"slack {status}: {code}")
    if code in GONE_ERRORS:
        return ChatGone(f"slack channel {chat.chat_id}: {code}")
    return SendError(f"slack refused the message: {code}")


class SlackBot:
    """The Slack Component. Socket Mode when `app_token` is given, else HTTP mode: mount
    `routes()` on the HTTP server (Slack's request URL: https://<host>/slack/events)."""

    name = "slack"

    def __init__(
        self,
        router: Router,
        *,
        bot_token: str,
        app_token: str | None = None,
        signing_secret: str | None = None,
        api_url: str = "https://slack.com/api/",
        limiter: Limiter | None = None,
        policy: RetryPolicy | None = None,
        process_before_response: bool = False,
        seen_updates: SeenUpdates | None = None,
    ) -> None:
        if not app_token and not signing_secret:
            raise ValueError("Slack needs SLACK_APP_TOKEN (Socket Mode) or SLACK_SIGNING_SECRET")
        self.router = router
        self.seen_updates = seen_updates
        self.app_token = app_token
        self.client = AsyncWebClient(token=bot_token, base_url=api_url)
        self.app = AsyncApp(
            client=self.client,
            signing_secret=signing_secret or "",
            request_verification_enabled=bool(signing_secret),
            process_before_response=process_before_response,
        )
        self.sender = SlackSender(
            self.client, limiter=limiter, policy=policy, on_delivered=router.delivered
        )
        self._seen = RecentIds()
        self._socket: Any = None
        self.app.middleware(self._dedupe)
        self.app.command(re.compile(r"^/[a-z_]+$"))(self._on_command)
        self.app.event("app_mention")(self._on_mention)
        self.app.event("message")(self._on_message)
        self.app.action(re.compile(f"^{re.escape(SLACK_ACTION_PREFIX)}"))(self._on_action)
        self.app.error(self._on_error)

    @classmethod
    def from_settings(
        cls,
        settings: Settings,
        router: Router,
        *,
        limiter: Limiter | None = None,
        seen_updates: SeenUpdates | None = None,
    ) -> SlackBot:
        if not settings.slack_bot_token:
            raise ValueError("SLACK_BOT_TOKEN is not set")
        return cls(
            router,
            bot_token=settings.slack_bot_token,
            app_token=settings.slack_app_token,
            signing_secret=settings.slack_signing_secret,
            api_url=settings.slack_api_url,
            limiter=limiter,
            seen_updates=seen_updates,
        )

    @property
    def http_mode(self) -> bool:
        """True when Slack sends requests to /slack/events (no Socket Mode app token)."""
        return not self.app_token

    # ------------------------------------------------------------------ lifecycle
    async def start(self) -> None:
        identity = await self.client.auth_test()  # fails fast on a wrong token
        log.info("slack bot %s in team %s started (%s)", identity.get("user_id"),
                 identity.get("team_id"), "http" if self.http_mode else "socket mode")  # fmt: skip
        if not self.http_mode:
            from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

            self._socket = AsyncSocketModeHandler(self.app, self.app_token)
            await self._socket.connect_async()

    async def stop(self) -> None:
        if self._socket is not None:
            await self._socket.close_async()
            self._socket = None

    # ------------------------------------------------------------------ HTTP mode
    def routes(self) -> list[web.RouteDef]:
        """aiohttp routes for the HTTP server: events, slash commands and interactivity."""
        return [web.post(EVENTS_PATH, self.handle_http)]

    async def handle_http(self, request: web.Request) -> web.Response:
        """Bolt verifies the signature (bad or stale -> 401), acks, and answers afterwards."""
        response = await self.app.async_dispatch(await to_bolt_request(request))
        return await to_aiohttp_response(response)

    # ------------------------------------------------------------------ listeners
    async def _dedupe(
        self, body: dict[str, Any], next: Callable[[], Awaitable[None]]
    ) -> BoltResponse | None:
        """Slack redelivers an event it thinks was not acknowledged (X-Slack-Retry-Num), maybe
        to another replica: an event_id seen before (by any replica sharing `seen_updates`) is
        acknowledged and dropped. Slash commands and button presses carry no event_id and
        are left alone: Slack never redelivers them (a late ack shows the user an error), and
        a second press of the same button is a new request with its own trigger_id."""
        event_id = body.get("event_id")
        if event_id and not self._first_time(str(event_id)):
            log.info("slack event %s seen before: skipped", event_id)
            return BoltResponse(status=200, body="")
        await next()
        return None

    def _first_time(self, event_id: str) -> bool:
        if self.seen_updates is not None:
            return self.seen_updates.first_time(PLATFORM, event_id)
        return self._seen.first_time(event_id)

    async def _on_command(
        self, ack: Callable[[], Awaitable[None]], command: dict[str, Any], respond: AsyncRespond
    ) -> None:
        await ack()
        channel = str(command.get("channel_id", ""))
        chat = ChatRef(PLATFORM, channel)
        incoming = Incoming(
            chat=chat,
            user_id=str(command.get("user_id", "")),
            text=f"{command.get('command', '')} {command.get('text', '')}".strip(),
            is_private=is_direct(channel),
            workspace_id=command.get("team_id"),
        )
        for reply in await self.router.handle(incoming):
            if reply.kind in PRIVATE_KINDS:
                await self._respond(respond, reply, "ephemeral")
                continue
            try:
                await self.sender.send_parts(chat, reply)
            except ChatGone:
                # the bot is not in this channel (or it is a DM it cannot post to):
                # answer through the command's response_url instead
                await self._respond(respond, reply, "in_channel")
            except SendError as error:
                log.error("reply to slack channel %s not sent: %s", channel, error)

    async def _respond(self, respond: AsyncRespond, reply: Reply, response_type: str) -> None:
        for message in slack_messages(reply):
            try:
                await respond(
                    text=message.text, blocks=list(message.blocks), response_type=response_type
                )
            except (aiohttp.ClientError, TimeoutError, SlackApiError) as error:
                log.error("slack response_url failed: %s", error)
                return

    async def _on_mention(
        self, event: dict[str, Any], body: dict[str, Any], context: AsyncBoltContext
    ) -> None:
        text = _MENTION.sub(" ", str(event.get("text", ""))).strip()
        names = [name for name, _ in self.router.command_menu(self.router.settings.language)]
        thread = event.get("thread_ts")
        chat = ChatRef(PLATFORM, str(event.get("channel", "")), thread)
        await self._route(
            Incoming(
                chat=chat,
                user_id=str(event.get("user", "")),
                text=mention_to_command(text, names),
                is_private=is_direct(chat.chat_id),
                reply_to_message_id=thread,
                workspace_id=body.get("team_id"),
            )
        )

    async def _on_message(
        self, event: dict[str, Any], body: dict[str, Any], context: AsyncBoltContext
    ) -> None:
        """Direct messages, and replies in threads under the bot's own posts; nothing else."""
        if event.get("subtype") or event.get("bot_id"):
            return
        bot_user = context.bot_user_id
        text = str(event.get("text", ""))
        if bot_user and f"<@{bot_user}" in text:
            return  # app_mention answers it
        channel = str(event.get("channel", ""))
        thread = event.get("thread_ts")
        direct = event.get("channel_type") == "im" or is_direct(channel)
        under_own_post = (
            thread is not None
            and thread != event.get("ts")
            and event.get("parent_user_id") == bot_user
        )
        if not direct and not under_own_post:
            return
        if direct:  # "brief nordkorea" in a DM works like the command
            names = [name for name, _ in self.router.command_menu(self.router.settings.language)]
            text = mention_to_command(text, names)
        await self._route(
            Incoming(
                chat=ChatRef(PLATFORM, channel, thread),
                user_id=str(event.get("user", "")),
                text=text,
                is_private=direct,
                reply_to_message_id=thread,
                workspace_id=body.get("team_id"),
            )
        )

    async def _on_action(
        self, ack: Callable[[], Awaitable[None]], body: dict[str, Any], action: dict[str, Any]
    ) -> None:
        await ack()
        channel = str((body.get("channel") or {}).get("id", ""))
        message = body.get("message") or {}
        ts = message.get("ts")
        thread = message.get("thread_ts") or ts
        chat = ChatRef(PLATFORM, channel, thread)
        press = Press(
            chat=chat,
            user_id=str((body.get("user") or {}).get("id", "")),
            action=str(action.get("value", "")),
            message_id=ts,
            workspace_id=(body.get("team") or {}).get("id"),
        )
        await self._post_all(chat, await self.router.press(press))

    async def _route(self, incoming: Incoming) -> None:
        await self._post_all(incoming.chat, await self.router.handle(incoming))

    async def _post_all(self, chat: ChatRef, replies: list[Reply]) -> None:
        for reply in replies:
            try:
                await self.sender.send_parts(chat, reply)
            except ChatGone as error:
                log.warning("slack channel gone, reply skipped: %s", error)
                return
            except SendError as error:
                log.error("reply to slack channel %s not sent: %s", chat.chat_id, error)

    async def _on_error(self, error: Exception, body: dict[str, Any]) -> None:
        log.error("slack request failed: %r", error, exc_info=error)
