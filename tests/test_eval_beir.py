"""Ranking metrics against hand-computed values, and the BEIR / PubMedQA evaluation on tiny sets."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from evidentia.config import Settings
from evidentia.evaluate.beir import (
    evaluate_beir,
    evaluate_pubmedqa,
    load_corpus,
    load_qrels,
    mode_settings,
)
from evidentia.evaluate.metrics import mean_metric, ndcg_at, recall_at
from evidentia.index.embedders import HashEmbedder

# Relevant: d1 (1), d3 (2), d4 (1). Ranked: d1, d2, d3.
RANKED = ["d1", "d2", "d3"]
QRELS = {"d1": 1, "d3": 2, "d4": 1}


def test_ndcg_matches_the_hand_computed_value() -> None:
    dcg = 1 / math.log2(2) + 0 + 2 / math.log2(4)  # = 2.0
    ideal = 2 / math.log2(2) + 1 / math.log2(3) + 1 / math.log2(4)  # rels 2, 1, 1
    assert ndcg_at(RANKED, QRELS, 3) == pytest.approx(dcg / ideal)
    assert ndcg_at(RANKED, QRELS, 3) == pytest.approx(0.6388, abs=1e-4)
    assert ndcg_at(["d3", "d1", "d4"], QRELS, 3) == pytest.approx(1.0)


def test_ndcg_cuts_at_k_and_ignores_repeats() -> None:
    assert ndcg_at(["d2", "d1"], QRELS, 1) == 0.0
    assert ndcg_at(["d3", "d3", "d1", "d4"], QRELS, 3) == pytest.approx(1.0)
    assert ndcg_at(RANKED, {"d9": 0}, 10) == 0.0


@pytest.mark.parametrize(("k", "expected"), [(1, 1 / 3), (2, 1 / 3), (3, 2 / 3), (100, 2 / 3)])
def test_recall_counts_relevant_documents_in_the_top_k(k: int, expected: float) -> None:
    assert recall_at(RANKED, QRELS, k) == pytest.approx(expected)


def test_mean_counts_empty_runs_as_zero_and_skips_queries_without_relevant() -> None:
    qrels = {"q1": {"a": 1}, "q2": {"b": 1}, "q3": {"c": 0}}
    run = {"q1": ["a"], "q3": ["c"]}
    assert mean_metric(run, qrels, ndcg_at, 10) == pytest.approx(0.5)


CORPUS = [
    ("d1", "Aspirin and colorectal cancer", "Daily aspirin lowered adenoma recurrence."),
    ("d2", "Exercise lowers blood pressure", "Aerobic training reduced systolic pressure."),
    ("d3", "Melatonin for jet lag", "Melatonin shortened jet lag after flights."),
    ("d4", "Zinc and colds", "Zinc lozenges shortened colds."),
]
QUERIES = {"q1": "aspirin colorectal adenoma", "q2": "melatonin jet lag", "q3": "zinc colds"}


@pytest.fixture
def beir_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "tiny"
    (folder / "qrels").mkdir(parents=True)
    (folder / "corpus.jsonl").write_text("".join(
        json.dumps({"_id": i, "title": t, "text": a}) + "\n" for i, t, a in CORPUS))
    (folder / "queries.jsonl").write_text("".join(
        json.dumps({"_id": q, "text": t}) + "\n" for q, t in QUERIES.items()))
    (folder / "qrels" / "test.tsv").write_text(
        "query-id\tcorpus-id\tscore\nq1\td1\t1\nq2\td3\t1\nq3\td4\t1\n")
    return folder


def test_beir_loaders_map_ids_to_library_ids(beir_dir: Path) -> None:
    assert [paper.id for paper in load_corpus(beir_dir)][:2] == ["doc:d1", "doc:d2"]
    assert load_qrels(beir_dir, "test")["q2"] == {"doc:d3": 1}


def test_evaluate_beir_reports_each_mode_flat(beir_dir: Path, tmp_path: Path) -> None:
    settings = Settings().with_overrides(["index.embedder=hash"])
    scores = evaluate_beir(beir_dir, settings, work_dir=tmp_path / "work", embedder=HashEmbedder())
    assert set(scores) == {
        f"{mode}.{metric}" for mode in ("bm25", "dense", "hybrid", "hybrid+rerank")
        for metric in ("ndcg@10", "recall@100")
    }
    assert scores["bm25.ndcg@10"] == 1.0 and scores["hybrid+rerank.recall@100"] == 1.0
    again = evaluate_beir(beir_dir, settings, ("bm25",), work_dir=tmp_path / "work")
    assert again == {"bm25.ndcg@10": 1.0, "bm25.recall@100": 1.0}


def test_mode_settings_switch_the_stages() -> None:
    chosen = mode_settings(Settings(), "hybrid+rerank", 100)
    assert (chosen.index.mode, chosen.index.rerank, chosen.retrieve.k) == ("hybrid", True, 100)
    assert mode_settings(Settings(), "dense", 10).index.rerank is False


def test_evaluate_pubmedqa_finds_each_question_own_abstract(tmp_path: Path) -> None:
    data = {
        "11": {"QUESTION": "Does aspirin prevent colorectal adenoma?", "YEAR": "2001",
               "CONTEXTS": ["Daily aspirin lowered colorectal adenoma recurrence."]},
        "12": {"QUESTION": "Does melatonin help jet lag?", "YEAR": "2010",
               "CONTEXTS": ["Melatonin shortened jet lag.", "Flights were eastward."]},
    }
    path = tmp_path / "ori_pqal.json"
    path.write_text(json.dumps(data))
    scores = evaluate_pubmedqa(path, Settings(), ("bm25", "hybrid"), embedder=HashEmbedder())
    assert scores == {"pubmedqa.bm25.recall@10": 1.0, "pubmedqa.hybrid.recall@10": 1.0}


def test_scifact_split_sizes(shared_data: Path) -> None:
    scifact = shared_data / "beir" / "scifact"
    if not scifact.is_dir():
        pytest.skip("BEIR SciFact not in the shared data")
    assert len(load_qrels(scifact, "test")) == 300
    assert len(load_qrels(scifact, "train")) == 809
