"""The ``evidentia`` command: parses arguments, calls the pipeline, maps errors to messages.

Thin by design: every command is one call into :mod:`evidentia.pipeline`. Errors print as one
line on stderr with a non-zero exit code; ``--debug`` adds the traceback.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import sys
import traceback
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import click

from . import __version__, pipeline
from .config import Settings, describe_settings
from .errors import ConfigError, EvidentiaError, InputError
from .models import DESIGNS, Filters, IngestSummary

MAX_BATCH_LINE = 100_000
UNREACHABLE_NOTICE = "offline: no live source could be reached"  # sources/gather.py writes it
_NO_ARGS_IS_HELP = getattr(click.exceptions, "NoArgsIsHelpError", ())  # click >= 8.2


# --------------------------------------------------------------------------- shared options


class State:
    """Options that every command accepts, before or after its name."""

    def __init__(self) -> None:
        self.library: Path | None = None
        self.preset: Path | None = None
        self.overrides: list[str] = []
        self.debug = False

    def settings(self) -> Settings:
        try:
            settings = Settings.load(self.preset, self.overrides)
        except ConfigError as exc:
            raise self._settings_error(exc) from None
        if self.library is not None:
            settings = settings.model_copy(
                update={"library": settings.library.model_copy(update={"path": self.library})}
            )
        return settings


    def _settings_error(self, exc: ConfigError) -> ConfigError:
        """The same error, naming where the bad value came from and where settings are listed."""
        sources = ([f"--settings {self.preset}"] if self.preset else []) + (["--set"] if self.overrides else [])
        message = exc.message
        if message.startswith("invalid settings:") and sources:
            message = message.replace("invalid settings", f"invalid settings from {' and '.join(sources)}", 1)
        return ConfigError(message, hint=exc.hint or SETTINGS_HINT)


SETTINGS_HINT = "see docs/settings.md or run `evidentia info --settings-list`"


def _remember(field: str, append: bool = False) -> Callable[[click.Context, Any, Any], Any]:
    def callback(ctx: click.Context, _param: Any, value: Any) -> Any:
        state = ctx.ensure_object(State)
        if append:
            getattr(state, field).extend(value or ())
        elif value not in (None, False):
            setattr(state, field, value)
        return value

    return callback


def _remember_setting(key: str) -> Callable[[click.Context, Any, Any], Any]:
    """An option that is shorthand for ``--set key=value``."""

    def callback(ctx: click.Context, _param: Any, value: Any) -> Any:
        if value is not None:
            ctx.ensure_object(State).overrides.append(f"{key}={json.dumps(value)}")
        return value

    return callback


def common_options(func: Callable[..., Any]) -> Callable[..., Any]:
    options = [
        click.option("--library", type=click.Path(path_type=Path), expose_value=False,
                     callback=_remember("library"), help="Library file (default: $EVIDENTIA_LIBRARY or the user data dir)."),
        click.option("--settings", "preset", type=click.Path(path_type=Path), expose_value=False,
                     callback=_remember("preset"), help="Settings preset file (TOML or JSON)."),
        click.option("--set", "overrides", multiple=True, expose_value=False, metavar="STAGE.FIELD=VALUE",
                     callback=_remember("overrides", append=True), help="Override one setting; repeatable."),
        click.option("--debug", is_flag=True, expose_value=False, callback=_remember("debug"),
                     help="Show tracebacks and debug logs."),
        click.option("--backend", type=click.Choice(["embedded", "milvus"]), expose_value=False,
                     callback=_remember_setting("backend.name"),
                     help="Search backend: the embedded library (default) or Milvus (docs/scale.md)."),
        click.option("--milvus-uri", expose_value=False, callback=_remember_setting("backend.milvus_uri"),
                     metavar="URI", help="Milvus server URL, or a milvus-lite file ending .db."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def filter_options(func: Callable[..., Any]) -> Callable[..., Any]:
    options = [
        click.option("--year-min", type=click.IntRange(1000, 2100), help="Earliest publication year."),
        click.option("--year-max", type=click.IntRange(1000, 2100), help="Latest publication year."),
        click.option("--design", "designs", multiple=True, type=click.Choice(DESIGNS),
                     help="Keep only these study designs; repeatable."),
        click.option("--min-n", type=click.IntRange(1), help="Minimum sample size."),
        click.option("--species", type=click.Choice(["human", "animal"]), help="Human or animal studies only."),
        click.option("--include-retracted", is_flag=True, help="Keep retracted papers (flagged)."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def make_filters(opts: dict[str, Any]) -> Filters:
    if opts.get("year_min") and opts.get("year_max") and opts["year_min"] > opts["year_max"]:
        raise click.BadParameter("--year-min is after --year-max")
    return Filters(
        year_min=opts.get("year_min"), year_max=opts.get("year_max"),
        designs=list(opts.get("designs") or ()), min_sample_size=opts.get("min_n"),
        species=opts.get("species"), include_retracted=bool(opts.get("include_retracted")),
    )


def state() -> State:
    return click.get_current_context().ensure_object(State)


# --------------------------------------------------------------------------- commands


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="evidentia")
@common_options
def cli() -> None:
    """Answer research questions from the scientific literature with cited evidence reports."""


@cli.command()
@common_options
@click.argument("paths", nargs=-1, required=True)
@click.option("--progress/--no-progress", default=None, help="Progress bar (default: on a terminal).")
@click.option("--skipped-list", type=click.Path(path_type=Path, dir_okay=False),
              help='Write every skipped record to FILE as JSON lines {"source", "position", "reason"}.')
def add(paths: tuple[str, ...], progress: bool | None, skipped_list: Path | None) -> None:
    """Add records from files (PubMed XML, JSONL, RIS, BibTeX; .gz; - for stdin)."""
    from .ingest import check_path

    settings = state().settings()
    if skipped_list is not None:
        check_writable(skipped_list, "--skipped-list")
    for path in paths:  # refuse the whole run before writing anything, not half-way through it
        check_path(path, max_file_bytes=settings.ingest.max_file_bytes)
    if "-" in paths and sys.stdin.isatty():
        click.echo("evidentia: reading records from standard input; end with Ctrl-D", err=True)
    show = sys.stderr.isatty() if progress is None else progress
    if show:
        from .progress import IngestProgress

        with IngestProgress() as bar:
            summary = pipeline.add(paths, settings, progress=bar)
    else:
        summary = pipeline.add(paths, settings)
    if skipped_list is not None:
        write_output(skipped_list, "".join(skip.model_dump_json() + "\n" for skip in summary.skipped),
                     "--skipped-list")
    click.echo(format_summary(summary, skipped_list), err=False)


def format_summary(summary: IngestSummary, skipped_list: Path | None = None) -> str:
    lines = [
        f"added {summary.added}, updated {summary.updated}, unchanged {summary.unchanged}, "
        f"deleted {summary.deleted}, skipped {len(summary.skipped)}"
    ]
    for skip in summary.skipped[:50]:
        lines.append(f"  skipped {skip.source}: {skip.position}: {skip.reason}")
    if len(summary.skipped) > 50:
        where = f"all are in {skipped_list}" if skipped_list else "--skipped-list FILE lists them all"
        lines.append(f"  ... and {len(summary.skipped) - 50} more skipped records ({where})")
    return "\n".join(lines)


@cli.command()
@common_options
@click.argument("query", required=False)
@click.option("--k", type=click.IntRange(1, 1000), help="How many hits.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.option("--batch", type=click.Path(path_type=Path, dir_okay=False, allow_dash=True),
              help='JSONL file of {"id", "query"} lines; prints {"id", "hits"} lines.')
@filter_options
def search(query: str | None, k: int | None, as_json: bool, batch: Path | None, **opts: Any) -> None:
    """Search the library; prints ranked papers."""
    settings = state().settings()
    filters = make_filters(opts)
    if batch is not None:
        if query:
            raise click.UsageError("give either QUERY or --batch, not both")
        pairs = list(read_batch(batch))  # every line is checked before the first search runs
        for query_id, ids in pipeline.search_batch(pairs, settings, k=k, filters=filters):
            click.echo(json.dumps({"id": query_id, "hits": ids}, ensure_ascii=False))
        return
    if not query:
        raise click.UsageError("missing QUERY (or --batch FILE)")
    notices: list[str] = []
    hits = pipeline.search(query, settings, k=k, filters=filters, notices=notices)
    for notice in notices:
        click.echo(f"note: {notice}", err=True)
    if as_json:
        click.echo(json.dumps([hit_json(hit) for hit in hits], ensure_ascii=False, indent=2))
    else:
        for hit in hits:
            paper = hit.paper
            year = paper.year if paper and paper.year else "n.d."
            click.echo(f"{hit.rank:>3}. {hit.paper_id}  ({year})  {paper.title if paper else ''}")
        if not hits:
            click.echo("no matching papers", err=True)


def hit_json(hit: Any) -> dict[str, Any]:
    paper = hit.paper
    return {
        "rank": hit.rank, "id": hit.paper_id, "score": round(hit.score, 6),
        "title": paper.title if paper else None, "year": paper.year if paper else None,
        "pmid": paper.pmid if paper else None, "doi": paper.doi if paper else None,
    }


def read_batch(path: Path) -> Iterator[tuple[str, str]]:
    """Lines of {"id", "query"}; a bad line is an error naming its line number."""
    stream = sys.stdin if str(path) == "-" else _open_text(path)
    with stream:
        for number, line in enumerate(stream, 1):
            if not line.strip():
                continue
            yield _batch_line(path, number, line)


def _open_text(path: Path) -> Any:
    try:
        return path.open(encoding="utf-8")
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror}") from None


def _batch_line(path: Path, number: int, line: str) -> tuple[str, str]:
    where = f"{path}: line {number}"
    if len(line) > MAX_BATCH_LINE:
        raise InputError(f"{where}: line longer than {MAX_BATCH_LINE} characters")
    try:
        record = json.loads(line)
    except ValueError as exc:
        raise InputError(f"{where}: not JSON ({exc.msg})") from None
    if not isinstance(record, dict) or not isinstance(record.get("query"), str):
        raise InputError(f'{where}: expected {{"id": ..., "query": "..."}}')
    return str(record.get("id", number)), record["query"]


@cli.command()
@common_options
@click.argument("question")
@click.option("--style", type=click.Choice(["pro", "explainer"]), help="Report style.")
@click.option("--format", "fmt", type=click.Choice(["md", "json", "html", "bibtex", "ris", "csl-json", "csv"]),
              help="Output format: the report (md, json, html), its sources (bibtex, ris, csl-json) or its studies' facts (csv).")
@click.option("--out", type=click.Path(path_type=Path, dir_okay=False), help="Write to FILE.")
@click.option("--k", type=click.IntRange(1, 1000), help="How many studies to read.")
@click.option("--offline", is_flag=True, help="Answer from the local library only; no live source.")
@click.option("--refresh", is_flag=True, help="Refetch live sources even if the question is cached.")
@click.option("--check", "check", is_flag=True,
              help="Print the faithfulness checker's verdict on every sentence instead of the report.")
@filter_options
def ask(question: str, style: str | None, fmt: str | None, out: Path | None, k: int | None,
        offline: bool, refresh: bool, check: bool, **opts: Any) -> None:
    """Answer QUESTION with a cited evidence report."""
    from .render import render

    if check and fmt not in (None, "md", "json"):
        raise click.UsageError(f"--check prints text (--format md) or JSON (--format json), not --format {fmt}")
    settings = state().settings()
    if out is not None:
        check_writable(out)
    report = pipeline.ask(question, settings, filters=make_filters(opts), k=k, style=style,
                          offline=offline, refresh=refresh)
    for notice in report.notices:  # the report says it too, but a file or a pipe hides it
        if notice.startswith(UNREACHABLE_NOTICE):
            click.echo(f"note: {notice}", err=True)
    fmt = fmt or settings.render.format or "md"
    if check:
        from .render.markdown import render_verdicts

        verdicts = pipeline.check(report, settings)
        text = json.dumps(verdicts, indent=2) + "\n" if fmt == "json" else render_verdicts(verdicts)
        fmt = "text"
    else:
        text = render(report, fmt)
    if out is not None:
        write_output(out, text)
        click.echo(f"wrote {out}", err=True)
    elif fmt == "md" and sys.stdout.isatty():
        from rich.console import Console
        from rich.markdown import Markdown

        Console().print(Markdown(text))
    else:
        click.echo(text)


def check_writable(out: Path, option: str = "--out") -> None:
    """Refuse an output file that cannot be written before the (possibly long) work starts."""
    folder = out.parent
    if not folder.is_dir():
        raise InputError(f"cannot write {out}: the folder {folder} does not exist",
                         hint=f"create it first, or choose another {option}")
    if not os.access(folder, os.W_OK) or (out.exists() and not os.access(out, os.W_OK)):
        raise InputError(f"cannot write {out}: permission denied", hint=f"choose another {option}")


def write_output(out: Path, text: str, option: str = "--out") -> None:
    """Write atomically: a crash never leaves half a report."""
    tmp = out.with_name(out.name + ".part")
    try:
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(out)
    except OSError as exc:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise InputError(f"cannot write {out}: {(exc.strerror or str(exc)).lower()}",
                         hint=f"choose another {option}") from None


@cli.command()
@common_options
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.option("--settings-list", is_flag=True, help="List every setting with its default.")
def info(as_json: bool, settings_list: bool) -> None:
    """Show what is in the library and where it is."""
    if settings_list:
        for name, default, description in describe_settings():
            click.echo(f"{name} = {default}  # {description}")
        return
    stats = pipeline.info(state().settings())
    if as_json:
        click.echo(json.dumps(stats, indent=2, default=str))
    else:
        for key, value in stats.items():
            click.echo(f"{key}: {value}")


@cli.command()
@common_options
@click.option("--host", help="Address to listen on (default: web.host, 127.0.0.1).")
@click.option("--port", type=click.IntRange(0, 65535), help="Port to listen on (default: web.port, 8000).")
def serve(host: str | None, port: int | None) -> None:
    """Serve the web app and JSON API over the library (see docs/web.md)."""
    from .web.server import LOOPBACK
    from .web.server import serve as serve_app

    settings = state().settings()
    host = host or settings.web.host
    port = settings.web.port if port is None else port
    click.echo(f"evidentia: serving {settings.library.resolved_path()} at http://{host}:{port}/", err=True)
    if host not in LOOPBACK:
        click.echo("evidentia: warning: no login; anyone who can reach this address can read and add records",
                   err=True)
    serve_app(settings, host=host, port=port)


def _eval_task_names() -> list[str]:
    from .evaluate.tasks import TASKS

    return list(TASKS)


@cli.command(name="eval", help="Measure an extractor or retrieval on held-out public data (see "
             f"docs/extraction.md). TASK is one of: {', '.join(_eval_task_names())}.")
@common_options
@click.argument("task", type=click.Choice(_eval_task_names()), metavar="TASK")
@click.option("--data", type=click.Path(path_type=Path),
              help="Shared data folder (default: $EVIDENTIA_SHARED_DATA or ../shared/data).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object of metric -> value.")
def eval_command(task: str, data: Path | None, as_json: bool) -> None:
    from .evaluate.tasks import run_task

    scores = run_task(task, data, state().settings())
    if as_json:
        click.echo(json.dumps(scores, sort_keys=True))
        return
    for name, value in scores.items():
        click.echo(f"{name}: {value:.4f}" if isinstance(value, float) else f"{name}: {value}")


# --------------------------------------------------------------------------- bulk


@cli.group()
@common_options
def bulk() -> None:
    """Build a whole corpus on Apache Spark and serve it from Milvus (docs/scale.md)."""


@bulk.command(name="build")
@common_options
@click.argument("sources", nargs=-1, required=True)
@click.option("--out", required=True, help="Output folder: a path or any Hadoop URI (hdfs://, s3a://).")
@click.option("--partitions", type=click.IntRange(1, 100_000), help="Parquet files per dataset (bulk.partitions).")
@click.option("--master", help="Spark master, e.g. local[4] (bulk.spark_master; spark-submit sets its own).")
@click.option("--embedder", help="Embedder for the vectors (index.embedder).")
@click.option("--base", help="A previous build's output: apply SOURCES (update files) on top of it, "
                             "analysing only the papers they change.")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
def bulk_build(sources: tuple[str, ...], out: str, partitions: int | None, master: str | None,
               embedder: str | None, base: str | None, as_json: bool) -> None:
    """Parse, apply updates and deletions, analyse and embed SOURCES into Parquet under --out."""
    from dataclasses import asdict

    from .bulk import build

    chosen = {"bulk.partitions": partitions, "bulk.spark_master": master, "index.embedder": embedder}
    settings = state().settings().with_overrides(
        [f"{key}={json.dumps(value)}" for key, value in chosen.items() if value is not None])
    summary = build(list(sources), out, settings, base=base,
                    progress=lambda m: click.echo(f"evidentia: {m}", err=True))
    if as_json:
        click.echo(json.dumps(asdict(summary), indent=2))
        return
    click.echo(f"built {summary.papers} papers from {summary.files} files into {summary.out} "
               f"(build {summary.build}): {summary.records} records, {summary.deleted} deleted, "
               f"{summary.skipped} skipped (listed in skipped.jsonl), {summary.analysis_errors} "
               f"analysis errors, {summary.seconds:.0f} s")
    if summary.base:
        click.echo(f"on base build {summary.base['build']}: {summary.carried} papers copied, "
                   f"{summary.analysed} analysed")


@bulk.command(name="load")
@common_options
@click.argument("out", type=click.Path(path_type=Path, file_okay=False))
@click.option("--collection", help="Milvus alias to publish the build under (backend.collection).")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
def bulk_load(out: Path, collection: str | None, as_json: bool) -> None:
    """Load a finished bulk build from OUT into Milvus (--milvus-uri) and publish it."""
    from dataclasses import asdict

    from .bulk import load

    settings = state().settings()
    if collection:
        settings = settings.with_overrides([f"backend.collection={json.dumps(collection)}"])
    summary = load(out, settings, progress=lambda m: click.echo(f"evidentia: {m}", err=True))
    if as_json:
        click.echo(json.dumps(asdict(summary), indent=2))
        return
    verb = "already loaded" if summary.already_loaded else "loaded"
    click.echo(f"{verb} {summary.rows} papers into {summary.physical}, published as "
               f"{summary.collection}; {len(summary.skipped)} skipped, {len(summary.dropped)} old builds dropped")
    for line in summary.skipped[:50]:
        click.echo(f"  skipped {line}")


@cli.command(name="index")
@common_options
@click.option("--progress/--no-progress", default=None, help="Progress bar (default: on a terminal).")
def index_command(progress: bool | None) -> None:
    """Build or update the embedding index that hybrid retrieval uses (resumable)."""
    settings = state().settings()
    show = sys.stderr.isatty() if progress is None else progress
    if show:
        from .index import EmbedProgress

        with EmbedProgress() as bar:
            summary = pipeline.index(settings, progress=bar)
    else:
        summary = pipeline.index(settings)
    click.echo(", ".join(f"{key} {value}" for key, value in summary.items()))


# --------------------------------------------------------------------------- entry point


def main(argv: list[str] | None = None) -> None:
    """Run the CLI; user errors become one line on stderr and a non-zero exit code."""
    debug = "--debug" in (argv if argv is not None else sys.argv[1:])
    logging.basicConfig(level=logging.DEBUG if debug else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    try:
        cli.main(args=argv, prog_name="evidentia", standalone_mode=False)
    except click.exceptions.Abort:
        _fail("aborted", 130, debug)
    except _NO_ARGS_IS_HELP as exc:  # bare `evidentia` or `evidentia bulk`: click shows the help
        exc.show()
        sys.exit(exc.exit_code)
    except click.ClickException as exc:
        _fail(_click_message(exc), exc.exit_code, debug)
    except EvidentiaError as exc:
        _fail(str(exc), exc.exit_code, debug)
    except KeyboardInterrupt:
        _fail("interrupted; what was committed is kept", 130, debug)
    except BrokenPipeError:
        sys.exit(0)
    except OSError as exc:
        _fail(f"{exc.strerror or exc}{': ' + str(exc.filename) if exc.filename else ''}", 1, debug)
    except Exception:
        if debug:
            raise
        _fail("internal error; run again with --debug and report the traceback", 70, False)


def _click_message(exc: click.ClickException) -> str:
    """A usage error as one line, pointing at the command's help (click prints three lines)."""
    message = " ".join(exc.format_message().split()).rstrip(".")
    ctx = getattr(exc, "ctx", None)
    if isinstance(exc, click.UsageError) and ctx is not None:
        message += f" (see '{ctx.command_path} --help')"
    return message


def _fail(message: str, code: int, debug: bool) -> None:
    if debug:
        traceback.print_exc()
    click.echo(f"evidentia: error: {message}", err=True)
    sys.exit(code)


if __name__ == "__main__":  # pragma: no cover
    main()
