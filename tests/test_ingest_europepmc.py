"""Europe PMC search responses (JSON) as papers: real responses, and HTML turned into plain text
without losing a character."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pytest

from evidentia.errors import InputError
from evidentia.ingest.europepmc_json import abstract_with_sections, html_to_text, parse, parse_record
from evidentia.ingest.reader import read_path
from evidentia.models import Paper, Skipped

pytestmark = pytest.mark.shared_data


def folder(formats: Path) -> Path:
    return formats / "europepmc_json"


@pytest.mark.parametrize(("name", "papers", "skipped"), [
    ("pyeuropepmc_search_cancer_core.json", 25, 0),
    ("pyeuropepmc_search_cancer.json", 25, 0),  # resultType=lite: no abstracts, titles only
    ("pyeuropepmc_search_cancer_page2.json", 5, 0),
    ("pyeuropepmc_search_post_cancer.json", 25, 0),
    ("pyeuropepmc_search_cancer_idlist.json", 0, 25),  # ids only: nothing to read
    ("pyeuropepmc_search_no_results.json", 0, 0),
])
def test_real_responses(formats: Path, name: str, papers: int, skipped: int) -> None:
    items = list(read_path(folder(formats) / name))  # sniffed as europepmc_json
    assert sum(isinstance(i, Paper) for i in items) == papers
    assert sum(isinstance(i, Skipped) for i in items) == skipped


def test_core_record_fields(formats: Path) -> None:
    data = json.loads((folder(formats) / "pyeuropepmc_search_cancer_core.json").read_bytes())
    record = data["resultList"]["result"][2]
    paper = parse_record(record, source="europepmc")
    assert (paper.id, paper.pmid, paper.doi, paper.ext_id) == (
        "pmid:40468710", "40468710", "10.1111/bjhp.12807", "MED:40468710")
    assert paper.title.startswith("The role of psychological flexibility")
    assert paper.year == 2025 and paper.journal and paper.language == "eng"
    assert paper.authors[0] == record["authorList"]["author"][0]["lastName"] + " " + \
        record["authorList"]["author"][0]["initials"]
    assert "Neoplasms" in paper.mesh_terms and "Acceptance And Commitment Therapy" in paper.keywords
    assert [(s.label, s.category) for s in paper.sections] == [
        ("Objective", "OBJECTIVE"), ("Design", "METHODS"), ("Methods", "METHODS"),
        ("Results", "RESULTS"), ("Conclusions", "CONCLUSIONS")]
    first = paper.sections[0]
    assert paper.abstract[first.start:first.end].startswith("This study investigated")


def test_every_character_of_every_real_abstract_survives(formats: Path) -> None:
    data = json.loads((folder(formats) / "pyeuropepmc_search_cancer_core.json").read_bytes())
    for record in data["resultList"]["result"]:
        markup = record.get("abstractText", "")
        text, sections = abstract_with_sections(markup)
        headings = re.findall(r"<h4>(.*?)</h4>", markup)
        assert [s.label for s in sections] == [h.rstrip(":") for h in headings]
        body = re.sub(r"<h4>.*?</h4>", "", markup)  # labels live in the sections
        assert _letters(text) == _letters(re.sub(r"</?(i|b|sub|sup)>", "", body))


def _letters(text: str) -> str:
    return re.sub(r"\s+", "", text)


@pytest.mark.parametrize(("markup", "text"), [
    ("p < .001 and p<0.05", "p < .001 and p<0.05"),  # raw comparison signs are text
    ("H<sub>2</sub>O and Ca<sup>2+</sup>", "H2O and Ca2+"),  # inline tags join without a space
    ("<i>E. coli</i> grew", "E. coli grew"),
    ("&lt;5 mm &amp; &gt;2 mm", "<5 mm & >2 mm"),  # entities decoded once
    ("&amp;lt; stays literal", "&lt; stays literal"),
    ("a<br/>b<p>c</p>", "a b c"),  # block tags separate words
    ("<unknown>tag</unknown> kept", "<unknown>tag</unknown> kept"),  # only known tags are markup
    ("", ""),
])
def test_html_to_text(markup: str, text: str) -> None:
    assert html_to_text(markup) == text


@pytest.mark.parametrize(("markup", "abstract", "labels"), [
    ("<h4>Background</h4>Why.<h4>Methods</h4>How.", "Why.\nHow.", ["Background", "Methods"]),
    ("Lead text.<h4>Results:</h4>Found.", "Lead text.\nFound.", ["Results"]),
    ("<h4>Empty</h4><h4>Results</h4>Found.", "Found.", ["Results"]),
    ("Plain abstract.", "Plain abstract.", []),
])
def test_headings_become_sections(markup: str, abstract: str, labels: list[str]) -> None:
    text, sections = abstract_with_sections(markup)
    assert text == abstract and [s.label for s in sections] == labels
    for section in sections:
        assert text[section.start:section.end].strip() == text[section.start:section.end]


@pytest.mark.parametrize(("payload", "expected"), [
    ({"resultList": {"result": [{"id": "1", "source": "MED", "pmid": "1", "title": "T"}]}}, ["pmid:1"]),
    ([{"id": "PPR1", "source": "PPR", "title": "Preprint", "doi": "10.1234/PP"}], ["doi:10.1234/pp"]),
    ({"id": "PPR2", "source": "PPR", "title": "Only a preprint id"}, ["doc:PPR:PPR2"]),
    ({"resultList": {"result": ["not an object"]}}, ["skipped"]),
])
def test_shapes(payload: object, expected: list[str]) -> None:
    items = list(parse(io.BytesIO(json.dumps(payload).encode()), source="t.json"))
    assert [i.id if isinstance(i, Paper) else "skipped" for i in items] == expected


def test_not_json_is_an_input_error() -> None:
    with pytest.raises(InputError, match="not valid JSON"):
        list(parse(io.BytesIO(b"<html>oops</html>"), source="page.json"))
