"""MEDLINE / .nbib tagged text: the Biopython samples and edge cases."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from evidentia.ingest import read_path
from evidentia.ingest.medline import parse_medline
from evidentia.models import Paper, Skipped


def parse(text: str, **kwargs: object) -> list[Paper | Skipped]:
    return list(parse_medline(io.BytesIO(text.encode("utf-8")), source="x.nbib", **kwargs))


SAMPLES = [  # file, pmids
    ("biopython_pubmed_result1.txt", ["12230038"]),
    ("biopython_pubmed_result2.txt", ["16403221", "16377612", "14871861", "14630660"]),
    ("biopython_pubmed_result3.txt", ["23039619"]),
]


@pytest.mark.parametrize("name, pmids", SAMPLES)
def test_samples(formats: Path, name: str, pmids: list[str]) -> None:
    items = list(read_path(formats / "medline_txt" / name))
    assert [item.pmid for item in items] == pmids
    assert all(isinstance(item, Paper) and item.source == "medline" for item in items)


def test_fields_of_first_sample(formats: Path) -> None:
    [paper] = list(read_path(formats / "medline_txt/biopython_pubmed_result1.txt"))
    assert paper.title == "The Bio* toolkits--a brief overview."
    assert paper.abstract.startswith("Bioinformatics research is often difficult to do with commercial "
                                     "software. The Open Source BioPerl")
    assert (paper.authors, paper.year, paper.journal, paper.language) == (
        ["Mangalam H"], 2002, "Briefings in bioinformatics", "eng")
    assert paper.mesh_terms[:2] == ["Computational Biology", "Computer Systems"]


def test_doi_and_inline_labels(formats: Path) -> None:
    [paper] = list(read_path(formats / "medline_txt/biopython_pubmed_result3.txt"))
    assert paper.doi == "10.1118/1.4748329"
    assert [(s.label, s.category) for s in paper.sections] == [
        ("PURPOSE", "OBJECTIVE"), ("METHODS", "METHODS"), ("RESULTS", "RESULTS"), ("CONCLUSIONS", "CONCLUSIONS")]
    assert paper.abstract[paper.sections[0].start:].startswith("High-intensity focused ultrasound")


def test_retraction_and_collective_author() -> None:
    [paper] = parse("PMID- 1\nTI  - T\nCN  - The Group\nPT  - Journal Article\n"
                    "RIN - Nature. 2020;1:1. PMID: 2\nMH  - Sequence Alignment/*methods\n")
    assert paper.retracted and paper.authors == ["The Group"] and paper.mesh_terms == ["Sequence Alignment"]


def test_record_without_text_is_skipped_and_too_big_records_too() -> None:
    items = parse("PMID- 1\nOWN - NLM\n\nPMID- 2\nTI  - Big\nAB  - " + "x " * 2000 + "\n\nPMID- 3\nTI  - Ok\n",
                  max_record_bytes=1024)
    assert [type(item) for item in items] == [Skipped, Skipped, Paper]
    assert items[0].position == "record 1 (line 1)" and "PMID 1" in items[0].reason
    assert items[1].position == "record 2 (line 4)"


def test_pmid_with_non_ascii_digits_is_not_a_pmid() -> None:
    # found by benchmarks/fuzz_parsers.py: "12²3".isdigit() is True but int() rejects it
    [paper] = parse("PMID- 12\u00b23\nTI  - T\n")
    assert isinstance(paper, Paper) and paper.pmid is None and paper.id.startswith("hash:")
