"""Word clusters for the taggers -> models/word_clusters.json (word -> [coarse, fine] cluster).

    python training/build_word_clusters.py [--data ../shared/data]

Each lower-cased word of the unlabelled text in the shared data (SciFact corpus, Evidence
Inference abstracts, PubMedQA contexts, EvidenceOutcomes/EvidenceMap texts, EBM-NLP training
tokens; never the EBM-NLP test abstracts) that occurs at least twice is embedded as the mean of
its word pieces in the static MiniLM table (``index/artifacts/minilm-static``), and k-means puts
it in a coarse (64) and a fine (384) cluster. Unseen words get no cluster feature at run time.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import numpy as np
from common import REPO, Timer, check_data, parser, write_meta

from evidentia.analyse.tokens import tokenize
from evidentia.evaluate import datasets

STATIC = REPO / "src" / "evidentia" / "index" / "artifacts" / "minilm-static"
SIZES = (64, 384)
MIN_COUNT = 2


def corpus_words(data: Path) -> Counter[str]:
    counts: Counter[str] = Counter()

    def add(text: str) -> None:
        counts.update(t.text.lower() for t in tokenize(text) if any(c.isalpha() for c in t.text))

    for doc in datasets.scifact_corpus(data).values():
        add(doc["title"] + " " + " ".join(doc["abstract"]))
    for title, parts in datasets.evidence_inference_abstracts(data).values():
        add(title + " " + " ".join(text for _, text in parts))
    for item in datasets.pubmedqa_items(data).values():
        add(" ".join(item["CONTEXTS"]) + " " + item["LONG_ANSWER"])
    for corpus in ("outcomes", "map"):
        for doc in datasets.brat_documents(data, corpus):
            add(doc.text)
    for doc in datasets.conll_documents(data, "dev") + datasets.ebm_difficulty_documents(data):
        counts.update(w.lower() for s in doc.sentences for w, _ in s if any(c.isalpha() for c in w))
    return counts


def embed(words: list[str]) -> np.ndarray:
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(STATIC / "tokenizer.json"))
    table = np.load(STATIC / "embeddings.npy").astype(np.float32)
    out = np.zeros((len(words), table.shape[1]), dtype=np.float32)
    for i, encoding in enumerate(tokenizer.encode_batch(words, add_special_tokens=False)):
        ids = [j for j in encoding.ids if j < len(table)]
        if ids:
            out[i] = table[ids].mean(axis=0)
    norms = np.linalg.norm(out, axis=1, keepdims=True)
    return out / np.maximum(norms, 1e-6)


def main() -> None:
    args = parser(__doc__).parse_args()
    check_data(args.data)
    from sklearn.cluster import MiniBatchKMeans

    timer = Timer()
    counts = corpus_words(args.data)
    words = sorted(w for w, n in counts.items() if n >= MIN_COUNT)
    vectors = embed(words)
    labels = [MiniBatchKMeans(n_clusters=k, random_state=0, n_init=3, batch_size=4096).fit_predict(vectors)
              for k in SIZES]
    table = {w: [int(a), int(b)] for w, a, b in zip(words, *labels, strict=True)}
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / "word_clusters.json"
    path.write_text(json.dumps(table, separators=(",", ":")), encoding="utf-8")
    print(f"word clusters: {len(words)} words, k={SIZES}, {timer}, {path.stat().st_size / 1e6:.1f} MB")
    write_meta(args.out, "word_clusters", {"file": path.name, "words": len(words), "k": list(SIZES),
                                           "embeddings": "index/artifacts/minilm-static"})


if __name__ == "__main__":
    main()
