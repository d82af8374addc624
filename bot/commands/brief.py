"""/brief and /ask, the questions that follow a brief, and the buttons under one ("more
points", "sources", a "did you mean …?" spelling).

A brief becomes a conversation context (`bot.conversation`): its topic, articles and shown
points, so "more" never repeats a point and a follow-up question asks exactly its articles.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from bot import presentation, texts
from bot.commands import Action, Command, Incoming, Pressed, Request
from bot.conversation import Context, Conversations
from bot.router import is_question, unquote, visible
from summarizer.brief import point_key
from summarizer.models import ArticleRef, Digest
from summarizer.reply import ChatRef, Reply
from summarizer.service import Briefing

BRIEF_POINTS = 7
MORE_POINTS = 5
MAX_TOPIC = 200


@dataclass(eq=False)  # a service: equal only to itself
class BriefCommands:
    """Briefs on a topic and answers from the library or from the chat's last brief."""

    briefing: Briefing
    conversations: Conversations

    def commands(self) -> list[Command]:
        return [
            Command("brief", self.brief, texts.BRIEF_USAGE, texts.BRIEF_SUMMARY),
            Command("ask", self.ask, texts.ASK_USAGE, texts.ASK_SUMMARY, aliases=("frage",)),
        ]

    def actions(self) -> list[Action]:
        return [
            Action("more", self.more),
            Action("sources", self.sources),
            Action("brief", self.brief_button),
        ]

    # --- commands ------------------------------------------------------------------------

    async def brief(self, request: Request) -> list[Reply]:
        language = request.language
        topic = unquote(" ".join(visible(request.args).split()))
        if not topic:
            return [presentation.usage(texts.BRIEF_USAGE, language)]
        if len(topic) > MAX_TOPIC:
            return [
                presentation.say(
                    texts.TOPIC_TOO_LONG, language, kind="usage", length=len(topic), limit=MAX_TOPIC
                )
            ]
        message = request.message
        return [await self._brief_on(message.chat, topic, language, private=message.is_private)]

    async def ask(self, request: Request) -> list[Reply]:
        """A question of the whole library."""
        language = request.language
        question = " ".join(visible(request.args).split())
        if not is_question(question):
            return [presentation.usage(texts.ASK_USAGE, language)]
        if not await asyncio.to_thread(self.briefing.sources, limit=1):
            return [presentation.say(texts.LIBRARY_EMPTY, language)]
        answer = await asyncio.to_thread(self.briefing.answer, question)
        return [presentation.answer_reply(answer, language, not_found=texts.NOT_IN_LIBRARY)]

    async def follow_up(self, request: Request) -> list[Reply]:
        """Plain text: a question on the articles of the brief it replies to (or the chat's
        last one)."""
        language = request.language
        context = self._context_of(request.message)
        if context is None or not context.article_ids:
            return [presentation.say(texts.NO_CONTEXT, language, kind="usage")]
        answer = await asyncio.to_thread(
            self.briefing.answer, request.args, articles=list(context.article_ids)
        )
        return [
            presentation.answer_reply(
                answer, language, not_found=texts.NOT_IN_SOURCES, context_id=context.id
            )
        ]

    # --- buttons ---------------------------------------------------------------------------

    async def brief_button(self, pressed: Pressed) -> list[Reply]:
        """A "did you mean …?" button: the brief on that spelling."""
        topic = " ".join(visible(pressed.payload).split())
        if not topic:
            return [presentation.say(texts.EXPIRED, pressed.language)]
        press = pressed.press
        return [await self._brief_on(press.chat, topic, pressed.language, private=press.is_private)]

    async def more(self, pressed: Pressed) -> list[Reply]:
        """The next points of a brief (or of an added article), none shown before."""
        press, language = pressed.press, pressed.language
        context = self.conversations.get(pressed.payload, press.chat) if pressed.payload else None
        if context is None:
            return [presentation.say(texts.EXPIRED, language)]
        if context.topic is None:
            digest = await self._more_of_article(context)
        else:
            digest = await asyncio.to_thread(
                self.briefing.brief,
                context.topic,
                points=MORE_POINTS,
                exclude=set(context.shown),
                language=language,
            )
        topic = context.topic or ""
        if not digest.points:
            return [presentation.say(texts.NO_MORE_POINTS, language, topic=topic)]
        self.conversations.showed(context.id, digest)
        self.conversations.set_last(press.chat, context.id)
        title = texts.BRIEF_MORE_TITLE.format(language, topic=topic or digest.title)
        return [
            presentation.digest_reply(
                digest, language, title=title, context_id=context.id, private=press.is_private
            )
        ]

    async def sources(self, pressed: Pressed) -> list[Reply]:
        """The articles a brief drew on."""
        press, language = pressed.press, pressed.language
        context = self.conversations.get(pressed.payload, press.chat) if pressed.payload else None
        if context is None:
            return [presentation.say(texts.EXPIRED, language)]
        refs: list[ArticleRef] = []
        for article_id in context.article_ids:
            article = await asyncio.to_thread(self.briefing.article, article_id)
            if article is not None:
                refs.append(ArticleRef(article.id, article.short_name, article.url))
        if context.topic:
            title = texts.CONTEXT_SOURCES_TITLE.format(language, topic=context.topic)
        else:
            title = texts.CONTEXT_SOURCES_TITLE_PLAIN.get(language)
        return [presentation.sources_reply(refs, language, title=title, context_id=context.id)]

    # --- helpers ---------------------------------------------------------------------------

    async def _brief_on(self, chat: ChatRef, topic: str, language: str, *, private: bool) -> Reply:
        """The /brief reply for a topic: its digest, or "nothing on it" with close spellings."""
        digest = await asyncio.to_thread(
            self.briefing.brief, topic, points=BRIEF_POINTS, language=language
        )
        if not digest.points:
            return presentation.nothing_on(topic, digest.suggestions, language)
        context = self.conversations.for_digest(chat, digest)
        title = texts.BRIEF_TITLE.format(language, topic=topic)
        return presentation.digest_reply(
            digest, language, title=title, context_id=context.id, private=private
        )

    async def _more_of_article(self, context: Context) -> Digest:
        """Next points of a single added article (contexts made by /add have no topic)."""
        shown = set(context.shown)
        full = await asyncio.to_thread(
            self.briefing.digest, context.article_ids[0], points=len(shown) + MORE_POINTS
        )
        fresh = tuple(p for p in full.points if point_key(p.text) not in shown)
        return Digest(
            title=full.title,
            language=full.language,
            points=fresh[:MORE_POINTS],
            articles=full.articles,
            has_more=full.has_more or len(fresh) > MORE_POINTS,
        )

    def _context_of(self, message: Incoming) -> Context | None:
        chat = message.chat
        if message.reply_to_message_id:
            context = self.conversations.for_message(chat, message.reply_to_message_id)
            if context is not None:
                return context
        if chat.thread_id:
            context = self.conversations.for_message(chat, chat.thread_id)
            if context is not None:
                return context
        # a message reaches the router only when it is addressed to the bot (in groups the
        # adapters pass on commands, replies to the bot and mentions), so a question without
        # a reply is about the chat's last brief, in groups as in private chats
        return self.conversations.last(chat)
