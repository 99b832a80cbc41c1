"""Held-out evaluations of the stance judge (PubMedQA, SciFact) and of analysis speed.

PubMedQA is scored as in its paper: accuracy and macro-F1 over yes / no / maybe ("possibly") on
the 500 official test questions, in two settings: ``reasoning_free`` (the abstract's conclusion,
LONG_ANSWER, is part of the text) and ``reasoning_required`` (it is withheld). The question goes
in as written (``QueryAnalysis(question=...)``); an "unclear" answer counts as wrong.
"""

from __future__ import annotations

import time
from pathlib import Path

from ..analyse import analyse, judge_stance
from ..models import Paper, QueryAnalysis
from . import datasets
from .extraction import classification, confusion

PUBMEDQA_LABELS = ("yes", "no", "possibly")
_SCIFACT_GOLD = {"SUPPORT": "yes", "CONTRADICT": "no"}


def eval_pubmedqa(data: Path, limit: int | None = None) -> dict[str, float]:
    """Accuracy and macro-F1 on the PubMedQA test set, learned model and rules alone."""
    items = datasets.pubmedqa_items(data)
    pmids = datasets.pubmedqa_split(data, "test")[:limit] if limit else datasets.pubmedqa_split(data, "test")
    out: dict[str, float] = {}
    for setting, conclusion in (("reasoning_free", True), ("reasoning_required", False)):
        gold, learned, rules = [], [], []
        for pmid in pmids:
            item = items[pmid]
            paper = datasets.pubmedqa_paper(pmid, item, conclusion=conclusion)
            query = QueryAnalysis(question=item["QUESTION"], is_yes_no=True)
            facts = analyse(paper)
            gold.append(datasets.PUBMEDQA_GOLD[item["final_decision"]])
            learned.append(judge_stance(query, paper, facts).stance)
            rules.append(judge_stance(query, paper, facts, learned=False).stance)
        for name, guess in (("", learned), ("rules.", rules)):
            scores = classification(gold, guess, PUBMEDQA_LABELS)
            out[f"{setting}.{name}accuracy"] = scores["accuracy"]
            out[f"{setting}.{name}macro_f1"] = scores["macro_f1"]
    out["questions"] = float(len(pmids))
    return out


def scifact_pairs(data: Path, split: str) -> list[tuple[str, Paper, str]]:
    """(claim, cited abstract, yes / no / unclear) for every cited document of every claim."""
    corpus = datasets.scifact_corpus(data)
    pairs = []
    for claim in datasets.scifact_claims(data, split):
        for doc_id in claim.get("cited_doc_ids", []):
            doc = corpus.get(int(doc_id))
            if doc is None:
                continue
            evidence = claim.get("evidence", {}).get(str(doc_id))
            label = _SCIFACT_GOLD.get(evidence[0]["label"], "unclear") if evidence else "unclear"
            pairs.append((claim["claim"], datasets.scifact_paper(doc), label))
    return pairs


def eval_scifact(data: Path, limit: int | None = None) -> dict[str, float]:
    """SciFact dev: each claim against each cited abstract. ``possibly`` counts as leaning yes.

    ``all.*`` scores yes / no / unclear (not enough info) over every pair; ``evidence.*``
    scores yes vs no on the pairs that carry evidence.
    """
    pairs = scifact_pairs(data, "dev")
    pairs = pairs[:limit] if limit else pairs
    gold, guess = [], []
    for claim, paper, label in pairs:
        stance = judge_stance(QueryAnalysis(question=claim, is_yes_no=True), paper, analyse(paper)).stance
        gold.append(label)
        guess.append("yes" if stance == "possibly" else stance)
    out = {f"all.{k}": v for k, v in classification(gold, guess, ("yes", "no", "unclear")).items()
           if k in ("accuracy", "macro_f1", "n")}
    with_evidence = [(g, p) for g, p in zip(gold, guess, strict=True) if g != "unclear"]
    scores = classification([g for g, _ in with_evidence], [p for _, p in with_evidence], ("yes", "no"))
    out.update({f"evidence.{k}": v for k, v in scores.items() if k in ("accuracy", "macro_f1", "n")})
    return out


def ei_questions(data: Path, split: str) -> list[tuple[str, Paper, str]]:
    """Evidence Inference prompts whose evidence is in the abstract, as yes/no questions.

    "significantly increased" gives "Does I increase O compared with C?" -> yes and the same
    question with "reduce" -> no; "no significant difference" gives "Does I change O ..." -> no.
    """
    wanted = datasets.ei_split(data, split)
    abstracts = datasets.evidence_inference_abstracts(data)
    out = []
    for prompt in datasets.evidence_inference_prompts(data):
        pmcid = prompt["PMCID"]
        if pmcid not in wanted or pmcid not in abstracts:
            continue
        title, parts = abstracts[pmcid]
        paper = datasets.paper_from_parts(f"doc:PMC{pmcid}", parts, title=title)
        if " ".join(prompt["evidence"].split())[:60] not in paper.abstract:
            continue
        ico = (prompt["Intervention"].strip(), prompt["Outcome"].strip(), prompt["Comparator"].strip())
        for verb, label in _ei_verbs(prompt["label"]):
            out.append((f"Does {ico[0]} {verb} {ico[1]} compared with {ico[2]}?", paper, label))
    return out


def _ei_verbs(label: str) -> list[tuple[str, str]]:
    if "increased" in label:
        return [("increase", "yes"), ("reduce", "no")]
    if "decreased" in label:
        return [("reduce", "yes"), ("increase", "no")]
    return [("change", "no")]


def eval_direction(data: Path, limit: int | None = None) -> dict[str, float]:
    """Findings' direction on Evidence Inference test prompts whose evidence is in the abstract:
    does the finding for the evidence sentence say "no difference" exactly when the annotators
    said "no significant difference"? (``unclear`` counts as a miss.)"""
    wanted = datasets.ei_split(data, "test")
    abstracts = datasets.evidence_inference_abstracts(data)
    gold, guess = [], []
    for prompt in datasets.evidence_inference_prompts(data):
        if prompt["PMCID"] not in wanted or prompt["PMCID"] not in abstracts:
            continue
        title, parts = abstracts[prompt["PMCID"]]
        paper = datasets.paper_from_parts(f"doc:PMC{prompt['PMCID']}", parts, title=title)
        at = paper.abstract.find(" ".join(prompt["evidence"].split())[:60])
        finding = next((f for f in analyse(paper).findings if f.span.start <= at < f.span.end), None) if at >= 0 else None
        if finding is None:
            continue
        gold.append("no_difference" if "no significant" in prompt["label"] else "difference")
        guess.append(finding_difference(finding.direction, finding.significant))
        if limit and len(gold) >= limit:
            break
    scores = classification(gold, guess, ("difference", "no_difference"))
    return {k: v for k, v in scores.items() if k in ("n", "accuracy", "macro_f1", "difference.f1", "no_difference.f1")}


def finding_difference(direction: str, significant: bool | None) -> str:
    """A finding as "difference", "no_difference" or "unclear"."""
    if direction == "no_difference":
        return "no_difference"
    if direction in ("improved", "worsened") or significant:
        return "difference"
    return "unclear"


def eval_speed(data: Path, limit: int | None = 2000) -> dict[str, float]:
    """``analyse()`` per CPU second of one core on SciFact abstracts (first ``limit`` of them)."""
    corpus = list(datasets.scifact_corpus(data).values())[: limit or None]
    papers = [datasets.scifact_paper(doc) for doc in corpus]
    analyse(papers[0])  # load models and vocabularies once
    started, wall = time.process_time(), time.perf_counter()
    for paper in papers:
        analyse(paper)
    cpu, wall = time.process_time() - started, time.perf_counter() - wall
    return {"abstracts": float(len(papers)), "per_cpu_second": round(len(papers) / cpu, 1),
            "per_wall_second": round(len(papers) / wall, 1)}


def pubmedqa_errors(data: Path, conclusion: bool = True) -> dict[str, int]:
    """Confusion counts on the PubMedQA test set (for the benchmark script's report)."""
    items = datasets.pubmedqa_items(data)
    gold, guess = [], []
    for pmid in datasets.pubmedqa_split(data, "test"):
        item = items[pmid]
        paper = datasets.pubmedqa_paper(pmid, item, conclusion=conclusion)
        query = QueryAnalysis(question=item["QUESTION"], is_yes_no=True)
        gold.append(datasets.PUBMEDQA_GOLD[item["final_decision"]])
        guess.append(judge_stance(query, paper, analyse(paper)).stance)
    return confusion(gold, guess)

