"""The console adapter: chat with the router in a terminal, no token needed.

Each line read from stdin goes to `Router.handle` ("/…" commands, plain text as follow-ups);
replies are printed as plain text with their buttons numbered, and "!N" presses button N of
the last reply. "/quit" or end of input (Ctrl-D) ends it. Reading happens in a daemon thread,
so a blocked `readline` never keeps the process alive, and piped (non-TTY) input works.
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
import threading
from collections.abc import Callable
from typing import TextIO

from bot.commands import Incoming, Press, Text
from bot.router import Router
from summarizer.reply import Button, ChatRef, Reply

CHAT = ChatRef("console", "console")
USER = "console"
QUIT = frozenset({"/quit", "/exit", "/q"})

WELCOME = Text(
    de="briefbot-Konsole. /help zeigt die Befehle, !N drückt Knopf N, /quit oder Strg-D beendet.",
    en="briefbot console. /help lists the commands, !N presses button N, /quit or Ctrl-D ends.",
)
BUTTON_HINT = Text(de="Knöpfe: {buttons}", en="Buttons: {buttons}")
NO_SUCH_BUTTON = Text(de="Diesen Knopf gibt es nicht.", en="There is no such button.")


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
        lines: asyncio.Queue[str | None] = asyncio.Queue()
        loop = asyncio.get_running_loop()

        def read() -> None:
            try:
                for line in self.stdin:
                    loop.call_soon_threadsafe(lines.put_nowait, line)
            except (OSError, ValueError, UnicodeDecodeError):
                pass
            loop.call_soon_threadsafe(lines.put_nowait, None)

        threading.Thread(target=read, name="console-stdin", daemon=True).start()
        self._print(WELCOME.get(self.router.language_for(CHAT)))
        try:
            while True:
                self._write(self.prompt)
                line = await lines.get()
                if line is None or line.strip().lower() in QUIT:
                    break
                await self._answer(line.rstrip("\r\n"))
        finally:
            if self.on_exit is not None:
                self.on_exit()

    async def _answer(self, line: str) -> None:
        text = line.strip()
        if not text:
            return
        language = self.router.language_for(CHAT)
        if text.startswith("!") and text[1:].strip().isdigit():
            number = int(text[1:].strip())
            if not 1 <= number <= len(self._buttons):
                self._print(NO_SUCH_BUTTON.get(language))
                return
            action = self._buttons[number - 1].action
            replies = await self.router.press(Press(CHAT, USER, action))
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
            self._print(BUTTON_HINT.format(reply.language, buttons=labels))
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
