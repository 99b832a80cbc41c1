"""Vocabulary-based extractors: outcome measures, conditions, populations, adverse effects,
interventions, comparators and mechanisms."""

from __future__ import annotations

from importlib import resources

import pytest

from evidentia.analyse import analyse
from evidentia.analyse.outcomes import find_outcome_measures
from evidentia.analyse.vocab import Vocabulary, load, parse_vocabulary
from evidentia.models import Paper


def _paper(abstract: str, title: str = "", mesh: list[str] | None = None) -> Paper:
    return Paper(id="doc:1", title=title, abstract=abstract, mesh_terms=mesh or [])


def _spans_ok(paper: Paper, facts) -> bool:
    return all(paper.text_of(f.span.field)[f.span.start:f.span.end] == f.span.text for f in facts)


@pytest.mark.parametrize(
    "text, canonical",
    [
        ("Spasticity was rated on the Modified Ashworth Scale.", "Modified Ashworth Scale"),
        ("Tone was scored with the Ashworth scale.", "Ashworth Scale"),
        ("Pain was measured on a VAS.", "visual analogue scale"),
        ("Pain on a visual analog scale fell.", "visual analogue scale"),
        ("Pain on an 11-point numeric rating scale", "numeric rating scale"),
        ("Items were rated on a Likert scale.", "Likert scale"),
        ("Muscle activity was recorded by EMG.", "electromyography"),
        ("Disability was measured with the EDSS.", "Expanded Disability Status Scale"),
        ("Function improved on the Barthel index.", "Barthel Index"),
        ("Depression fell on the Hamilton Depression Rating Scale.", "Hamilton Depression Rating Scale"),
        ("BDI-II scores fell.", "Beck Depression Inventory"),
        ("Cognition was assessed with the MMSE.", "Mini-Mental State Examination"),
        ("Quality of life (SF-36) improved.", "quality of life"),
        ("Utility was measured with the EQ-5D.", "EQ-5D"),
        ("PANSS total scores fell.", "Positive and Negative Syndrome Scale"),
        ("HbA1c fell by 0.5%.", "HbA1c"),
        ("Systolic blood pressure fell.", "blood pressure"),
        ("All-cause mortality was lower.", "mortality"),
        ("BMI was unchanged.", "body mass index"),
        ("Penn spasm frequency scores fell.", "Penn Spasm Frequency Scale"),
        ("The Oswestry Disability Index improved.", "Oswestry Disability Index"),
        ("WOMAC pain scores fell.", "WOMAC"),
    ],
)
def test_outcome_measures(text: str, canonical: str) -> None:
    facts = find_outcome_measures(text)
    assert canonical in [f.value for f in facts]
    assert all(text[f.span.start:f.span.end] == f.text for f in facts)


@pytest.mark.parametrize("text", ["He went to MAS clinic.", "The mass was small.", "Levels of vasoactive peptides"])
def test_outcome_measures_need_whole_words_and_case_for_abbreviations(text: str) -> None:
    assert "visual analogue scale" not in [f.value for f in find_outcome_measures(text.lower())]
    assert "Modified Ashworth Scale" not in [f.value for f in find_outcome_measures(text.lower())]


@pytest.mark.parametrize("name, least", [("outcome_measures", 150), ("conditions", 180), ("adverse_effects", 50)])
def test_vocabularies_are_general_and_large_enough(name: str, least: int) -> None:
    raw = resources.files("evidentia.analyse").joinpath("data", f"{name}.txt").read_text("utf-8")
    assert len(parse_vocabulary(raw)) >= least
    assert load(name).find("") == []


def test_vocabulary_matcher_rules() -> None:
    vocab = Vocabulary({"spinal cord injury": ["SCI"], "multiple sclerosis": ["MS"]})
    found = vocab.find("Spinal-cord injuries and MS, not ms or SCIs or AMS.")
    assert [(m.text, m.canonical) for m in found] == [
        ("Spinal-cord injuries", "spinal cord injury"), ("MS", "multiple sclerosis"),
    ]


@pytest.mark.parametrize(
    "abstract, mesh, condition",
    [
        ("We studied six men with spinal cord injury.", [], "spinal cord injury"),
        ("Spasticity in MS is common.", [], "multiple sclerosis"),
        ("Adults with COPD were enrolled.", [], "chronic obstructive pulmonary disease"),
        ("Patients with T2DM took metformin.", [], "type 2 diabetes"),
        ("Patients with type 2 diabetes mellitus took metformin.", ["Diabetes Mellitus, Type 2"], "type 2 diabetes"),
        ("Children with autism spectrum disorder were studied.", [], "autism spectrum disorder"),
        ("We enrolled patients with chronic plantar fasciitis.", [], "chronic plantar fasciitis"),
        ("Outcomes in women diagnosed with breast cancer were poor.", [], "breast cancer"),
        ("Among 300 CKD patients, anaemia was common.", [], "chronic kidney disease"),
        ("Spinal cord injuries cause spasticity.", ["Spinal Cord Injuries", "Humans"], "spinal cord injury"),
    ],
)
def test_conditions(abstract: str, mesh: list[str], condition: str) -> None:
    paper = _paper(abstract, mesh=mesh)
    facts = analyse(paper)
    assert condition in [f.value for f in facts.conditions]
    assert _spans_ok(paper, facts.conditions)


def test_mesh_terms_that_are_not_diseases_are_not_conditions() -> None:
    paper = _paper("Apoptosis and prognosis were studied in humans.", mesh=["Apoptosis", "Prognosis", "Humans"])
    assert [f.value for f in analyse(paper).conditions] == []


@pytest.mark.parametrize(
    "abstract, population",
    [
        ("We enrolled 40 children aged 6 to 12.", "children"),
        ("Elderly patients were at risk.", "older adults"),
        ("Healthy volunteers took the drug.", "healthy volunteers"),
        ("Postmenopausal women were enrolled.", "postmenopausal women"),
        ("Sprague-Dawley rats were used.", "rats"),
        ("Infants born preterm were followed.", "infants"),
    ],
)
def test_populations(abstract: str, population: str) -> None:
    paper = _paper(abstract)
    facts = analyse(paper)
    assert population in [f.value for f in facts.population]
    assert _spans_ok(paper, facts.population)


@pytest.mark.parametrize(
    "abstract, adverse",
    [
        ("RESULTS: Somnolence and dizziness were the most common adverse events.", {"somnolence", "dizziness", "adverse events"}),
        ("RESULTS: Side effects included nausea and dry mouth.", {"side effects", "nausea", "dry mouth"}),
    ],
)
def test_adverse_effects(abstract: str, adverse: set[str]) -> None:
    paper = _paper(abstract)
    facts = analyse(paper)
    assert adverse <= {f.value for f in facts.adverse_effects}
    assert _spans_ok(paper, facts.adverse_effects)


@pytest.mark.parametrize(
    "abstract, tolerability",
    [
        ("RESULTS: No serious adverse events occurred.", "no adverse events"),
        ("RESULTS: No adverse effects were observed.", "no adverse events"),
        ("RESULTS: The drug was well tolerated.", "well tolerated"),
        ("RESULTS: Adverse events were not observed in either group.", "no adverse events"),
        ("RESULTS: Pain fell without any side effects.", "no side effects"),
        ("RESULTS: Patients were free of toxicity at 6 months.", "no toxicity"),
    ],
)
def test_negated_harms_are_tolerability_not_adverse_effects(abstract: str, tolerability: str) -> None:
    paper = _paper(abstract)
    facts = analyse(paper)
    assert facts.adverse_effects == []
    assert tolerability in {f.value for f in facts.tolerability}
    assert _spans_ok(paper, facts.tolerability)


def test_a_difference_in_adverse_events_is_still_a_mention() -> None:
    facts = analyse(_paper("RESULTS: There was no difference in adverse events between groups."))
    assert {f.value for f in facts.adverse_effects} == {"adverse events"}


def test_symptom_outcomes_are_not_adverse_effects_without_a_harm_context() -> None:
    paper = _paper("METHODS: We studied 40 adults. RESULTS: Headache frequency fell by half with X (p<0.01).")
    assert "headache" not in {f.value for f in analyse(paper).adverse_effects}


@pytest.mark.parametrize(
    "title, abstract, interventions, comparators",
    [
        ("Gabapentin versus placebo for spasticity", "", {"gabapentin"}, {"placebo"}),
        ("", "OBJECTIVE: To assess the efficacy of tizanidine in spasticity. METHODS: We randomized 40 adults.",
         {"tizanidine"}, set()),
        ("", "METHODS: Patients were treated with intrathecal baclofen or usual care.",
         {"intrathecal baclofen"}, {"usual care"}),
        ("", "METHODS: Participants received gabapentin 400 mg three times daily or placebo.",
         {"gabapentin"}, {"placebo"}),
        ("", "METHODS: Participants received 1,000 IU/day of cholecalciferol or sham.",
         {"cholecalciferol"}, {"sham"}),
        ("Effects of aerobic exercise training on fatigue", "", {"aerobic exercise"}, set()),
        ("", "RESULTS: Acupuncture compared with waiting list reduced pain.", {"acupuncture"}, {"waiting list"}),
    ],
)
def test_interventions_and_comparators(title: str, abstract: str, interventions: set[str],
                                       comparators: set[str]) -> None:
    paper = _paper(abstract, title=title)
    facts = analyse(paper)
    assert interventions <= {f.value for f in facts.interventions}
    assert comparators <= {f.value for f in facts.comparators}
    assert _spans_ok(paper, facts.interventions) and _spans_ok(paper, facts.comparators)


@pytest.mark.parametrize(
    "phrase, names_one",
    [
        ("67", False), ("8 liters", False), ("90 D", False), ("minutes", False), ("daily", False),
        ("2 groups", False), ("treatment", False),
        ("gabapentin", True), ("5-fluorouracil", True), ("vitamin D", True), ("aerobic exercise", True),
    ],
)
def test_intervention_phrases_must_name_a_treatment(phrase: str, names_one: bool) -> None:
    from evidentia.analyse.interventions import names_a_treatment

    assert names_a_treatment(phrase) is names_one


def test_no_number_fragments_among_interventions() -> None:
    paper = _paper("METHODS: Participants drank 8 liters of water for 90 minutes or received 67 mg of X "
                   "daily. Treatment with 90 D lenses was compared with placebo.")
    values = {f.value for f in analyse(paper).interventions}
    assert not {"67", "8 liters", "90 d", "minutes"} & values


def test_interventions_for_query_terms() -> None:
    from evidentia.analyse.interventions import interventions_for_query

    paper = _paper("Patients took Cannabis extract daily.", title="Cannabinoids in MS")
    facts = interventions_for_query(["cannabis", "dronabinol"], paper)
    assert [(f.value, f.span.field, f.text) for f in facts] == [("cannabis", "abstract", "Cannabis")]


@pytest.mark.parametrize(
    "abstract, cue",
    [
        ("BACKGROUND: Baclofen acts by binding to GABA-B receptors in the spinal cord. METHODS: We did X.", "acts by"),
        ("RESULTS: X inhibits the reuptake of serotonin.", "inhibits"),
        ("CONCLUSIONS: The effect is mediated by nitric oxide.", "mediated by"),
    ],
)
def test_mechanisms(abstract: str, cue: str) -> None:
    paper = _paper(abstract)
    facts = analyse(paper)
    assert cue in [f.value for f in facts.mechanisms]
    assert _spans_ok(paper, facts.mechanisms)


def test_methods_sentences_are_not_mechanisms() -> None:
    paper = _paper("METHODS: Receptor binding was measured by autoradiography.")
    assert analyse(paper).mechanisms == []
