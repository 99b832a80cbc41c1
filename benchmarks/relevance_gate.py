"""Does the relevance gate keep the studies that answer a question and leave out the rest?

    python benchmarks/relevance_gate.py [--data ../shared/data] [--split dev] [--limit N]
                                        [--work DIR] [--k 20]

Each SciFact claim with evidence becomes a question ("Is it true that <claim>?", as in
``corpora.py``). BM25 over the 5,183-abstract corpus retrieves its top ``k``. The gate
(``synthesise.relevance.addresses``) is then asked about:

* **evidence pairs**: every gold evidence abstract of the claim, retrieved or not. *Recall* is
  the share the gate keeps;
* **other retrieved pairs**: retrieved abstracts that are neither evidence nor cited by the
  claim. *Rejected* is the share the gate leaves out (SciFact's annotations are not exhaustive,
  so some of these do address the claim: this is a lower bound);
* **precision**: among retrieved abstracts the gate keeps, the share that are evidence.

Also printed: the gate's time for 20 studies (median over questions). The train split tuned
the gate; dev is the figure reported. The library is built once under ``--work``.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from corpora import scifact_records
from faithfulness import build_library, settings_for

from evidentia import pipeline
from evidentia.analyse.sentences import split_sentences
from evidentia.evaluate import datasets
from evidentia.models import Paper, StudyFacts
from evidentia.retrieve.bm25 import bm25_search
from evidentia.synthesise.relevance import addresses, topic_of

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


def sentences_only(paper: Paper) -> StudyFacts:
    """The gate reads only the title and the sentences, so the full analysis is not needed."""
    return StudyFacts(paper_id=paper.id, analyser_version="bench",
                      sentences=split_sentences(paper))


class Tally:
    def __init__(self) -> None:
        self.evidence = self.kept_evidence = 0
        self.others = self.kept_others = self.kept_retrieved_evidence = 0
        self.times: list[float] = []

    def line(self, split: str) -> str:
        recall = self.kept_evidence / max(1, self.evidence)
        rejected = 1 - self.kept_others / max(1, self.others)
        kept = self.kept_retrieved_evidence + self.kept_others
        precision = self.kept_retrieved_evidence / max(1, kept)
        per20 = statistics.median(self.times) * 1000 if self.times else 0.0
        return (f"scifact {split}: evidence pairs={self.evidence} recall={recall:.3f}; "
                f"other retrieved pairs={self.others} rejected={rejected:.3f}; "
                f"precision={precision:.3f}; gate time per 20 studies={per20:.1f} ms")


def run(data: Path, split: str, limit: int | None, work: Path, k: int) -> Tally:
    library_path = build_library(work / "scifact.sqlite", scifact_records(data))
    settings = settings_for(library_path)
    corpus = datasets.scifact_corpus(data)
    claims = [claim for claim in datasets.scifact_claims(data, split) if claim["evidence"]]
    tally = Tally()
    facts_of: dict[str, StudyFacts] = {}
    with pipeline.open_library(settings, create=False) as library:
        for claim in claims[:limit]:
            query = pipeline.prepare_query(f"Is it true that {claim['claim'].rstrip('.')}?",
                                           settings)
            hits = bm25_search(library, query, k=k)
            evidence = {f"doc:scifact-{doc}" for doc in claim["evidence"]}
            cited = {f"doc:scifact-{doc}" for doc in claim.get("cited_doc_ids", [])}
            gold = [_paper(corpus[int(doc)]) for doc in claim["evidence"]]
            retrieved = [hit.paper for hit in hits if hit.paper is not None]
            studies = [(paper, facts_of.setdefault(paper.id, sentences_only(paper)))
                       for paper in retrieved + gold]
            started = time.perf_counter()
            topic = topic_of(query)
            verdicts = [addresses(topic, paper, facts) for paper, facts in studies[:20]]
            tally.times.append(time.perf_counter() - started)
            verdicts += [addresses(topic, paper, facts) for paper, facts in studies[20:]]
            _count(tally, studies, verdicts, len(retrieved), evidence, cited)
    return tally


def _paper(doc: dict) -> Paper:
    return Paper(id=f"doc:scifact-{doc['doc_id']}", title=doc["title"],
                 abstract=" ".join(doc["abstract"]))


def _count(tally: Tally, studies: list, verdicts: list[bool], retrieved: int,
           evidence: set[str], cited: set[str]) -> None:
    for position, ((paper, _), kept) in enumerate(zip(studies, verdicts, strict=True)):
        if position >= retrieved:  # the gold abstracts, asked about whether retrieved or not
            tally.evidence += 1
            tally.kept_evidence += kept
        elif paper.id in evidence:
            tally.kept_retrieved_evidence += kept
        elif paper.id not in cited:
            tally.others += 1
            tally.kept_others += kept


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--split", default="dev", choices=("train", "dev", "test"))
    parser.add_argument("--limit", type=int, help="first N claims with evidence")
    parser.add_argument("--work", type=Path, help="where the library is built (default: temp)")
    parser.add_argument("--k", type=int, default=20, help="abstracts retrieved per claim")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as temp:
        work = args.work or Path(temp)
        work.mkdir(parents=True, exist_ok=True)
        print(run(args.data, args.split, args.limit, work, args.k).line(args.split))


if __name__ == "__main__":
    sys.exit(main())
