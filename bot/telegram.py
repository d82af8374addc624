"""Telegram adapter: a python-telegram-bot Application that converts updates into router calls
and router replies into Telegram messages (rendered by bot/render.py), by long polling or by
webhook. It decides only what reaches the router (group policy) and how sending fails.
"""

from __future__ import annotations

import hmac
import json
import logging
import warnings
from datetime import timedelta
from typing import Any

from aiohttp import web
from telegram import Bot as TelegramAPI
from telegram import (
    BotCommand,
    CallbackQuery,
    Document,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    LinkPreviewOptions,
    Message,
    MessageEntity,
    ReplyParameters,
    Update,
)
from telegram.constants import ParseMode
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    NetworkError,
    TelegramError,
)
from telegram.error import RetryAfter as TelegramRetryAfter
from telegram.ext import (
    Application,
    ApplicationHandlerStop,
    CallbackQueryHandler,
    ContextTypes,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot import texts
from bot.commands import FILENAME_BY_TYPE, Attachment, Incoming, Press
from bot.config import Settings, webhook_secret_for
from bot.render import TelegramMessage, mention_to_command, telegram_messages
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

PLATFORM = "telegram"
WEBHOOK_PATH = "/telegram"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
ALLOWED_UPDATES = ["message", "callback_query"]
MENU_LANGUAGES = ("de", "en")
GONE_MARKERS = ("chat not found", "bot was blocked", "bot was kicked", "user is deactivated",
                "group chat was deleted", "chat_write_forbidden", "need administrator rights")  # fmt: skip


def attachment_of(document: Document) -> Attachment:
    """The router's view of a sent file; it is downloaded (getFile, then the file URL) only
    when the router asks, after its checks, and Telegram's `file_size` is known up front."""
    filename = document.file_name or FILENAME_BY_TYPE.get(document.mime_type or "", "document")

    async def download() -> bytes:
        try:
            file = await document.get_file()
            return bytes(await file.download_as_bytearray())
        except TelegramError as error:
            log.warning("telegram file %s not downloaded: %s", document.file_id, error)
            raise UserError("download", texts.FILE_DOWNLOAD_FAILED) from error

    return Attachment(filename=filename, size=document.file_size, download=download)


def is_group(chat: ChatRef) -> bool:
    """Telegram group and channel ids are negative."""
    return chat.chat_id.startswith("-")


def _keyboard(message: TelegramMessage) -> InlineKeyboardMarkup | None:
    if not message.keyboard:
        return None
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(b.label, callback_data=b.action) for b in row]
            for row in message.keyboard
        ]
    )


class TelegramSender(RetryingSender):
    """Sends replies through the Bot API: implements schedules.sending.Sender.

    Each part is rate limited (the shared limiter), retried per `policy`, and failures end as
    RetryAfter / TransientSendError / ChatGone. Every part of a reply with a conversation
    (a context id or a digest) is reported to `on_delivered`, so a reply to any part is a
    follow-up.
    """

    def __init__(
        self,
        bot: TelegramAPI,
        *,
        limiter: Limiter | None = None,
        policy: RetryPolicy | None = None,
        on_delivered: Delivered | None = None,
    ) -> None:
        super().__init__(limiter=limiter, policy=policy, on_delivered=on_delivered)
        self.bot = bot

    async def send(self, chat: ChatRef, reply: Reply, *, reply_to: str | None = None) -> str:
        """Send all parts; returns the first part's message id."""
        return (await self.send_parts(chat, reply, reply_to=reply_to))[0]

    async def send_parts(
        self, chat: ChatRef, reply: Reply, *, reply_to: str | None = None
    ) -> list[str]:
        ids: list[str] = []
        for part in telegram_messages(reply):

            async def once(part: TelegramMessage = part) -> str:
                return await self._send_one(chat, part, reply_to)

            async def paused(seconds: float) -> None:
                await pause_limiter(self.limiter, PLATFORM, seconds, chat)

            message_id = await with_retries(once, self.policy, on_retry_after=paused)
            ids.append(message_id)
            if self.on_delivered is not None and (reply.context_id or reply.digest):
                self.on_delivered(chat, reply, message_id)
        return ids

    async def _send_one(self, chat: ChatRef, part: TelegramMessage, reply_to: str | None) -> str:
        if self.limiter is not None:
            await self.limiter.wait(chat, group=is_group(chat))
        try:
            message = await self.bot.send_message(
                chat_id=chat.chat_id,
                text=part.html,
                parse_mode=ParseMode.HTML,
                reply_markup=_keyboard(part),
                message_thread_id=int(chat.thread_id) if chat.thread_id else None,
                reply_parameters=(
                    ReplyParameters(int(reply_to), allow_sending_without_reply=True)
                    if reply_to
                    else None
                ),
                link_preview_options=LinkPreviewOptions(is_disabled=True),
            )
        except TelegramRetryAfter as error:
            with warnings.catch_warnings():  # PTB 22 warns that this becomes a timedelta
                warnings.simplefilter("ignore")
                wait = error.retry_after
            seconds = wait.total_seconds() if isinstance(wait, timedelta) else float(wait)
            raise RetryAfter(seconds) from error
        except Forbidden as error:
            raise ChatGone(f"telegram chat {chat.chat_id}: {error.message}") from error
        except ChatMigrated as error:
            raise ChatGone(f"telegram chat {chat.chat_id} moved to {error.new_chat_id}") from error
        except BadRequest as error:
            if any(marker in error.message.lower() for marker in GONE_MARKERS):
                raise ChatGone(f"telegram chat {chat.chat_id}: {error.message}") from error
            raise SendError(f"telegram refused the message: {error.message}") from error
        except NetworkError as error:  # TimedOut, 5xx, broken connections
            raise TransientSendError(f"telegram: {error.message}") from error
        return str(message.message_id)


class TelegramBot:
    """The Telegram Component: long polling by default, webhook mode when `webhook_url` is set
    (then mount `routes()` on the HTTP server)."""

    name = "telegram"

    def __init__(
        self,
        router: Router,
        *,
        token: str,
        base_url: str = "https://api.telegram.org/bot",
        webhook_url: str | None = None,
        webhook_secret: str | None = None,
        limiter: Limiter | None = None,
        policy: RetryPolicy | None = None,
        poll_timeout: int = 30,
        concurrency: int = 16,
        seen_updates: SeenUpdates | None = None,
    ) -> None:
        self.router = router
        self.seen_updates = seen_updates
        self.webhook_url = webhook_url
        self.webhook_secret = webhook_secret or webhook_secret_for(token)
        self.poll_timeout = poll_timeout
        builder = Application.builder().token(token).base_url(base_url)
        if base_url.endswith("/bot"):  # files live at .../file/bot<token> beside .../bot<token>
            builder = builder.base_file_url(base_url[: -len("/bot")] + "/file/bot")
        builder = builder.concurrent_updates(concurrency)
        if webhook_url:
            builder = builder.updater(None)
        self.application = builder.build()
        self.sender = TelegramSender(  # replies: retried up to a minute; digests: single_attempt
            self.application.bot,
            limiter=limiter,
            policy=policy or RetryPolicy.interactive(),
            on_delivered=router.delivered,
        )
        self._seen = RecentIds()
        self._claimed: set[int] = set()
        self.application.add_handler(TypeHandler(Update, self._dedupe), group=-1)
        self.application.add_handler(MessageHandler(filters.ALL, self._on_message))
        self.application.add_handler(CallbackQueryHandler(self._on_press))
        self.application.add_handler(TypeHandler(Update, self._handled), group=1)
        self.application.add_error_handler(self._on_error)

    @classmethod
    def from_settings(
        cls,
        settings: Settings,
        router: Router,
        *,
        limiter: Limiter | None = None,
        seen_updates: SeenUpdates | None = None,
    ) -> TelegramBot:
        if not settings.telegram_bot_token:
            raise ValueError("TELEGRAM_BOT_TOKEN is not set")
        return cls(
            router,
            token=settings.telegram_bot_token,
            base_url=settings.telegram_api_base_url,
            webhook_url=settings.telegram_webhook_url,
            webhook_secret=settings.telegram_webhook_secret,
            limiter=limiter,
            seen_updates=seen_updates,
        )

    # ------------------------------------------------------------------ lifecycle
    async def start(self) -> None:
        await self.application.initialize()  # getMe: the bot's id and username
        await self.register_commands()
        if self.webhook_url:
            await self.application.bot.set_webhook(
                self.webhook_url, secret_token=self.webhook_secret, allowed_updates=ALLOWED_UPDATES
            )
        else:
            assert self.application.updater is not None
            await self.application.updater.start_polling(
                poll_interval=0.0,
                timeout=self.poll_timeout,
                allowed_updates=ALLOWED_UPDATES,
                error_callback=self._polling_error,
            )
        await self.application.start()
        log.info("telegram bot @%s started (%s)", self.application.bot.username,
                 "webhook" if self.webhook_url else "polling")  # fmt: skip

    async def stop(self) -> None:
        updater = self.application.updater
        if updater is not None and updater.running:
            await updater.stop()
        if self.application.running:
            await self.application.stop()
        await self.application.shutdown()

    async def register_commands(self) -> None:
        """setMyCommands in German and English (and the default language) from the router."""
        default = self.router.settings.language
        for language in (None, *MENU_LANGUAGES):
            menu = [
                BotCommand(name, (summary or name)[:256])
                for name, summary in self.router.command_menu(language or default)
                if name.isascii() and name.replace("_", "").isalnum() and name.islower()
            ][:100]
            try:
                await self.application.bot.set_my_commands(menu, language_code=language)
            except TelegramError as error:
                log.warning("setMyCommands(%s) failed: %s", language or "default", error)

    # ------------------------------------------------------------------ webhook
    def routes(self) -> list[web.RouteDef]:
        """aiohttp routes for the HTTP server (webhook mode)."""
        return [web.post(WEBHOOK_PATH, self.handle_webhook)]

    async def handle_webhook(self, request: web.Request) -> web.Response:
        """Check the secret token, then process the update before answering 200, so an update
        whose replica died while processing it is redelivered by Telegram and, once the dead
        claim's lease passed, answered by whichever replica gets it (duplicates are dropped)."""
        given = request.headers.get(SECRET_HEADER, "")
        if not hmac.compare_digest(given.encode(), self.webhook_secret.encode()):
            return web.Response(status=401, text="bad secret token")
        try:
            data: Any = json.loads(await request.text())
            update = Update.de_json(data, self.application.bot)
        except (ValueError, TypeError, KeyError):
            return web.Response(status=400, text="not an update")
        try:
            await self.application.process_update(update)
        except Exception:  # this replica lives and failed: a redelivery would fail the same way
            self._finish(update)
            raise
        self._finish(update)  # not when cancelled mid-way (shutdown): then the lease runs out
        return web.Response(text="ok")

    # ------------------------------------------------------------------ handlers
    async def _dedupe(self, update: object, _context: ContextTypes.DEFAULT_TYPE) -> None:
        """Claim the update before any handler sees it (webhook and polling alike): with
        `seen_updates` the claim is shared by every replica and survives restarts. The claim
        is marked done once the update was handled (`_finish`), also when a handler raised:
        answering twice is the worse fault. Only a claim whose replica died is taken over."""
        if not isinstance(update, Update):
            return
        if not self._first_time(str(update.update_id)):
            log.info("update %s seen before or in flight: skipped", update.update_id)
            raise ApplicationHandlerStop
        self._claimed.add(update.update_id)

    async def _handled(self, update: object, _context: ContextTypes.DEFAULT_TYPE) -> None:
        """The last handler group, reached after the handlers ran or raised (polling mode's
        only end of an update; the webhook finishes it after process_update too)."""
        self._finish(update)

    def _finish(self, update: object) -> None:
        """Mark this process's claim on `update` done, once; a skipped update is another
        replica's claim and stays as it is."""
        if not isinstance(update, Update) or update.update_id not in self._claimed:
            return
        self._claimed.discard(update.update_id)
        if self.seen_updates is not None:
            self.seen_updates.done(PLATFORM, str(update.update_id))

    def _first_time(self, update_id: str) -> bool:
        if self.seen_updates is not None:
            return self.seen_updates.first_time(PLATFORM, update_id)
        return self._seen.first_time(update_id)

    async def _on_message(self, update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.message
        if message is None or message.from_user is None or message.from_user.is_bot:
            return
        incoming = self.incoming(message)
        if incoming is None:
            return
        try:
            replies = await self.router.handle(incoming)
            reply_to = None if incoming.is_private else str(message.message_id)
            await self._deliver(incoming.chat, replies, reply_to)
        finally:  # not reached when the process is killed: a pending /add then stays recorded
            self.router.answered(incoming)

    def incoming(self, message: Message) -> Incoming | None:
        """The router's view of a message, or None when the bot should stay silent (groups:
        only commands for this bot, replies to the bot's own messages, and mentions)."""
        bot = self.application.bot
        username = (bot.username or "").lower()
        text = message.text or message.caption or ""
        private = message.chat.type == "private"
        entities = message.parse_entities() if message.text else message.parse_caption_entities()
        command = next(
            (
                v
                for e, v in entities.items()
                if e.type == MessageEntity.BOT_COMMAND and e.offset == 0
            ),
            None,
        )
        if command is not None and command.partition("@")[2].lower() not in ("", username):
            return None  # "/brief@OtherBot"
        mention = f"@{username}"
        mentioned = any(
            e.type == MessageEntity.MENTION and v.lower() == mention for e, v in entities.items()
        )
        original = message.reply_to_message
        reply_to_bot = (
            original is not None
            and original.from_user is not None
            and original.from_user.id == bot.id
        )
        if not private and command is None and not reply_to_bot and not mentioned:
            return None
        document = message.document
        asked_to_add = command is not None and command.partition("@")[0].lower() == "/add"
        if document is not None and not private and not mentioned and not asked_to_add:
            return None  # in groups a file is added only when asked: "/add" or a mention
        if mentioned and command is None:
            stripped = " ".join(w for w in text.split() if w.lower() != mention)
            names = [name for name, _ in self.router.command_menu(self.router.settings.language)]
            text = mention_to_command(stripped, names)
        chat = ChatRef(
            PLATFORM,
            str(message.chat.id),
            str(message.message_thread_id) if message.is_topic_message else None,
        )
        user = message.from_user
        return Incoming(
            chat=chat,
            user_id=str(user.id) if user else "",
            text=text,
            is_private=private,
            reply_to_message_id=str(original.message_id) if original and reply_to_bot else None,
            user_language=user.language_code if user else None,
            attachment=attachment_of(document) if document is not None else None,
        )

    async def _on_press(self, update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        query: CallbackQuery | None = update.callback_query
        if query is None:
            return
        try:
            await query.answer()
        except TelegramError as error:
            log.info("answerCallbackQuery failed: %s", error)
        message = query.message
        if message is None or not query.data:
            return
        chat = ChatRef(
            PLATFORM,
            str(message.chat.id),
            str(message.message_thread_id)
            if isinstance(message, Message) and message.is_topic_message
            else None,
        )
        private = message.chat.type == "private"
        press = Press(
            chat=chat,
            user_id=str(query.from_user.id),
            action=query.data,
            message_id=str(message.message_id),
            user_language=query.from_user.language_code,
            is_private=private,
        )
        replies = await self.router.press(press)
        await self._deliver(chat, replies, None if private else str(message.message_id))

    async def _deliver(self, chat: ChatRef, replies: list[Reply], reply_to: str | None) -> None:
        for reply in replies:
            try:
                await self.sender.send_parts(chat, reply, reply_to=reply_to)
            except ChatGone as error:
                log.warning("chat gone, reply skipped: %s", error)
                return
            except SendError as error:
                log.error("reply to telegram chat %s not sent: %s", chat.chat_id, error)

    async def _on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        log.error("telegram update failed", exc_info=context.error)

    def _polling_error(self, error: TelegramError) -> None:
        log.warning("telegram polling: %s", error)
