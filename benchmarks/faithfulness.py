"""Faithfulness of reports over the shared corpora: every emitted sentence must pass the checker.

    python benchmarks/faithfulness.py [--per-corpus 100] [--styles pro,explainer] [--work DIR]

For each corpus (SciFact claims as questions over the SciFact corpus, PubMedQA questions over
their abstracts, Evidence Inference prompts over their abstracts; see ``corpora.py``) a library
is built in ``--work`` (a temporary directory unless given; reused when it exists), and each
question is answered offline in each style. Every sentence of every report is then checked
again against the cited papers (``evidentia.synthesise.check_report``): the figure that must be
100% is "emitted sentences that pass". Sentences the synthesiser dropped before emitting them
(and ones it replaced by a plainer version) are counted from its log.

Prints a Markdown table for BENCHMARKS.md. ``tests/test_faithfulness.py`` runs the same code on
about 40 questions over small libraries.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import tempfile
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from corpora import CORPORA, DEFAULT_DATA, QUESTIONS, RECORDS, Question, spread  # noqa: E402

from evidentia import pipeline  # noqa: E402
from evidentia.config import Settings  # noqa: E402
from evidentia.models import Report  # noqa: E402
from evidentia.synthesise import check_report  # noqa: E402


@dataclass
class Tally:
    """What one corpus and style gave."""

    reports: int = 0
    sentences: int = 0
    failing: int = 0
    dropped: int = 0
    simplified: int = 0
    relevant: int = 0  # studies counted (addressing the question), summed over reports
    seconds: float = 0.0
    failures: list[tuple[str, str, list[str]]] = field(default_factory=list)

    @property
    def pass_rate(self) -> float:
        return 1.0 if not self.sentences else (self.sentences - self.failing) / self.sentences


class _LogCounter(logging.Handler):
    """Counts the synthesiser's 'dropped' and 'simplified' log records."""

    def __init__(self) -> None:
        super().__init__(level=logging.INFO)
        self.dropped = 0
        self.simplified = 0

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        self.dropped += message.startswith("dropped a report sentence")
        self.simplified += message.startswith("simplified a report sentence")


@contextmanager
def counting_logs() -> Iterator[_LogCounter]:
    logger = logging.getLogger("evidentia.synthesise")
    handler = _LogCounter()
    previous = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        yield handler
    finally:
        logger.removeHandler(handler)
        logger.setLevel(previous)


def build_library(path: Path, records: Iterable[dict]) -> Path:
    """A library at ``path`` holding ``records`` (evidentia JSONL schema); kept if it exists."""
    if path.exists():
        return path
    source = path.with_suffix(".jsonl")
    with source.open("w", encoding="utf-8") as stream:
        for record in records:
            stream.write(json.dumps(record, ensure_ascii=False) + "\n")
    pipeline.add([source], settings_for(path))
    return path


def settings_for(library: Path) -> Settings:
    return Settings.load(None, [f"library.path={library}"])


def check_questions(library: Path, questions: list[Question], style: str) -> Tally:
    """Answer each question offline and check every emitted sentence against its papers."""
    settings = settings_for(library)
    tally = Tally()
    started = time.perf_counter()
    with counting_logs() as logs, pipeline.open_library(settings, create=False) as store:
        for question in questions:
            report = pipeline.ask(question.text, settings, offline=True, style=style)
            _tally_report(tally, report, store.get_many(_cited(report)), question)
        tally.dropped, tally.simplified = logs.dropped, logs.simplified
    tally.seconds = time.perf_counter() - started
    return tally


def _cited(report: Report) -> list[str]:
    return [pid for claim in report.claims() for pid in claim.citations]


def _tally_report(tally: Tally, report: Report, papers: dict, question: Question) -> None:
    tally.reports += 1
    tally.sentences += len(report.claims())
    tally.relevant += sum(1 for study in report.studies if study.stance.stance != "unclear")
    for claim, problems in check_report(report, papers):
        tally.failing += 1
        tally.failures.append((question.id, claim.text, problems))


def run(data: Path, work: Path, per_corpus: int, styles: list[str]) -> dict[tuple[str, str], Tally]:
    results = {}
    for corpus in CORPORA:
        library = build_library(work / f"{corpus}.sqlite", RECORDS[corpus](data))
        questions = spread(QUESTIONS[corpus](data), per_corpus)
        for style in styles:
            results[(corpus, style)] = check_questions(library, questions, style)
    return results


def table(results: dict[tuple[str, str], Tally]) -> str:
    lines = ["| corpus | style | reports | sentences emitted | pass the checker | dropped before"
             " emitting | simplified | studies counted per report | s per report |",
             "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for (corpus, style), tally in results.items():
        lines.append(
            f"| {corpus} | {style} | {tally.reports} | {tally.sentences} | "
            f"{100 * tally.pass_rate:.1f}% | {tally.dropped} | {tally.simplified} | "
            f"{tally.relevant / max(tally.reports, 1):.1f} | "
            f"{tally.seconds / max(tally.reports, 1):.2f} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--work", type=Path, help="where libraries are built (default: temp)")
    parser.add_argument("--per-corpus", type=int, default=100)
    parser.add_argument("--styles", default="pro,explainer")
    args = parser.parse_args()
    styles = [style.strip() for style in args.styles.split(",") if style.strip()]
    with tempfile.TemporaryDirectory() as temp:
        work = args.work or Path(temp)
        work.mkdir(parents=True, exist_ok=True)
        results = run(args.data, work, args.per_corpus, styles)
    print(table(results))
    for (corpus, style), tally in results.items():
        for question_id, text, problems in tally.failures[:5]:
            print(f"FAIL {corpus}/{style} {question_id}: {text!r} ({'; '.join(problems)})")


if __name__ == "__main__":
    main()
