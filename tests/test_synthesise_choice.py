"""Which result a report quotes, and which studies the relevance gate keeps (invented text)."""

from __future__ import annotations

import pytest

from evidentia.analyse import analyse
from evidentia.analyse.stance import judge_stance
from evidentia.models import Hit, Paper, StudyFacts
from evidentia.retrieve import analyse_query
from evidentia.synthesise.findings import main_finding
from evidentia.synthesise.relevance import addresses, topic_of
from evidentia.synthesise.studies import StudyItem


def quoted(question: str, title: str, abstract: str) -> str:
    query = analyse_query(question)
    paper = Paper(id="doc:x", title=title, abstract=abstract)
    facts = analyse(paper)
    item = StudyItem(Hit(paper_id=paper.id, rank=1, score=1.0, paper=paper), paper, facts,
                     judge_stance(query, paper, facts), order=0, topic=topic_of(query))
    finding = main_finding(item)
    return finding.text if finding else ""


@pytest.mark.parametrize(
    "question, title, abstract, expected",
    [
        ("Does zorbatin reduce the risk of falls?", "Zorbatin and falls in older adults",
         "Zorbatin is a plant extract. Its levels can be raised by eating leafy vegetables "
         "containing 20 mg per serving. Zorbatin deficiency increases the risk of falls in "
         "older adults.",
         "Zorbatin deficiency increases the risk of falls"),
        ("Does drug Q reduce migraine frequency?", "Drug Q for migraine: a randomised trial",
         "METHODS: 80 adults with migraine were randomised to drug Q or placebo. RESULTS: "
         "Serum sodium rose by 2 mmol/L in both groups (p = 0.04). Drug Q reduced migraine "
         "frequency by 3 days a month compared with placebo (p = 0.01). CONCLUSIONS: Drug Q "
         "is well tolerated.",
         "Drug Q reduced migraine frequency by 3 days"),
        ("Does drug Q reduce migraine frequency?", "Drug Q for migraine: a randomised trial",
         "METHODS: 80 adults with migraine were randomised to drug Q or placebo. RESULTS: "
         "Migraine frequency did not differ between the groups (4.1 vs 4.3 days; p = 0.6). "
         "CONCLUSIONS: Drug Q did not reduce migraine frequency.",
         "Migraine frequency did not differ between the groups"),
        ("Does drug Q reduce spasticity?", "Drug Q for spasticity in a child: a case report",
         "We describe a 7-year-old girl with spasticity of both arms who did not tolerate "
         "tizanidine. She was treated with drug Q 200 mg daily. After 6 weeks her Modified "
         "Ashworth Scale score fell from 3 to 1 and she could hold a cup. Mild headache "
         "resolved within days. Drug Q may be an option for spasticity in children.",
         "After 6 weeks her Modified Ashworth Scale score fell from 3 to 1"),
    ],
    ids=["the-stance-sentence-when-all-is-background",
         "the-numbered-result-on-the-outcome-not-another-number",
         "a-numbered-comparison-of-groups-before-the-conclusion",
         "a-before-and-after-change-before-the-authors-hope"],
)
def test_the_quoted_result_answers_the_question(question, title, abstract, expected) -> None:
    assert quoted(question, title, abstract).startswith(expected)


def facts_of(paper: Paper) -> StudyFacts:
    return analyse(paper)


@pytest.mark.parametrize(
    "question, title, abstract, expected",
    [
        ("Does zorbatin reduce chronic kidney disease (CKD) progression?",
         "Zorbatin in CKD", "In patients with CKD, zorbatin slowed progression of CKD by 30%.",
         True),
        ("Do mesenchymal stem cells reduce graft rejection?", "MSCs after kidney transplant",
         "MSCs given at transplant lowered graft rejection at one year.", True),
        ("Does zorbatin reduce colorectal cancer?", "Zorbatin and cancer outcomes",
         "Zorbatin users had fewer cancers of the colon and rectum; colorectal tumours were "
         "rare.", True),
        ("Does zorbatin reduce colorectal cancer?", "Quinovir and colorectal cancer",
         "Quinovir lowered colorectal cancer incidence.", False),
        ("Does 40mg zorbatin reduce blood pressure?", "Zorbatin and blood pressure",
         "Zorbatin lowered systolic blood pressure by 8 mmHg.", True),
    ],
    ids=["an-abbreviation-the-question-defines", "the-acronym-of-a-name",
         "a-phrase-by-its-words-apart", "another-agent-same-outcome", "a-dose-is-not-a-topic"],
)
def test_the_gate_matches_names_not_only_words(question, title, abstract, expected) -> None:
    paper = Paper(id="doc:x", title=title, abstract=abstract)
    assert addresses(topic_of(analyse_query(question)), paper, facts_of(paper)) is expected
