"""Train the PICO span tagger (CRF) on EBM-NLP's non-test abstracts -> models/pico.crfsuite.

    python training/train_pico.py [--data ../shared/data] [--tune [--quick]] [--iterations 100]

Training pool: EBM-NLP ``dev.txt`` (960 crowd-labelled abstracts; SciBERT's split of the EBM-NLP
training set). The 191 expert-labelled test abstracts are never used here. ``--tune`` holds out
10% of the pool and prints token F1 per element for a small grid of L1/L2 weights and of the
weight on the "O" marginal in posterior decoding (``pico.OUTSIDE_WEIGHT``); pick the defaults
from that, then train on everything.
"""

from __future__ import annotations

import random
import tempfile
from pathlib import Path

from common import Timer, check_data, parser, write_meta

from evidentia.analyse import pico
from evidentia.evaluate.datasets import ConllDocument, conll_documents
from evidentia.evaluate.extraction import token_f1

C1, C2 = 0.05, 0.05


def document_sequences(doc: ConllDocument) -> list[tuple[list[list[str]], list[str], int]]:
    """(features, labels, heading tokens skipped) per sentence, sections read from headings."""
    out = []
    section = "none"
    for index, sentence in enumerate(doc.sentences):
        words = [w for w, _ in sentence]
        section, skip = pico.heading_section(words, section)
        body = words[skip:]
        if not body:
            continue
        feats = pico.sentence_features(body, section, index, pico.gazetteer_tags(body))
        out.append((feats, [lab for _, lab in sentence[skip:]], skip))
    return out


def train(docs: list[ConllDocument], path: Path, c1: float, c2: float, iterations: int) -> None:
    import pycrfsuite

    trainer = pycrfsuite.Trainer(verbose=False)
    for doc in docs:
        for feats, labels, _ in document_sequences(doc):
            trainer.append(feats, labels)
    trainer.set_params({"c1": c1, "c2": c2, "max_iterations": iterations,
                        "feature.possible_transitions": True})
    trainer.train(str(path))


def predict(docs: list[ConllDocument], path: Path, outside: float = 1.0) -> tuple[list[str], list[str]]:
    """Gold and predicted labels over every token (heading tokens predicted ``O``); posterior
    decoding with the ``O`` marginal multiplied by ``outside``."""
    import pycrfsuite

    tagger = pycrfsuite.Tagger()
    tagger.open(str(path))
    gold, guess = [], []
    for doc in docs:
        section = "none"
        for index, sentence in enumerate(doc.sentences):
            words = [w for w, _ in sentence]
            section, skip = pico.heading_section(words, section)
            body = words[skip:]
            guess += ["O"] * skip
            if body:
                tagger.set(pico.sentence_features(body, section, index, pico.gazetteer_tags(body)))
                for t in range(len(body)):
                    scores = {y: tagger.marginal(y, t) * (outside if y == "O" else 1.0) for y in ("O", *pico.LABELS)}
                    guess.append(max(scores, key=scores.__getitem__))
            gold += [lab for _, lab in sentence]
    return gold, guess


def tune(docs: list[ConllDocument], iterations: int, grid: list[tuple[float, float]]) -> None:
    rng = random.Random(13)
    shuffled = docs[:]
    rng.shuffle(shuffled)
    held, pool = shuffled[: len(docs) // 10], shuffled[len(docs) // 10:]
    with tempfile.TemporaryDirectory() as tmp:
        for c1, c2 in grid:
            path = Path(tmp) / "m.crfsuite"
            train(pool, path, c1, c2, iterations)
            for outside in (1.0, 0.8, 0.6, 0.5):
                scores = token_f1(*predict(held, path, outside), pico.LABELS)
                print(f"c1={c1} c2={c2} outside={outside}: "
                      + ", ".join(f"{k} {v:.3f}" for k, v in scores.items() if k.endswith("f1")))


def main() -> None:
    p = parser(__doc__)
    p.add_argument("--tune", action="store_true", help="grid over L1/L2 on a 10%% hold-out")
    p.add_argument("--quick", action="store_true", help="with --tune: the default weights only")
    p.add_argument("--iterations", type=int, default=100)
    args = p.parse_args()
    check_data(args.data)
    docs = conll_documents(args.data, "dev")
    if args.tune:
        grid = [(C1, C2)] if args.quick else [(0.05, 0.05), (0.1, 0.01), (0.2, 0.05), (0.0, 0.1), (0.5, 0.01)]
        tune(docs, args.iterations, grid)
        return
    timer = Timer()
    args.out.mkdir(parents=True, exist_ok=True)
    train(docs, args.out / pico.MODEL_FILE, C1, C2, args.iterations)
    size = (args.out / pico.MODEL_FILE).stat().st_size
    print(f"pico: {len(docs)} abstracts, {timer}, {size / 1e6:.1f} MB -> {args.out / pico.MODEL_FILE}")
    write_meta(args.out, "pico", {"file": pico.MODEL_FILE, "trained_on": "EBM-NLP dev.txt (960 abstracts)",
                                  "c1": C1, "c2": C2, "iterations": args.iterations})


if __name__ == "__main__":
    main()
