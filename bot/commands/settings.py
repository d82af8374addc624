"""/start, /help and /lang: the greeting, every command with an example, the reply language."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from bot import presentation, texts
from bot.commands import Action, Command, Request
from bot.conversation import Conversations
from summarizer.reply import Reply

LANGUAGES = {
    "de": "de",
    "deutsch": "de",
    "german": "de",
    "en": "en",
    "english": "en",
    "englisch": "en",
}
"""What /lang understands."""


@dataclass(eq=False)  # a service: equal only to itself
class SettingsCommands:
    """Greeting, help (over every registered command, read when asked) and /lang."""

    conversations: Conversations
    all_commands: Callable[[], Sequence[Command]]

    def commands(self) -> list[Command]:
        return [
            Command("start", self.start, texts.START_USAGE, texts.START_SUMMARY),
            Command("help", self.help, texts.HELP_USAGE, texts.HELP_SUMMARY, aliases=("hilfe",)),
            Command("lang", self.lang, texts.LANG_USAGE, texts.LANG_SUMMARY),
        ]

    def actions(self) -> list[Action]:
        return []

    async def start(self, request: Request) -> list[Reply]:
        return [presentation.say(texts.START, request.language)]

    async def help(self, request: Request) -> list[Reply]:
        console = request.message.chat.platform == "console"
        return [presentation.help_reply(self.all_commands(), request.language, console=console)]

    async def lang(self, request: Request) -> list[Reply]:
        choice = request.args.strip().lower()
        if not choice:
            return [
                presentation.say(texts.LANG_CURRENT, request.language),
                presentation.usage(texts.LANG_USAGE, request.language),
            ]
        language = LANGUAGES.get(choice)
        if language is None:
            return [presentation.usage(texts.LANG_USAGE, request.language)]
        self.conversations.set_language(request.message.chat, language)
        return [presentation.say(texts.LANG_SET, language)]
