"""BibTeX: the Crossref samples, LaTeX decoding, author names, macros and malformed entries."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from evidentia.ingest import read_path
from evidentia.ingest._latex import latex_to_text
from evidentia.ingest.bibtex import parse_bibtex, split_authors
from evidentia.models import Paper, Skipped


def parse(text: str | bytes, **kwargs: object) -> list[Paper | Skipped]:
    data = text.encode("utf-8") if isinstance(text, str) else text
    return list(parse_bibtex(io.BytesIO(data), source="refs.bib", **kwargs))


SAMPLES = [  # file stem after "crossref_transform_", doi, year, first author, journal
    ("10.1016_j.addr.2015.01.008", "10.1016/j.addr.2015.01.008", 2015, "Geary RS", "Advanced Drug Delivery Reviews"),
    ("10.1016_j.semcdb.2016.08.024", "10.1016/j.semcdb.2016.08.024", 2017, "Wang W",
     "Seminars in Cell & Developmental Biology"),
    ("10.1023_a_1007154515475", "10.1023/a:1007154515475", 2001, "Adak S", "Molecular and Cellular Biochemistry"),
    ("10.1038_s42256-024-00832-8", "10.1038/s42256-024-00832-8", 2024, "M. Bran A", "Nature Machine Intelligence"),
    ("10.1101_2024.04.01.587366", "10.1101/2024.04.01.587366", 2024, "Herger M", None),
]


@pytest.mark.parametrize("stem, doi, year, author, journal", SAMPLES)
def test_crossref_samples(formats: Path, stem: str, doi: str, year: int, author: str, journal: str | None) -> None:
    [paper] = list(read_path(formats / "bibtex" / f"crossref_transform_{stem}.bib"))
    assert isinstance(paper, Paper)
    assert (paper.doi, paper.year, paper.authors[0], paper.journal) == (doi, year, author, journal)
    assert paper.id == f"doi:{doi}" and paper.source == "bibtex"


def test_every_bib_sample_parses_to_a_paper_or_a_reason(formats: Path) -> None:
    for path in sorted((formats / "bibtex").glob("*.bib")):
        items = list(read_path(path))
        assert len(items) == 1, path
        if isinstance(items[0], Skipped):  # the two entries that carry no title
            assert "no title and no abstract (DOI 10." in items[0].reason


def test_multiline_title_with_greek(formats: Path) -> None:
    [paper] = list(read_path(formats / "bibtex/crossref_transform_10.1073_pnas.1205508109.bib"))
    assert paper.title.endswith("phosphoinositide 3-kinase p110α ( PIK3CA )")


LATEX = [  # value, plain text
    (r'M{\"o}ller', "Möller"),
    (r"M\"{o}ller", "Möller"),
    (r'M\"oller', "Möller"),
    (r"{\'e}t{\'e}", "été"),
    (r"\'{\i}ndice", "índice"),
    (r"Fran\c{c}ois \v{S}koda", "François Škoda"),
    (r"Stra{\ss}e {\o}re {\aa}", "Straße øre å"),
    (r"R\&D 50\% \$5 a\_b", "R&D 50% $5 a_b"),
    (r"pages 1--10 --- done", "pages 1–10 — done"),
    (r"\emph{in vivo} and \textbf{bold}", "in vivo and bold"),
    (r"{DNA} {{Nested}} braces", "DNA Nested braces"),
    (r"$\alpha$-helix and $^{13}$C", "α-helix and 13C"),
    ("Cell &amp; Biology", "Cell & Biology"),
    ("non~breaking", "non breaking"),
]


@pytest.mark.parametrize("value, text", LATEX)
def test_latex_to_text(value: str, text: str) -> None:
    assert latex_to_text(value) == text


AUTHORS = [  # author field, names
    ("Geary, Richard S. and Norris, Daniel", ["Geary RS", "Norris D"]),
    ("Richard S. Geary and Daniel Norris", ["Geary RS", "Norris D"]),
    ("Ludwig van Beethoven", ["van Beethoven L"]),
    ("{World Health Organization} and Smith, J.", ["World Health Organization", "Smith J"]),
    ("{Barnes and Noble} and others", ["Barnes and Noble"]),
    ("M{\\\"u}ller, J{\\\"o}rg and Doe, Jr., John", ["Müller J", "Doe J"]),
    ("Plato", ["Plato"]),
    ("  ", []),
]


@pytest.mark.parametrize("value, names", AUTHORS)
def test_split_authors(value: str, names: list[str]) -> None:
    assert split_authors(value) == names


def test_full_entry_with_macros_strings_comments_and_concatenation() -> None:
    text = r"""
    This text outside entries is a comment.
    @comment{ignored {nested}}
    @preamble{"\newcommand{\x}{y}"}
    @String{jbio = "J. Biol."}
    @STRING(pre = "Pre")
    @Article{key1,
      title     = {The {PCR} study of {\"o}sterreich},
      author    = "Doe, Jane and Roe, R.",
      journal   = jbio,
      year      = 2020,
      month     = jun,
      note      = pre # "-" # {fix},
      abstract  = {First "quoted" part. Second.},
      keywords  = {alpha, beta; gamma},
      doi       = {10.1000/ABC\_1},
      pmid      = {31452104},
      language  = {english},
    }
    @misc(key2, title = "Quoted {\em title}", date = {2019-04-01})
    """
    first, second = parse(text)
    assert isinstance(first, Paper) and isinstance(second, Paper)
    assert (first.title, first.journal, first.year) == ("The PCR study of österreich", "J. Biol.", 2020)
    assert (first.authors, first.pmid, first.doi) == (["Doe J", "Roe R"], "31452104", "10.1000/abc_1")
    assert first.abstract == 'First "quoted" part. Second.' and first.keywords == ["alpha", "beta", "gamma"]
    assert (first.ext_id, first.language, first.publication_types) == ("key1", "english", ["Journal Article"])
    assert (second.title, second.year, second.publication_types) == ("Quoted title", 2019, ["Misc"])


MALFORMED = [  # broken entry, reason fragment
    ("@article{bad1, title = {Unclosed brace, year = 2020}\n", "does not close before the next entry"),
    ("@article{bad2, title = {x}} }\n", None),  # a stray brace after a complete entry is just text
    ("@article{bad3, title {x}}\n", "expected '='"),
    ("@article{bad4, title = {x} year = 2}\n", "expected ','"),
    ("@article{bad5, title = \"x}\"}\n", "unbalanced"),
    ("@article{bad6, = {x}}\n", "expected a field name"),
    ("@article(bad7, title = {x}}\n", "unbalanced braces"),
]


@pytest.mark.parametrize("entry, reason", MALFORMED)
def test_malformed_entry_is_skipped_and_the_rest_continues(entry: str, reason: str | None) -> None:
    text = "@article{ok1, title={Before}}\n" + entry + "@article{ok2, title={After}}\n"
    items = parse(text)
    titles = [item.title for item in items if isinstance(item, Paper)]
    assert titles[0] == "Before" and titles[-1] == "After"
    skipped = [item for item in items if isinstance(item, Skipped)]
    if reason is None:
        assert not skipped
    else:
        assert len(skipped) == 1 and reason in skipped[0].reason
        assert skipped[0].position == "entry 2 (line 2)"


def test_unclosed_last_entry_is_reported() -> None:
    items = parse("@article{a, title={A}}\n\n@article{b, title={B}\n")
    assert isinstance(items[0], Paper) and isinstance(items[1], Skipped)
    assert items[1].position == "entry 2 (line 3)" and "end of the file" in items[1].reason


def test_runaway_entry_is_skipped_and_reading_resumes_at_next_line_start() -> None:
    text = "@article{a, abstract={" + "x " * 5000 + "\n" * 3 + "more text" * 200 + "\n@article{b, title={B}}\n"
    items = parse(text, max_record_bytes=2048)
    assert isinstance(items[0], Skipped) and isinstance(items[-1], Paper) and items[-1].title == "B"


def test_entry_over_the_record_limit_is_skipped() -> None:
    text = "@article{a, abstract={" + "x " * 5000 + "}}\n@article{b, title={B}}\n"
    items = parse(text, max_record_bytes=2048)
    assert [type(item) for item in items] == [Skipped, Paper]


def test_bom_and_latin1() -> None:
    assert parse(b"\xef\xbb\xbf@article{a, title={Bom}}")[0].title == "Bom"
    assert parse("@article{a, title={Caf\u00e9}}".encode("cp1252"))[0].title == "Café"


def test_many_entries_across_chunks() -> None:
    text = "".join(f"@article{{k{i}, title={{Paper {i}}}, year={{20{i % 10}0}}}}\n" for i in range(3000))
    items = parse(text)
    assert [item.title for item in items] == [f"Paper {i}" for i in range(3000)]
