"""The console adapter: chat with the router in a terminal, no token needed.

Each line read from stdin goes to `Router.handle` ("/…" commands, plain text as follow-ups);
replies are printed as plain text with their buttons numbered, and "!N" presses button N of
the last reply. "/quit" or end of input (Ctrl-D) ends it. Reading happens in a daemon thread,
so a blocked `readline` never keeps the process alive, and piped (non-TTY) input works.

Pasted articles span many lines, so /add collects them into one message: a bare "/add" reads
the lines after it until a line holding only "." (or a command line, or end of input);
"/add Headline" whose next lines arrive with it (pasted or piped together, within
`PASTE_WINDOW`) does the same. A single typed "/add text", "/add URL" (any scheme) or
"/add path" is sent at once, as before.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Final, TextIO

from bot import texts
from bot.commands import Incoming, Press
from bot.commands.library import FILE_SUFFIXES
from bot.router import Router, parse_command
from summarizer.reply import Button, ChatRef, Reply

CHAT = ChatRef("console", "console")
USER = "console"
QUIT = frozenset({"/quit", "/exit", "/q"})

END_OF_TEXT = "."
"""A line holding only this ends a multi-line /add."""
PASTE_WINDOW = 0.2
"""Seconds within which a line following "/add text" counts as pasted with it: nobody types
the next line that fast, a terminal paste or a pipe delivers it at once."""


_ADD = re.compile(r"/add(?:@\S*)?(?:[ \t]+(?P<rest>.*))?", re.IGNORECASE)
_SINGLE_SOURCE = re.compile(r"[a-z][a-z0-9+.-]*://\S*", re.IGNORECASE)
"""Any URL, also a broken or unsupported one ("http://", "ftp://…"): the router answers it."""


class _TimedOut:
    """No line arrived within the wait."""


TIMED_OUT: Final = _TimedOut()


class _Lines:
    """The lines the reader thread delivers (None at end of input), readable with a timeout
    that never loses a line: a read that times out stays pending for the next call."""

    def __init__(self) -> None:
        self.queue: asyncio.Queue[str | None] = asyncio.Queue()
        self._pending: asyncio.Future[str | None] | None = None
        self._returned: list[str] = []
        self.ended = False

    async def get(self, timeout: float | None = None) -> str | _TimedOut | None:
        if self._returned:
            return self._returned.pop()
        if self.ended:
            return None
        if self._pending is None:
            self._pending = asyncio.ensure_future(self.queue.get())
        done, _ = await asyncio.wait({self._pending}, timeout=timeout)
        if not done:
            return TIMED_OUT
        line, self._pending = self._pending.result(), None
        if line is None:
            self.ended = True
        return line

    def unget(self, line: str) -> None:
        """Put `line` back: the next `get` returns it."""
        self._returned.append(line)

    def close(self) -> None:
        if self._pending is not None:
            self._pending.cancel()


class Console:
    """A Component that runs the REPL until input ends; `on_exit` is called then."""

    name = "console"

    def __init__(
        self,
        router: Router,
        *,
        stdin: TextIO | None = None,
        stdout: TextIO | None = None,
        on_exit: Callable[[], None] | None = None,
    ) -> None:
        self.router = router
        self.stdin = stdin or sys.stdin
        self.stdout = stdout or sys.stdout
        self.on_exit = on_exit
        self._task: asyncio.Task[None] | None = None
        self._buttons: tuple[Button, ...] = ()
        self._message_id = 0
        self.prompt = "> " if self.stdin.isatty() else ""

    async def start(self) -> None:
        self._task = asyncio.create_task(self.run(), name="console")

    async def stop(self) -> None:
        if self._task is not None and not self._task.done():
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def run(self) -> None:
        """Read, answer and print until "/quit" or end of input."""
        lines = _Lines()
        loop = asyncio.get_running_loop()

        def read() -> None:
            try:
                for line in self.stdin:
                    loop.call_soon_threadsafe(lines.queue.put_nowait, line)
            except (OSError, ValueError, UnicodeDecodeError):
                pass
            loop.call_soon_threadsafe(lines.queue.put_nowait, None)

        threading.Thread(target=read, name="console-stdin", daemon=True).start()
        self._print(texts.CONSOLE_WELCOME.get(self.router.language_for(CHAT)))
        try:
            while not lines.ended:
                self._write(self.prompt)
                line = await lines.get()
                if not isinstance(line, str) or line.strip().lower() in QUIT:
                    break
                await self._answer(await self._whole_add(line.rstrip("\r\n"), lines))
        finally:
            lines.close()
            if self.on_exit is not None:
                self.on_exit()

    async def _whole_add(self, line: str, lines: _Lines) -> str:
        """`line`, or for a multi-line /add the whole pasted text as one "/add …" message."""
        match = _ADD.fullmatch(line.strip())
        if match is None:
            return line
        first = (match.group("rest") or "").strip()
        if not first:
            self._print(texts.CONSOLE_PASTE_HINT.get(self.router.language_for(CHAT)))
            return "/add " + await self._until_end(lines, [])
        if _is_single_source(first):
            return line
        following = await lines.get(timeout=PASTE_WINDOW)
        if not isinstance(following, str):  # typed alone, or the input ended right after it
            return line
        if following.strip() == END_OF_TEXT:
            return line
        if self._is_command(following):  # the next message, not a pasted body
            lines.unget(following)
            return line
        collected = [first, following.rstrip("\r\n")]
        return "/add " + await self._until_end(lines, collected)

    async def _until_end(self, lines: _Lines, collected: list[str]) -> str:
        """Lines up to one holding only ".", a command line (put back to be answered: a user
        who forgot the "." loses neither the text nor the command) or the end of input."""
        while True:
            if self.prompt and collected:
                self._write("… ")
            line = await lines.get()
            if not isinstance(line, str) or line.strip() == END_OF_TEXT:
                return "\n".join(collected).strip()
            if self._is_command(line):
                lines.unget(line)
                return "\n".join(collected).strip()
            collected.append(line.rstrip("\r\n"))

    def _is_command(self, line: str) -> bool:
        """A line naming one of the router's commands (or /quit): never part of a pasted text."""
        parsed = parse_command(line)
        if parsed is None:
            return False
        names = {n for c in self.router.commands for n in (c.name, *c.aliases)}
        return parsed[0] in names or line.strip().lower() in QUIT

    async def _answer(self, line: str) -> None:
        text = line.strip()
        if not text:
            return
        language = self.router.language_for(CHAT)
        if text.startswith("!") and text[1:].strip().isdecimal():
            number = int(text[1:].strip())
            if not 1 <= number <= len(self._buttons):
                self._print(texts.CONSOLE_NO_SUCH_BUTTON.get(language))
                return
            action = self._buttons[number - 1].action
            replies = await self.router.press(Press(CHAT, USER, action, is_private=True))
        else:
            replies = await self.router.handle(Incoming(CHAT, USER, line, is_private=True))
        for reply in replies:
            self._show(reply)

    async def send(self, chat: ChatRef, reply: Reply) -> str:
        """Show a scheduled digest like any reply (the console as a `Sender`)."""
        return self._show(reply)

    def _show(self, reply: Reply) -> str:
        self._message_id += 1
        self._print(reply.text)
        if reply.buttons:
            self._buttons = reply.buttons
            labels = "  ".join(f"[!{i}] {b.label}" for i, b in enumerate(reply.buttons, 1))
            self._print(texts.CONSOLE_BUTTONS.format(reply.language, buttons=labels))
        self._print("")
        message_id = str(self._message_id)
        self.router.delivered(CHAT, reply, message_id)
        return message_id

    def _print(self, text: str) -> None:
        self._write(text + "\n")

    def _write(self, text: str) -> None:
        if text:
            self.stdout.write(text)
            self.stdout.flush()


def _is_single_source(text: str) -> bool:
    """A URL or a file path: /add sends those at once, they never start a pasted text."""
    if _SINGLE_SOURCE.fullmatch(text):
        return True
    if len(text) > 1024 or "\n" in text:
        return False
    try:
        return Path(text).expanduser().exists() or text.lower().endswith(FILE_SUFFIXES)
    except (OSError, ValueError):
        return False
