"""Held-out evaluations of the study-design classifier and of the sample-size extractor.

Design: the text-only classifier (publication types and MeSH removed from the record) against
labels that other sources give for the same records:

* ``pubtype``: real PubMed / Europe PMC records in ``formats/`` whose publication types name a
  design (Randomized Controlled Trial, Review, Case Reports ...);
* ``mesh``: PubMedQA test items whose MeSH headings name a design (Case-Control Studies,
  Cross-Sectional Studies, Cohort / Prospective Studies, Random Allocation ...); ``mesh_dev`` is
  the same on the non-test half, the only part the cues were tuned on;
* ``rct``: abstracts of randomised trials (Evidence Inference test split, EvidenceMap, EBM-NLP
  test set), which should come out as RCTs.

A label can accept several designs ("Review" accepts a narrative or systematic review or a
meta-analysis; "Double-Blind Method" any trial). Sample size: exact match against the gold file
``gold/sample_size.tsv`` (our own annotation of EvidenceMap abstracts) and agreement with the
intervention + comparator group sizes of ``rct_numeric_results`` (analysed groups, so a loose
check: it is reported, not targeted).
"""

from __future__ import annotations

import re
from importlib import resources
from pathlib import Path

from ..analyse import analyse
from ..ingest import read_path
from ..models import Paper
from . import datasets

TRIALS = frozenset({"rct", "trial", "non_randomised_trial"})
REVIEWS = frozenset({"narrative_review", "systematic_review", "meta_analysis", "guideline"})
_PUBTYPE_GOLD: tuple[tuple[str, frozenset[str]], ...] = (
    ("meta-analysis", frozenset({"meta_analysis"})),
    ("systematic review", frozenset({"systematic_review", "meta_analysis"})),
    ("randomized controlled trial", frozenset({"rct"})),
    ("clinical trial", TRIALS),
    ("case reports", frozenset({"case_report", "case_series"})),
    ("observational study", frozenset({"cohort", "case_control", "cross_sectional"})),
    ("guideline", frozenset({"guideline"})),
    ("review", REVIEWS),
)
_MESH_GOLD: tuple[tuple[str, frozenset[str]], ...] = (
    ("Random Allocation", frozenset({"rct"})),
    ("Double-Blind Method", TRIALS),
    ("Single-Blind Method", TRIALS),
    ("Cross-Over Studies", TRIALS),
    ("Case-Control Studies", frozenset({"case_control"})),
    ("Cross-Sectional Studies", frozenset({"cross_sectional"})),
    ("Cohort Studies", frozenset({"cohort"})),
    ("Prospective Studies", frozenset({"cohort"})),
    ("Longitudinal Studies", frozenset({"cohort"})),
    ("Follow-Up Studies", frozenset({"cohort"})),
    ("Retrospective Studies", frozenset({"cohort", "case_series", "case_control"})),
)


def text_design(paper: Paper) -> str:
    """The design read from the title and abstract alone."""
    return analyse(paper.model_copy(update={"publication_types": [], "mesh_terms": []})).design


def pubtype_gold(types: list[str]) -> frozenset[str] | None:
    lowered = [t.strip().lower() for t in types]
    for name, designs in _PUBTYPE_GOLD:
        if any(t == name or t.startswith(name) for t in lowered):
            return designs
    return None


def mesh_gold(mesh: list[str]) -> frozenset[str] | None:
    names = {m.lstrip("*").split("/")[0].strip() for m in mesh}
    if "Animals" in names and "Humans" not in names:
        return frozenset({"animal"})
    accepted: set[str] = set()
    for name, designs in _MESH_GOLD:
        if name in names:
            accepted |= designs
    return frozenset(accepted) if accepted else None


def _format_records(data: Path) -> list[Paper]:
    root = data / "formats"
    paths = [*sorted((root / "pubmed_xml").rglob("*.xml*")), *sorted((root / "europepmc_json").glob("*.json")),
             *sorted((root / "medline_txt").glob("*.txt"))]
    papers: dict[str, Paper] = {}
    for path in paths:
        for item in read_path(path):
            if isinstance(item, Paper) and item.abstract and item.publication_types:
                papers.setdefault(item.id, item)
    return list(papers.values())


def _score(pairs: list[tuple[Paper, frozenset[str]]], name: str) -> dict[str, float]:
    correct = sum(1 for paper, accepted in pairs if text_design(paper) in accepted)
    return {f"{name}.n": float(len(pairs)), f"{name}.accuracy": round(correct / len(pairs), 4) if pairs else 0.0}


def _rct_papers(data: Path, limit: int | None) -> list[Paper]:
    papers = []
    wanted = datasets.ei_split(data, "test")
    for pmcid, (title, parts) in datasets.evidence_inference_abstracts(data).items():
        if pmcid in wanted:
            papers.append(datasets.paper_from_parts(f"doc:PMC{pmcid}", parts, title=title))
    papers += [brat_paper(d) for d in datasets.brat_documents(data, "map")]
    for doc in datasets.conll_documents(data, "test"):
        sentences = [" ".join(w for w, _ in s) for s in doc.sentences]
        papers.append(Paper(id=f"pmid:{doc.pmid}", title=sentences[0] if sentences else "",
                            abstract=" ".join(sentences[1:])))
    return papers[:limit] if limit else papers


# The COVID-19 part of EvidenceMap writes "TITLE: ... BACKGROUND: ...METHODS: ..." with the
# labels glued to the previous sentence; ingest would give such a record a title and sections.
_LABELLED = re.compile(r"(?:^|(?<=[.:;!?)\]]))\s*([A-Z][A-Z /&-]{2,40}):\s*")


def brat_paper(doc: datasets.BratDocument) -> Paper:
    """An EvidenceMap text (title, then the abstract) as a paper with its title split off."""
    if doc.text.startswith("TITLE:"):
        return _labelled_paper(doc)
    title, sep, rest = doc.text.partition(" . ")
    if not sep or len(title) > 300:
        return Paper(id=f"doc:{doc.doc_id}", abstract=doc.text)
    return Paper(id=f"doc:{doc.doc_id}", title=f"{title}.", abstract=rest)


def _labelled_paper(doc: datasets.BratDocument) -> Paper:
    pieces = _LABELLED.split(doc.text)
    parts = list(zip(pieces[1::2], pieces[2::2], strict=False))
    title = next((text.strip() for label, text in parts if label == "TITLE"), "")
    body = [(label, text) for label, text in parts if label != "TITLE"]
    return datasets.paper_from_parts(f"doc:{doc.doc_id}", body, title=title)


def eval_design(data: Path, limit: int | None = None) -> dict[str, float]:
    """Text-only design accuracy per label source, and over all of them."""
    pubtype = [(p, g) for p in _format_records(data) if (g := pubtype_gold(p.publication_types))]
    items = datasets.pubmedqa_items(data)
    mesh: dict[str, list[tuple[Paper, frozenset[str]]]] = {"train": [], "test": []}
    for split, pairs in mesh.items():
        for pmid in datasets.pubmedqa_split(data, split):
            gold = mesh_gold(items[pmid].get("MESHES", []))
            if gold:
                pairs.append((datasets.pubmedqa_paper(pmid, items[pmid]), gold))
    rct = [(p, frozenset({"rct"})) for p in _rct_papers(data, limit)]
    if limit:
        pubtype, mesh = pubtype[:limit], {k: v[:limit] for k, v in mesh.items()}
    out: dict[str, float] = {}
    out.update(_score(mesh["train"], "mesh_dev"))  # PubMedQA's non-test half: used to tune cues
    total = correct = 0.0
    for name, pairs in (("pubtype", pubtype), ("mesh", mesh["test"]), ("rct", rct)):
        scores = _score(pairs, name)
        out.update(scores)
        total += scores[f"{name}.n"]
        correct += scores[f"{name}.accuracy"] * scores[f"{name}.n"]
    out["overall.accuracy"] = round(correct / total, 4) if total else 0.0
    return out


# --------------------------------------------------------------------------- sample size


def sample_size_gold() -> list[tuple[str, str, int | None, str]]:
    """(corpus, doc id, n or None, split) rows of the shipped gold file."""
    text = resources.files(__package__).joinpath("gold", "sample_size.tsv").read_text(encoding="utf-8")
    rows = []
    for line in text.splitlines():
        if line.strip() and not line.startswith("#"):
            corpus, doc_id, n, split = line.split("\t")[:4]
            rows.append((corpus, doc_id, None if n == "none" else int(n), split))
    return rows


def predicted_n(paper: Paper) -> int | None:
    size = analyse(paper).sample_size
    return size.n if size else None


def eval_sample_size(data: Path, limit: int | None = None) -> dict[str, float]:
    """Exact match on the gold file (per split; ``stated`` = abstracts that give a count) and
    agreement with RCT group sizes."""
    docs = {d.doc_id: d for d in datasets.brat_documents(data, "map")}
    out: dict[str, float] = {}
    rows = sample_size_gold()[:limit] if limit else sample_size_gold()
    for split in ("dev", "test"):
        chosen = [(doc_id, n) for corpus, doc_id, n, s in rows if s == split and doc_id in docs]
        if not chosen:
            continue
        guesses = [(n, predicted_n(brat_paper(docs[d]))) for d, n in chosen]
        stated = [(g, p) for g, p in guesses if g is not None]
        out[f"{split}.n"] = float(len(guesses))
        out[f"{split}.exact"] = round(sum(g == p for g, p in guesses) / len(guesses), 4)
        out[f"{split}.stated.exact"] = round(sum(g == p for g, p in stated) / len(stated), 4) if stated else 0.0
    out.update(_rct_group_agreement(data, limit))
    return out


def _rct_group_agreement(data: Path, limit: int | None) -> dict[str, float]:
    sums: dict[str, set[int]] = {}
    for row in datasets.rct_numeric_rows(data):
        sizes = [str(row.get("intervention_group_size", "")).strip(), str(row.get("comparator_group_size", "")).strip()]
        if all(s.isdigit() for s in sizes):
            sums.setdefault(str(row["pmcid"]), set()).add(int(sizes[0]) + int(sizes[1]))
    abstracts = datasets.rct_numeric_abstracts(data)
    pmcids = [p for p in sums if p in abstracts]
    pmcids = pmcids[:limit] if limit else pmcids
    exact = near = 0
    for pmcid in pmcids:
        paper = datasets.paper_from_parts(f"doc:PMC{pmcid}", datasets.markdown_parts(abstracts[pmcid]))
        n = predicted_n(paper)
        exact += n in sums[pmcid]
        near += n is not None and any(abs(n - s) <= 0.1 * s for s in sums[pmcid])
    total = len(pmcids) or 1
    return {"rct_groups.n": float(len(pmcids)), "rct_groups.exact": round(exact / total, 4),
            "rct_groups.within_10pct": round(near / total, 4)}
