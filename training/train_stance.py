"""Train the stance model (yes / no / possibly) -> models/stance.json + stance.npz.

    python training/train_stance.py [--data ../shared/data] [--cv] [--extra scifact,ei]

Training pool: PubMedQA's 500 non-test items, each twice: with its conclusion (the
reasoning-free setting, model ``stance``) and without (the reasoning-required one, model
``stance_no_conclusion``); optionally SciFact train claims
against their cited abstracts (SUPPORT -> yes, CONTRADICT -> no) and Evidence Inference train
prompts turned into questions. The 500 official PubMedQA test items are never read here.
``--cv`` prints 5-fold cross-validated accuracy and macro-F1 on the PubMedQA pool (grouped by
PMID) for a grid of regularisation strengths: choose ``C`` from that.
"""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
from common import Timer, check_data, parser, write_meta

from evidentia.analyse import analyse
from evidentia.analyse.linear import save_linear
from evidentia.analyse.stance import stance_inputs
from evidentia.analyse.stance_model import MODEL_NAME, NO_CONCLUSION_MODEL, model_name
from evidentia.evaluate import datasets
from evidentia.evaluate.answers import ei_questions, scifact_pairs
from evidentia.evaluate.extraction import classification
from evidentia.models import QueryAnalysis

LABELS = ["yes", "no", "possibly"]
C_FREE, C_REQUIRED = 0.1, 0.03  # chosen by --cv (5-fold, grouped by PMID)
MIN_COUNT = 2
Example = tuple[list[str], str, str]  # features, label, group (PMID)


def pubmedqa_examples(data: Path) -> list[Example]:
    items = datasets.pubmedqa_items(data)
    out = []
    for pmid in datasets.pubmedqa_split(data, "train"):
        item = items[pmid]
        for conclusion in (True, False):
            paper = datasets.pubmedqa_paper(pmid, item, conclusion=conclusion)
            feats = stance_inputs(QueryAnalysis(question=item["QUESTION"], is_yes_no=True), paper, analyse(paper))
            if feats is not None:
                out.append((feats, datasets.PUBMEDQA_GOLD[item["final_decision"]], pmid))
    return out


def extra_examples(data: Path, names: list[str]) -> list[Example]:
    pairs = []
    if "scifact" in names:
        pairs += [(q, p, label) for q, p, label in scifact_pairs(data, "train") if label != "unclear"]
    if "ei" in names:
        pairs += ei_questions(data, "train")
    out = []
    for question, paper, label in pairs:
        feats = stance_inputs(QueryAnalysis(question=question, is_yes_no=True), paper, analyse(paper))
        if feats is not None:
            out.append((feats, label, f"extra:{paper.id}"))
    return out


def vocabulary(examples: list[Example]) -> list[str]:
    counts: dict[str, int] = {}
    for feats, _, _ in examples:
        for f in set(feats):
            counts[f] = counts.get(f, 0) + 1
    return sorted(f for f, n in counts.items() if n >= MIN_COUNT)


def matrix(examples: list[Example], index: dict[str, int]):
    from scipy.sparse import csr_matrix

    rows, cols = [], []
    for i, (feats, _, _) in enumerate(examples):
        for col in {index[f] for f in feats if f in index}:
            rows.append(i)
            cols.append(col)
    return csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(len(examples), len(index)))


def fit(examples: list[Example], c: float):
    from sklearn.linear_model import LogisticRegression

    features = vocabulary(examples)
    index = {f: i for i, f in enumerate(features)}
    model = LogisticRegression(C=c, max_iter=2000)
    model.fit(matrix(examples, index), [label for _, label, _ in examples])
    return features, index, model


def cross_validate(pool: list[Example], extra: list[Example], c: float) -> dict[str, float]:
    groups = sorted({g for _, _, g in pool})
    random.Random(3).shuffle(groups)
    folds = [set(groups[i::5]) for i in range(5)]
    gold: dict[bool, list[str]] = {True: [], False: []}
    guess: dict[bool, list[str]] = {True: [], False: []}
    for fold in folds:
        train = [e for e in pool if e[2] not in fold] + extra
        test = [e for e in pool if e[2] in fold]
        _, index, model = fit(train, c)
        predicted = model.predict(matrix(test, index))
        for (feats, label, _), p in zip(test, predicted, strict=True):
            free = "has_conclusion=True" in feats
            gold[free].append(label)
            guess[free].append(str(p))
    out = {}
    for free, name in ((True, "free"), (False, "required")):
        scores = classification(gold[free], guess[free], LABELS)
        out[f"{name}.accuracy"], out[f"{name}.macro_f1"] = scores["accuracy"], scores["macro_f1"]
    return out


def main() -> None:
    p = parser(__doc__)
    p.add_argument("--cv", action="store_true")
    p.add_argument("--extra", default="", help="comma-separated: scifact, ei")
    args = p.parse_args()
    check_data(args.data)
    timer = Timer()
    pool = pubmedqa_examples(args.data)
    extra = extra_examples(args.data, [n for n in args.extra.split(",") if n])
    print(f"{len(pool)} PubMedQA examples, {len(extra)} extra ({timer})")
    for name, c in ((MODEL_NAME, C_FREE), (NO_CONCLUSION_MODEL, C_REQUIRED)):
        subset = [e for e in pool + extra if model_name(e[0]) == name]
        if args.cv:
            for grid_c in (0.03, 0.1, 0.3, 1.0):
                print(f"{name} C={grid_c}: {cross_validate(subset, [], grid_c)}")
            continue
        features, _, model = fit(subset, c)
        save_linear(args.out / name, [str(label) for label in model.classes_], features, model.coef_.T,
                    model.intercept_, trained_on=f"PubMedQA non-test{' + ' + args.extra if args.extra else ''}",
                    C=c)
        print(f"{name}: {len(subset)} examples, {len(features)} features, {timer}")
        write_meta(args.out, name, {"files": [f"{name}.json", f"{name}.npz"], "C": c,
                                    "examples": len(subset), "extra": args.extra})


if __name__ == "__main__":
    main()
