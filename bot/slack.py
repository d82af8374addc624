"""Slack adapter: a slack-bolt AsyncApp that converts slash commands, mentions, thread replies,
shared files and button presses into router calls, and router replies into Block Kit messages
(rendered by bot/render.py). Socket Mode with an app token, HTTP mode (/slack/events) with a
signing secret.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable, Mapping, Sequence
from pathlib import PurePosixPath
from typing import Any
from urllib.parse import urljoin, urlsplit

import aiohttp
from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncApp, AsyncBoltContext, AsyncRespond
from slack_bolt.response import BoltResponse
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot import texts
from bot.commands import FILENAME_BY_TYPE, Attachment, Incoming, Press
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
from summarizer.errors import UserError
from summarizer.reply import ChatRef, Reply

log = logging.getLogger(__name__)

PLATFORM = "slack"
EVENTS_PATH = "/slack/events"
GONE_ERRORS = {"channel_not_found", "is_archived", "not_in_channel", "account_inactive",
               "user_disabled", "team_access_not_granted", "restricted_action"}  # fmt: skip
PRIVATE_KINDS = {"refusal", "error", "usage"}
"""Replies to a slash command only the asking user sees (ephemeral, via response_url)."""
_MENTION = re.compile(r"<@[A-Z0-9]+(?:\|[^>]*)?>")
FILE_HOST = "files.slack.com"
"""Where Slack serves uploaded files (url_private, url_private_download)."""
UNKNOWN_FILENAME = "slack-file.txt"
"""Stands in for the name of a file Slack described only by its id and files.info failed for."""
MAX_FILE_REDIRECTS = 3
_REDIRECTS = {301, 302, 303, 307, 308}


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


def _origin(url: str) -> tuple[str, str, int] | None:
    """(scheme, host, port) of a URL, the port filled in for http/https; None when unusable."""
    try:
        parts = urlsplit(url)
        port = parts.port or {"https": 443, "http": 80}.get(parts.scheme)
    except ValueError:
        return None
    if not parts.hostname or port is None:
        return None
    return parts.scheme, parts.hostname.lower(), port


def _download_failed() -> UserError:
    return UserError("download", texts.FILE_DOWNLOAD_FAILED)


async def _unavailable() -> bytes:
    raise _download_failed()


class SlackFiles:
    """Turns a file shared in Slack into the router's `Attachment`, downloaded only when the
    router asks (after its access, admin, type and size checks).

    A bare file object (Slack Connect sends only an id) is completed with files.info. The bot
    token goes only to Slack's file host and to the Web API's own origin (a test double in
    tests), redirects included; the body is read up to `max_bytes` + 1 bytes whatever size
    Slack reported, and a non-200 answer or Slack's HTML sign-in page fails as
    texts.FILE_DOWNLOAD_FAILED.
    """

    def __init__(self, client: AsyncWebClient, *, api_url: str, max_bytes: int) -> None:
        self.client = client
        self.max_bytes = max_bytes
        origins = {("https", FILE_HOST, 443), _origin(api_url)}
        self.allowed_origins = frozenset(o for o in origins if o is not None)

    async def attachment(self, file: Mapping[str, Any]) -> Attachment:
        """The router's view of one Slack file object (as an event carries it)."""
        if file.get("file_access") == "check_file_info" or not _file_url(file):
            file = await self._info(file)
        name = str(file.get("name") or "")
        if not _file_url(file):
            # files.info failed as well: let the router's checks run on what is known (a
            # stand-in .txt name when nothing is), then answer "could not be downloaded"
            return Attachment(filename=name or UNKNOWN_FILENAME, size=None, download=_unavailable)
        kind = str(file.get("mimetype") or "")
        filename = (
            name
            or FILENAME_BY_TYPE.get(kind)
            or FILENAME_BY_TYPE.get(str(file.get("filetype") or ""), "document")
        )
        size = file.get("size")
        reported = size if isinstance(size, int) and not isinstance(size, bool) else None

        async def download() -> bytes:
            return await self.download(file, filename=filename, size=reported)

        return Attachment(filename=filename, size=reported, download=download)

    async def _info(self, file: Mapping[str, Any]) -> Mapping[str, Any]:
        """files.info for a file object without its URLs; the bare object when that fails
        (its download then fails with the user-facing message)."""
        file_id = str(file.get("id") or "")
        if not file_id:
            return file
        try:
            response = await self.client.files_info(file=file_id)
        except (SlackApiError, aiohttp.ClientError, TimeoutError) as error:
            log.warning("slack files.info %s failed: %s", file_id, error)
            return file
        info = response.get("file")
        return info if isinstance(info, Mapping) else file

    def may_send_token(self, url: str) -> bool:
        """True only for Slack's file host and the Web API's own origin."""
        return _origin(url) in self.allowed_origins

    async def download(self, file: Mapping[str, Any], *, filename: str, size: int | None) -> bytes:
        """The file's bytes, at most `max_bytes` + 1 of them (the router refuses more)."""
        url = _file_url(file)
        file_id = file.get("id")
        timeout = aiohttp.ClientTimeout(total=self.client.timeout)
        headers = {"Authorization": f"Bearer {self.client.token}"}
        async with aiohttp.ClientSession(timeout=timeout) as session:
            for _ in range(MAX_FILE_REDIRECTS + 1):
                if not self.may_send_token(url):
                    log.warning("slack file %s: %r is not a Slack file host", file_id, url[:200])
                    raise _download_failed()
                try:
                    async with session.get(
                        url,
                        headers=headers,
                        allow_redirects=False,
                        ssl=self.client.ssl if self.client.ssl is not None else True,
                        proxy=self.client.proxy,
                    ) as response:
                        location = response.headers.get("Location")
                        if response.status in _REDIRECTS and location:
                            url = urljoin(url, location)
                            continue
                        if response.status != 200:
                            log.warning("slack file %s: HTTP %s", file_id, response.status)
                            raise _download_failed()
                        data = await self._read(response)
                        if len(data) > self.max_bytes:
                            return data  # the router answers "too large"
                        if _is_sign_in_page(response.content_type, data, filename, size):
                            log.warning("slack file %s: got an HTML page, not the file", file_id)
                            raise _download_failed()
                        return data
                except (aiohttp.ClientError, TimeoutError) as error:
                    log.warning("slack file %s not downloaded: %r", file_id, error)
                    raise _download_failed() from error
        log.warning("slack file %s: too many redirects", file_id)
        raise _download_failed()

    async def _read(self, response: aiohttp.ClientResponse) -> bytes:
        """Stream the body and stop after `max_bytes` + 1 bytes: a wrong `size` cannot make
        the bot hold more than that."""
        chunks: list[bytes] = []
        total = 0
        async for chunk in response.content.iter_chunked(64 * 1024):
            chunks.append(chunk)
            total += len(chunk)
            if total > self.max_bytes:
                break
        return b"".join(chunks)[: self.max_bytes + 1]


def _file_url(file: Mapping[str, Any]) -> str:
    return str(file.get("url_private_download") or file.get("url_private") or "")


def _is_sign_in_page(content_type: str, data: bytes, filename: str, size: int | None) -> bool:
    """Slack answers a request it does not accept with its HTML sign-in page and status 200.
    An HTML answer is the file only when an HTML file was shared and (when Slack reported
    its size) the length matches."""
    if content_type != "text/html":
        return False
    if PurePosixPath(filename).suffix.lower() not in (".html", ".htm"):
        return True
    return size is not None and len(data) != size


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
        self.sender = SlackSender(  # replies: retried up to a minute; digests: single_attempt
            self.client,
            limiter=limiter,
            policy=policy or RetryPolicy.interactive(),
            on_delivered=router.delivered,
        )
        self.files = SlackFiles(
            self.client, api_url=api_url, max_bytes=router.settings.fetch_max_bytes
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
        a second press of the same button is a new request with its own trigger_id.
        Bolt acknowledges before the listener runs, so Slack never retries an event whose
        processing died: the claim is marked done at once, and a late retry (Slack retries for
        up to an hour) is skipped for good rather than answered again once the lease ran out."""
        event_id = body.get("event_id")
        if event_id and not self._first_time(str(event_id)):
            log.info("slack event %s seen before: skipped", event_id)
            return BoltResponse(status=200, body="")
        await next()
        if event_id and self.seen_updates is not None:
            self.seen_updates.done(PLATFORM, str(event_id))
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
        try:
            await self._answer_command(chat, incoming, respond)
        finally:  # not reached when the process is killed: a pending /add then stays recorded
            self.router.answered(incoming)

    async def _answer_command(
        self, chat: ChatRef, incoming: Incoming, respond: AsyncRespond
    ) -> None:
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
                log.error("reply to slack channel %s not sent: %s", chat.chat_id, error)

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
        files = _files_of(event)
        await self._route(
            Incoming(
                chat=chat,
                user_id=str(event.get("user", "")),
                text=mention_to_command(text, names),
                is_private=is_direct(chat.chat_id),
                reply_to_message_id=thread,
                workspace_id=body.get("team_id"),
                attachment=await self.files.attachment(files[0]) if files else None,
            ),
            files=files,
        )

    async def _on_message(
        self, event: dict[str, Any], body: dict[str, Any], context: AsyncBoltContext
    ) -> None:
        """Direct messages, and replies in threads under the bot's own posts; nothing else.
        A shared file (subtype file_share) there is added; other subtypes (edits, deletions,
        bot messages) are ignored."""
        subtype = event.get("subtype")
        if (subtype and subtype != "file_share") or event.get("bot_id"):
            return
        files = _files_of(event)
        if subtype and not files:
            return
        bot_user = context.bot_user_id
        text = str(event.get("text", ""))
        channel = str(event.get("channel", ""))
        thread = event.get("thread_ts")
        direct = event.get("channel_type") == "im" or is_direct(channel)
        if not direct and bot_user and f"<@{bot_user}" in text:
            return  # app_mention answers it (Slack sends none for direct messages)
        under_own_post = (
            thread is not None
            and thread != event.get("ts")
            and event.get("parent_user_id") == bot_user
        )
        if not direct and not under_own_post:
            return
        if direct:  # "brief nordkorea" in a DM works like the command
            names = [name for name, _ in self.router.command_menu(self.router.settings.language)]
            text = mention_to_command(_MENTION.sub(" ", text), names)
        await self._route(
            Incoming(
                chat=ChatRef(PLATFORM, channel, thread),
                user_id=str(event.get("user", "")),
                text=text,
                is_private=direct,
                reply_to_message_id=thread,
                workspace_id=body.get("team_id"),
                attachment=await self.files.attachment(files[0]) if files else None,
            ),
            files=files,
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
            is_private=is_direct(channel),
        )
        await self._post_all(chat, await self.router.press(press))

    async def _route(self, incoming: Incoming, *, files: Sequence[Mapping[str, Any]] = ()) -> None:
        """Answer one message; when it carried several files (only the first is read), say
        so after the answer, unless the chat or user was refused."""
        try:
            replies = await self.router.handle(incoming)
            if len(files) > 1 and not any(reply.kind == "refusal" for reply in replies):
                language = self.router.language_for(incoming.chat, incoming.user_language)
                name = incoming.attachment.filename if incoming.attachment else "?"
                note = texts.FILE_ONLY_FIRST.format(language, name=name, count=len(files))
                replies = [*replies, Reply(note, language=language)]
            await self._post_all(incoming.chat, replies)
        finally:  # not reached when the process is killed: a pending /add then stays recorded
            self.router.answered(incoming)

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


def _files_of(event: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """The file objects a message or mention carries (Slack's `files` list), in order."""
    files = event.get("files")
    if not isinstance(files, list):
        return []
    return [file for file in files if isinstance(file, Mapping)]
