"""Readers for the shared datasets (``../shared/data``), used by the evals and by ``training/``.

Each reader takes the data root and returns plain records or ``Paper`` objects; nothing here is
copied into the repository. A missing file raises ``InputError`` naming the path.

=====================  =======================================================================
PubMedQA PQA-L         ``pubmedqa_items``, ``pubmedqa_paper`` (conclusion kept or withheld),
                       ``pubmedqa_split`` (the 500 official test PMIDs vs the other 500)
EBM-NLP (CoNLL)        ``conll_documents`` (dev = our training pool, test = 191 expert abstracts)
Evidence Inference     ``evidence_inference_abstracts`` (title + ABSTRACT.<SECTION> parts),
                       ``evidence_inference_prompts`` (labelled ICO prompts), ``ei_split``
SciFact                ``scifact_corpus``, ``scifact_claims``
EvidenceOutcomes/Map   ``brat_documents`` (text + typed character spans)
RCT numeric results    ``rct_numeric_rows``, ``rct_numeric_abstracts``
=====================  =======================================================================
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import re
import tarfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import InputError
from ..models import AbstractSection, Paper

PUBMEDQA_GOLD = {"yes": "yes", "no": "no", "maybe": "possibly"}


def need(path: Path) -> Path:
    """``path`` when it exists, else an ``InputError`` that says which dataset is missing."""
    if not path.exists():
        raise InputError(f"dataset file not found: {path}",
                         hint="point --data (or EVIDENTIA_SHARED_DATA) at the shared data folder")
    return path


def _read_json(path: Path) -> Any:
    return json.loads(need(path).read_text(encoding="utf-8"))


def _jsonl(path: Path) -> Iterator[dict[str, Any]]:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(need(path), "rt", encoding="utf-8") as handle:  # type: ignore[operator]
        for line in handle:
            if line.strip():
                yield json.loads(line)


def paper_from_parts(paper_id: str, parts: list[tuple[str, str]], title: str = "",
                     **extra: Any) -> Paper:
    """A paper whose abstract is the ``(label, text)`` parts joined by spaces, with sections."""
    abstract, sections = "", []
    for label, text in parts:
        text = " ".join(text.split())
        if not text:
            continue
        start = len(abstract) + (1 if abstract else 0)
        abstract = f"{abstract} {text}" if abstract else text
        if label:
            sections.append(AbstractSection(label=label, start=start, end=len(abstract)))
    return Paper(id=paper_id, title=title, abstract=abstract, sections=sections, **extra)


# --------------------------------------------------------------------------- PubMedQA


def pubmedqa_items(data: Path) -> dict[str, dict[str, Any]]:
    return _read_json(data / "pubmedqa" / "ori_pqal.json")


def pubmedqa_split(data: Path, split: str) -> list[str]:
    """PMIDs of ``test`` (the official 500) or ``train`` (the other 500, our only tuning pool)."""
    items = pubmedqa_items(data)
    test = _read_json(data / "pubmedqa" / "test_ground_truth.json")
    return [pmid for pmid in items if (pmid in test) == (split == "test")]


def pubmedqa_paper(pmid: str, item: dict[str, Any], *, conclusion: bool = True,
                   sections: bool = True) -> Paper:
    """The item's contexts (labelled), plus LONG_ANSWER as CONCLUSIONS when ``conclusion``."""
    parts = list(zip(item["LABELS"], item["CONTEXTS"], strict=False))
    if conclusion:
        parts.append(("CONCLUSIONS", item["LONG_ANSWER"]))
    if not sections:
        parts = [("", text) for _, text in parts]
    return paper_from_parts(f"pmid:{pmid}", parts, pmid=pmid, mesh_terms=item.get("MESHES", []))


# --------------------------------------------------------------------------- EBM-NLP


@dataclass
class ConllDocument:
    """One abstract: sentences of (token, label) pairs; labels ``O``, ``PAR``, ``INT``, ``OUT``."""

    pmid: str
    sentences: list[list[tuple[str, str]]] = field(default_factory=list)


def conll_documents(data: Path, split: str) -> list[ConllDocument]:
    """EBM-NLP ``dev`` (crowd labels, 960 abstracts) or ``test`` (191 expert abstracts)."""
    path = need(data / "ebm_nlp" / "scibert_pico_conll" / f"{split}.txt")
    docs: list[ConllDocument] = []
    sentence: list[tuple[str, str]] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        parts = line.split()
        if line.startswith("-DOCSTART-"):
            docs.append(ConllDocument(pmid=line.split("(")[-1].rstrip(")").strip()))
        elif not parts:
            if sentence and docs:
                docs[-1].sentences.append(sentence)
            sentence = []
        else:
            label = parts[-1]
            sentence.append((parts[0], label[2:] if label.startswith(("I-", "B-")) else "O"))
    if sentence and docs:
        docs[-1].sentences.append(sentence)
    return docs


def ebm_difficulty_documents(data: Path) -> list[ConllDocument]:
    """The 1,999-abstract intervention-only set: one sentence per document, ``INT`` or ``O``."""
    path = need(data / "ebm_nlp" / "ebm_nlp_difficulty" / "ebm_nlp_difficulty.tar.gz")
    tokens: dict[str, list[str]] = {}
    labels: dict[str, list[str]] = {}
    with tarfile.open(path, "r:gz") as tar:
        for member in tar:
            name = member.name
            if not member.isfile() or "/._" in name or name.endswith(".DS_Store"):
                continue
            handle = tar.extractfile(member)
            if handle is None:
                continue
            pmid = Path(name).stem
            lines = handle.read().decode("utf-8", "replace").splitlines()
            if name.endswith(".tokens"):
                tokens[pmid] = lines
            elif name.endswith(".ann"):
                old = labels.get(pmid, ["0"] * len(lines))
                labels[pmid] = ["1" if "1" in a or "1" in b else "0" for a, b in zip(old, lines, strict=False)]
    docs = []
    for pmid, words in sorted(tokens.items()):
        if pmid in labels and len(labels[pmid]) == len(words):
            pairs = [(w, "INT" if lab == "1" else "O") for w, lab in zip(words, labels[pmid], strict=True)]
            docs.append(ConllDocument(pmid, [pairs]))
    return docs


# --------------------------------------------------------------------------- Evidence Inference

_EI_HEADER = re.compile(r"^(TITLE|ABSTRACT(?:\.[A-Z0-9 _/&-]+)?|BODY[.\w ]*):\s*$", re.MULTILINE)


def ei_split(data: Path, split: str) -> set[str]:
    """PMCIDs of the combined Evidence Inference ``train`` / ``validation`` / ``test`` split."""
    path = need(data / "evidence_inference" / "splits" / f"{split}_article_ids.txt")
    return {line.strip() for line in path.read_text(encoding="utf-8").splitlines() if line.strip()}


def evidence_inference_abstracts(data: Path) -> dict[str, tuple[str, list[tuple[str, str]]]]:
    """PMCID -> (title, [(section label, text)]) from ``abstracts_only.jsonl.gz``."""
    out: dict[str, tuple[str, list[tuple[str, str]]]] = {}
    for record in _jsonl(data / "evidence_inference" / "abstracts_only.jsonl.gz"):
        title, parts = "", []
        pieces = _EI_HEADER.split(record["text"])
        for header, body in zip(pieces[1::2], pieces[2::2], strict=False):
            body = " ".join(body.split())
            if header == "TITLE":
                title = body
            elif header.startswith("ABSTRACT") and body:
                parts.append((header.partition(".")[2] or "ABSTRACT", body))
        if parts:
            out[str(record["pmcid"])] = (title, parts)
    return out


def evidence_inference_prompts(data: Path) -> list[dict[str, str]]:
    """Labelled EI 2.0 prompts (one row per prompt, majority label), ICO text and evidence."""
    prompts = {}
    with need(data / "evidence_inference" / "prompts_merged.csv").open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            prompts[row["PromptID"]] = row
    votes: dict[str, list[tuple[str, str]]] = {}
    with need(data / "evidence_inference" / "v2_annotations.csv").open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            label = row["Label"].strip().replace("significantly increase", "significantly increased")
            label = label.replace("increasedd", "increased")
            if row["Valid Label"] == "True" and row["PromptID"] in prompts:
                votes.setdefault(row["PromptID"], []).append((label, row["Annotations"]))
    out = []
    for prompt_id, pairs in votes.items():
        labels = [label for label, _ in pairs]
        label = max(set(labels), key=labels.count)
        evidence = next(text for lab, text in pairs if lab == label)
        out.append({**prompts[prompt_id], "label": label, "evidence": evidence})
    return out


# --------------------------------------------------------------------------- SciFact


def scifact_corpus(data: Path) -> dict[int, dict[str, Any]]:
    return {int(r["doc_id"]): r for r in _jsonl(data / "scifact" / "corpus.jsonl")}


def scifact_claims(data: Path, split: str) -> list[dict[str, Any]]:
    return list(_jsonl(data / "scifact" / f"claims_{split}.jsonl"))


def scifact_paper(doc: dict[str, Any]) -> Paper:
    return paper_from_parts(f"doc:{doc['doc_id']}", [("", s) for s in doc["abstract"]],
                            title=doc.get("title", ""))


# --------------------------------------------------------------------------- brat corpora


@dataclass
class BratDocument:
    doc_id: str
    text: str
    spans: list[tuple[str, int, int]]  # (type, start, end)


def brat_documents(data: Path, corpus: str) -> list[BratDocument]:
    """``outcomes`` (EvidenceOutcomes, 640 abstracts) or ``map`` (EvidenceMap, 309 abstracts)."""
    root = data / "evidence_outcomes_evidencemap"
    if corpus == "outcomes":
        return _brat_from_tar(need(root / "EvidenceOutcomes" / "consensus.tar.gz"))
    docs = []
    for folder in ("General", "COVID-19"):
        for txt in sorted(need(root / "EvidenceMap" / folder).glob("*.txt")):
            ann = txt.with_suffix(".ann")
            if ann.exists():
                docs.append(BratDocument(txt.stem, txt.read_text(encoding="utf-8"),
                                         _brat_spans(ann.read_text(encoding="utf-8"))))
    return docs


def _brat_from_tar(path: Path) -> list[BratDocument]:
    texts: dict[str, str] = {}
    anns: dict[str, str] = {}
    with tarfile.open(path, "r:gz") as tar:
        for member in tar:
            handle = tar.extractfile(member) if member.isfile() else None
            if handle is None or "/._" in member.name:
                continue
            content = handle.read().decode("utf-8", "replace")
            (texts if member.name.endswith(".txt") else anns)[Path(member.name).stem] = content
    return [BratDocument(k, texts[k], _brat_spans(anns.get(k, ""))) for k in sorted(texts)]


def _brat_spans(ann: str) -> list[tuple[str, int, int]]:
    spans = []
    for line in ann.splitlines():
        parts = line.split("\t")
        if len(parts) < 2 or not parts[0].startswith("T"):
            continue
        kind, _, offsets = parts[1].partition(" ")
        for piece in offsets.split(";"):
            start, _, end = piece.partition(" ")
            if start.isdigit() and end.isdigit():
                spans.append((kind, int(start), int(end)))
    return spans


# --------------------------------------------------------------------------- RCT numeric results


def rct_numeric_rows(data: Path) -> list[dict[str, str]]:
    return _read_json(data / "rct_numeric_results" / "annotated_rct_dataset.json")


def rct_numeric_abstracts(data: Path) -> dict[str, str]:
    """PMCID (digits) -> the abstract part of the article's Markdown (headings dropped)."""
    out = {}
    for record in _jsonl(data / "rct_numeric_results" / "articles_markdown.jsonl"):
        text = record["text"]
        match = re.search(r"#\s*Abstract(.*?)(?=(?<!#)#\s(?!#)|$)", text, re.DOTALL)
        abstract = match.group(1) if match else text[:3000]
        out[str(record["pmcid"]).removeprefix("PMC")] = abstract
    return out


def markdown_parts(abstract: str) -> list[tuple[str, str]]:
    """``## Background text ## Methods text`` -> [("Background", "text"), ("Methods", "text")]."""
    pieces = re.split(r"#{2,}\s*([A-Z][A-Za-z /&-]{2,40}?)\s+(?=[A-Z0-9(])", abstract)
    parts = [("", pieces[0])] if pieces[0].strip() else []
    parts += [(label, body) for label, body in zip(pieces[1::2], pieces[2::2], strict=False)]
    return parts


def csv_rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


# --------------------------------------------------------------------------- structured abstracts


def structured_abstracts(data: Path, split: str) -> list[Paper]:
    """Abstracts whose sentences carry section labels: ``train`` or ``test``.

    train: Evidence Inference train split, PubMedQA's 500 non-test items, SciFact's structured
    abstracts (inline headings); test: Evidence Inference test split and PubMedQA's 500 test items.
    """
    papers = []
    wanted = ei_split(data, "train" if split == "train" else "test")
    for pmcid, (title, parts) in evidence_inference_abstracts(data).items():
        if pmcid in wanted:
            papers.append(paper_from_parts(f"doc:PMC{pmcid}", parts, title=title))
    items = pubmedqa_items(data)
    for pmid in pubmedqa_split(data, split):
        papers.append(pubmedqa_paper(pmid, items[pmid]))
    if split == "train":
        for doc in scifact_corpus(data).values():
            if doc.get("structured"):
                text = " ".join(" ".join(s.split()) for s in doc["abstract"])
                papers.append(Paper(id=f"doc:{doc['doc_id']}", title=doc["title"], abstract=text))
    return papers
