"""Deduplication across sources by PMID and DOI: PubMed's record is kept, the others fill gaps."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from evidentia.ingest.openalex_json import parse_work
from evidentia.models import AbstractSection, Paper, make_paper_id
from evidentia.sources.merge import merge_sources


def paper(source: str, *, pmid: str | None = None, doi: str | None = None, **fields: object) -> Paper:
    ext = fields.pop("ext_id", None)
    return Paper(id=make_paper_id(pmid=pmid, doi=doi, ext_id=ext, title=str(fields.get("title", ""))),
                 pmid=pmid, doi=doi, ext_id=ext, source=source, **fields)  # type: ignore[arg-type]


CASES = [
    (
        "same PMID: PubMed kept, DOI and keywords filled in",
        {"pubmed": [paper("pubmed", pmid="1", title="PubMed title", abstract="PubMed abstract")],
         "europepmc": [paper("europepmc", pmid="1", doi="10.1/a", title="EPMC title",
                             abstract="EPMC abstract", keywords=["k"])]},
        [{"id": "pmid:1", "title": "PubMed title", "abstract": "PubMed abstract", "doi": "10.1/a",
          "keywords": ["k"], "source": "pubmed"}],
    ),
    (
        "same DOI: the PMID another source knows becomes the id",
        {"openalex": [paper("openalex", pmid="2", doi="10.1/b", title="OA title", abstract="OA text")],
         "europepmc": [paper("europepmc", doi="10.1/b", title="EPMC title", ext_id="PPR:PPR9")]},
        [{"id": "pmid:2", "title": "EPMC title", "abstract": "OA text", "source": "europepmc"}],
    ),
    (
        "an abstract is taken with its sections",
        {"pubmed": [paper("pubmed", pmid="3", title="T")],
         "europepmc": [paper("europepmc", pmid="3", title="T", abstract="Aim\nFound",
                             sections=[AbstractSection(label="Results", start=4, end=9)])]},
        [{"id": "pmid:3", "abstract": "Aim\nFound", "sections": [
            AbstractSection(label="Results", start=4, end=9)]}],
    ),
    (
        "a retraction from any source sticks",
        {"pubmed": [paper("pubmed", pmid="4", title="T")],
         "openalex": [paper("openalex", pmid="4", title="T", retracted=True)]},
        [{"id": "pmid:4", "retracted": True}],
    ),
    (
        "a shared DOI with two different PMIDs stays two works",
        {"pubmed": [paper("pubmed", pmid="5", doi="10.1/c", title="Article")],
         "europepmc": [paper("europepmc", pmid="6", doi="10.1/c", title="Erratum")]},
        [{"id": "pmid:5"}, {"id": "pmid:6"}],
    ),
    (
        "different works are all kept, PubMed first",
        {"openalex": [paper("openalex", doi="10.1/d", title="D")],
         "pubmed": [paper("pubmed", pmid="7", title="P")]},
        [{"id": "pmid:7"}, {"id": "doi:10.1/d"}],
    ),
]


@pytest.mark.parametrize(("case", "by_source", "expected"), CASES, ids=[c[0] for c in CASES])
def test_merge(case: str, by_source: dict[str, list[Paper]], expected: list[dict[str, object]]) -> None:
    merged = merge_sources(by_source)
    assert len(merged) == len(expected)
    for got, want in zip(merged, expected, strict=True):
        for field, value in want.items():
            assert getattr(got, field) == value, field


@pytest.mark.shared_data
def test_real_openalex_work_fills_a_pubmed_record(formats: Path) -> None:
    work = json.loads((formats / "openalex_json" / "works_doi_10.1073_pnas.1414271111.json").read_bytes())
    openalex = parse_work(work, source="openalex")
    bare = paper("pubmed", pmid="25349395", title=openalex.title, abstract="The PubMed abstract.")
    [merged] = merge_sources({"openalex": [openalex], "pubmed": [bare]})
    assert merged.abstract == "The PubMed abstract." and merged.doi == "10.1073/pnas.1414271111"
    assert merged.mesh_terms == openalex.mesh_terms and merged.journal == openalex.journal
