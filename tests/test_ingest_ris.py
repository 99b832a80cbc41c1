"""RIS and Web of Science tagged exports: the rispy samples and hand-written edge cases."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from evidentia.ingest import read_path
from evidentia.ingest.ris import parse_ris
from evidentia.models import Paper, Skipped


def parse(text: str | bytes, **kwargs: object) -> list[Paper | Skipped]:
    data = text.encode("utf-8") if isinstance(text, str) else text
    return list(parse_ris(io.BytesIO(data), source="in.ris", **kwargs))


SAMPLES = [  # file, kinds of items, first title
    ("rispy_example_basic.ris", ["Paper"], "A Mathematical Theory of Communication"),
    ("rispy_example_bom.ris", ["Skipped"], None),  # only a DOI: nothing to read
    ("rispy_example_custom_list_tags.ris", ["Skipped"], None),  # authors and ISSNs only
    ("rispy_example_empty_tag.ris", ["Paper"], ("Outcome Measures After Shoulder Stabilization in the "
     "Athletic Population: A Systematic Review of Clinical and Patient-Reported Metrics")),
    ("rispy_example_extraneous_data.ris", ["Paper", "Paper"], "Title of reference"),
    ("rispy_example_full.ris", ["Paper", "Paper"], "Title of reference"),
    ("rispy_example_full_without_whitespace.ris", ["Paper", "Paper"], "Title of reference"),
    ("rispy_example_full_write.ris", ["Paper", "Paper"], "Title of reference"),
    ("rispy_example_multi_unknown_tags.ris", ["Paper"], "A Mathematical Theory of Communication"),
    ("rispy_example_multiline.ris", ["Paper"] * 3, ""),
    ("rispy_example_single_unknown_tag.ris", ["Paper"], "A Mathematical Theory of Communication"),
    ("rispy_example_starting_newlines.ris", ["Paper"], "A Mathematical Theory of Communication"),
    ("rispy_example_urls.ris", ["Paper"] * 4, "A Mathematical Theory of Communication"),
    ("rispy_example_utf_chars.ris", ["Paper"], ("Состояние рецепторного аппарата эндометрия и метаболизм "
     "эстрогенов при гиперплазиях эндометрия в позднем репродуктивном периоде")),
    ("rispy_example_wos.ris", ["Paper", "Paper"], ("Interactions stabilizing the structure of the core "
     "light-harvesting complex (LHl) of photosynthetic bacteria and its subunit (B820)")),
]


@pytest.mark.parametrize("name, kinds, title", SAMPLES)
def test_rispy_samples(formats: Path, name: str, kinds: list[str], title: str | None) -> None:
    items = list(read_path(formats / "ris" / name))
    assert [type(item).__name__ for item in items] == kinds
    if title is not None:
        assert items[0].title == title


def test_basic_fields(formats: Path) -> None:
    [paper] = list(read_path(formats / "ris/rispy_example_basic.ris"))
    assert (paper.authors, paper.year, paper.journal) == (["Shannon CE"], 1948, "Bell System Technical Journal")
    assert paper.publication_types == ["Journal Article"] and paper.source == "ris"


def test_bom_file_is_read_from_its_first_tag(formats: Path) -> None:
    [skipped] = list(read_path(formats / "ris/rispy_example_bom.ris"))
    assert skipped.position == "record 1 (line 1)"
    assert "DOI 10.1186/s40981-020-0316-0" in skipped.reason


def test_empty_tags_doi_url_keywords_and_continuation(formats: Path) -> None:
    [paper] = list(read_path(formats / "ris/rispy_example_empty_tag.ris"))
    assert paper.doi == "10.1177/2325967120950040"  # from http://dx.doi.org/...
    assert paper.keywords == ["athlete", "biomechanics", "bone remodeling"]
    assert paper.abstract.endswith("significant load through supraphysiological range and often under "
                                   "considerable repetition. Outcome measures are valuable when "
                                   "determining an athlete's safe return to sport...")
    assert paper.ext_id == "2006713348" and paper.id == "doi:10.1177/2325967120950040"


def test_extraneous_text_and_local_record_ids(formats: Path) -> None:
    first, second = list(read_path(formats / "ris/rispy_example_extraneous_data.ris"))
    assert first.authors == ["Marx K", "Lindgren A"]  # A2 (editor) is not an author
    assert first.ext_id == second.ext_id == "12345"
    assert first.id != second.id  # a repeated local ID must not merge two records
    assert [s.label for s in first.sections] == ["BACKGROUND", "RESULTS", "CONCLUSIONS"]
    assert first.abstract[first.sections[1].start:].startswith("Donec quam felis")


def test_multiline_values_do_not_end_at_er_words(formats: Path) -> None:
    papers = list(read_path(formats / "ris/rispy_example_multiline.ris"))
    expected = "first line, ER then second line and at the end the last line"
    assert [paper.abstract for paper in papers] == [expected] * 3


def test_web_of_science_export(formats: Path) -> None:
    first, second = list(read_path(formats / "ris/rispy_example_wos.ris"))
    assert (first.pmid, first.doi, first.year, first.journal) == ("15170338", "10.1021/bi049798f", 2004, "BIOCHEMISTRY")
    assert first.authors == ["Parkes-Loach PS", "Majeed AP", "Law CJ", "Loach PA"]
    assert first.ext_id == "WOS:000221807500019" and first.language == "English"
    assert first.keywords[:2] == ["CHEMICALLY SYNTHESIZED POLYPEPTIDES", "IN-VITRO RECONSTITUTION"]
    assert first.abstract.startswith("Reconstitution experiments with a chemically synthesized")
    assert second.pmid == "15170339" and second.publication_types == ["Article"]


CASES = [  # text, expected (title, year, doi, pmid) of the only paper
    ("TY  - JOUR\nTI  - A\nPY  - 2019/05/01/\nDO  - doi:10.1000/XYZ\nER  - \n", ("A", 2019, "10.1000/xyz", None)),
    ("TY  - JOUR\nT1  - A\nY1  - 1999\nUR  - https://doi.org/10.1000/u\nER  -\n", ("A", 1999, "10.1000/u", None)),
    ("TY  - JOUR\nTI  - A\nDA  - 2001///\nUR  - https://pubmed.ncbi.nlm.nih.gov/31452104/\nER  -\n",
     ("A", 2001, None, "31452104")),
    ("TY  - JOUR\nTI  - A\nER  - \n", ("A", None, None, None)),
    ("TY - JOUR\nTI - One space\nER - \n", ("One space", None, None, None)),
    ("TY  - JOUR\r\nTI  - Windows\r\n  line two\r\nER  - \r\n", ("Windows line two", None, None, None)),
    ("TY  - JOUR\rTI  - Old Mac\rER  - \r", ("Old Mac", None, None, None)),
    ("TY  - JOUR\nTI  - No end record\n", ("No end record", None, None, None)),
]


@pytest.mark.parametrize("text, expected", CASES)
def test_fields(text: str, expected: tuple[str, int | None, str | None, str | None]) -> None:
    [paper] = parse(text)
    assert isinstance(paper, Paper)
    assert (paper.title, paper.year, paper.doi, paper.pmid) == expected


def test_missing_er_closes_at_next_ty() -> None:
    items = parse("TY  - JOUR\nTI  - First\nTY  - JOUR\nTI  - Second\nER  - \n")
    assert [item.title for item in items] == ["First", "Second"]


def test_record_without_title_is_skipped_and_the_rest_continues() -> None:
    items = parse("junk\nTY  - JOUR\nAU  - Smith, J\nER  - \n\nTY  - JOUR\nTI  - Kept\nER  - \n")
    assert [type(item) for item in items] == [Skipped, Paper]
    assert items[0].position == "record 1 (line 2)" and "no title and no abstract" in items[0].reason


def test_oversized_record_is_skipped() -> None:
    text = "TY  - JOUR\nTI  - Big\nAB  - " + "word " * 1000 + "\nER  - \nTY  - JOUR\nTI  - Small\nER  - \n"
    items = parse(text, max_record_bytes=1024)
    assert [type(item) for item in items] == [Skipped, Paper]
    assert "larger than 1,024 bytes" in items[0].reason


def test_latin1_export_is_decoded() -> None:
    [paper] = parse("TY  - JOUR\nTI  - Étude sur la santé\nER  - \n".encode("cp1252"))
    assert paper.title == "Étude sur la santé"
