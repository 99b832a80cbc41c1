"""Sample reports over the shared corpora, written to docs/samples/ (Markdown and HTML).

    python benchmarks/sample_reports.py [--out docs/samples] [--work DIR]

Each sample question is answered offline from a library built from one shared corpus (see
``corpora.py``), in both styles; the golden test's abstracts (``tests/data/golden``, a made-up
drug) give one more. The same libraries always give the same files, so a diff of docs/samples
shows what a change to the synthesiser did to real reports.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from corpora import DEFAULT_DATA, RECORDS  # noqa: E402
from faithfulness import build_library, settings_for  # noqa: E402

from evidentia import pipeline  # noqa: E402
from evidentia.render import render  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
GOLDEN = REPO / "tests" / "data" / "golden" / "studies.jsonl"
SAMPLES = [  # (corpus, question, file name)
    ("scifact", "Do statins reduce cardiovascular mortality?", "statins-mortality"),
    ("scifact", "Does vitamin D supplementation reduce the risk of fractures?",
     "vitamin-d-fractures"),
    ("pubmedqa", "Does positron emission tomography change management in primary rectal cancer?",
     "pet-rectal-cancer"),
    ("evidence_inference", "Does dexmedetomidine reduce postoperative pain?",
     "dexmedetomidine-postoperative-pain"),
    ("evidence_inference", "Does tranexamic acid reduce blood loss?", "tranexamic-acid-blood-loss"),
    ("golden", "Does tavorexin reduce spasticity?", "tavorexin-spasticity-fictional"),
]


def golden_records() -> list[dict]:
    return [json.loads(line) for line in GOLDEN.read_text(encoding="utf-8").splitlines() if line]


def library_for(corpus: str, data: Path, work: Path) -> Path:
    records = golden_records() if corpus == "golden" else RECORDS[corpus](data)
    return build_library(work / f"{corpus}.sqlite", records)


def write_samples(data: Path, work: Path, out: Path) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for corpus, question, name in SAMPLES:
        settings = settings_for(library_for(corpus, data, work))
        for style in ("pro", "explainer"):
            report = pipeline.ask(question, settings, offline=True, style=style)
            stem = name if style == "pro" else f"{name}.explainer"
            for fmt in ("md", "html"):
                path = out / f"{stem}.{fmt}"
                path.write_text(render(report, fmt), encoding="utf-8")
                written.append(path)
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--work", type=Path, help="where libraries are built (default: temp)")
    parser.add_argument("--out", type=Path, default=REPO / "docs" / "samples")
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)
    with tempfile.TemporaryDirectory() as temp:
        work = args.work or Path(temp)
        work.mkdir(parents=True, exist_ok=True)
        for path in write_samples(args.data, work, args.out):
            print(path.relative_to(REPO) if path.is_relative_to(REPO) else path)


if __name__ == "__main__":
    main()
