"""A fake Slack Web API (aiohttp, 127.0.0.1) for slack_sdk's `AsyncWebClient(base_url=...)`, plus
`response_url` endpoints and shared files (files.info and their url_private downloads). Written
by hand because Slack offers no offline double: it records every call, rejects blocks Slack
would reject (slack_sdk's Block Kit models check each block; the 50-blocks-per-message limit is
checked here) and can be told to answer 429 (Retry-After) or 500. Requests to the bot are
signed with slack_sdk's SignatureVerifier, the code Bolt checks them with.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from aiohttp import web
from slack_sdk.errors import SlackObjectFormationError
from slack_sdk.models.blocks import Block
from slack_sdk.signature import SignatureVerifier

from tests.fakes.recording import CallLog

BOT_TOKEN = "xoxb-test-token"
SIGNING_SECRET = "test-signing-secret"
BOT_USER_ID = "UBOT0001"
BOT_ID = "BBOT0001"
TEAM_ID = "T0TEAM001"


ENDLESS_LIMIT = 64_000_000
SIGN_IN_PAGE = b"""<!DOCTYPE html>
<html><head><title>Sign in | Slack</title></head>
<body><form action="/signin"><input name="email"><button>Sign in</button></form></body></html>
"""
"""What Slack serves instead of a file to a request without a valid token (status 200)."""


@dataclass
class Failure:
    status: int
    retry_after: int | None = None
    error: str | None = None


@dataclass
class SharedFile:
    """A file the fake serves: its bytes and their content type; `sign_in_page` answers every
    download with Slack's HTML sign-in page instead, as Slack does for a refused token."""

    data: bytes
    content_type: str
    sign_in_page: bool = False
    endless: bool = False
    """Stream `data` over and over (up to ENDLESS_LIMIT bytes) until the client hangs up."""
    streamed: int = 0
    """Bytes written to the client so far."""
    redirect: str | None = None
    """Answer the download URL (not url_private) with a 302 to this address."""


MAX_BLOCKS = 50
"""Blocks per message (a message-level limit that slack_sdk's block models do not check)."""


def block_problems(blocks: list[dict[str, Any]]) -> list[str]:
    """What Slack would reject as invalid_blocks."""
    problems = [f"{len(blocks)} blocks > {MAX_BLOCKS}"] if len(blocks) > MAX_BLOCKS else []
    for block in blocks:
        parsed = Block.parse(block)
        if parsed is None:
            problems.append(f"not a block: {block!r:.80}")
            continue
        try:
            parsed.to_dict()  # validates the block and everything in it
        except SlackObjectFormationError as error:
            problems.append(f"{block.get('type')}: {error}")
    return problems


def signed_headers(body: str, *, secret: str = SIGNING_SECRET, age: int = 0,
                   content_type: str = "application/x-www-form-urlencoded") -> dict[str, str]:  # fmt: skip
    """Headers Slack sends with a request: timestamp and v0 signature."""
    timestamp = str(int(time.time()) - age)
    signature = SignatureVerifier(secret).generate_signature(timestamp=timestamp, body=body)
    assert signature is not None  # None only without a secret
    return {
        "X-Slack-Request-Timestamp": timestamp,
        "X-Slack-Signature": signature,
        "Content-Type": content_type,
    }


def form_body(payload: dict[str, str]) -> str:
    return urlencode(payload)


class FakeSlackAPI(CallLog):
    """Start with `await api.start()`; `api.base_url` goes to `AsyncWebClient(base_url=...)`."""

    def __init__(self) -> None:
        super().__init__()
        self._failures: dict[str, list[Failure]] = {}
        self.files: dict[str, SharedFile] = {}
        self._file_objects: dict[str, dict[str, Any]] = {}
        self._sockets: list[web.WebSocketResponse] = []
        self._socket_open = asyncio.Event()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/"

    def response_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/response/{uuid.uuid4().hex}"

    async def start(self) -> FakeSlackAPI:
        app = web.Application()
        app.router.add_post("/api/{method}", self._handle)
        app.router.add_get("/api/{method}", self._handle)  # files.info is a GET
        app.router.add_get("/files-pri/{key}/{path:.+}", self._download)
        app.router.add_post("/response/{key}", self._response_url)
        app.router.add_get("/socket", self._socket)
        await self._serve(app)
        return self

    async def stop(self) -> None:
        for socket in self._sockets:
            await socket.close()
        await self._close()

    def fail(self, method: str, status: int = 200, *, retry_after: int | None = None,
             error: str | None = None, times: int = 1) -> None:  # fmt: skip
        """Next `times` calls of `method`: HTTP `status` (429 with Retry-After, 500), or
        `{"ok": false, "error": error}` with status 200 (e.g. "channel_not_found")."""
        self._failures.setdefault(method, []).extend([Failure(status, retry_after, error)] * times)

    def add_file(self, file_id: str, name: str, data: bytes, *, mimetype: str = "text/plain",
                 filetype: str = "text", size: int | None = None, sign_in_page: bool = False,
                 endless: bool = False, redirect: str | None = None) -> dict[str, Any]:  # fmt: skip
        """Serve `data` as Slack file `file_id`; returns its file object as events and
        files.info carry it. `size` overrides the reported size (a wrong one); downloads are
        recorded as method "file" and can be made to fail with `fail("file", 403)`."""
        self.files[file_id] = SharedFile(data, mimetype, sign_in_page, endless, redirect=redirect)
        root = f"http://127.0.0.1:{self.port}/files-pri/{TEAM_ID}-{file_id}"
        self._file_objects[file_id] = {
            "id": file_id, "created": 1764250500, "timestamp": 1764250500, "name": name,
            "title": name, "mimetype": mimetype, "filetype": filetype, "user": "U0ANNA001",
            "mode": "hosted", "is_external": False, "is_public": False,
            "size": len(data) if size is None else size,
            "url_private": f"{root}/{name}", "url_private_download": f"{root}/download/{name}",
        }  # fmt: skip
        return dict(self._file_objects[file_id])

    def downloads(self) -> list[dict[str, Any]]:
        """Every file download request (its path and Authorization header)."""
        return self.posted("file")

    def posted(self, method: str = "chat.postMessage") -> list[dict[str, Any]]:
        return [c.params for c in self.calls if c.method == method]

    def last_ts(self) -> str:
        """The ts of the last message chat.postMessage accepted."""
        return next(
            str(c.result["ts"]) for c in reversed(self.calls)
            if c.method == "chat.postMessage" and c.result
        )  # fmt: skip

    async def send_envelope(self, kind: str, payload: dict[str, Any]) -> str:
        """Socket Mode: push an envelope ("slash_commands", "events_api", "interactive") to the
        connected app; its acknowledgement is recorded as a "socket_ack" call."""
        await asyncio.wait_for(self._socket_open.wait(), 5)
        envelope_id = uuid.uuid4().hex
        await self._sockets[-1].send_json(
            {"envelope_id": envelope_id, "type": kind, "payload": payload,
             "accepts_response_payload": kind != "events_api", "retry_attempt": 0,
             "retry_reason": ""}
        )  # fmt: skip
        return envelope_id

    async def _socket(self, request: web.Request) -> web.WebSocketResponse:
        socket = web.WebSocketResponse()
        await socket.prepare(request)
        self._sockets.append(socket)
        await socket.send_json({"type": "hello", "num_connections": 1,
                                "connection_info": {"app_id": "A0BRIEF01"}})  # fmt: skip
        self._socket_open.set()
        async for message in socket:
            if message.type == web.WSMsgType.TEXT:
                self._record("socket_ack", json.loads(message.data))
        return socket

    async def _params(self, request: web.Request) -> dict[str, Any]:
        if not request.can_read_body:
            return dict(request.query)
        if request.content_type == "application/json":
            data = await request.json()
            return dict(data)
        form = await request.post()
        params: dict[str, Any] = {k: v for k, v in form.items() if isinstance(v, str)}
        if isinstance(params.get("blocks"), str):
            params["blocks"] = json.loads(params["blocks"])
        return params

    async def _response_url(self, request: web.Request) -> web.Response:
        params = await request.json()
        params["response_url"] = str(request.url)
        self._record("response_url", params)
        return web.Response(text="ok")

    async def _download(self, request: web.Request) -> web.StreamResponse:
        """A url_private(_download): the file for "Bearer <bot token>", else the sign-in page."""
        authorization = request.headers.get("Authorization", "")
        self._record("file", {"path": request.path, "authorization": authorization})
        failures = self._failures.get("file")
        if failures:
            return web.Response(status=failures.pop(0).status, text="denied")
        file = self.files.get(request.match_info["key"].removeprefix(f"{TEAM_ID}-"))
        if file is None:
            return web.Response(status=404, text="file not found")
        if file.redirect and "/download/" in request.path:
            raise web.HTTPFound(file.redirect)
        if file.sign_in_page or authorization != f"Bearer {BOT_TOKEN}":
            return web.Response(body=SIGN_IN_PAGE, content_type="text/html")
        if not file.endless:
            file.streamed += len(file.data)
            return web.Response(body=file.data, content_type=file.content_type)
        response = web.StreamResponse(headers={"Content-Type": file.content_type})
        await response.prepare(request)
        try:
            while file.streamed < ENDLESS_LIMIT:
                await response.write(file.data)
                file.streamed += len(file.data)
        except (ConnectionError, RuntimeError):
            return response  # the client hung up
        await response.write_eof()
        return response

    async def _handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        params = await self._params(request)
        self._record(method, params)
        call = self.calls[-1]
        failures = self._failures.get(method)
        if failures:
            failure = failures.pop(0)
            headers = {}
            if failure.retry_after is not None:
                headers["Retry-After"] = str(failure.retry_after)
            if failure.status >= 400:
                error = failure.error or ("ratelimited" if failure.status == 429 else "fatal")
                return web.json_response(
                    {"ok": False, "error": error}, status=failure.status, headers=headers
                )
            return web.json_response({"ok": False, "error": failure.error})
        if method == "apps.connections.open":
            return web.json_response({"ok": True, "url": f"ws://127.0.0.1:{self.port}/socket"})
        if method == "auth.test":
            return web.json_response(
                {"ok": True, "url": "https://test.slack.example/", "team": "Test",
                 "user": "briefbot", "team_id": TEAM_ID, "user_id": BOT_USER_ID,
                 "bot_id": BOT_ID, "is_enterprise_install": False}
            )  # fmt: skip
        if method == "files.info":
            found = self._file_objects.get(str(params.get("file", "")))
            if found is None:
                return web.json_response({"ok": False, "error": "file_not_found"})
            return web.json_response({"ok": True, "file": found})
        if method in ("chat.postMessage", "chat.update"):
            problems = block_problems(list(params.get("blocks") or []))
            if problems:
                return web.json_response(
                    {"ok": False, "error": "invalid_blocks", "errors": problems}
                )
            ts = params.get("ts") or f"{time.time():.6f}"
            if method == "chat.postMessage":
                ts = f"{1700000000 + len(self.calls)}.{len(self.calls):06d}"
            call.result = {"ok": True, "channel": params.get("channel"), "ts": ts,
                           "message": {"text": params.get("text", ""), "user": BOT_USER_ID,
                                       "bot_id": BOT_ID, "ts": ts}}  # fmt: skip
            return web.json_response(call.result)
        return web.json_response({"ok": False, "error": "unknown_method"})
