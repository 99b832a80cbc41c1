"""Reading grade of reports over the shared corpora (Flesch-Kincaid, ``textstat==0.7.8``).

    python benchmarks/readability.py [--per-corpus 100] [--work DIR]

Each question is answered offline in both styles (libraries as in ``faithfulness.py``); the
text of every sentence of the report (answer, sections, conclusion; citation markers removed) is
scored with textstat's Flesch-Kincaid grade. Only reports that describe at least one study are
scored. The explainer's target is grade 9 or below. textstat 0.7.8 is a development dependency
only (newer versions try to download data at first use); nothing at run time needs it.
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import tempfile
from pathlib import Path

import textstat

sys.path.insert(0, str(Path(__file__).resolve().parent))

from corpora import CORPORA, DEFAULT_DATA, QUESTIONS, RECORDS, spread  # noqa: E402
from faithfulness import build_library, settings_for  # noqa: E402

from evidentia import pipeline  # noqa: E402
from evidentia.models import Report  # noqa: E402

TARGET = 9.0


def report_text(report: Report) -> str:
    return " ".join(re.sub(r"\s*\[[\d, ]+\]", "", claim.text) for claim in report.claims())


def grades(library: Path, questions: list, style: str) -> list[float]:
    settings = settings_for(library)
    out = []
    for question in questions:
        report = pipeline.ask(question.text, settings, offline=True, style=style)
        if any(study.stance.stance != "unclear" for study in report.studies):
            out.append(textstat.flesch_kincaid_grade(report_text(report)))
    return out


def row(corpus: str, style: str, values: list[float]) -> str:
    if not values:
        return f"| {corpus} | {style} | 0 | | | | |"
    ordered = sorted(values)
    p90 = ordered[min(len(ordered) - 1, int(0.9 * len(ordered)))]
    within = sum(1 for value in values if value <= TARGET) / len(values)
    return (f"| {corpus} | {style} | {len(values)} | {statistics.median(values):.1f} | "
            f"{p90:.1f} | {max(values):.1f} | {100 * within:.0f}% |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--work", type=Path, help="where libraries are built (default: temp)")
    parser.add_argument("--per-corpus", type=int, default=100)
    args = parser.parse_args()
    print("| corpus | style | reports scored | median FK grade | p90 | max | grade <= 9 |")
    print("| --- | --- | ---: | ---: | ---: | ---: | ---: |")
    with tempfile.TemporaryDirectory() as temp:
        work = args.work or Path(temp)
        work.mkdir(parents=True, exist_ok=True)
        for corpus in CORPORA:
            library = build_library(work / f"{corpus}.sqlite", RECORDS[corpus](args.data))
            questions = spread(QUESTIONS[corpus](args.data), args.per_corpus)
            for style in ("explainer", "pro"):
                print(row(corpus, style, grades(library, questions, style)), flush=True)


if __name__ == "__main__":
    main()
