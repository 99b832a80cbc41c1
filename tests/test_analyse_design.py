"""Study design from publication types, MeSH and text; design flags; species."""

from __future__ import annotations

import pytest

from evidentia.analyse import analyse
from evidentia.models import Paper

NEUTRAL = "We studied the effect of drug X on pain. Pain improved in most participants."


def _paper(abstract: str = NEUTRAL, title: str = "", types: list[str] | None = None,
           mesh: list[str] | None = None) -> Paper:
    return Paper(id="doc:1", title=title, abstract=abstract, publication_types=types or [],
                 mesh_terms=mesh or [])


@pytest.mark.parametrize(
    "types, design",
    [
        (["Journal Article", "Meta-Analysis"], "meta_analysis"),
        (["Systematic Review", "Review"], "systematic_review"),
        (["Randomized Controlled Trial"], "rct"),
        (["Controlled Clinical Trial"], "trial"),
        (["Clinical Trial, Phase II"], "trial"),
        (["Observational Study"], "cohort"),
        (["Case Reports"], "case_report"),
        (["Practice Guideline"], "guideline"),
        (["Guideline"], "guideline"),
        (["Review"], "narrative_review"),
        (["Meta-Analysis", "Randomized Controlled Trial"], "meta_analysis"),
    ],
)
def test_design_from_publication_types(types: list[str], design: str) -> None:
    facts = analyse(_paper(types=types))
    assert (facts.design, facts.design_source) == (design, "publication_type")


def test_clinical_trial_type_with_randomisation_in_text_is_an_rct() -> None:
    facts = analyse(_paper("Sixty patients were randomly assigned to X or placebo.", types=["Clinical Trial"]))
    assert facts.design == "rct" and facts.randomised


def test_review_type_refined_by_systematic_review_text() -> None:
    facts = analyse(_paper("We performed a systematic review of trials of X.", types=["Review"]))
    assert facts.design == "systematic_review"


@pytest.mark.parametrize(
    "mesh, design",
    [
        (["Humans", "Cohort Studies"], "cohort"),
        (["Humans", "Case-Control Studies"], "case_control"),
        (["Humans", "Cross-Sectional Studies"], "cross_sectional"),
        (["Humans", "Prospective Studies"], "cohort"),
        (["Humans", "Cross-Over Studies"], "trial"),
        (["Animals", "Rats", "Rats, Wistar"], "animal"),
        (["Animals", "Mice", "*Cohort Studies"], "animal"),
    ],
)
def test_design_from_mesh(mesh: list[str], design: str) -> None:
    facts = analyse(_paper(mesh=mesh))
    assert (facts.design, facts.design_source) == (design, "mesh")


@pytest.mark.parametrize(
    "title, abstract, design",
    [
        ("Drug X for pain: a meta-analysis", NEUTRAL, "meta_analysis"),
        ("", "We conducted a systematic review of drug X for pain.", "systematic_review"),
        ("", "In this randomised, double-blind trial, 80 adults received X or placebo.", "rct"),
        ("A randomized controlled trial of X", NEUTRAL, "rct"),
        ("", "This open-label, single-arm study enrolled 30 patients.", "non_randomised_trial"),
        ("", "In a prospective cohort study of 5000 women we measured X.", "cohort"),
        ("", "We conducted a case-control study of 200 cases and 400 controls.", "case_control"),
        ("", "This cross-sectional study surveyed 900 nurses.", "cross_sectional"),
        ("", "We report a case of a 45-year-old woman with X.", "case_report"),
        ("", "We describe a case series of 12 patients treated with X.", "case_series"),
        ("", "Drug X reduced inflammation in rats. The effect was dose dependent in rats.", "animal"),
        ("", "We treated mice with X. X lowered tumour growth in mice.", "animal"),
        ("", "X inhibited growth of the cell line in vitro. The effect was dose dependent.", "in_vitro"),
        ("", "Pain improved in most participants.", "other"),
    ],
)
def test_design_from_text(title: str, abstract: str, design: str) -> None:
    assert analyse(_paper(abstract, title=title)).design == design


@pytest.mark.parametrize(
    "abstract, design, randomised",
    [
        # Reported problem: a crossover trial that never says "randomised" is a trial, not a
        # non-randomised one; "non-randomised" needs the text to say so.
        ("Thirty flight attendants received melatonin or placebo in a double-blind crossover design.", "trial", False),
        ("In this open-label study, 40 adults received drug X.", "trial", False),
        ("This non-randomised controlled trial enrolled 50 adults.", "non_randomised_trial", False),
        ("This single-arm study enrolled 30 patients.", "non_randomised_trial", False),
        ("Patients were assigned at random to X or placebo.", "rct", True),
        ("Sixty patients were randomized to the standard procedure or to X.", "rct", True),
        ("A double-blind, placebo-controlled study of drug X in 40 adults.", "trial", False),
    ],
)
def test_trials_say_randomised_only_when_the_text_does(abstract: str, design: str, randomised: bool) -> None:
    facts = analyse(_paper(abstract))
    assert (facts.design, facts.randomised) == (design, randomised)


@pytest.mark.parametrize(
    "abstract, design",
    [
        ("The medical records of 220 patients hospitalized for diverticulitis were reviewed.", "case_series"),
        ("We analyzed retrospectively 78 patients with kidney stones treated with SWL.", "case_series"),
        ("A cross sectional study of 38 patients with lupus.", "cross_sectional"),
        ("We conducted a population-based case-referent study of stroke patients.", "case_control"),
        ("Data were prospectively collected on all children admitted to the ward.", "cohort"),
        ("We performed a linked database analysis of all patients undergoing surgery.", "cohort"),
    ],
)
def test_observational_designs_from_text(abstract: str, design: str) -> None:
    assert analyse(_paper(abstract)).design == design


def test_background_mention_of_other_studies_is_not_this_design() -> None:
    abstract = ("BACKGROUND: A previous meta-analysis suggested a benefit of X. "
                "METHODS: We followed a cohort of 300 adults for 5 years. RESULTS: Pain fell.")
    assert analyse(_paper(abstract)).design == "cohort"


def test_call_for_further_trials_is_not_a_design_cue() -> None:
    abstract = "We studied 30 adults taking X. Pain fell. Further randomized trials are needed."
    facts = analyse(_paper(abstract))
    assert facts.design != "rct" and not facts.randomised


@pytest.mark.parametrize(
    "abstract, randomised, blinding, placebo, crossover, pilot",
    [
        ("In this randomized, double-blind, placebo-controlled crossover trial, 20 adults took X.",
         True, "double-blind", True, True, False),
        ("This single-blind pilot study randomised 12 adults to X or sham stimulation.",
         True, "single-blind", True, False, True),
        ("In this open-label study 40 patients took X.", False, "open-label", False, False, False),
        ("A non-randomized comparison of 40 patients taking X.", False, None, False, False, False),
    ],
)
def test_design_flags(abstract: str, randomised: bool, blinding: str | None, placebo: bool,
                      crossover: bool, pilot: bool) -> None:
    facts = analyse(_paper(abstract))
    assert (facts.randomised, facts.blinding, facts.placebo, facts.crossover, facts.pilot) == (
        randomised, blinding, placebo, crossover, pilot)


def test_design_cues_carry_spans() -> None:
    paper = _paper("In this randomized, double-blind trial 80 adults received X or placebo.",
                   title="Drug X versus placebo: a randomised trial")
    facts = analyse(paper)
    assert {c.value for c in facts.design_cues} >= {"randomised", "double_blind", "placebo"}
    for cue in facts.design_cues:
        assert paper.text_of(cue.span.field)[cue.span.start:cue.span.end] == cue.span.text


@pytest.mark.parametrize(
    "abstract, mesh, species",
    [
        (NEUTRAL, ["Humans"], "human"),
        (NEUTRAL, ["Animals", "Rats"], "animal"),
        ("Forty patients with asthma took X.", [], "human"),
        ("X was given to 20 rats. Blood pressure fell in the rats.", [], "animal"),
        ("X inhibited proliferation of cultured cells in vitro.", [], "in_vitro"),
        ("The weather was fine.", [], "unknown"),
    ],
)
def test_species(abstract: str, mesh: list[str], species: str) -> None:
    facts = analyse(_paper(abstract, mesh=mesh))
    assert facts.species == species
    if facts.species_span is not None:
        assert abstract[facts.species_span.start:facts.species_span.end] == facts.species_span.text


@pytest.mark.parametrize(
    "abstract, design",
    [
        # overlapping cues: "prospective" must not hide "randomized"
        ("This was a prospective randomized study of 40 adults given drug X or placebo.", "rct"),
        # allocation wording without the word "randomised"
        ("Forty patients randomly received drug X or placebo for 12 weeks.", "rct"),
        ("Each volunteer received drug X and placebo in random order, one week apart.", "rct"),
        ("By random, 15 and 20 patients received implants of type A and type B.", "rct"),
        # random sampling is not random allocation
        ("We randomly selected 500 households and interviewed one adult in each.", "other"),
        # "nonrandomized studies" in a sentence about other work does not undo this trial
        (("Patients were randomized to drug X or placebo. Drug X has been shown in nonrandomized studies to "
         "help."), "rct"),
        ("This prospective non randomized observational cohort study followed 300 adults.", "cohort"),
        # uncontrolled disease is not an uncontrolled study
        ("In this randomised trial, adults whose asthma was uncontrolled on inhaled steroids were enrolled.", "rct"),
        # a call for a trial is not this study's design
        ("We describe outcomes in 30 patients. A prospective, randomized trial is warranted to confirm this.",
         "other"),
        # retrospective and prospective cohorts stated with a verb
        ("We retrospectively reviewed 163 patients who had knee surgery.", "case_series"),
        ("We prospectively evaluated the CRP level in 629 men before prostatectomy.", "cohort"),
        ("Bone scans and CT scans were compared prospectively in 77 women.", "cohort"),
        ("We reviewed charts of 856 women treated at our institution.", "case_series"),
        ("The national cancer database was queried for adults with sarcoma.", "cohort"),
        # weak cues decide only when nothing stronger is said
        ("All 36 children treated between 1988 and 2002 were included.", "cohort"),
        ("We compared 75 hypertensive adults with 20 age- and gender-matched healthy subjects.", "case_control"),
        ("This cross-sectional study compared patients with arthritis and healthy controls.", "cross_sectional"),
        ("Population-based cross-sectional studies were conducted in 1984 and 1993.", "cross_sectional"),
        # a capitalised instrument named "Survey" is not a survey design
        ("Morbidity was measured by the Postoperative Morbidity Survey after surgery.", "other"),
    ],
)
def test_design_error_classes_from_text(abstract: str, design: str) -> None:
    assert analyse(_paper(abstract=abstract)).design == design
