"""Does the stance judge know what each study tested? Directness figures on held-out data.

    python benchmarks/directness.py [--data ../shared/data] [--split validation] [--limit N]

``evidentia eval pubmedqa`` and ``stance-scifact`` pass the question alone (no parsed
intervention), so the directness rules (``analyse/directness.py``: background co-interventions,
measured exposures, the lack of an agent) never fire there. This script parses each question as
``evidentia ask`` does (``pipeline.prepare_query``) and reports, with the rules on and off:

* **PubMedQA test** (500, conclusion included): stance accuracy and macro-F1;
* **Evidence Inference** (prompts of one split whose evidence is in the abstract): every prompt's
  intervention was tested by its trial, so a "background" verdict is a false alarm. Questions
  are "Does <intervention> <verb> <outcome> compared with <comparator>?"; accuracy as in
  ``ei_questions``, plus the share of studies judged to test something else;
* **Evidence Inference co-interventions**: prompts whose comparator is one arm's background
  ("A plus B" versus "B"): "Does B <verb> <outcome>?" is not what the trial compared, so the
  right call is "background". Reported as recall (how many such studies are caught).
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from evidentia.analyse import analyse, stance
from evidentia.analyse.directness import Directness
from evidentia.config import Settings
from evidentia.evaluate import datasets
from evidentia.evaluate.answers import PUBMEDQA_LABELS, ei_questions
from evidentia.evaluate.extraction import classification
from evidentia.models import Paper
from evidentia.pipeline import prepare_query

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
_PLUS = re.compile(r"\s*(?:\+|plus|and|with|combined with|in addition to)\s+", re.IGNORECASE)


@contextmanager
def rules_off() -> Iterator[None]:
    """The judge as it was before the directness rules: every study tests what it names."""
    saved = stance.directness_of, stance.absence_spans
    stance.directness_of = lambda *args: Directness()
    stance.absence_spans = lambda *args: []
    try:
        yield
    finally:
        stance.directness_of, stance.absence_spans = saved


def judged(items: list[tuple[str, Paper, str]], settings: Settings) -> tuple[list[str], list[str]]:
    """(gold, stance) of each (question, paper, gold) with a parsed query."""
    gold, guess = [], []
    for question, paper, label in items:
        query = prepare_query(question, settings)
        gold.append(label)
        guess.append(stance.judge_stance(query, paper, analyse(paper)).stance)
    return gold, guess


def pubmedqa(data: Path, limit: int | None) -> list[tuple[str, Paper, str]]:
    items = datasets.pubmedqa_items(data)
    pmids = datasets.pubmedqa_split(data, "test")[:limit]
    return [(items[p]["QUESTION"], datasets.pubmedqa_paper(p, items[p], conclusion=True),
             datasets.PUBMEDQA_GOLD[items[p]["final_decision"]]) for p in pmids]


def co_intervention_items(data: Path, split: str) -> list[tuple[str, Paper, str]]:
    """"Does B change O?" for prompts comparing "A plus B" with "B" (B given to both arms)."""
    wanted = set().union(*(datasets.ei_split(data, name) for name in split.split(",")))
    abstracts = datasets.evidence_inference_abstracts(data)
    out, seen = [], set()
    for prompt in datasets.evidence_inference_prompts(data):
        pmcid, comparator = prompt["PMCID"], prompt["Comparator"].strip()
        intervention = prompt["Intervention"].strip()
        if pmcid not in wanted or pmcid not in abstracts or (pmcid, comparator) in seen:
            continue
        if not _is_add_on(intervention, comparator):
            continue
        seen.add((pmcid, comparator))
        title, sections = abstracts[pmcid]
        paper = datasets.paper_from_parts(f"doc:PMC{pmcid}", sections, title=title)
        out.append((f"Does {comparator} change {prompt['Outcome'].strip()}?", paper, "background"))
    return out


def _is_add_on(intervention: str, comparator: str) -> bool:
    """"A plus B" (or "B with A") against "B": B is the background both arms received."""
    if " or " in f" {intervention.casefold()} " or len(comparator) < 4:
        return False
    parts = {part.casefold().strip() for part in _PLUS.split(intervention)}
    return len(parts) >= 2 and comparator.casefold() in parts


def background_share(items: list[tuple[str, Paper, str]], settings: Settings) -> float:
    hits = 0
    for question, paper, _ in items:
        query = prepare_query(question, settings)
        hits += stance.directness_of(query, paper, analyse(paper)).kind == "background"
    return hits / len(items) if items else 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--split", default="validation")
    parser.add_argument("--limit", type=int)
    args = parser.parse_args()
    settings = Settings()
    sets = {"pubmedqa test": pubmedqa(args.data, args.limit),
            f"evidence inference {args.split}": ei_questions(args.data, args.split)[:args.limit]}
    for name, items in sets.items():
        labels = PUBMEDQA_LABELS if name.startswith("pubmedqa") else ("yes", "no", "possibly")
        for mode, context in (("rules off", rules_off()), ("rules on", _nothing())):
            with context:
                gold, guess = judged(items, settings)
            scores = classification(gold, guess, labels)
            print(f"{name} ({mode}): n={len(items)} accuracy={scores['accuracy']:.3f} "
                  f"macro_f1={scores['macro_f1']:.3f}")
    ei = sets[f"evidence inference {args.split}"]
    print(f"evidence inference {args.split}: tested interventions judged 'background': "
          f"{background_share(ei, settings):.3f} (false alarms; n={len(ei)})")
    co = co_intervention_items(args.data, "train,validation,test")
    print("evidence inference, all splits: co-interventions ('A plus B' vs 'B', asked about B)"
          f" judged 'background': {background_share(co, settings):.3f} (recall; n={len(co)})")


@contextmanager
def _nothing() -> Iterator[None]:
    yield


if __name__ == "__main__":
    sys.exit(main())
