"""Sample size: the error classes fixed for analyser learned-4, one table row per case (invented text)."""

from __future__ import annotations

import pytest

from evidentia.analyse.sample_size import find_sample_size
from evidentia.analyse.sentences import split_sentences
from evidentia.models import AbstractSection, Paper


def _n(abstract: str, sections: list[tuple[str, int, int]] | None = None) -> int | None:
    paper = Paper(id="doc:1", abstract=abstract,
                  sections=[AbstractSection(label=l, start=s, end=e) for l, s, e in sections or []])
    found = find_sample_size(abstract, split_sentences(paper))
    return found.n if found else None


@pytest.mark.parametrize(
    "text, n",
    [
        # per-arm counts after one unit: "N patients to X and M to Y"
        ("Overall, we randomly assigned 35 patients to the laser group and 34 to the sham group.", 69),
        ("We allocated 120 adults to brief counselling and 118 to usual care.", 238),
        # two groups, each with a qualifier after its unit
        ("Twenty limbs from healthy volunteers and 12 limbs from patients with ulcers were studied.", 32),
        # n = with a full stop ("N.=42")
        ("Patients were randomized to exercise (N.=42) or to usual care (N.=40).", 82),
        # a total given with n =, then broken down after "divided into": not counted twice
        (("Smokers (n = 30) were divided into heavy (n = 16) and light (n = 14) smokers and compared "
         "with non-smokers (n = 12)."), 42),
        # "group 1 received", "group 2 received": group numbers are not arm sizes
        (("Patients were randomly assigned: group 1 received drug A (n = 20); group 2 received drug B "
         "(n = 25); group 3 received placebo (n = 21)."), 66),
        # a year before a count is not a second arm
        ("Between 2015 and 2018, 2472 patients were randomly assigned to treatment.", 2472),
        # thousands grouped by spaces, as many journals print them, are one count
        ("We followed 70 388 adults, of whom 16 078 had diabetes, for ten years.", 70388),
        ("A total of 12\u2009345 women took part in the survey.", 12345),
        # but two counts that happen to sit side by side are not joined
        ("In 2019 1200 children were screened.", 1200),
    ],
)
def test_sample_size_error_classes(text: str, n: int | None) -> None:
    assert _n(text) == n


@pytest.mark.parametrize(
    "label, body, n",
    [
        # a count opening a PATIENTS section, even with a long qualifier before the unit
        ("PATIENTS", "21 ASA physical status I, II, and III patients undergoing surgery.", 21),
        ("PARTICIPANTS", "Forty-two adults with chronic pain.", 42),
        # "84 out of 100": the opening count is a part, not the sample
        ("POPULATION", "84 out of 100 outpatients randomized to two groups were considered.", 100),
    ],
)
def test_count_opening_a_participants_section(label: str, body: str, n: int) -> None:
    intro = "We tested a new treatment. "
    text = intro + body
    assert _n(text, [("OBJECTIVE", 0, len(intro) - 1), (label, len(intro), len(text))]) == n
