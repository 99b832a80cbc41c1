"""Sentence splitting, structured-abstract labels and sentence roles."""

from __future__ import annotations

import pytest

from evidentia.analyse.sentences import label_role, split_sentences
from evidentia.models import AbstractSection, Paper


def _texts(abstract: str) -> list[str]:
    return [s.text for s in split_sentences(Paper(id="doc:1", abstract=abstract))]


@pytest.mark.parametrize(
    "abstract, expected",
    [
        ("Pain fell. Sleep improved.", ["Pain fell.", "Sleep improved."]),
        ("As shown by Smith et al. in 2001, pain fell. Sleep improved.",
         ["As shown by Smith et al. in 2001, pain fell.", "Sleep improved."]),
        ("Drugs (e.g. aspirin) help. Others do not.", ["Drugs (e.g. aspirin) help.", "Others do not."]),
        ("Some drugs, i.e. NSAIDs, help. Others do not.", ["Some drugs, i.e. NSAIDs, help.", "Others do not."]),
        ("Drug A vs. Placebo was tested. It worked.", ["Drug A vs. Placebo was tested.", "It worked."]),
        ("See Fig. 2 for details. It worked.", ["See Fig. 2 for details.", "It worked."]),
        ("It took approx. 3 weeks. It worked.", ["It took approx. 3 weeks.", "It worked."]),
        ("The difference was significant (p < 0.05). It worked.",
         ["The difference was significant (p < 0.05).", "It worked."]),
        ("The difference was significant (p < .05). It worked.",
         ["The difference was significant (p < .05).", "It worked."]),
        ("Mean change was 2.5 points. It worked.", ["Mean change was 2.5 points.", "It worked."]),
        ("Data from J. R. Smith were used. It worked.", ["Data from J. R. Smith were used.", "It worked."]),
        ("Levels rose (see Table 1. Values are means). It worked.",
         ["Levels rose (see Table 1. Values are means).", "It worked."]),
        ("Subjects took vitamin D. The levels rose.", ["Subjects took vitamin D.", "The levels rose."]),
        ("Cultures of E. coli grew. The levels rose.", ["Cultures of E. coli grew.", "The levels rose."]),
        ("Levels rose. p53 was induced.", ["Levels rose.", "p53 was induced."]),
        ("Is it safe? Yes, it is.", ["Is it safe?", "Yes, it is."]),
        ("Patients were treated in the U.S. and Europe. It worked.",
         ["Patients were treated in the U.S. and Europe.", "It worked."]),
    ],
)
def test_splitting(abstract: str, expected: list[str]) -> None:
    assert _texts(abstract) == expected


def test_ids_offsets_and_text_agree() -> None:
    paper = Paper(id="pmid:42", abstract="  First one.  Second one here.  ")
    sentences = split_sentences(paper)
    assert [s.id for s in sentences] == ["pmid:42#s0", "pmid:42#s1"]
    for s in sentences:
        assert paper.abstract[s.start:s.end] == s.text


@pytest.mark.parametrize(
    "abstract, labels, roles",
    [
        (("BACKGROUND: Pain is common. METHODS: We enrolled 40 adults. RESULTS: Pain fell (p<0.01). "
          "CONCLUSIONS: It works."),
         ["BACKGROUND", "METHODS", "RESULTS", "CONCLUSIONS"],
         ["background", "methods", "results", "conclusions"]),
        (("OBJECTIVE To test X. METHODS AND RESULTS In 30 subjects we measured Y. Y fell by 20% (P<0.01). "
          "INTERPRETATION X lowers Y."),
         ["OBJECTIVE", "METHODS AND RESULTS", "METHODS AND RESULTS", "INTERPRETATION"],
         ["objective", "methods", "results", "conclusions"]),
        (("Background: Pain is common. Patients and methods: We enrolled 40 adults. Main outcome measures: "
          "Pain. Conclusion: It works."),
         ["Background", "Patients and methods", "Main outcome measures", "Conclusion"],
         ["background", "methods", "methods", "conclusions"]),
        (("BACKGROUND: Pain is common.METHODS: We enrolled 40 adults.RESULTS: Pain fell (p<0.01)."
          "CONCLUSIONS: It works."),
         ["BACKGROUND", "METHODS", "RESULTS", "CONCLUSIONS"],
         ["background", "methods", "results", "conclusions"]),
    ],
    ids=["colon-headings", "bare-capital-headings", "sentence-case-headings", "headings-glued-to-a-full-stop"],
)
def test_inline_headings_become_labels(abstract: str, labels: list[str], roles: list[str]) -> None:
    sentences = split_sentences(Paper(id="doc:1", abstract=abstract))
    assert [s.label for s in sentences] == labels
    assert [s.role for s in sentences] == roles
    assert not any(s.text.lower().startswith(("background", "methods", "results")) for s in sentences)


def test_labels_and_categories_from_paper_sections() -> None:
    abstract = "Pain is common. We enrolled 40 adults. Pain fell. It works."
    sections = [
        AbstractSection(label="INTRODUCTION", category="BACKGROUND", start=0, end=15),
        AbstractSection(label="PATIENTS", category="METHODS", start=16, end=38),
        AbstractSection(label="FINDINGS", category="RESULTS", start=39, end=49),
        AbstractSection(label="SIGNIFICANCE", category="CONCLUSIONS", start=50, end=59),
    ]
    sentences = split_sentences(Paper(id="doc:1", abstract=abstract, sections=sections))
    assert [s.label for s in sentences] == ["INTRODUCTION", "PATIENTS", "FINDINGS", "SIGNIFICANCE"]
    assert [s.role for s in sentences] == ["background", "methods", "results", "conclusions"]


@pytest.mark.parametrize(
    "label, role",
    [
        ("BACKGROUND", "background"), ("INTRODUCTION", "background"), ("CONTEXT", "background"),
        ("OBJECTIVE", "objective"), ("AIMS", "objective"), ("PURPOSE", "objective"),
        ("METHODS", "methods"), ("DESIGN", "methods"), ("SETTING", "methods"),
        ("PARTICIPANTS", "methods"), ("INTERVENTIONS", "methods"), ("MEASUREMENTS", "methods"),
        ("MAIN OUTCOME MEASURES", "methods"), ("RESULTS", "results"), ("FINDINGS", "results"),
        ("CONCLUSION", "conclusions"), ("CONCLUSIONS", "conclusions"),
        ("INTERPRETATION", "conclusions"), ("Something else", None),
    ],
)
def test_label_roles(label: str, role: str | None) -> None:
    assert label_role(label) == role


def test_roles_of_an_unstructured_abstract() -> None:
    abstract = (
        "Spasticity is a frequent problem after spinal cord injury. "
        "We aimed to determine whether drug X reduces spasticity. "
        "Forty patients were randomized to X or placebo. "
        "Spasticity decreased by 30% with X (p = 0.01). "
        "In conclusion, X reduces spasticity."
    )
    roles = [s.role for s in split_sentences(Paper(id="doc:1", abstract=abstract))]
    # "N patients were randomized" sits under METHODS or RESULTS in structured abstracts alike.
    assert roles[:2] == ["background", "objective"] and roles[3:] == ["results", "conclusions"]
    assert roles[2] in ("methods", "results")


def test_last_sentence_after_results_is_a_conclusion() -> None:
    abstract = "Pain is common. We studied 40 adults. Pain fell by 20% (p<0.01). X is worth trying."
    assert split_sentences(Paper(id="doc:1", abstract=abstract))[-1].role == "conclusions"


def test_empty_abstract_has_no_sentences() -> None:
    assert split_sentences(Paper(id="doc:1", abstract="")) == []
