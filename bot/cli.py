"""`briefbot`: the command line (extract, digest, ask, add, brief, sources, console, run, migrate).

The JSON shapes are a stable contract for benchmarks and scripts (issue 2). Heavy modules are
imported inside the subcommands that need them, so `briefbot ask` starts in well under a
second: it never loads SQLAlchemy, the chat libraries, the scheduler or the settings machinery.
Errors print one line on stderr and exit non-zero; nothing prints a traceback at a user.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import logging
import os
import re
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from bot import texts
from summarizer.i18n import Phrase

if TYPE_CHECKING:
    from pydantic import ValidationError

    from bot.app import App
    from bot.config import Settings
    from summarizer.models import Added, Article, Digest, Document

log = logging.getLogger("briefbot")

EXIT_ERROR = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130


class CliError(Exception):
    """A one-line failure for stderr."""


def _language() -> str:
    """The language of error lines: BRIEFBOT_LANGUAGE (read without loading Settings)."""
    return "en" if os.environ.get("BRIEFBOT_LANGUAGE", "de").strip().lower() == "en" else "de"


def _check_language(value: str | None) -> str | None:
    if value is None:
        return None
    from summarizer.text import check_language

    try:
        return check_language(value)
    except ValueError:
        raise CliError(_say(texts.CLI_UNKNOWN_LANGUAGE, value=value)) from None


def _describe(source: str) -> str:
    return "stdin" if source == "-" else source


def _say(phrase: Phrase, **values: object) -> str:
    """`phrase` in the language of error lines (BRIEFBOT_LANGUAGE)."""
    return phrase.format(_language(), **values)


def _check_path(source: str) -> Path:
    """`source` as a path, or a CliError saying it is a folder or cannot be read (the
    extractor would only say "missing"); a missing file is left to it."""
    path = Path(source)
    try:
        if path.is_dir():
            raise CliError(f"{source}: {_say(texts.PATH_IS_FOLDER)}")
        if path.exists():
            with path.open("rb"):
                pass
    except OSError:
        raise CliError(f"{source}: {_say(texts.PATH_UNREADABLE)}") from None
    return path


def _document(source: str, language: str | None) -> Document:
    from summarizer import extract

    if source == "-":
        return extract.from_bytes(sys.stdin.buffer.read(), language=language)
    return extract.from_path(_check_path(source), language=language)


def _article(document: Document, ranking: Sequence[tuple[int, float]] = ()) -> Article:
    """An unstored Article for one-file commands (the library is not needed for them)."""
    from summarizer.models import Article

    article_id = hashlib.sha256(document.text.encode()).hexdigest()[:16]
    return Article.from_document(document, ranking, id=article_id, added=datetime.now(UTC))


def _print_json(value: Any) -> None:
    json.dump(value, sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")


# --- one-file commands (no database) -----------------------------------------------------------


def cmd_extract(args: argparse.Namespace) -> int:
    document = _document(args.source, _check_language(args.language))
    sentences = [s.text for s in document.sentences]
    if args.json:
        _print_json(
            {
                "title": document.title,
                "teaser": document.teaser,
                "language": document.language,
                "text": document.text,
                "sentences": sentences,
            }
        )
        return 0
    print(document.title)
    if document.teaser:
        print(document.teaser)
    print(f"[{document.language}, {len(sentences)} sentences]")
    print()
    for index, sentence in enumerate(sentences):
        print(f"{index:3d}  {sentence}")
    return 0


def cmd_digest(args: argparse.Namespace) -> int:
    from summarizer import digest

    document = _document(args.source, _check_language(args.language))
    result = digest.digest(_article(document, digest.rank(document)), points=args.points)
    if args.json:
        _print_json(
            {
                "title": result.title,
                "language": result.language,
                "points": [
                    {"text": p.text, "sentence_index": p.sentence_index} for p in result.points
                ],
            }
        )
        return 0
    print(result.title)
    for point in result.points:
        print(f"• {point.text} [{point.sentence_index}]")
    return 0


def cmd_ask(args: argparse.Namespace) -> int:
    from summarizer import qa

    document = _document(args.source, _check_language(args.language))
    article = _article(document)
    answers = [qa.answer(question, [article]) for question in args.questions]
    if args.json:
        _print_json(
            [
                {
                    "question": a.question,
                    "found": a.found,
                    "answer": a.text,
                    "sentence_indexes": list(a.sentence_indexes),
                    "score": round(a.score, 4),
                }  # the contract; the runner-up (`also`) shows in the text output
                for a in answers
            ]
        )
        return 0
    from bot import presentation

    for answer in answers:
        reply = presentation.answer_reply(answer, _language(), not_found=texts.CLI_NOT_IN_SOURCE)
        print(f"? {answer.question}")
        print("\n".join(f"  {line}" for line in reply.text.splitlines()))
    return 0


# --- library commands ---------------------------------------------------------------------------


def _settings(args: argparse.Namespace) -> Settings:
    from bot.config import Settings

    settings = Settings()  # type: ignore[call-arg]  # values come from the environment
    if args.database:
        settings = settings.model_copy(update={"database_url": args.database})
    return settings


def _app(args: argparse.Namespace) -> App:
    from bot.app import build_app

    return build_app(_settings(args))


_OTHER_URL = re.compile(r"[a-z][a-z0-9+.-]+://", re.IGNORECASE)


def _is_url(source: str) -> bool:
    return source.lower().startswith(("http://", "https://"))


async def _add_one(app: App, source: str) -> Added:
    if _is_url(source):
        return await app.briefing.add_url(source)
    if _OTHER_URL.match(source):  # not a file name: "the file does not exist" would mislead
        raise CliError(_say(texts.CLI_NOT_WEB_URL, source=source))
    if source == "-":
        return app.briefing.add(sys.stdin.buffer.read())
    return app.briefing.add(_check_path(source))


async def _add_all(app: App, sources: Sequence[str]) -> list[Added | Exception]:
    from summarizer.errors import UserError

    limit = asyncio.Semaphore(4)
    progress = None
    if len(sources) > 1 and sys.stderr.isatty():
        from tqdm import tqdm

        progress = tqdm(total=len(sources), unit="source", file=sys.stderr, leave=False)

    async def one(source: str) -> Added | Exception:
        async with limit:
            try:
                return await _add_one(app, source)
            except (UserError, CliError) as error:
                return error
            except Exception as error:
                log.debug("adding %s failed", source, exc_info=True)
                return error
            finally:
                if progress is not None:
                    progress.update(1)

    try:
        return list(await asyncio.gather(*(one(source) for source in sources)))
    finally:
        if progress is not None:
            progress.close()


def cmd_add(args: argparse.Namespace) -> int:
    from summarizer.errors import UserError

    if args.sources.count("-") > 1:
        raise CliError(_say(texts.CLI_STDIN_ONCE))
    app = _app(args)
    try:
        results = asyncio.run(_add_all(app, args.sources))
    finally:
        app.close()
    failed = 0
    rows = []
    for source, result in zip(args.sources, results, strict=True):
        if isinstance(result, Exception):
            failed += 1
            if isinstance(result, CliError):  # already names the source
                print(f"briefbot: {result}", file=sys.stderr)
                continue
            message = (
                result.message(_language())
                if isinstance(result, UserError)
                else f"{type(result).__name__}: {result}"
            )
            print(f"briefbot: {_describe(source)}: {message}", file=sys.stderr)
            continue
        article = result.article
        rows.append(
            {
                "source": source,
                "id": article.id,
                "title": article.title,
                "created": result.created,
            }
        )
        if not args.json:
            said = texts.CLI_ADDED if result.created else texts.CLI_ALREADY_THERE
            print(_say(said, title=article.short_name, id=article.id))
    if args.json:
        _print_json(rows)
    return EXIT_ERROR if failed else 0


def _digest_json(digest: Digest, topic: str) -> dict[str, Any]:
    return {
        "topic": topic,
        "articles": [{"id": a.id, "title": a.title} for a in digest.articles],
        "points": [
            {"text": p.text, "article_id": p.article_id, "sentence_index": p.sentence_index}
            for p in digest.points
        ],
    }


def cmd_brief(args: argparse.Namespace) -> int:
    topic = " ".join(" ".join(args.topic).split())
    if not topic:
        raise CliError(_say(texts.CLI_EMPTY_TOPIC))
    app = _app(args)
    try:
        language = app.settings.language
        digest = app.briefing.brief(topic, points=args.points, language=language)
    finally:
        app.close()
    if args.json:
        _print_json(_digest_json(digest, topic))
        return 0
    if not digest.points:
        print(texts.CLI_BRIEF_NOTHING.format(language, topic=topic))
        if digest.suggestions:
            spelled = ", ".join(digest.suggestions)
            print(texts.CLI_DID_YOU_MEAN.format(language, suggestions=spelled))
        return 0
    from bot import presentation

    print(presentation.digest_reply(digest, language).text)
    return 0


def cmd_sources(args: argparse.Namespace) -> int:
    app = _app(args)
    try:
        refs = app.briefing.sources(limit=args.limit)
    finally:
        app.close()
    if args.json:
        _print_json(
            [
                {
                    "id": r.id,
                    "title": r.title,
                    "url": r.url,
                    "published": r.published.isoformat() if r.published else None,
                }
                for r in refs
            ]
        )
        return 0
    if not refs:
        print(_say(texts.CLI_LIBRARY_EMPTY))
        return 0
    from bot import presentation

    for number, ref in enumerate(refs, 1):
        print(f"{number}. {presentation.cite(ref, _language())}  ({ref.id})")
    return 0


# --- long-running commands ----------------------------------------------------------------------


def cmd_console(args: argparse.Namespace) -> int:
    """The console alone (with the scheduler for its subscriptions), never the chat adapters:
    a `briefbot run` elsewhere may be polling Telegram with the same token."""
    from bot.app import console_components, serve

    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    app = _app(args)
    try:
        asyncio.run(serve(app, console_components(app.settings, app)))
    finally:
        app.close()
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    from bot.app import build_app, build_components, chat_platforms, serve
    from bot.observability import Metrics, configure_logging

    settings = _settings(args)
    if not chat_platforms(settings) and "log_level" not in settings.model_fields_set:
        # console mode: log lines would print into the chat; LOG_LEVEL still overrides this
        settings = settings.model_copy(update={"log_level": "WARNING"})
    configure_logging(settings)
    app = build_app(settings, metrics=Metrics())
    try:
        asyncio.run(serve(app, build_components(settings, app)))
    finally:
        app.close()
    return 0


def cmd_migrate(args: argparse.Namespace) -> int:
    """Bring the database to the newest schema revision (start-up does it too)."""
    from bot.app import migrate_database
    from summarizer.db import make_engine

    settings = _settings(args)
    engine = make_engine(settings.database)
    try:
        head = migrate_database(engine)
    finally:
        engine.dispose()
    print(f"database at revision {head}" if head else "database tables created")
    return 0


# --- parser -------------------------------------------------------------------------------------


def _whole_number(value: str, low: int, high: int | None) -> int:
    """`value` as an int in low..high, else an ArgumentTypeError in the user's language."""
    try:
        number = int(value)
    except ValueError:
        number = None
    if number is None or number < low or (high is not None and number > high):
        if high is None:
            raise argparse.ArgumentTypeError(_say(texts.CLI_NUMBER_FROM, low=low, value=value))
        raise argparse.ArgumentTypeError(
            _say(texts.CLI_NUMBER_BETWEEN, low=low, high=high, value=value)
        )
    return number


def points_count(value: str) -> int:
    """--points: 1 to 30 key points."""
    return _whole_number(value, 1, 30)


def positive_count(value: str) -> int:
    """--limit: at least 1."""
    return _whole_number(value, 1, None)


class Parser(argparse.ArgumentParser):
    """argparse with one-line errors ("briefbot: --points/-n: …") instead of the usage block."""

    def error(self, message: str) -> NoReturn:
        message = _argparse_german(message.removeprefix("argument "))
        hint = _say(texts.CLI_HELP_HINT)
        self.exit(EXIT_USAGE, f"{self.prog}: {message} ({hint})\n")


_ARGPARSE_GERMAN = (
    ("the following arguments are required: ", "es fehlt: "),
    ("unrecognized arguments: ", "unbekannte Argumente: "),
    ("expected one argument", "erwartet einen Wert"),
    ("invalid choice: ", "ungültige Wahl: "),
    ("(choose from ", "(möglich: "),
)
"""argparse's own messages a user meets, so a German error line is German throughout."""


def _argparse_german(message: str) -> str:
    """`message` with argparse's English phrases in German when the user reads German."""
    if _language() != "de":
        return message
    for english, german in _ARGPARSE_GERMAN:
        message = message.replace(english, german)
    return message


def points_option(command: argparse.ArgumentParser, *, default: int) -> None:
    """--points/-n N: how many key points (digest, brief)."""
    command.add_argument(
        "--points", "-n", metavar="N", type=points_count, default=default, help="how many (1-30)"
    )


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog="briefbot",
        description="News briefings: key points, cited answers, daily digests. Offline.",
    )
    parser.add_argument(
        "--database",
        metavar="URL",
        help="SQLAlchemy URL (default: DATABASE_URL or data/briefbot.db)",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    def source_command(name: str, help_text: str) -> argparse.ArgumentParser:
        command = sub.add_parser(name, help=help_text)
        command.add_argument(
            "source", metavar="SOURCE", help="a .txt/.md/.html file, or - for stdin"
        )
        command.add_argument("--language", "-l", help="de or en (default: detected)")
        command.add_argument("--json", action="store_true", help="print JSON")
        return command

    source_command("extract", "title, teaser, language and sentences of a text").set_defaults(
        run=cmd_extract
    )
    digest = source_command("digest", "key points of one text")
    points_option(digest, default=5)
    digest.set_defaults(run=cmd_digest)
    ask = source_command("ask", "answer questions from one text")
    ask.add_argument("questions", metavar="QUESTION", nargs="+")
    ask.set_defaults(run=cmd_ask)

    add = sub.add_parser("add", help="store articles (files, - for stdin, or URLs)")
    add.add_argument("sources", metavar="SOURCE", nargs="+")
    add.add_argument("--json", action="store_true", help="print JSON")
    add.set_defaults(run=cmd_add)

    brief = sub.add_parser("brief", help="key points of all stored articles on a topic")
    brief.add_argument("topic", metavar="TOPIC", nargs="+")
    points_option(brief, default=7)
    brief.add_argument("--json", action="store_true", help="print JSON")
    brief.set_defaults(run=cmd_brief)

    sources = sub.add_parser("sources", help="list the stored articles, newest first")
    sources.add_argument(
        "--limit",
        dest="limit",
        metavar="N",
        type=positive_count,
        default=50,
        help="at most N articles (at least 1)",
    )
    sources.add_argument("--json", action="store_true", help="print JSON")
    sources.set_defaults(run=cmd_sources)

    sub.add_parser("console", help="chat with the bot in this terminal").set_defaults(
        run=cmd_console
    )
    sub.add_parser(
        "run", help="start what is configured (console, Telegram, Slack, ...)"
    ).set_defaults(run=cmd_run)
    sub.add_parser(
        "migrate", help="upgrade the database schema to the newest revision"
    ).set_defaults(run=cmd_migrate)
    # `--database` also after the command ("briefbot brief X --database URL"), as people type it
    for command in sub.choices.values():
        command.add_argument(
            "--database", metavar="URL", default=argparse.SUPPRESS, help="as before the command"
        )
    return parser


def _setting_error(error: ValidationError) -> str:
    """One line naming the first bad environment variable, e.g. BRIEFBOT_LANGUAGE='xx'."""
    first = error.errors()[0]
    name = ".".join(str(part) for part in first["loc"]) or "?"
    value = first.get("input")
    shown = f"={value!r}" if isinstance(value, str | int | float) else ""
    return _say(texts.CLI_BAD_SETTING, name=name, shown=shown, message=first["msg"])


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `briefbot` console script; returns the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    from summarizer.errors import UserError

    try:
        return int(args.run(args))
    except CliError as error:
        print(f"briefbot: {error}", file=sys.stderr)
    except UserError as error:
        where = getattr(args, "source", None)
        prefix = f"{_describe(where)}: " if isinstance(where, str) else ""
        print(f"briefbot: {prefix}{error.message(_language())}", file=sys.stderr)
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        return EXIT_ERROR
    except Exception as error:
        pydantic = sys.modules.get("pydantic")  # loaded only by commands that read Settings
        if pydantic is not None and isinstance(error, pydantic.ValidationError):
            print(f"briefbot: {_setting_error(error)}", file=sys.stderr)
            return EXIT_ERROR
        log.debug("briefbot failed", exc_info=True)
        first_line = (str(error).strip().splitlines() or [""])[0]
        print(f"briefbot: {type(error).__name__}: {first_line}", file=sys.stderr)
    return EXIT_ERROR
