"""Synthesis: the question and the analysed studies in, a cited ``Report`` out.

    studies ─► drop retracted ─► keep those that address the question (relevance.py; the others
    stay listed as "unclear") ─► weigh ─► group into sections ─► write drafts (answer, sections,
    conclusion; pro or explainer) ─► faithfulness check (a plainer version, else drop and log)
    ─► number sources by first citation ─► Report

Modules: relevance (which studies count), studies (weights), labels (clean condition,
treatment and harm labels), findings (which result to quote), phrases and studytext (the prose
of one study), grouping and sections, grading, verdict (answer and meter), conclusion,
explainer, textfacts and check (the faithfulness check and ``verdicts`` for ``ask --check``).

Sentences are drafted with paper ids in their citation slots; only the sentences that pass the
check are numbered, so the source list holds exactly the cited papers, in order of first citation.
The same input always gives the same report: no clocks, no randomness, stable sorts, template
choice by a hash of the paper id.
"""

from __future__ import annotations

import logging

from .. import __version__
from ..analyse.directness import Directness
from ..analyse.question import strip_symbols
from ..analyse.stance import directness_of
from ..config import SynthesiseSettings
from ..models import (
    Filters,
    Grade,
    Hit,
    Paper,
    QueryAnalysis,
    Report,
    Section,
    StanceJudgement,
    Study,
    StudyFacts,
)
from ..retrieve.query import analyse_query
from .check import check_claim, check_report, verdicts
from .conclusion import conclusion_drafts
from .drafts import Draft, Numbering, draft
from .explainer import (
    NOT_MEDICAL_ADVICE,
    explainer_answer,
    explainer_conclusion,
    explainer_sections,
)
from .filters import (
    asked,
    filtered_out_answer,
    filtered_out_conclusion,
    filtered_out_notice,
    narrowed,
)
from .grading import grade_studies
from .grouping import Group, group_studies
from .relevance import Topic, addresses, topic_of, treatment_core
from .sections import SectionDraft, pro_sections
from .studies import StudyItem
from .verdict import answer_drafts, meter

__all__ = [
    "SYNTHESISER_VERSION",
    "check_claim",
    "check_report",
    "readable_query",
    "synthesise",
    "verdicts",
]

log = logging.getLogger(__name__)

SYNTHESISER_VERSION = "1"
StudyInput = tuple[Hit, Paper, StudyFacts, StanceJudgement]


def synthesise(
    query: QueryAnalysis,
    studies: list[StudyInput],
    *,
    settings: SynthesiseSettings,
    filters: Filters | None = None,
    notices: list[str] | None = None,
    found_before_filters: int | None = None,
) -> Report:
    """A cited report answering the question from the studies (retrieval order, best first).

    ``found_before_filters``: how many studies retrieval examined before the filters removed
    some (its notice, among ``notices``, says so); 0 means that the search found nothing, so
    the filters are not why the report is empty. None: not counted.
    """
    notices = list(notices or [])
    query = readable_query(query)
    filters = filters or Filters()
    filtered_out = not studies and narrowed(filters) and found_before_filters != 0
    if filtered_out and found_before_filters is None:
        notices.append(filtered_out_notice(filters))
    topic = topic_of(query)
    _note_unwritten_terms(topic, studies, notices)
    kept, excluded = _prepare(studies, notices, topic, query)
    items = _described(kept, settings, notices)
    papers = {item.id: item.paper for item in items}
    grade = grade_studies(items)
    groups = group_studies(items, query)
    _note_off_topic(items, groups, notices)
    writer = _Writer(papers, settings.check, asked(query.question, filters))
    if filtered_out:
        answers = [filtered_out_answer(filters)]
    elif settings.style == "explainer":
        answers = [explainer_answer(items, grade, query)]
    else:
        answers = answer_drafts(items, grade, query, _topics(groups))
    answer = writer.first_passing(answers) or draft(
        "See the sections below for what each study found.", kind="answer")
    sections, conclusion = _body(items, groups, grade, query, topic, settings.style, notices,
                                 filters if found_before_filters != 0 else Filters())
    numbering = Numbering()
    report = Report(
        question=query.question, style=settings.style, query=query, filters=filters,
        answer=numbering.claim(answer),
        meter=meter(items, query, settings),
        grade=grade,
        sections=_final_sections(sections, writer, numbering),
        conclusion=[numbering.claim(item) for item in writer.passing(conclusion)],
        notices=notices, excluded=excluded,
        version=f"evidentia {__version__}; synthesiser {SYNTHESISER_VERSION}",
    )
    report.sources = numbering.sources(papers)
    report.studies = [_study(item, numbering) for item in kept]
    return report


def readable_query(query: QueryAnalysis) -> QueryAnalysis:
    """The query read again without symbols (emoji) when they hid its shape: "💊 Does X help
    Y?" is a yes/no question about X and Y. The question stays as asked."""
    plain = strip_symbols(query.question)
    if plain == " ".join(query.question.split()) or not plain:
        return query
    reread = analyse_query(plain)
    if not (reread.is_yes_no or reread.intervention or reread.outcome):
        return query
    return reread.model_copy(update={"question": query.question})


def _prepare(
    studies: list[StudyInput], notices: list[str], topic: Topic, query: QueryAnalysis
) -> tuple[list[StudyItem], list[str]]:
    """Retracted papers out (never cited, not even listed), duplicates out; studies that do not
    address the question keep their place with the stance "unclear" (``relevance.addresses``)."""
    retracted = {paper.id for _, paper, _, _ in studies if paper.retracted}
    excluded = list(dict.fromkeys(paper.id for _, paper, _, _ in studies if paper.id in retracted))
    items: list[StudyItem] = []
    seen: set[str] = set(retracted)
    for hit, paper, facts, stance in studies:
        if paper.id not in seen:
            seen.add(paper.id)
            on_topic = addresses(topic, paper, facts)
            stance = stance if on_topic else off_topic_stance(stance)
            directness = directness_of(query, paper, facts) if on_topic else None
            if directness is not None and directness.kind == "background":
                stance = StanceJudgement(stance="unclear", confidence=stance.confidence,
                                         reason=f"every group received the treatment asked "
                                                f"about; the study compared {directness.tested}")
            items.append(StudyItem(hit, paper, facts, stance, order=len(items), topic=topic,
                                   on_topic=on_topic, directness=directness or Directness()))
    if excluded:
        noun = "paper" if len(excluded) == 1 else "papers"
        notices.append(f"Left out {len(excluded)} retracted {noun}: {', '.join(excluded)}.")
    return items, excluded


def _note_unwritten_terms(topic: Topic, studies: list[StudyInput], notices: list[str]) -> None:
    """A question word in a script no study found writes ("头痛" among English abstracts) can
    match nothing: say so, so that the reader can ask in the studies' words."""
    texts = [f"{paper.title}\n{paper.abstract}".casefold() for _, paper, _, _ in studies]
    unwritten = [" ".join(term.words) for term in topic.terms
                 if not " ".join(term.words).isascii()
                 and not any(" ".join(term.words) in text for text in texts)]
    if unwritten and studies:
        quoted = ", ".join(f'"{word}"' for word in unwritten)
        notices.append(f"No study found writes {quoted} from the question, so no study could "
                       "match it; ask again in the words the studies use (for example, in "
                       "English).")


def off_topic_stance(stance: StanceJudgement) -> StanceJudgement:
    if stance.stance == "unclear" and stance.span is None:
        return stance
    return StanceJudgement(stance="unclear", confidence=stance.confidence,
                           reason="the study does not address the question as a whole "
                                  f"(the analyser read: {stance.stance})")


def _note_off_topic(items: list[StudyItem], groups: list[Group], notices: list[str]) -> None:
    background = [item for item in items if item.on_topic and item.background]
    for item in background:
        notices.append(background_note(item))
    named = {item.id for group in groups if group.kind == "related" for item in group.items}
    off = sum(1 for item in items if not item.relevant and item.id not in named) - len(background)
    if off:
        verb, pronoun = ("does", "it is") if off == 1 else ("do", "they are")
        notices.append(f"{off} of the {len(items)} studies found {verb} not address the question"
                       f" directly; {pronoun} not counted or described.")


def background_note(item: StudyItem) -> str:
    """A study that gave the question's treatment to every group, named for what it tested."""
    title = item.paper.title.strip().rstrip(".") or item.id
    treatment = item.topic.treatment or "the treatment asked about"
    name = treatment_core(treatment) or treatment
    return (f"Not counted: \"{title}\" compared {item.directness.tested}; {name} was given "
            f"alike in every group (\"{item.directness.cue}\"), so the study does not test {name}.")


def _described(
    items: list[StudyItem], settings: SynthesiseSettings, notices: list[str]
) -> list[StudyItem]:
    """The best-ranked ``max_studies`` studies; the rest stay listed in ``Report.studies``."""
    if len(items) <= settings.max_studies:
        return items
    notices.append(f"Described the first {settings.max_studies} of {len(items)} studies"
                   " (setting synthesise.max_studies).")
    return items[: settings.max_studies]


def _body(
    items: list[StudyItem], groups: list[Group], grade: Grade, query: QueryAnalysis,
    topic: Topic, style: str, notices: list[str], filters: Filters,
) -> tuple[list[SectionDraft], list[Draft]]:
    """Sections and conclusion drafts in the report's style."""
    labels = _labels(groups)
    if style == "explainer":
        notices.append(NOT_MEDICAL_ADVICE)
        conclusion = explainer_conclusion(items, grade)
        if not items and narrowed(filters):
            conclusion[:1] = [filtered_out_conclusion(filters)]
        return explainer_sections(items, query, topic, labels), conclusion
    return pro_sections(groups, query, topic), conclusion_drafts(items, grade, query, labels,
                                                                 filters)


def _labels(groups: list[Group]) -> list[tuple[str, str]]:
    """(kind, label) of the condition and population groups, in group order."""
    return [(group.kind, group.label) for group in groups
            if group.kind in ("condition", "population") and group.label]


def _topics(groups: list[Group]) -> list[str]:
    extra = {"animal": "animal studies", "in_vitro": "laboratory studies"}
    return [label for _, label in _labels(groups)] + [extra[group.kind] for group in groups
                                                      if group.kind in extra]


class _Writer:
    """Runs the faithfulness check on drafts; failing sentences are logged and dropped."""

    def __init__(self, papers: dict[str, Paper], check: bool, question: str = "") -> None:
        self.papers = papers
        self.check = check
        self.question = question

    def problems(self, item: Draft) -> list[str]:
        if not self.check:
            return []
        return check_claim(item.provisional_claim(), self.papers, question=self.question)

    def passing(self, drafts: list[Draft]) -> list[Draft]:
        """Each draft, or its first plainer version that passes; dropped when none does."""
        kept = []
        for item in drafts:
            version = self.first_passing(item.versions())
            if version is not None:
                kept.append(version)
        return kept

    def first_passing(self, versions: list[Draft]) -> Draft | None:
        """The first version that passes the check; logs what failed."""
        failures = []
        for version in versions:
            problems = self.problems(version)
            if not problems:
                if failures:
                    log.info("simplified a report sentence: %r (%s)", *failures[0])
                return version
            failures.append((version.plain_text(), "; ".join(problems)))
        if failures:
            log.warning("dropped a report sentence that failed the faithfulness check: %r (%s)",
                        *failures[0])
        return None


def _final_sections(
    sections: list[SectionDraft], writer: _Writer, numbering: Numbering
) -> list[Section]:
    out = []
    for section in sections:
        kept = writer.passing(section.sentences)
        if not kept:
            continue
        out.append(Section(
            heading=section.heading, kind=section.kind,
            sentences=[numbering.claim(item) for item in kept],
            paper_ids=section.paper_ids, grade=section.grade,
        ))
    return out


def _study(item: StudyItem, numbering: Numbering) -> Study:
    return Study(
        paper_id=item.id, number=numbering.numbers.get(item.id), rank=item.hit.rank,
        score=item.hit.score, facts=item.facts, stance=item.stance,
    )
