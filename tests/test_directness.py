"""What a study tested, as a spec: four ways a real abstract misleads a report (invented text).

1. The question's agent is a background given to every group; another agent was compared.
2. The study measured levels of the agent (an association); it gave nothing.
3. The study speaks of the agent's lack ("deficiency raises the risk"): the polarity turns round.
4. The population comes from who took part, not from a condition in a list of outcomes.
"""

from __future__ import annotations

import pytest

from evidentia.analyse import analyse, judge_stance
from evidentia.analyse.polarity import absence_spans, read_polarity, without_spans
from evidentia.analyse.question import intervention_patterns
from evidentia.analyse.stance import directness_of
from evidentia.models import Hit, Paper, QueryAnalysis
from evidentia.synthesise.labels import people_conditions
from evidentia.synthesise.phrases import population_phrase, study_phrase
from evidentia.synthesise.relevance import topic_of
from evidentia.synthesise.studies import StudyItem


def query(question: str, intervention: str, outcome: str = "falls") -> QueryAnalysis:
    return QueryAnalysis(question=question, is_yes_no=True, intervention=[intervention],
                         outcome=[outcome], terms=question.rstrip("?").split()[1:])


TAVO = query("Does tavocalcin supplementation reduce the risk of falls?",
             "tavocalcin supplementation", "risk of falls")


def paper(title: str, *sentences: str) -> Paper:
    return Paper(id="doc:spec", title=title, abstract=" ".join(sentences))


# --------------------------------------------------------------------------- 1. background

BACKGROUND_CASES = [
    # (title, abstract sentences, kind, what the study compared)
    ("Zelorant and falls in older women: a randomised trial",
     ("OBJECTIVE: To test whether zelorant reduces the risk of falls.",
      "METHODS: We randomly assigned 600 women to zelorant 10 mg or placebo.",
      "All participants received tavocalcin 400 IU daily.",
      "RESULTS: Zelorant, compared with placebo, reduced falls by 30% (p=0.01)."),
     "background", "zelorant"),
    ("Zelorant and falls in older women: a randomised trial",
     ("METHODS: We randomly assigned 600 women to zelorant 10 mg or placebo.",
      "Tavocalcin was provided if baseline levels were low.",
      "RESULTS: Zelorant, compared with placebo, reduced falls by 30% (p=0.01)."),
     "background", "zelorant"),
    # The agent is what was randomised: tested, whatever else everyone got.
    ("Tavocalcin and falls: a randomised trial",
     ("METHODS: We randomly assigned 600 women to tavocalcin 400 IU or placebo.",
      "All participants received calcium 500 mg daily.",
      "RESULTS: Tavocalcin, compared with placebo, reduced falls by 30% (p=0.01)."),
     "tested", ""),
    # An add-on trial of the agent itself: "X in addition to usual care" tests X.
    ("Exercise for falls",
     ("METHODS: We randomised 200 adults to tavocalcin in addition to usual care, or usual care.",
      "RESULTS: Falls were fewer with tavocalcin (p=0.02)."),
     "tested", ""),
]


@pytest.mark.parametrize("title, sentences, kind, tested", BACKGROUND_CASES)
def test_an_agent_given_to_every_group_is_not_what_the_trial_tested(title, sentences, kind,
                                                                    tested) -> None:
    study = paper(title, *sentences)
    found = directness_of(TAVO, study, analyse(study))
    assert (found.kind, found.tested) == (kind, tested), found


def test_a_background_study_is_not_counted() -> None:
    title, sentences, _, _ = BACKGROUND_CASES[0]
    study = paper(title, *sentences)
    judgement = judge_stance(TAVO, study, analyse(study))
    assert judgement.stance == "unclear"
    assert "compared zelorant" in judgement.reason


# --------------------------------------------------------------------------- 2. measured

MEASURED_CASES = [
    # (question, abstract sentences, kind)
    (TAVO, ("We measured serum tavocalcin levels in 300 older women.",
            "Women with low serum levels of tavocalcin had more falls (p=0.01).",
            "Tavocalcin deficiency was common."), "measured"),
    # A question about the level itself is answered by measuring it.
    (query("Are low tavocalcin levels associated with falls?", "low tavocalcin levels"),
     ("We measured serum tavocalcin levels in 300 older women.",
      "Women with low serum levels of tavocalcin had more falls (p=0.01)."), "tested"),
    # A cohort of people given the agent is about giving it.
    (TAVO, ("We followed 300 women treated with tavocalcin supplementation for two years.",
            "Falls were fewer among those given tavocalcin 400 IU daily (p=0.03)."), "tested"),
]


@pytest.mark.parametrize("question, sentences, kind", MEASURED_CASES)
def test_a_study_of_levels_is_an_association(question, sentences, kind) -> None:
    study = paper("Tavocalcin and falls in older women", *sentences)
    assert directness_of(question, study, analyse(study)).kind == kind


def test_an_association_with_levels_answers_an_intervention_question_at_most_possibly() -> None:
    study = paper("Serum tavocalcin and falls in older women",
                  "We measured serum tavocalcin levels in 300 older women.",
                  "CONCLUSION: Higher serum tavocalcin levels were associated with fewer falls.")
    judgement = judge_stance(TAVO, study, analyse(study))
    assert judgement.stance == "possibly", judgement.reason


# --------------------------------------------------------------------------- 3. lack of the agent

AGENT = intervention_patterns(TAVO)


@pytest.mark.parametrize(
    "clause, lack",
    [
        ("Tavocalcin insufficiency and deficiency increase the risk of falls",
         "Tavocalcin insufficiency and deficiency"),
        ("Low serum levels of tavocalcin were linked to falls", "Low serum levels of tavocalcin"),
        ("low tavocalcin levels predicted falls", "low tavocalcin levels"),
        ("Withdrawal of tavocalcin increased falls", "Withdrawal of tavocalcin"),
        ("Tavocalcin reduced falls", None),
        ("Lower tavocalcin doses were as effective", None),  # an amount given, not a lack
        ("Falls were rare in the low tavocalcin group", None),
    ],
)
def test_the_lack_of_the_agent_is_found(clause: str, lack: str | None) -> None:
    spans = absence_spans(clause, AGENT)
    assert ([clause[a:b] for a, b in spans] or [None]) == [lack]


@pytest.mark.parametrize(
    "clause, direction, benefit",
    [
        ("Tavocalcin deficiency increases the risk of falls", "down", 1),
        ("Lack of tavocalcin reduces muscle strength", "up", 1),
    ],
)
def test_what_the_lack_does_turns_round(clause: str, direction: str, benefit: int) -> None:
    turned = read_polarity(without_spans(clause, absence_spans(clause, AGENT))).inverted()
    assert (turned.direction, turned.benefit) == (direction, benefit)


@pytest.mark.parametrize(
    "conclusion, expected",
    [
        # Deficiency raising the harm weakly supports the agent: possibly, never "no".
        ("Tavocalcin deficiency increases the risk of falls in older women.", "possibly"),
        ("Tavocalcin deficiency was associated with fewer falls.", "no"),
        ("Tavocalcin supplementation reduced the risk of falls (p<0.01).", "yes"),
    ],
)
def test_a_finding_about_the_lack_answers_with_turned_polarity(conclusion, expected) -> None:
    study = paper("", "We reviewed studies of tavocalcin in older women.",
                  f"CONCLUSIONS: {conclusion}")
    assert judge_stance(TAVO, study, analyse(study)).stance == expected


# --------------------------------------------------------------------------- 4. population


def item(study: Paper, question: QueryAnalysis = TAVO) -> StudyItem:
    facts = analyse(study)
    stance = judge_stance(question, study, facts)
    return StudyItem(Hit(paper_id=study.id, rank=1, score=1.0), study, facts, stance, order=0,
                     topic=topic_of(question), directness=directness_of(question, study, facts))


POPULATION_CASES = [
    # (title, abstract sentences, words the population must hold, words it must not)
    ("Optimal tavocalcin intake for several health outcomes",
     (("This review summarizes evidence on tavocalcin intake in relation to bone density, "
       "risk of falls, fractures, and colorectal cancer."),
      "For all endpoints, intakes above 800 IU were most advantageous."),
     [], ["colorectal cancer"]),
    ("Tavocalcin for falls in patients with multiple sclerosis",
     ("We randomly assigned 80 patients with multiple sclerosis to tavocalcin or placebo.",
      "Falls were fewer with tavocalcin (p=0.02)."),
     ["multiple sclerosis"], []),
    ("Tavocalcin deficiency in postmenopausal women",
     ("METHODS: We studied 120 postmenopausal women and measured serum tavocalcin levels.",
      "RESULTS: Tavocalcin deficiency was common.",
      "Cases with tavocalcin deficiency had more falls."),
     ["women"], ["deficiency"]),
]


@pytest.mark.parametrize("title, sentences, present, absent", POPULATION_CASES)
def test_the_population_is_who_took_part(title, sentences, present, absent) -> None:
    people = population_phrase(item(paper(title, *sentences))).text
    for words in present:
        assert words in people, people
    for words in absent:
        assert words not in people, people


def test_a_condition_listed_among_outcomes_is_no_population() -> None:
    title, sentences, _, _ = POPULATION_CASES[0]
    study = item(paper(title, *sentences))
    assert "colorectal cancer" not in [fact.text for fact in people_conditions(study)]
    assert "colorectal cancer" not in study_phrase(study).text


def test_a_study_of_levels_is_described_as_observational_and_without_a_dose() -> None:
    title, sentences, _, _ = POPULATION_CASES[2]
    described = study_phrase(item(paper(title, *sentences))).text
    assert described.startswith("observational study of 120"), described
    assert "IU" not in described
