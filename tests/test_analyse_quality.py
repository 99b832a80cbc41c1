"""Extraction quality rules (analyser ``learned-3``): one table per rule, each row a spec line.

Sentence roles of unstructured abstracts, question terms with tags ("vitamin D"), sample sizes
from arms and groups, junk interventions and conditions, unspecific and negated harms, and
outcome names as written.
"""

from __future__ import annotations

import pytest

from evidentia.analyse import analyse
from evidentia.analyse.interventions import names_a_treatment, tidy_intervention
from evidentia.analyse.pico import _outcome_name
from evidentia.analyse.question import question_terms, relevance
from evidentia.analyse.roles import has_statistics, predict_roles
from evidentia.analyse._text import make_fact
from evidentia.analyse.sentences import split_sentences
from evidentia.models import Paper, QueryAnalysis


def _facts(abstract: str, title: str = ""):
    return analyse(Paper(id="doc:1", title=title, abstract=abstract))


# --------------------------------------------------------------------------- sentence roles

UNSTRUCTURED = [
    # (sentences, index of the sentence, expected role)
    (["Obesity is common.", "Its causes are unclear.", "We measured weight in 40 mice.",
      "Weight fell by 10% (P < 0.01) after 4 weeks.", "These results suggest that diet matters."],
     4, "conclusions"),
    (["Obesity is common.", "Its causes are unclear.", "We measured weight in 40 mice.",
      "Mice lacking the gene gained less weight.", "We conclude that the gene controls appetite."],
     4, "conclusions"),
    (["Gene X is expressed in neurons.", "Its function is unknown.",
      "Knock-out mice show reduced learning, suggesting a role in memory.",
      "Gene X may thus be a target."], 3, "conclusions"),
    (["Obesity is common.", "We weighed 40 mice on a high-fat diet.",
      "Mean weight was 31 g versus 25 g in controls (P = 0.003)."], 2, "results"),
]


@pytest.mark.parametrize("texts, index, role", UNSTRUCTURED)
def test_roles_of_unstructured_abstracts(texts, index, role):
    roles = predict_roles(texts)
    if roles is None:
        pytest.skip("role model not available")
    assert roles[index] == role


@pytest.mark.parametrize("text, expected", [
    ("Weight fell by 10% (P < 0.01).", True),
    ("Mean weight was 31 g (p = .003).", True),
    ("These results suggest a role for diet.", False),
    ("P < 0.05 was considered significant.", False),  # a threshold, no result number
])
def test_statistics_need_a_p_value_and_a_number(text, expected):
    assert has_statistics(text) is expected


def test_short_unstructured_abstract_yields_findings():
    abstract = ("Vitamin K is needed for clotting. We gave vitamin K to 40 rats for 4 weeks. "
                "Clotting time fell by 20% (P < 0.01). These results suggest that vitamin K shortens clotting time.")
    sentences = split_sentences(Paper(id="doc:1", abstract=abstract))
    assert sentences[-1].role == "conclusions"
    assert _facts(abstract).findings


# --------------------------------------------------------------------------- question terms

@pytest.mark.parametrize("intervention, key", [
    ("vitamin D supplementation", "vitam d"),
    ("type 2 diabetes education", "type 2"),
    ("hepatitis B vaccination", "hepat b"),
    ("factor V Leiden testing", "facto v"),
    ("COVID 19 vaccines", "covid 19"),
])
def test_a_tag_after_a_word_stays_with_it(intervention, key):
    stems = question_terms(QueryAnalysis(question=f"Does {intervention} help?", intervention=[intervention]))
    assert key in stems


@pytest.mark.parametrize("text, expected", [
    ("Vitamin D lowered fracture rates.", 1.0),
    ("Vitamin-D lowered fracture rates.", 1.0),
    ("Vitamin C lowered fracture rates; D-dimer was measured.", 0.0),
])
def test_relevance_needs_the_tag_next_to_its_word(text, expected):
    stems = question_terms(QueryAnalysis(question="Does vitamin D help?", intervention=["vitamin D"]))
    assert relevance(text, {k: v for k, v in stems.items() if k == "vitam d"}) == expected


def test_a_lone_article_is_not_a_tag():
    stems = question_terms(QueryAnalysis(question="Is a diet of fish safe?"))
    assert not any(" a" in key for key in stems)


# --------------------------------------------------------------------------- sample size

SAMPLE_SIZES = [
    ("We performed a meta-analysis of 12 trials involving 388 people. Statins reduced mortality.", 388),
    ("We performed a meta-analysis of 12 randomised trials. Statins reduced mortality.", None),
    ("This meta-analysis pooled 12 trials (6 cases series). Statins reduced mortality.", None),
    ("We conducted a pilot study of 2 patients groups. Twelve patients and 10 controls were studied.", 22),
    ("We conducted a case-control study of 20 patients and 10 healthy volunteers. Levels were higher.", 30),
    ("We studied 46 patients. Response was seen in 36 of 46 cases, and 6 cases relapsed.", 46),
    ("Group A (19 patients) received drug X and group B (18 patients) received placebo. Pain fell.", 37),
    ("Rats were divided into three groups of 11. Pain fell.", 33),
    ("Patients were randomised into two groups of 25 patients each. Pain fell.", 50),
]


@pytest.mark.parametrize("abstract, n", SAMPLE_SIZES)
def test_sample_size(abstract, n):
    size = _facts(abstract).sample_size
    assert (size.n if size else None) == n


# --------------------------------------------------------------------------- interventions

INTERVENTIONS = [
    ("Patients were randomised to receive oral gabapentin or placebo. Pain fell.", ["oral gabapentin"]),
    ("Despite statin therapy, events recurred in 40 patients. Pain fell.", ["statin"]),
    ("Patients received metformin 600 mg daily. Glucose fell.", ["metformin"]),
    ("Patients underwent MRI, positron emission tomography and biopsy. Lesions were found.", []),
]


@pytest.mark.parametrize("abstract, expected", INTERVENTIONS)
def test_interventions_are_treatment_names(abstract, expected):
    assert [f.value for f in _facts(abstract).interventions] == expected


@pytest.mark.parametrize("phrase, expected", [
    ("HBOT facilitates healing", ["hbot"]),
    ("receive oral", []),
    ("nine", []),
    ("when", []),
    ("despite statin", ["statin"]),
    ("aspirin 600", ["aspirin"]),
    ("MRI, positron emission tomography", []),
    ("beta blockers or nitrates", ["beta blockers", "nitrates"]),
])
def test_tidy_intervention(phrase, expected):
    fact = make_fact("intervention", phrase, 0, len(phrase), phrase.lower())
    kept = [f.value for f in tidy_intervention(fact, phrase) if names_a_treatment(f.text)]
    assert kept == expected


# --------------------------------------------------------------------------- conditions

CONDITIONS = [
    ("We studied 30 patients with adrenal lesions larger than 4 cm. Mortality fell.", ["adrenal lesions"]),
    ("We studied 40 patients with an injury severity score above 15. Mortality fell.", []),
    ("Tumour necrosis factor levels were measured in 40 adults. Levels rose.", []),
    ("We randomised 80 patients undergoing total knee replacement (TKR). TKR patients recovered.", []),
    ("We randomised 80 surgical patients. The incidence of PONV was lower.", []),
    ("We studied 50 patients with chronic kidney disease. Mortality fell.", ["chronic kidney disease"]),
]


@pytest.mark.parametrize("abstract, expected", CONDITIONS)
def test_conditions_are_diseases(abstract, expected):
    assert [f.value for f in _facts(abstract).conditions] == expected


# --------------------------------------------------------------------------- harms

HARMS = [
    ("Complications occurred in 12 patients.", [], []),
    ("Postoperative complications occurred in 12 patients.", [], []),
    ("Wound complications occurred in 12 patients.", ["wound complications"], []),
    ("There were no complications.", [], ["no complications"]),
    ("Neither nausea nor dizziness occurred.", [], ["no nausea", "no dizziness"]),
    ("Rash, nausea, and dizziness were not observed.", [], ["no rash", "no nausea", "no dizziness"]),
    ("Rash occurred in 3 patients; no serious adverse events were seen.", ["rash"], ["no adverse events"]),
]


@pytest.mark.parametrize("sentence, harms, tolerability", HARMS)
def test_harms_are_specific_and_not_negated(sentence, harms, tolerability):
    facts = _facts(f"We randomised 60 patients to drug X or surgery. {sentence}")
    assert [f.value for f in facts.adverse_effects] == harms
    assert [f.value for f in facts.tolerability] == tolerability


# --------------------------------------------------------------------------- outcome names

@pytest.mark.parametrize("span_text, value", [
    ("MoCA scores", "Montreal Cognitive Assessment"),
    ("Montreal Cognitive Assessment", "Montreal Cognitive Assessment"),
    ("VAS pain", "visual analogue scale"),
    ("HbA1c", "HbA1c"),
    ("Serum  Ferritin Concentration", "Serum Ferritin Concentration"),
    ("quality of life", "quality of life"),  # the vocabulary's own display form
])
def test_outcome_names_keep_their_casing(span_text, value):
    assert _outcome_name(span_text) == value


def test_outcome_measure_values_are_display_names():
    facts = _facts("Cognition was assessed with the montreal cognitive assessment in 40 adults. Scores rose.")
    assert [(f.text, f.value) for f in facts.outcome_measures] == [
        ("montreal cognitive assessment", "Montreal Cognitive Assessment")]
