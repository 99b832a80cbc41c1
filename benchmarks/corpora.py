"""Questions and abstracts from the shared corpora, for the report benchmarks and tests.

    python benchmarks/corpora.py --out /tmp/evidentia-corpora   # writes <name>.jsonl per corpus

Three corpora, each turned into (a) a JSON Lines file of abstracts in evidentia's own schema and
(b) questions over them:

* **SciFact**: the 5,183-abstract corpus; each claim becomes "Is it true that <claim>?";
* **PubMedQA**: the 1,000 expert-labelled abstracts (contexts joined with their labels) and
  their own questions;
* **Evidence Inference**: the 3,285 RCT abstracts; each (intervention, comparator, outcome)
  prompt becomes "Does <intervention> change <outcome> compared with <comparator>?".

Nothing here is copied into the repository: files are written where ``--out`` says (a temporary
directory), read from ``../shared/data`` in place.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
CORPORA = ("scifact", "pubmedqa", "evidence_inference")


@dataclass(frozen=True)
class Question:
    corpus: str
    id: str
    text: str
    docs: tuple[str, ...] = ()  # record ids (the "id" or "pmid" of ``RECORDS``) it is about


# --------------------------------------------------------------------------- records


def scifact_records(data: Path) -> Iterator[dict]:
    with (data / "scifact" / "corpus.jsonl").open(encoding="utf-8") as stream:
        for line in stream:
            record = json.loads(line)
            yield {"id": f"scifact-{record['doc_id']}", "title": record["title"],
                   "abstract": " ".join(record["abstract"])}


def pubmedqa_records(data: Path) -> Iterator[dict]:
    items = json.loads((data / "pubmedqa" / "ori_pqal.json").read_text(encoding="utf-8"))
    for pmid, item in items.items():
        parts = [f"{label}: {text}" for label, text in zip(item["LABELS"], item["CONTEXTS"],
                                                           strict=False)]
        yield {"pmid": pmid, "title": item["QUESTION"], "abstract": " ".join(parts),
               "year": int(item["YEAR"]) if str(item.get("YEAR", "")).isdigit() else None,
               "mesh_terms": item.get("MESHES", [])}


_EI_HEADER = re.compile(r"^ABSTRACT(?:\.([A-Z /&-]+))?[.:]\s*$")


def evidence_inference_records(data: Path) -> Iterator[dict]:
    path = data / "evidence_inference" / "abstracts_only.jsonl.gz"
    with gzip.open(path, "rt", encoding="utf-8") as stream:
        for line in stream:
            record = json.loads(line)
            title, abstract = _split_ei_text(record["text"])
            if title or abstract:
                yield {"id": f"PMC{record['pmcid']}", "title": title, "abstract": abstract}


def _split_ei_text(text: str) -> tuple[str, str]:
    """'TITLE:\\n...\\n\\nABSTRACT.METHODS:\\n...' -> (title, 'METHODS: ... RESULTS: ...')."""
    title, parts, label = "", [], None
    in_title = False
    for line in text.splitlines():
        line = line.strip()
        header = _EI_HEADER.match(line)
        if line in ("TITLE:", "TITLE."):
            in_title = True
        elif header:
            in_title, label = False, (header.group(1) or "").strip()
        elif line and in_title:
            title = f"{title} {line}".strip()
        elif line:
            parts.append(f"{label}: {line}" if label else line)
            label = None
    return title, " ".join(parts)


RECORDS = {"scifact": scifact_records, "pubmedqa": pubmedqa_records,
           "evidence_inference": evidence_inference_records}


def write_corpus(name: str, data: Path, out_dir: Path) -> Path:
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"{name}.jsonl"
    with path.open("w", encoding="utf-8") as stream:
        for record in RECORDS[name](data):
            stream.write(json.dumps(record, ensure_ascii=False) + "\n")
    return path


# --------------------------------------------------------------------------- questions


def scifact_questions(data: Path) -> list[Question]:
    out = []
    for split in ("dev", "train"):
        with (data / "scifact" / f"claims_{split}.jsonl").open(encoding="utf-8") as stream:
            for line in stream:
                claim = json.loads(line)
                text = claim["claim"].strip().rstrip(".")
                docs = tuple(f"scifact-{doc}" for doc in claim.get("cited_doc_ids", []))
                out.append(Question("scifact", f"{split}-{claim['id']}",
                                    f"Is it true that {text[:1].lower() + text[1:]}?", docs))
    return out


def pubmedqa_questions(data: Path) -> list[Question]:
    items = json.loads((data / "pubmedqa" / "ori_pqal.json").read_text(encoding="utf-8"))
    return [Question("pubmedqa", pmid, item["QUESTION"], (pmid,)) for pmid, item in items.items()]


def evidence_inference_questions(data: Path) -> list[Question]:
    out = []
    path = data / "evidence_inference" / "prompts_merged.csv"
    with path.open(encoding="utf-8", newline="") as stream:
        for row in csv.DictReader(stream):
            intervention, comparator = _short(row["Intervention"]), _short(row["Comparator"])
            outcome = _short(row["Outcome"])
            if intervention and outcome:
                text = f"Does {intervention} change {outcome}"
                text += f" compared with {comparator}?" if comparator else "?"
                out.append(Question("evidence_inference", row["PromptID"], text,
                                    (f"PMC{row['PMCID']}",)))
    return out


def _short(text: str, limit: int = 80) -> str:
    text = re.sub(r"\s+", " ", text or "").strip().rstrip(".")
    return text if len(text) <= limit else ""


QUESTIONS = {"scifact": scifact_questions, "pubmedqa": pubmedqa_questions,
             "evidence_inference": evidence_inference_questions}


def record_key(record: dict) -> str:
    return str(record.get("id") or record.get("pmid"))


def subset(records: list[dict], questions: list[Question], extra: int) -> list[dict]:
    """The records the questions are about, plus ``extra`` others spread over the corpus."""
    wanted = {doc for question in questions for doc in question.docs}
    chosen = [record for record in records if record_key(record) in wanted]
    step = max(1, len(records) // max(extra, 1))
    others = [record for record in records[::step] if record_key(record) not in wanted]
    return chosen + others[:extra]


def spread(questions: list[Question], count: int) -> list[Question]:
    """``count`` questions spread evenly over the list (deterministic, no randomness)."""
    if count >= len(questions):
        return list(questions)
    step = len(questions) / count
    return [questions[int(index * step)] for index in range(count)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    for name in CORPORA:
        print(write_corpus(name, args.data, args.out))


if __name__ == "__main__":
    main()
