"""Report wording a demanding reader would stumble on, as tables of invented studies.

Each case is a bug a QA pass found: a fragment for an answer, a pluralised design label that
reads wrong ("the strongest design is studies"), filters that emptied a report without saying
so, and per-study subjects that are no treatment ("A study of optimal", "examined geriatr
Gerontol"). Drug names are invented (zorbalin, nabrexone) so no rule can be tuned to a topic.
"""

from __future__ import annotations

import pytest
from test_synthesise_corpus import make_study

from evidentia.analyse.question import question_terms, strip_symbols
from evidentia.config import SynthesiseSettings
from evidentia.models import Filters, QueryAnalysis
from evidentia.retrieve.query import analyse_query
from evidentia.synthesise import readable_query, synthesise
from evidentia.synthesise.filters import describe_filters
from evidentia.synthesise.grading import grade_studies
from evidentia.synthesise.phrases import design_plural, study_phrase
from evidentia.synthesise.relevance import topic_of
from evidentia.synthesise.studies import StudyItem
from evidentia.synthesise.verdict import answer_drafts


def study(abstract: str, interventions: list[str], *, title: str = "A study in adults",
          design: str = "other", question: str = "Does zorbalin reduce pain?",
          size: tuple[int, str, str | None] | None = None, **extra) -> StudyItem:
    hit, paper, facts, stance = make_study(
        pid="pmid:39000001", rank=1, title=title, abstract=abstract, stance="yes",
        stance_text=abstract.split(".")[0], design=design, interventions=interventions,
        size=size, **extra)
    return StudyItem(hit, paper, facts, stance, order=0, topic=topic_of(analyse_query(question)))


# --------------------------------------------------------------------------- subjects

SUBJECTS = [
    # An adjective from a title ("Optimal therapy") names no treatment: the next fact does.
    dict(title="Optimal therapy for raised lipoprotein levels",
         abstract="Patients took nabrexone daily. Levels fell by a third.",
         interventions=["Optimal", "nabrexone"], expected="study of nabrexone"),
    # A name cut inside a token ("C20" of "C20:5") and run on through a verb.
    dict(abstract="Zorbalin converted C20:5 fatty acids to new mediators in 12 volunteers.",
         interventions=["Zorbalin converted C20"], expected="study of zorbalin"),
    # A generic word ("drugs") when the study names the question's drug: the question's term.
    dict(abstract="Several drugs were compared. Zorbalin ranked lowest for risk of bleeding.",
         interventions=["drugs"], expected="study of zorbalin"),
    # A journal abbreviation in a citation line is no treatment; nothing else is named.
    dict(abstract="Muscle mass was low in 132 adults. Geriatr Gerontol Int 2017; 17: 785-790.",
         interventions=["Geriatr Gerontol"], question="Does nabrexone help muscle spasms?",
         size=(132, "132 adults", "adults"), expected="study of 132 adults"),
    # People are not a treatment ("patient gender", "women").
    dict(abstract="The impact of patient gender on care was small. Fewer women got zorbalin.",
         interventions=["patient gender", "women"], expected="study of zorbalin"),
    # An anaphoric generic noun ("the herb") gives way to the named drug after it.
    dict(abstract="An extract of the herb may help. In a trial, nabrexone eased spasms.",
         interventions=["herb", "nabrexone"], question="Does nabrexone help muscle spasms?",
         expected="study of nabrexone"),
    # The agent that induces the disease in a model is not the treatment studied.
    dict(abstract="Colitis was induced with dextran sodium sulfate-induced injury in mice.",
         interventions=["dextran sodium"], expected="study"),
    # A design, a database, a rank or an adjective compound without its noun is no treatment.
    dict(abstract="This cross-sectional study used MEDLINE data on the top quintile of short sleepers.",
         interventions=["cross-sectional study", "MEDLINE", "top quintile", "short"],
         expected="study"),
    dict(title="Brief Internet-Based Treatment for low mood",
         abstract="Adults were randomised to treatment or a waiting list.",
         interventions=["Brief Internet-Based"], expected="study"),
    # A condition the people had is not what a trial gave ("a trial of obesity").
    dict(abstract="In adults with obesity and diabetes, the new analog lowered weight.",
         interventions=[], conditions=["obesity", "diabetes"], design="rct",
         question="Is obesity associated with diabetes?",
         expected="randomised controlled trial of people with obesity"),
    dict(abstract="Pregnant women with type 1 diabetes saw specialist diabetes teams.",
         interventions=["specialist diabetes"], conditions=["type 1 diabetes"], design="cohort",
         expected="cohort study of people with type 1 diabetes"),
    # A capital that only starts a section ("CONTEXT Zorbalin is ...") is dropped.
    dict(title="Long-term use of zorbalin and eye disease",
         abstract="CONTEXT Zorbalin is widely used. Zorbalin use was not associated with it.",
         interventions=["zorbalin"], design="cohort", expected="cohort study of zorbalin"),
]


@pytest.mark.parametrize("case", SUBJECTS, ids=lambda case: case["expected"] + ":" +
                         (case["interventions"] or ["none"])[0])
def test_study_subject_is_a_real_treatment_or_a_plain_subject(case: dict) -> None:
    case = dict(case)
    expected = case.pop("expected")
    abstract, interventions = case.pop("abstract"), case.pop("interventions")
    assert study_phrase(study(abstract, interventions, **case)).text == expected


def test_a_bare_question_prefers_the_study_s_mention_of_its_term() -> None:
    item = study("Patients took hormone pills. Zorbalin use was recorded.",
                 ["hormone pills", "Zorbalin use"], question="zorbalin")
    assert study_phrase(item).text == "study of zorbalin use"


# --------------------------------------------------------------------------- design labels


@pytest.mark.parametrize(
    "design, plural, reason",
    [("other", "studies of unstated design",
      "starts very low: the strongest evidence comes from studies of unstated design"),
     ("rct", "randomised controlled trials",
      "starts high: the strongest evidence comes from randomised controlled trials"),
     ("meta_analysis", "meta-analyses",
      "starts high: the strongest evidence comes from meta-analyses"),
     ("case_series", "case series",
      "starts very low: the strongest evidence comes from case series")],
)
def test_grade_reason_names_the_design_naturally(design: str, plural: str, reason: str) -> None:
    item = study("Zorbalin eased pain in 300 adults.", ["Zorbalin"], design=design,
                 size=(300, "300 adults", "adults"))
    assert design_plural(design) == plural
    assert grade_studies([item]).reasons[0] == reason


# --------------------------------------------------------------------------- the answer


@pytest.mark.parametrize(
    "question, yes_no, intervention, outcome",
    [("💊 Does zorbalin help 头痛?", True, ["zorbalin"], ["头痛"]),
     ("➡️ Is zorbalin associated with fractures?", True, ["zorbalin"], ["fractures"]),
     ("Does zorbalin help pain? 🙂", True, ["zorbalin"], ["pain"])],
)
def test_symbols_do_not_break_question_parsing(question: str, yes_no: bool,
                                               intervention: list[str], outcome: list[str]) -> None:
    query = readable_query(analyse_query(question))
    assert query.question == question  # shown as asked
    assert (query.is_yes_no, query.intervention, query.outcome) == (yes_no, intervention, outcome)
    assert "头痛" not in strip_symbols("💊 Does zorbalin help?")
    assert "头痛" in question_terms(readable_query(analyse_query("Does zorbalin help 头痛?")))


def test_every_summary_answer_version_is_a_full_sentence() -> None:
    query = QueryAnalysis(question="zorbalin", terms=["zorbalin"], fts_query="zorbalin")
    items = [study("Zorbalin eased pain in 300 adults.", ["Zorbalin"])]
    for version in answer_drafts(items, grade_studies(items), query, []):
        text = version.plain_text()
        assert text.endswith(".") and " address" in text
        assert not text.startswith("The 1 study that addresses the question.")
        assert text.split(" ", 1)[0][0].isupper()


# --------------------------------------------------------------------------- filters


@pytest.mark.parametrize(
    "filters, described",
    [(Filters(year_min=2030), "published in 2030 or later"),
     (Filters(year_min=2000, year_max=2005), "published 2000 to 2005"),
     (Filters(designs=["rct", "cohort"], min_sample_size=100, species="human"),
      ("design randomised controlled trial or cohort study, at least 100 participants, "
       "studies in people"))],
)
def test_filters_that_remove_every_study_are_named(filters: Filters, described: str) -> None:
    assert describe_filters(filters) == described
    query = analyse_query("Does zorbalin reduce fractures?")
    report = synthesise(query, [], settings=SynthesiseSettings(), filters=filters)
    assert f"no study in the library passed the filters ({described})" in report.answer.text
    assert "relax" in report.answer.text
    texts = [claim.text for claim in report.conclusion]
    assert any("zorbalin" in text and "fractures" in text for text in texts), texts
    assert any("filters" in notice for notice in report.notices)


def test_without_filters_no_studies_says_none_were_found() -> None:
    query = analyse_query("Does zorbalin reduce fractures?")
    report = synthesise(query, [], settings=SynthesiseSettings())
    assert "filters" not in report.answer.text
    assert any("zorbalin" in claim.text for claim in report.conclusion)
