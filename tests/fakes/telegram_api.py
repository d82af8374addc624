"""A fake Telegram Bot API server (aiohttp, 127.0.0.1) that python-telegram-bot reaches via
`base_url`. Written by hand because no offline Bot API double exists: it serves the methods the
bot uses (getFile, and the files at /file/bot<token>/<path>), records every call, checks HTML like Telegram does ("can't parse entities", "message is
too long"), and can be told to answer 429 with retry_after, 500, or hang.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Any

from aiohttp import web

from tests.fakes.recording import CallLog

TOKEN = "123456:TEST-TOKEN"
BOT_ID = 123456
BOT_USERNAME = "briefbot_test_bot"
ALLOWED_TAGS = {
    "b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "a", "code", "pre",
    "blockquote", "tg-spoiler", "span", "tg-emoji",
}  # fmt: skip


class EntityError(ValueError):
    """What Telegram answers as "Bad Request: can't parse entities"."""


class _TelegramHTML(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in ALLOWED_TAGS:
            raise EntityError(f"unsupported start tag {tag!r}")
        if tag == "a" and not dict(attrs).get("href"):
            raise EntityError("a without href")
        self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            raise EntityError(f"unexpected end tag {tag!r}")
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def parse_telegram_html(source: str) -> str:
    """The text Telegram would show for `source` with parse_mode=HTML; EntityError if invalid."""
    for index, char in enumerate(source):
        # a bare "<" or "&" that is not a tag/entity is what Telegram rejects
        if char == "&" and not _entity_at(source, index):
            raise EntityError(f"unescaped & at {index}")
        if (
            char == "<"
            and not source[index + 1 : index + 2].isalpha()
            and (source[index + 1 : index + 2] != "/")
        ):
            raise EntityError(f"unescaped < at {index}")
    parser = _TelegramHTML()
    parser.feed(source)
    parser.close()
    if parser.stack:
        raise EntityError(f"unclosed tags {parser.stack}")
    if parser.rawdata:
        raise EntityError("unterminated tag")
    return "".join(parser.text)


def _entity_at(source: str, index: int) -> bool:
    end = source.find(";", index)
    if end == -1 or end - index > 10:
        return False
    name = source[index + 1 : end]
    return name in {"lt", "gt", "amp", "quot"} or (
        name.startswith("#") and (name[1:].isdigit() or name[1:2] in "xX")
    )


@dataclass
class Failure:
    status: int
    retry_after: int | None = None
    hang: float = 0.0
    description: str = ""


class FakeTelegramAPI(CallLog):
    """Start with `await api.start()`; `api.base_url` goes to PTB's `base_url`."""

    def __init__(self, *, check_html: bool = True) -> None:
        super().__init__()
        self.check_html = check_html
        self.updates: list[dict[str, Any]] = []
        self.webhook: dict[str, Any] | None = None
        self.files: dict[str, bytes] = {}
        self._next_update_id = 1000
        self._next_message_id = 1
        self._new_update = asyncio.Event()
        self._stopping = asyncio.Event()
        self._failures: dict[str, list[Failure]] = {}
        self._outage_on: dict[str, float] = {}
        self.down_until = 0.0
        """While time.perf_counter() is before this, every connection is dropped unanswered."""
        self.outages: list[tuple[float, float]] = []
        self._hold_after: int | None = None
        self._released = asyncio.Event()
        self._pace = 0.0

    # ------------------------------------------------------------------ control
    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/bot"

    async def start(self) -> FakeTelegramAPI:
        app = web.Application()
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        app.router.add_get("/file/bot{token}/{path:.+}", self._download)
        await self._serve(app)
        return self

    async def stop(self) -> None:
        self._new_update.set()
        self._stopping.set()
        await self._close()

    def push_update(self, update: dict[str, Any]) -> dict[str, Any]:
        """Queue an update for getUpdates; an update_id is assigned when missing."""
        update = dict(update)
        if "update_id" not in update:
            update["update_id"] = self._next_update_id
        self._next_update_id = max(self._next_update_id, update["update_id"]) + 1
        self.updates.append(update)
        self._new_update.set()
        return update

    def add_file(self, file_id: str, data: bytes) -> None:
        """Serve `data` for getFile(file_id) and its download (recorded as method "file")."""
        self.files[file_id] = data

    def fail(self, method: str, status: int, *, retry_after: int | None = None,
             times: int = 1, hang: float = 0.0, description: str = "") -> None:  # fmt: skip
        """Answer the next `times` calls of `method` with `status` (429 with retry_after, 500,
        403 ...); `hang` seconds of silence first (use a hang longer than the client's timeout)."""
        self._failures.setdefault(method, []).extend(
            [Failure(status, retry_after, hang, description)] * times
        )

    def go_down_on(self, method: str, seconds: float) -> None:
        """The next call of `method` finds the API going away: that request and every other for
        `seconds` have their connection dropped without an answer (as in an outage)."""
        self._outage_on[method] = seconds

    def hold_sends(self, *, after: int) -> None:
        """Answer the first `after` sendMessage calls; leave every later one unanswered until
        `release_sends` (or stop): a platform slower than anything the test runs on, so a
        stop is sure to land mid-fan-out."""
        self._hold_after = after
        self._released.clear()

    def release_sends(self, *, pace: float = 0.0) -> None:
        """Answer the held sendMessage calls, and from now on each one after `pace` seconds
        (a slow platform: a stop still finds deliveries left to send)."""
        self._pace = pace
        self._hold_after = None
        self._released.set()

    def sent(self, method: str = "sendMessage") -> list[dict[str, Any]]:
        return [c.params for c in self.calls if c.method == method]

    # ------------------------------------------------------------------ server
    async def _held(self, count: int) -> None:
        """Keep the `count`th sendMessage waiting while sends are held (`hold_sends`), then
        for the pace `release_sends` set; the fake stopping ends every wait."""
        if self._hold_after is not None and count > self._hold_after:
            waits = [asyncio.ensure_future(e.wait()) for e in (self._released, self._stopping)]
            await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
            for wait in waits:
                wait.cancel()
        if self._pace:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), self._pace)

    async def _params(self, request: web.Request) -> dict[str, Any]:
        params: dict[str, Any] = dict(request.query)
        if request.can_read_body:
            if request.content_type == "application/json":
                params.update(await request.json())
            else:
                form = await request.post()
                params.update({k: v for k, v in form.items() if isinstance(v, str)})
        for key in ("reply_markup", "reply_parameters", "commands", "allowed_updates"):
            if isinstance(params.get(key), str):
                params[key] = json.loads(params[key])
        return params

    async def _handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        seconds = self._outage_on.pop(method, None)
        if seconds is not None:
            self.down_until = time.perf_counter() + seconds
            self.outages.append((time.perf_counter(), self.down_until))
        if time.perf_counter() < self.down_until:
            if request.transport is not None:
                request.transport.abort()
            return web.Response(status=503)  # never reaches the client
        params = await self._params(request)
        if method != "getUpdates":
            self._record(method, params)
        if method == "sendMessage":
            await self._held(len(self.sent()))
        failures = self._failures.get(method)
        if failures:
            failure = failures.pop(0)
            if failure.hang:  # silence until `hang` passed or the fake stops
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._stopping.wait(), failure.hang)
            body: dict[str, Any] = {
                "ok": False,
                "error_code": failure.status,
                "description": failure.description or f"Error {failure.status}",
            }
            if failure.retry_after is not None:
                body["parameters"] = {"retry_after": failure.retry_after}
                body["description"] = f"Too Many Requests: retry after {failure.retry_after}"
            return web.json_response(body, status=failure.status)
        handler = getattr(self, f"_m_{method}", None)
        if handler is None:
            return web.json_response(
                {"ok": False, "error_code": 404, "description": "Not Found"}, status=404
            )
        try:
            result = await handler(params)
        except EntityError as exc:
            return web.json_response(
                {"ok": False, "error_code": 400,
                 "description": f"Bad Request: can't parse entities: {exc}"},
                status=400,
            )  # fmt: skip
        except _BadRequest as exc:
            return web.json_response(
                {"ok": False, "error_code": 400, "description": f"Bad Request: {exc}"}, status=400
            )
        if method == "getUpdates" and result:
            self._record(method, params)
        return web.json_response({"ok": True, "result": result})

    async def _download(self, request: web.Request) -> web.Response:
        path = request.match_info["path"]
        self._record("file", {"path": path, "token": request.match_info["token"]})
        data = self.files.get(path.removeprefix("documents/"))
        if data is None or request.match_info["token"] != TOKEN:
            return web.Response(status=404, text="Not Found")
        return web.Response(body=data, content_type="application/octet-stream")

    # ------------------------------------------------------------------ methods
    async def _m_getFile(self, params: dict[str, Any]) -> dict[str, Any]:
        file_id = str(params.get("file_id", ""))
        if file_id not in self.files:
            raise _BadRequest("invalid file_id")
        return {
            "file_id": file_id,
            "file_unique_id": f"u-{file_id}",
            "file_size": len(self.files[file_id]),
            "file_path": f"documents/{file_id}",
        }

    async def _m_getMe(self, params: dict[str, Any]) -> dict[str, Any]:
        return {
            "id": BOT_ID,
            "is_bot": True,
            "first_name": "Briefbot",
            "username": BOT_USERNAME,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }

    async def _m_getUpdates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        offset = int(params.get("offset") or 0)
        if offset:
            self.updates = [u for u in self.updates if u["update_id"] >= offset]
        timeout = min(float(params.get("timeout") or 0), 2.0)
        if not self.updates and timeout:
            self._new_update.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._new_update.wait(), timeout)
        limit = int(params.get("limit") or 100)
        return self.updates[:limit]

    async def _m_deleteWebhook(self, params: dict[str, Any]) -> bool:
        self.webhook = None
        return True

    async def _m_setWebhook(self, params: dict[str, Any]) -> bool:
        self.webhook = params
        return True

    async def _m_setMyCommands(self, params: dict[str, Any]) -> bool:
        return True

    async def _m_answerCallbackQuery(self, params: dict[str, Any]) -> bool:
        return True

    def _check_text(self, params: dict[str, Any]) -> None:
        text = str(params.get("text", ""))
        shown = text
        if params.get("parse_mode") == "HTML" and self.check_html:
            shown = parse_telegram_html(text)
        if not shown.strip():
            raise _BadRequest("message text is empty")
        if len(shown.encode("utf-16-le")) // 2 > 4096:
            raise _BadRequest("message is too long")
        for row in (params.get("reply_markup") or {}).get("inline_keyboard", []):
            for button in row:
                if len(str(button.get("callback_data", "")).encode()) > 64:
                    raise _BadRequest("BUTTON_DATA_INVALID")

    async def _m_sendMessage(self, params: dict[str, Any]) -> dict[str, Any]:
        self._check_text(params)
        message_id = self._next_message_id
        self._next_message_id += 1
        chat_id = int(params["chat_id"])
        return {
            "message_id": message_id,
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private" if chat_id > 0 else "supergroup"},
            "from": {"id": BOT_ID, "is_bot": True, "first_name": "Briefbot",
                     "username": BOT_USERNAME},
            "text": params.get("text", ""),
        }  # fmt: skip

    async def _m_editMessageText(self, params: dict[str, Any]) -> dict[str, Any]:
        self._check_text(params)
        chat_id = int(params["chat_id"])
        return {
            "message_id": int(params["message_id"]),
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private" if chat_id > 0 else "supergroup"},
            "text": params.get("text", ""),
        }


class _BadRequest(ValueError):
    pass
