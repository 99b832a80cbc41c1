"""Hand-made studies for the synthesis and render tests: small realistic abstracts with facts.

Each study is built from its abstract: every fact is given as words of the abstract and gets its
span by lookup, so spans are right by construction (``test_spans_match_the_text`` checks it).
Two topics: a yes/no question with human, animal, in-vitro and retracted studies, and a second
question with a meta-analysis and a cohort that disagree. Other test files import ``corpus_a``,
``corpus_b``, ``query_a``, ``query_b`` and ``query_c`` from here.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from evidentia.models import (
    Dose,
    Fact,
    Finding,
    Hit,
    Paper,
    QueryAnalysis,
    SampleSize,
    Sentence,
    Span,
    StanceJudgement,
    StudyFacts,
)

StudyInput = tuple[Hit, Paper, StudyFacts, StanceJudgement]
LABEL_ROLES = {"BACKGROUND": "background", "OBJECTIVE": "objective", "METHODS": "methods",
               "RESULTS": "results", "CONCLUSIONS": "conclusions"}


def span_of(paper: Paper, text: str) -> Span:
    """The first place the words occur: abstract first, then title."""
    start = paper.abstract.find(text)
    if start >= 0:
        return Span(field="abstract", start=start, end=start + len(text), text=text)
    start = paper.title.find(text)
    if start < 0:
        raise ValueError(f"{text!r} is not in {paper.id}")
    return Span(field="title", start=start, end=start + len(text), text=text)


def split_sentences(paper: Paper) -> list[Sentence]:
    sentences, role = [], None
    for index, match in enumerate(re.finditer(r"\S.*?(?:[.!?](?=\s|$)|$)", paper.abstract)):
        label = re.match(r"([A-Z]{4,}):", match.group())
        role = LABEL_ROLES.get(label.group(1), role) if label else role
        sentences.append(Sentence(id=f"{paper.id}#s{index}", index=index, start=match.start(),
                                  end=match.end(), text=match.group(), role=role))
    return sentences


def finding(paper: Paper, sentences: list[Sentence], text: str, direction: str = "unclear",
            significant: bool | None = None) -> Finding:
    span = span_of(paper, text)
    sentence = next(s for s in sentences if s.start <= span.start < s.end)
    numbers = [Fact(kind="number", text=m.group(), value=m.group(), span=Span(
        start=span.start + m.start(), end=span.start + m.end(), text=m.group()))
        for m in re.finditer(r"\d+(?:\.\d+)?", text)]
    return Finding(sentence_id=sentence.id, text=text, span=span, numbers=numbers,
                   direction=direction, significant=significant)


def facts_of(paper: Paper, kind: str, texts: list[str]) -> list[Fact]:
    return [Fact(kind=kind, text=text, value=text.casefold(), span=span_of(paper, text))
            for text in texts]


def make_study(
    pid: str, rank: int, title: str, abstract: str, *, stance: str, stance_text: str,
    design: str, year: int = 2020, authors: list[str] | None = None, journal: str = "J Test Med",
    retracted: bool = False, species: str = "human",
    size: tuple[int, str, str | None] | None = None,
    conditions: list[str] = (), population: list[str] = (), interventions: list[str] = (),
    doses: list[str] = (), comparators: list[str] = (), outcomes: list[str] = (),
    adverse: list[str] = (), findings: list[tuple[str, str, bool | None]] = (),
    key: str | None = None, **flags: Any,
) -> StudyInput:
    """One hand-made study; ``size`` is (n, words of the abstract, unit)."""
    paper = Paper(id=pid, pmid=pid.split(":")[1], doi=f"10.5555/{pid.split(':')[1]}",
                  title=title, abstract=abstract, authors=authors or ["Doe J", "Roe R"],
                  year=year, journal=journal, retracted=retracted)
    sentences = split_sentences(paper)
    sample = None
    if size is not None:
        sample = SampleSize(n=size[0], unit=size[2], span=span_of(paper, size[1]))
    facts = StudyFacts(
        paper_id=pid, analyser_version="test", sentences=sentences, design=design,
        design_source="text", species=species, sample_size=sample,
        conditions=facts_of(paper, "condition", list(conditions)),
        population=facts_of(paper, "population", list(population)),
        interventions=facts_of(paper, "intervention", list(interventions)),
        doses=[Dose(text=text, span=span_of(paper, text)) for text in doses],
        comparators=facts_of(paper, "comparator", list(comparators)),
        outcome_measures=facts_of(paper, "outcome_measure", list(outcomes)),
        adverse_effects=facts_of(paper, "adverse_effect", list(adverse)),
        findings=[finding(paper, sentences, *spec) for spec in findings],
        key_finding=finding(paper, sentences, key) if key else None,
        **flags,
    )
    judgement = StanceJudgement(stance=stance, confidence=0.8, reason="test",
                                span=span_of(paper, stance_text))
    hit = Hit(paper_id=pid, rank=rank, score=round(1 / rank, 4), paper=paper)
    return hit, paper, facts, judgement


# --------------------------------------------------------------------------- topic A

A1 = dict(
    pid="pmid:31000001",
    title="Melatonin for sleep onset insomnia in children with autism spectrum disorder: a "
          "randomised, double-blind, placebo-controlled crossover trial",
    abstract=(
        "BACKGROUND: Sleep problems are common in children with autism spectrum disorder. "
        "METHODS: We conducted a randomised, double-blind, placebo-controlled crossover trial in "
        "22 children with autism spectrum disorder aged 4 to 10 years. Each child received "
        "melatonin 3 mg or placebo at bedtime for 4 weeks, with a 1-week washout. Sleep was "
        "recorded with actigraphy and sleep diaries. RESULTS: Melatonin reduced sleep onset "
        "latency by 28 minutes compared with placebo (p < 0.001). Total sleep time increased by "
        "33 minutes (p = 0.02). No serious adverse events occurred; mild morning drowsiness was "
        "reported in 2 children. CONCLUSIONS: Melatonin is an effective short-term treatment for "
        "sleep onset insomnia in children with autism spectrum disorder."
    ),
    design="rct", randomised=True, blinding="double-blind", placebo=True, crossover=True,
    size=(22, "22 children with autism spectrum disorder", "children"),
    conditions=["autism spectrum disorder"], interventions=["melatonin"], doses=["3 mg"],
    comparators=["placebo"], outcomes=["actigraphy", "sleep diaries"],
    adverse=["mild morning drowsiness"],
    findings=[
        ("Melatonin reduced sleep onset latency by 28 minutes compared with placebo (p < 0.001).",
         "improved", True),
        ("Total sleep time increased by 33 minutes (p = 0.02).", "improved", True),
    ],
    key="Melatonin is an effective short-term treatment for sleep onset insomnia in children "
        "with autism spectrum disorder.",
    stance="yes", stance_text="Melatonin is an effective short-term treatment",
    authors=["Appleby K", "Brandt L", "Chen W", "Dunn P"], journal="J Sleep Res", year=2019,
)

A2 = dict(
    pid="pmid:31000002",
    title="Prolonged-release melatonin for insomnia in children with autism spectrum disorder: "
          "a 13-week randomised trial",
    abstract=(
        "OBJECTIVE: To assess prolonged-release melatonin for insomnia in children and adolescents "
        "with autism spectrum disorder. METHODS: In this double-blind, placebo-controlled trial, "
        "125 children aged 2 to 17.5 years were randomised to prolonged-release melatonin 2 mg, "
        "titrated to 5 mg, or placebo for 13 weeks. The primary outcome was total sleep time in "
        "the Sleep and Nap Diary. RESULTS: Total sleep time increased by 57.5 minutes with "
        "melatonin and by 9.1 minutes with placebo (adjusted mean difference 32.4 minutes; "
        "p = 0.034). Sleep latency also improved. Somnolence and fatigue were the most frequent "
        "adverse events. CONCLUSIONS: Prolonged-release melatonin improved total sleep time in "
        "children with autism spectrum disorder."
    ),
    design="rct", randomised=True, blinding="double-blind", placebo=True,
    size=(125, "125 children", "children"), conditions=["autism spectrum disorder"],
    interventions=["prolonged-release melatonin"], doses=["2 mg"], comparators=["placebo"],
    outcomes=["total sleep time", "Sleep and Nap Diary"], adverse=["Somnolence", "fatigue"],
    findings=[("Total sleep time increased by 57.5 minutes with melatonin and by 9.1 minutes with "
               "placebo (adjusted mean difference 32.4 minutes; p = 0.034).", "improved", True)],
    key="Prolonged-release melatonin improved total sleep time in children with autism spectrum "
        "disorder.",
    stance="yes", stance_text="Prolonged-release melatonin improved total sleep time",
    authors=["Gringras P"], journal="J Am Acad Child Adolesc Psychiatry", year=2017,
)

A3 = dict(
    pid="pmid:31000003",
    title="Melatonin for sleep disturbance in Parkinson's disease: a randomised "
          "placebo-controlled trial",
    abstract=(
        "BACKGROUND: Poor sleep is frequent in Parkinson's disease. METHODS: Forty patients with "
        "Parkinson's disease were randomly assigned to melatonin 5 mg or placebo nightly for 10 "
        "weeks in a double-blind trial. Sleep quality was measured with the Pittsburgh Sleep "
        "Quality Index (PSQI). RESULTS: The PSQI score did not differ between groups at 10 weeks "
        "(mean change -1.8 vs -1.5; p = 0.41). Daytime sleepiness was also unchanged. "
        "CONCLUSIONS: Melatonin 5 mg did not improve sleep quality in patients with Parkinson's "
        "disease."
    ),
    design="rct", randomised=True, blinding="double-blind", placebo=True,
    size=(40, "Forty patients with Parkinson's disease", "patients"),
    conditions=["Parkinson's disease"], interventions=["melatonin"], doses=["5 mg"],
    comparators=["placebo"], outcomes=["Pittsburgh Sleep Quality Index"],
    findings=[("The PSQI score did not differ between groups at 10 weeks (mean change -1.8 vs "
               "-1.5; p = 0.41).", "no_difference", False)],
    key="Melatonin 5 mg did not improve sleep quality in patients with Parkinson's disease.",
    stance="no", stance_text="Melatonin 5 mg did not improve sleep quality",
    authors=["Ortiz M", "Silva R", "Tanaka H"], journal="Mov Disord", year=2021,
)

A4 = dict(
    pid="pmid:31000004",
    title="Melatonin use and sleep complaints in older adults with insomnia: a prospective "
          "cohort study",
    abstract=(
        "We followed 1,204 adults aged 65 years or older with insomnia for 2 years in a "
        "prospective cohort study. Melatonin use was recorded at each visit and sleep complaints "
        "were assessed with the Insomnia Severity Index (ISI). Melatonin users reported a smaller "
        "decline in ISI score than non-users (difference 1.2 points; 95% CI 0.3 to 2.1). The "
        "association was weaker after adjustment for depression. Melatonin use may be associated "
        "with modest improvement in insomnia symptoms in older adults."
    ),
    design="cohort", size=(1204, "1,204 adults aged 65 years or older with insomnia", "adults"),
    conditions=["insomnia"], population=["older adults"], interventions=["Melatonin use"],
    outcomes=["Insomnia Severity Index"],
    findings=[("Melatonin users reported a smaller decline in ISI score than non-users "
               "(difference 1.2 points; 95% CI 0.3 to 2.1).", "improved", None)],
    key="Melatonin use may be associated with modest improvement in insomnia symptoms in older "
        "adults.",
    stance="possibly", stance_text="Melatonin use may be associated with modest improvement",
    journal="Sleep Med", year=2022,
)

A5 = dict(
    pid="pmid:31000005",
    title="Melatonin for REM sleep behaviour disorder in Parkinson's disease: a case series",
    abstract=(
        "We describe 8 patients with Parkinson's disease and REM sleep behaviour disorder treated "
        "with melatonin 3 to 12 mg at bedtime. Six of the 8 patients reported fewer "
        "dream-enactment episodes within 6 weeks. Two patients stopped treatment because of "
        "morning headache. Melatonin may be a useful option for REM sleep behaviour disorder in "
        "Parkinson's disease."
    ),
    design="case_series", size=(8, "8 patients with Parkinson's disease", "patients"),
    conditions=["Parkinson's disease", "REM sleep behaviour disorder"],
    interventions=["melatonin"], doses=["3 to 12 mg"], adverse=["morning headache"],
    findings=[("Six of the 8 patients reported fewer dream-enactment episodes within 6 weeks.",
               "improved", None)],
    key="Melatonin may be a useful option for REM sleep behaviour disorder in Parkinson's "
        "disease.",
    stance="yes", stance_text="Melatonin may be a useful option",
    journal="Sleep Med", year=2016,
)

A6 = dict(
    pid="pmid:31000006",
    title="Melatonin shortens sleep latency in mice",
    abstract=(
        "Melatonin (10 mg/kg) or vehicle was given intraperitoneally to 24 male C57BL/6 mice at "
        "light offset. Electroencephalographic recordings showed that melatonin shortened sleep "
        "latency by 41% compared with vehicle (P < 0.01) and increased non-REM sleep during the "
        "first 2 hours. These findings support a sleep-promoting effect of melatonin in mice."
    ),
    design="animal", species="animal", size=(24, "24 male C57BL/6 mice", "mice"),
    interventions=["Melatonin"], doses=["10 mg/kg"], comparators=["vehicle"],
    findings=[("Electroencephalographic recordings showed that melatonin shortened sleep latency "
               "by 41% compared with vehicle (P < 0.01) and increased non-REM sleep during the "
               "first 2 hours.", "improved", True)],
    key="These findings support a sleep-promoting effect of melatonin in mice.",
    stance="yes", stance_text="These findings support a sleep-promoting effect",
    journal="Brain Res", year=2012,
)

A7 = dict(
    pid="pmid:31000007",
    title="Melatonin receptor MT1 signalling in cultured human neuroblastoma cells",
    abstract=(
        "We examined MT1 receptor signalling in SH-SY5Y neuroblastoma cells exposed to melatonin "
        "at 1 nM to 10 µM. Melatonin reduced forskolin-stimulated cAMP by up to 62%. The "
        "relevance of these findings to sleep regulation in vivo is unknown."
    ),
    design="in_vitro", species="in_vitro", interventions=["melatonin"],
    findings=[("Melatonin reduced forskolin-stimulated cAMP by up to 62%.", "unclear", None)],
    stance="unclear", stance_text="The relevance of these findings to sleep regulation",
    journal="Neurosci Lett", year=2010,
)

A8_RETRACTED = dict(
    pid="pmid:31000008",
    title="Melatonin cures chronic insomnia in adults: a randomised trial",
    abstract=(
        "In 300 adults with chronic insomnia, melatonin 10 mg abolished insomnia in 95% of "
        "participants (p < 0.0001). Melatonin cures chronic insomnia."
    ),
    design="rct", randomised=True, size=(300, "300 adults with chronic insomnia", "adults"),
    conditions=["chronic insomnia"], interventions=["melatonin"], doses=["10 mg"],
    findings=[("In 300 adults with chronic insomnia, melatonin 10 mg abolished insomnia in 95% "
               "of participants (p < 0.0001).", "improved", True)],
    stance="yes", stance_text="Melatonin cures chronic insomnia.", retracted=True,
    journal="Retracted J", year=2015,
)

A9 = dict(
    pid="pmid:31000009",
    title="Melatonin for inverted sleep rhythm in Smith-Magenis syndrome: a case report",
    abstract=(
        "A 9-year-old boy with Smith-Magenis syndrome had an inverted melatonin rhythm and severe "
        "night waking. Evening melatonin 4 mg combined with morning light exposure consolidated "
        "night-time sleep, and night waking fell from five to one episode per night over 3 "
        "months. Melatonin may help children with Smith-Magenis syndrome."
    ),
    design="case_report", size=(1, "A 9-year-old boy", "9-year-old boy"),
    conditions=["Smith-Magenis syndrome"], interventions=["Evening melatonin"], doses=["4 mg"],
    findings=[("Evening melatonin 4 mg combined with morning light exposure consolidated "
               "night-time sleep, and night waking fell from five to one episode per night over 3 "
               "months.", "improved", None)],
    key="Melatonin may help children with Smith-Magenis syndrome.",
    stance="yes", stance_text="Melatonin may help children with Smith-Magenis syndrome.",
    journal="Am J Med Genet", year=2018,
)

# --------------------------------------------------------------------------- topic B

B1 = dict(
    pid="pmid:32000001",
    title="Aspirin for the prevention of preeclampsia: a meta-analysis of randomised trials",
    abstract=(
        "We pooled 45 randomised trials including 20,909 pregnant women at risk of preeclampsia. "
        "Low-dose aspirin (60 to 150 mg daily) reduced the risk of preeclampsia by 18% (relative "
        "risk 0.82, 95% CI 0.74 to 0.91). The effect was greater when aspirin was started before "
        "16 weeks of gestation. Low-dose aspirin modestly reduces the risk of preeclampsia."
    ),
    design="meta_analysis", size=(20909, "20,909 pregnant women", "pregnant women"),
    conditions=["preeclampsia"], population=["pregnant women"],
    interventions=["Low-dose aspirin"], doses=["60 to 150 mg daily"],
    findings=[("Low-dose aspirin (60 to 150 mg daily) reduced the risk of preeclampsia by 18% "
               "(relative risk 0.82, 95% CI 0.74 to 0.91).", "improved", True)],
    key="Low-dose aspirin modestly reduces the risk of preeclampsia.",
    stance="yes", stance_text="Low-dose aspirin modestly reduces the risk of preeclampsia.",
    authors=["Roberge S", "Nicolaides K", "Demers S", "Hyett J", "Chaillet N"],
    journal="Am J Obstet Gynecol", year=2018,
)

B2 = dict(
    pid="pmid:32000002",
    title="Aspirin use and preeclampsia in a nulliparous cohort",
    abstract=(
        "In a cohort of 3,120 nulliparous women, 412 took aspirin 81 mg daily from the first "
        "trimester. Preeclampsia occurred in 7.8% of aspirin users and 8.1% of non-users "
        "(adjusted odds ratio 0.97, 95% CI 0.70 to 1.35). Aspirin use was not associated with a "
        "lower risk of preeclampsia in this low-risk cohort."
    ),
    design="cohort", size=(3120, "3,120 nulliparous women", "nulliparous women"),
    conditions=["Preeclampsia"], population=["nulliparous women"], interventions=["aspirin"],
    doses=["81 mg daily"],
    findings=[("Preeclampsia occurred in 7.8% of aspirin users and 8.1% of non-users (adjusted "
               "odds ratio 0.97, 95% CI 0.70 to 1.35).", "no_difference", False)],
    key="Aspirin use was not associated with a lower risk of preeclampsia in this low-risk "
        "cohort.",
    stance="no", stance_text="Aspirin use was not associated with a lower risk",
    journal="Obstet Gynecol", year=2020,
)

TOPIC_A = [A2, A1, A3, A8_RETRACTED, A4, A5, A6, A7, A9]  # retrieval order
TOPIC_B = [B1, B2]


def build(specs: list[dict[str, Any]]) -> list[StudyInput]:
    return [make_study(rank=rank, **spec) for rank, spec in enumerate(specs, start=1)]


def corpus_a() -> list[StudyInput]:
    return build(TOPIC_A)


def corpus_b() -> list[StudyInput]:
    return build(TOPIC_B)


def query_a() -> QueryAnalysis:
    return QueryAnalysis(question="Does melatonin improve sleep?", is_yes_no=True,
                         terms=["melatonin", "improve", "sleep"], fts_query="melatonin sleep",
                         intervention=["melatonin"], outcome=["sleep"])


def query_b() -> QueryAnalysis:
    return QueryAnalysis(question="Does low-dose aspirin prevent preeclampsia?", is_yes_no=True,
                         terms=["low-dose", "aspirin", "prevent", "preeclampsia"],
                         fts_query="aspirin preeclampsia", intervention=["aspirin"],
                         outcome=["preeclampsia"])


def query_c() -> QueryAnalysis:
    return QueryAnalysis(question="What are the effects of aspirin in pregnancy?",
                         terms=["effects", "aspirin", "pregnancy"], fts_query="aspirin pregnancy",
                         intervention=["aspirin"])


# --------------------------------------------------------------------------- the corpus itself


def _spans(facts: StudyFacts) -> list[Span]:
    spans = [fact.span for group in (facts.conditions, facts.population, facts.interventions,
                                     facts.comparators, facts.outcome_measures,
                                     facts.adverse_effects) for fact in group]
    spans += [dose.span for dose in facts.doses]
    spans += [f.span for f in facts.findings] + ([facts.key_finding.span] if facts.key_finding
                                                  else [])
    return spans + ([facts.sample_size.span] if facts.sample_size else [])


@pytest.mark.parametrize("study", corpus_a() + corpus_b(), ids=lambda study: study[1].id)
def test_spans_match_the_text(study: StudyInput) -> None:
    _, paper, facts, stance = study
    for span in _spans(facts) + [stance.span]:
        assert paper.text_of(span.field)[span.start:span.end] == span.text
    for sentence in facts.sentences:
        assert paper.abstract[sentence.start:sentence.end] == sentence.text


def test_results_sentences_carry_the_results_role() -> None:
    _, _, facts, _ = corpus_a()[1]  # A1, a structured abstract
    roles = {s.text.split(" ")[0]: s.role for s in facts.sentences}
    assert roles["RESULTS:"] == "results" and roles["Total"] == "results"
    assert roles["BACKGROUND:"] == "background"
