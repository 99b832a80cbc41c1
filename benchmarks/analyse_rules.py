"""Analysis figures with an error listing: speed on SciFact, stance accuracy on PubMedQA.

    python benchmarks/analyse_rules.py [--data ../shared/data] [--split dev|test|both] [--errors N]
                                       [--query bare|retrieve] [--no-speed] [--rules-only]

``--rules-only`` judges stance with the v1 rules alone (``judge_stance(..., learned=False)``);
by default the learned model decides (see ``benchmarks/analyse_models.py`` for every figure).

* speed: ``analyse()`` over every SciFact abstract (abstract = " ".join(sentences)), one core;
* stance: PubMedQA PQA-L, question = QUESTION, abstract = CONTEXTS + LONG_ANSWER (sections from
  LABELS, the long answer as CONCLUSIONS, MeSH from MESHES); gold ``maybe`` → "possibly".
  ``dev`` is the 500 PMIDs not in test_ground_truth.json (the only ones used for tuning);
  ``test`` is the official 500-question test split (report only, never tune on it).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from pathlib import Path

from evidentia.analyse import analyse, judge_stance
from evidentia.models import AbstractSection, Paper, QueryAnalysis

GOLD = {"yes": "yes", "no": "no", "maybe": "possibly"}


def scifact_papers(data: Path) -> list[Paper]:
    with (data / "scifact" / "corpus.jsonl").open(encoding="utf-8") as handle:
        rows = [json.loads(line) for line in handle]
    return [Paper(id=f"doc:{r['doc_id']}", title=r["title"], abstract=" ".join(r["abstract"]))
            for r in rows]


def pubmedqa_paper(pmid: str, item: dict) -> Paper:
    parts = list(zip(item["LABELS"], item["CONTEXTS"])) + [("CONCLUSIONS", item["LONG_ANSWER"])]
    abstract, sections = "", []
    for label, text in parts:
        start = len(abstract) + (1 if abstract else 0)
        abstract = f"{abstract} {text}" if abstract else text
        sections.append(AbstractSection(label=label, start=start, end=len(abstract)))
    return Paper(id=f"pmid:{pmid}", pmid=pmid, title="", abstract=abstract, sections=sections,
                 mesh_terms=item.get("MESHES", []))


def speed(data: Path) -> None:
    papers = scifact_papers(data)
    analyse(papers[0])  # load vocabularies once
    started, cpu_started = time.perf_counter(), time.process_time()
    for paper in papers:
        analyse(paper)
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    print(f"speed: {len(papers)} SciFact abstracts, wall {elapsed:.2f} s = {len(papers) / elapsed:.0f}/s, "
          f"CPU {cpu:.2f} s = {len(papers) / cpu:.0f}/s (one core)")


def make_query(question: str, analyser: str) -> QueryAnalysis:
    """The question as the pipeline sees it (retrieve's query analysis) or its bare text."""
    if analyser == "retrieve":
        from evidentia.retrieve import analyse_query

        return analyse_query(question)
    return QueryAnalysis(question=question, is_yes_no=True)


def stance(data: Path, split: str, errors: int, analyser: str, learned: bool = True) -> None:
    items = json.loads((data / "pubmedqa" / "ori_pqal.json").read_text(encoding="utf-8"))
    test = json.loads((data / "pubmedqa" / "test_ground_truth.json").read_text(encoding="utf-8"))
    pmids = [p for p in items if (p in test) == (split == "test")]
    confusion: Counter[tuple[str, str]] = Counter()
    shown = 0
    for pmid in pmids:
        item = items[pmid]
        paper = pubmedqa_paper(pmid, item)
        query = make_query(item["QUESTION"], analyser)
        judgement = judge_stance(query, paper, analyse(paper), learned=learned)
        gold = GOLD[item["final_decision"]]
        confusion[(gold, judgement.stance)] += 1
        if gold != judgement.stance and shown < errors:
            shown += 1
            print(f"[{gold} → {judgement.stance}] {item['QUESTION']}\n   {judgement.reason}\n   "
                  f"{judgement.span.text if judgement.span else ''}\n")
    report(f"{split}, query: {analyser}", confusion, len(pmids))


def report(split: str, confusion: Counter[tuple[str, str]], total: int) -> None:
    correct = sum(n for (gold, got), n in confusion.items() if gold == got)
    f1s = []
    for label in ("yes", "no", "possibly"):
        tp = confusion[(label, label)]
        predicted = sum(n for (_, got), n in confusion.items() if got == label)
        actual = sum(n for (gold, _), n in confusion.items() if gold == label)
        precision = tp / predicted if predicted else 0.0
        recall = tp / actual if actual else 0.0
        f1s.append(2 * precision * recall / (precision + recall) if precision + recall else 0.0)
    print(f"stance ({split}, {total} items): accuracy {correct / total:.3f}, macro-F1 {sum(f1s) / 3:.3f}")
    print("  gold \\ predicted: " + "  ".join(f"{g}->{p}:{n}" for (g, p), n in sorted(confusion.items())))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "data")
    parser.add_argument("--split", choices=["dev", "test", "both"], default="dev")
    parser.add_argument("--errors", type=int, default=0, help="print the first N wrong dev answers")
    parser.add_argument("--no-speed", action="store_true")
    parser.add_argument("--rules-only", action="store_true", help="stance from the v1 rules alone")
    parser.add_argument("--query", choices=["bare", "retrieve"], default="bare",
                        help="bare: QueryAnalysis(question) only; retrieve: retrieve.analyse_query")
    args = parser.parse_args()
    if not args.data.is_dir():
        sys.exit(f"shared data not found at {args.data}")
    if not args.no_speed:
        speed(args.data)
    for split in (["dev", "test"] if args.split == "both" else [args.split]):
        stance(args.data, split, args.errors if split == "dev" else 0, args.query, not args.rules_only)


if __name__ == "__main__":
    main()
