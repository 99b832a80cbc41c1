"""The faithfulness checker, as a table: what a sentence may and may not say about its papers."""

from __future__ import annotations

import pytest

from evidentia.models import Claim, Paper, Source
from evidentia.synthesise.check import check_claim, check_report
from evidentia.synthesise.textfacts import (
    claim_numbers,
    count_spans,
    doses,
    scale_names,
)

PAPER = Paper(
    id="pmid:1",
    title="Drug X for pain after knee surgery: a randomised trial",
    abstract=(
        "Fifteen patients received drug X 400 mg three times daily and 1,204 controls were "
        "followed. Pain on the visual analogue scale (VAS) fell by 45% (p < .05; 95% CI 10-20). "
        "The Modified Ashworth Scale score fell from 2.50 to 1.5 in twenty-five of them."
    ),
)
OTHER = Paper(id="pmid:2", title="Another study", abstract="Six of 40 rats improved.")
PAPERS = {PAPER.id: PAPER, OTHER.id: OTHER}


def claim(text: str, *ids: str) -> Claim:
    return Claim(text=text, citations=list(ids or [PAPER.id]))


@pytest.mark.parametrize(
    "text",
    [
        "In 15 patients, pain fell by 45% [1].",  # digits for a number written in words
        "Fifteen patients took 400 mg [1].",  # words as written
        "Pain fell by 45 percent (p < 0.05) [1].",  # .05 and 0.05 are the same value
        "The CI was 10 to 20 [1].",  # each end of a range
        "There were 1204 controls [1].",  # thousands separator
        "The score fell from 2.5 to 1.50 [1].",  # trailing zeros
        "Twenty-five patients improved [1].",  # hyphenated number words
        "6 of 9 studies that address the question support it [1].",  # counts of studies
        "The strongest are 2 randomised controlled trials and one case report [1].",
        "The Modified Ashworth Scale and the VAS improved [1].",  # scale names present
        "Drug X was given 400 mg three times daily [1, 2].",  # numbers in either cited paper
    ],
)
def test_faithful_sentences_pass(text: str) -> None:
    assert check_claim(claim(text), PAPERS) == []


@pytest.mark.parametrize(
    "text, ids, problem",
    [
        ("In 16 patients, pain fell [1].", (), "'16'"),
        ("Pain fell by 46% [1].", (), "'46'"),
        ("Pain fell by 2.4 points [1].", (), "'2.4'"),
        ("Sixteen patients improved [1].", (), "'Sixteen'"),
        ("Six patients improved [1].", (), "'Six'"),  # only the other, uncited paper says six
        ("Drug X 400 mcg was given [1].", (), "dose '400 mcg'"),
        ("The Barthel Index improved [1].", (), "scale 'Barthel Index'"),
        ("PANSS scores improved [1].", (), "scale 'PANSS'"),
        ("In 15 patients [1].", ("pmid:404",), "not among the papers"),
        ("Pain fell by 45%.", ("__none__",), "'45'"),
    ],
)
def test_unfaithful_sentences_fail(text: str, ids: tuple[str, ...], problem: str) -> None:
    cited = [] if ids == ("__none__",) else list(ids or [PAPER.id])
    problems = check_claim(Claim(text=text, citations=cited), PAPERS)
    assert any(problem in p for p in problems), problems


def test_citation_markers_are_not_numbers() -> None:
    assert claim_numbers("Pain fell [12]. Both agree [3, 14].") == []


@pytest.mark.parametrize(
    "text, counted",
    [
        ("5 of 7 studies that address the question", "5 of 7 studies"),
        ("3 randomised controlled trials", "3 randomised controlled trials"),
        ("One study does not", "One study"),
        ("1 more study possibly does", "1 more study"),
        ("the 8 studies found", "8 studies"),
        ("2 animal studies", "2 animal studies"),
        ("15 patients in two trials", "two trials"),  # patients are not counted studies
    ],
)
def test_counts_of_studies_are_recognised(text: str, counted: str) -> None:
    assert [text[a:b] for a, b in count_spans(text)] == [counted]


@pytest.mark.parametrize(
    "text, written",
    [("400 mg", "400 mg"), ("10 mg/kg", "10 mg/kg"), ("2.5mcg", "2.5mcg"),
     ("1000 IU/day", "1000 IU/day"), ("5 groups", None)],
)
def test_doses_are_found(text: str, written: str | None) -> None:
    assert [w for _, w in doses(text)] == ([written] if written else [])


def test_scale_names_are_found() -> None:
    names = scale_names("Scores on the Pittsburgh Sleep Quality Index and the PHQ-9 fell.")
    assert names == ["PHQ-9", "Pittsburgh Sleep Quality Index"]


def test_check_report_finds_markers_that_do_not_match_sources() -> None:
    from evidentia.models import Report

    sources = [Source(number=1, id=PAPER.id, title=PAPER.title)]
    good = Claim(text="In 15 patients [1].", citations=[PAPER.id])
    wrong_marker = Claim(text="In 15 patients [2].", citations=[PAPER.id])
    unlisted = Claim(text="Six of 40 rats improved [1].", citations=[OTHER.id])
    report = Report(question="q", answer=good, conclusion=[wrong_marker, unlisted],
                    sources=sources)
    failures = check_report(report, PAPERS)
    assert [c.text for c, _ in failures] == [wrong_marker.text, unlisted.text]
    assert "marker [2]" in failures[0][1][0]
    assert any("not in the source list" in p for p in failures[1][1])


@pytest.mark.parametrize(
    "text, values",
    [("fifteen", [15]), ("Twenty-five rats", [25]), ("one hundred and twenty people", [120]),
     ("two thousand", [2000]), ("two and three", [2, 3]), ("none here", [])],
)
def test_number_words(text: str, values: list[int]) -> None:
    from evidentia.synthesise.textfacts import word_numbers

    assert [int(value) for value, _, _ in word_numbers(text)] == values


@pytest.mark.parametrize(
    "text, found",
    [("treated for 13 weeks", [(13.0, "13 weeks")]),
     ("a 12-month trial", [(52.2, "12 months")]),
     ("followed over six months", [(26.1, "six months")]),
     ("after 1 year", [(52.0, "1 year")]),
     ("aged 65 years", [])],  # an age is not a duration
)
def test_durations(text: str, found: list[tuple[float, str]]) -> None:
    from evidentia.synthesise.textfacts import durations

    assert [(round(weeks, 1), written) for weeks, written in durations(text)] == found


def test_a_count_printed_with_spaced_thousands_is_a_number_the_paper_states() -> None:
    paper = Paper(id="pmid:7", title="Diet and diabetes", abstract="We followed 70 388 adults for ten years.")
    assert not check_claim(Claim(text="A cohort study of 70,388 adults [1].", citations=["pmid:7"]),
                           {"pmid:7": paper})
    assert check_claim(Claim(text="A cohort study of 70,389 adults [1].", citations=["pmid:7"]),
                       {"pmid:7": paper})
