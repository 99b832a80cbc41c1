"""OpenAlex works (JSON) as papers: real single-work and list responses, and the abstract rebuilt
from its inverted index."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from evidentia.errors import InputError, RecordError
from evidentia.ingest.openalex_json import parse, parse_work, rebuild_abstract
from evidentia.ingest.reader import read_path
from evidentia.models import Paper, Skipped


@pytest.mark.parametrize(("index", "text"), [
    ({"Aspirin": [0], "reduced": [1], "pain.": [2]}, "Aspirin reduced pain."),
    ({"the": [0, 2], "of": [1]}, "the of the"),  # repeated words
    ({"b": [1], "a": [0], "c": [5]}, "a b c"),  # gaps in the positions are skipped
    ({"x": ["1", -2, 0]}, "x"),  # bad positions are ignored
    ({}, ""),
    (None, ""),
    ("not an index", ""),
])
def test_rebuild_abstract(index: object, text: str) -> None:
    assert rebuild_abstract(index) == text


def test_a_hostile_index_is_refused() -> None:
    with pytest.raises(RecordError, match="more than"):
        rebuild_abstract({"w": list(range(25_000))})


@pytest.mark.shared_data
@pytest.mark.parametrize(("name", "ids"), [
    ("works_doi_10.1073_pnas.1414271111.json", ["pmid:25349395"]),
    ("works_doi_10.1007_s40278-023-41815-2.json", ["doi:10.1007/s40278-023-41815-2"]),
    ("works_filter_title.search_Augmenting_large_language_models_with_chemistry.json",
     ["pmid:38799228", "doi:10.48550/arxiv.2304.05376"]),
    ("works_doi_10.1002_wrna.1370_select.json", ["skipped"]),  # select=doi,open_access: no title
])
def test_real_responses(formats: Path, name: str, ids: list[str]) -> None:
    items = list(read_path(formats / "openalex_json" / name))  # sniffed as openalex_json
    assert [i.id if isinstance(i, Paper) else "skipped" for i in items] == ids
    assert all(isinstance(i, Paper | Skipped) for i in items)


@pytest.mark.shared_data
def test_work_fields(formats: Path) -> None:
    work = json.loads((formats / "openalex_json" / "works_doi_10.1073_pnas.1414271111.json").read_bytes())
    paper = parse_work(work, source="openalex")
    assert (paper.pmid, paper.doi, paper.ext_id) == (
        "25349395", "10.1073/pnas.1414271111", "openalex:W2109415576")
    assert paper.title.startswith("Developing functional musculoskeletal tissues")
    assert paper.abstract.startswith("Significance The inadequate mechanical properties of engineered")
    assert len(paper.abstract.split()) == sum(len(p) for p in work["abstract_inverted_index"].values())
    assert paper.authors[:2] == ["Makris E", "Responte DJ"]
    assert paper.year == 2014 and paper.journal == "Proceedings of the National Academy of Sciences"
    assert paper.publication_types == ["Journal Article"] and paper.language == "en"
    assert paper.mesh_terms.count("Collagen") == 1  # one descriptor per qualifier in OpenAlex: deduplicated
    assert "Lysyl Oxidase" in paper.keywords and paper.retracted is False


@pytest.mark.parametrize(("work", "field", "value"), [
    ({"title": "T", "type": "review"}, "publication_types", ["Review"]),
    ({"title": "T", "type": "peer-review"}, "publication_types", ["Peer review"]),
    ({"title": "T", "is_retracted": True}, "retracted", True),
    ({"title": "T <i>in vivo</i>"}, "title", "T in vivo"),
    ({"display_name": "Only a display name"}, "title", "Only a display name"),
    ({"title": "T", "ids": {"pmid": "12345"}}, "pmid", "12345"),
    ({"title": "T", "authorships": [{"raw_author_name": "Ada Lovelace"}]}, "authors", ["Lovelace A"]),
])
def test_work_variants(work: dict[str, object], field: str, value: object) -> None:
    assert getattr(parse_work(work), field) == value


def test_not_a_works_response_is_an_input_error() -> None:
    with pytest.raises(InputError, match="not an OpenAlex works response"):
        list(parse(io.BytesIO(b'{"status": "ok"}'), source="x.json"))
