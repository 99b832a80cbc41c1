"""Train the sentence-role CRF on structured abstracts -> models/roles.crfsuite.

    python training/train_roles.py [--data ../shared/data] [--tune]

Training pool (headings removed, roles from the section labels): Evidence Inference train split,
PubMedQA's 500 non-test items, SciFact's structured abstracts. Abstracts whose labels do not map
to one role ("METHODS AND RESULTS") are left out. The Evidence Inference test split and the
500 PubMedQA test items are the evaluation set (``evidentia eval roles``). ``--tune`` holds out
10% of the pool and prints accuracy for a small grid of L1/L2 weights.
"""

from __future__ import annotations

import random
import tempfile
from pathlib import Path

from common import Timer, check_data, parser, write_meta

from evidentia.analyse.roles import ROLE_MODEL_FILE, abstract_features
from evidentia.evaluate.datasets import structured_abstracts
from evidentia.evaluate.extraction import classification
from evidentia.evaluate.extractors import labelled_roles

C1, C2 = 0.5, 0.01


def examples(papers: list) -> list[tuple[list[str], list[str]]]:
    out = []
    for paper in papers:
        pair = labelled_roles(paper)
        if pair:
            out.append(pair)
    return out


def train(pairs: list[tuple[list[str], list[str]]], path: Path, c1: float, c2: float) -> None:
    import pycrfsuite

    trainer = pycrfsuite.Trainer(verbose=False)
    for texts, roles in pairs:
        trainer.append(abstract_features(texts), roles)
    trainer.set_params({"c1": c1, "c2": c2, "max_iterations": 200,
                        "feature.possible_transitions": True})
    trainer.train(str(path))


def accuracy(pairs: list[tuple[list[str], list[str]]], path: Path) -> dict[str, float]:
    import pycrfsuite

    tagger = pycrfsuite.Tagger()
    tagger.open(str(path))
    gold, guess = [], []
    for texts, roles in pairs:
        gold += roles
        guess += tagger.tag(abstract_features(texts))
    return classification(gold, guess)


def main() -> None:
    p = parser(__doc__)
    p.add_argument("--tune", action="store_true")
    args = p.parse_args()
    check_data(args.data)
    timer = Timer()
    pairs = examples(structured_abstracts(args.data, "train"))
    if args.tune:
        random.Random(7).shuffle(pairs)
        held, pool = pairs[: len(pairs) // 10], pairs[len(pairs) // 10:]
        with tempfile.TemporaryDirectory() as tmp:
            for c1, c2 in ((0.1, 0.05), (0.5, 0.01), (0.05, 0.1), (1.0, 0.01)):
                train(pool, Path(tmp) / "r.crfsuite", c1, c2)
                scores = accuracy(held, Path(tmp) / "r.crfsuite")
                print(f"c1={c1} c2={c2}: accuracy {scores['accuracy']:.3f} macro-F1 {scores['macro_f1']:.3f}")
        return
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / ROLE_MODEL_FILE
    train(pairs, path, C1, C2)
    print(f"roles: {len(pairs)} abstracts, {timer}, {path.stat().st_size / 1e6:.1f} MB -> {path}")
    write_meta(args.out, "roles", {"file": ROLE_MODEL_FILE, "abstracts": len(pairs), "c1": C1, "c2": C2,
                                   "trained_on": "Evidence Inference train, PubMedQA non-test, SciFact structured"})


if __name__ == "__main__":
    main()
