"""Does a report quote the sentence that answers the question? Measured on SciFact rationales.

    python benchmarks/finding_choice.py [--data ../shared/data] [--split test] [--limit N]

Each SciFact claim with evidence becomes a question ("Is it true that <claim>?", as in
``corpora.py``); each of its evidence abstracts becomes a study that addresses it. The result a
report would quote for the study (``synthesise.findings.main_finding``) is compared with the
annotators' rationale sentences, the sentences the claim's verdict rests on:

* **hit**: share of pairs whose quoted result lies in a rationale sentence (of all pairs;
  a pair with no quoted result is a miss);
* **precision**: the same among the pairs that quote a result;
* **quoted**: share of pairs that quote a result at all;
* **agrees with stance**: share of quoted results that are the sentence the stance judge rested
  on, so the report's words and its verdict agree;
* **chance**: the hit rate of a results or conclusions sentence drawn at random (expected).

The dev split tuned the choice; the test split is the figure reported. Analyses are cached per
abstract under ``--cache`` (default: a temporary folder) so a second run is quick.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from evidentia.analyse import analyse
from evidentia.analyse.stance import judge_stance
from evidentia.config import Settings
from evidentia.evaluate import datasets
from evidentia.models import Finding, Hit, Paper, StudyFacts
from evidentia.pipeline import prepare_query
from evidentia.synthesise.findings import main_finding
from evidentia.synthesise.relevance import topic_of
from evidentia.synthesise.studies import StudyItem

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


@dataclass(frozen=True)
class Pair:
    question: str
    paper: Paper
    rationale: tuple[tuple[int, int], ...]  # character ranges of the gold sentences


def sentence_ranges(sentences: list[str]) -> list[tuple[int, int]]:
    """Where each corpus sentence lies in the abstract ``paper_from_parts`` joins."""
    ranges, position = [], 0
    for text in sentences:
        text = " ".join(text.split())
        if not text:
            ranges.append((position, position))
            continue
        start = position + (1 if position else 0)
        ranges.append((start, start + len(text)))
        position = start + len(text)
    return ranges


def pairs(data: Path, split: str, limit: int | None) -> Iterator[Pair]:
    corpus = datasets.scifact_corpus(data)
    claims = [claim for claim in datasets.scifact_claims(data, split) if claim["evidence"]]
    for claim in claims[:limit]:
        for doc_id, entries in claim["evidence"].items():
            doc = corpus[int(doc_id)]
            ranges = sentence_ranges(doc["abstract"])
            gold = sorted({index for entry in entries for index in entry["sentences"]})
            yield Pair(f"Is it true that {claim['claim'].rstrip('.')}?",
                       datasets.scifact_paper(doc), tuple(ranges[index] for index in gold))


class FactsCache:
    """Analyses by paper id, kept on disk between runs (the analyser is the slow part)."""

    def __init__(self, folder: Path | None) -> None:
        self.folder = folder
        if folder:
            folder.mkdir(parents=True, exist_ok=True)

    def get(self, paper: Paper) -> StudyFacts:
        path = self.folder / f"{paper.id.replace(':', '_')}.json" if self.folder else None
        if path and path.is_file():
            return StudyFacts.model_validate_json(path.read_text(encoding="utf-8"))
        facts = analyse(paper)
        if path:
            path.write_text(facts.model_dump_json(), encoding="utf-8")
        return facts


def study(pair: Pair, facts: StudyFacts, settings: Settings) -> StudyItem:
    query = prepare_query(pair.question, settings)
    stance = judge_stance(query, pair.paper, facts)
    hit = Hit(paper_id=pair.paper.id, rank=1, score=1.0, paper=pair.paper)
    return StudyItem(hit, pair.paper, facts, stance, order=0, topic=topic_of(query))


def inside(finding: Finding, ranges: tuple[tuple[int, int], ...]) -> bool:
    """Most of the quoted text lies in one of the ranges."""
    start, end = finding.span.start, finding.span.end
    overlap = max((min(end, b) - max(start, a) for a, b in ranges), default=0)
    return overlap >= 0.5 * max(1, end - start)


def chance(facts: StudyFacts, ranges: tuple[tuple[int, int], ...]) -> float:
    pool = [s for s in facts.sentences if s.role in ("results", "conclusions")] or facts.sentences
    if not pool:
        return 0.0
    return sum(any(s.start < b and a < s.end for a, b in ranges) for s in pool) / len(pool)


def evaluate(items: list[Pair], cache: FactsCache) -> dict[str, float]:
    settings = Settings()
    hits = quoted = agree = 0
    expected = 0.0
    for pair in items:
        facts = cache.get(pair.paper)
        item = study(pair, facts, settings)
        finding = main_finding(item)
        expected += chance(facts, pair.rationale)
        if finding is None:
            continue
        quoted += 1
        hits += inside(finding, pair.rationale)
        span = item.stance.span
        agree += span is not None and finding.span.start < span.end and span.start < finding.span.end
    n = max(1, len(items))
    return {"pairs": len(items), "hit": hits / n, "precision": hits / max(1, quoted),
            "quoted": quoted / n, "agrees_with_stance": agree / max(1, quoted),
            "chance": expected / n}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--split", default="test", choices=("train", "dev", "test"))
    parser.add_argument("--limit", type=int, help="first N claims with evidence")
    parser.add_argument("--cache", type=Path, help="folder for cached analyses")
    args = parser.parse_args()
    items = list(pairs(args.data, args.split, args.limit))
    scores = evaluate(items, FactsCache(args.cache))
    print(f"scifact {args.split}: pairs={scores['pairs']} hit={scores['hit']:.3f} "
          f"precision={scores['precision']:.3f} quoted={scores['quoted']:.3f} "
          f"agrees_with_stance={scores['agrees_with_stance']:.3f} chance={scores['chance']:.3f}")


if __name__ == "__main__":
    sys.exit(main())
