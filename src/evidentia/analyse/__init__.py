"""Analyse: one abstract → ``StudyFacts``, every fact with the span of text it came from.

Public API::

    ANALYSER_VERSION                                   keys the analysis cache; bump on change
    analyse(paper) -> StudyFacts                       rules + small learned models, deterministic, fast
    judge_stance(query, paper, facts) -> StanceJudgement   the study's answer to a yes/no question

One module per concept, each a small pure function over the paper's text, so that any extractor
can be replaced by a learned model without touching the others:

    sentences     split, label and role              design / species   design, flags, species
    sample_size   how many were studied              doses              amounts, units, frequency
    numbers       %, p, CI, OR/RR/HR/MD/SMD, durations
    outcomes      named scales and instruments       conditions         conditions, populations
    interventions interventions and comparators      adverse            harms, tolerability
    mechanism     how-it-works sentences             findings           results with direction
    polarity      effect / no effect / hedge cues    question           what a yes/no question asks
    stance        judge_stance (rules, then the learned model in stance_model)
    vocab         vocabulary files in data/ and the trie matcher
    roles         learned sentence roles (CRF)       pico               learned P/I/O spans (CRF)
    tokens        EBM-NLP-style tokens               linear             linear models shipped as data

Learned models live in ``models/`` (CRF files, JSON + npz; no pickles) and are rebuilt by
``python training/train_all.py``; without them the rules alone run.
"""

from __future__ import annotations

from ..models import Fact, Paper, StudyFacts
from .adverse import find_harms
from .conditions import find_conditions, find_populations
from .design import detect_design
from .doses import find_doses
from .findings import find_findings, pick_key_finding
from .interventions import find_comparators, find_interventions
from .mechanism import find_mechanisms
from .numbers import find_numbers
from .outcomes import find_outcome_measures
from .pico import find_pico
from .sample_size import find_sample_size
from .sentences import split_sentences
from .stance import judge_stance

ANALYSER_VERSION = "learned-4"

# Longer texts are analysed up to these lengths (offsets stay valid: it is a prefix).
MAX_ABSTRACT_CHARS = 20_000
MAX_TITLE_CHARS = 1_000

__all__ = ["ANALYSER_VERSION", "analyse", "judge_stance"]


def analyse(paper: Paper) -> StudyFacts:
    """Everything the rules and the learned models can read from the title and abstract."""
    paper = _bounded(paper)
    text = paper.abstract
    sentences = split_sentences(paper)
    design = detect_design(paper, sentences)
    numbers = find_numbers(text)
    doses = find_doses(text)
    findings = find_findings(text, sentences, numbers)
    pico = _by_kind(find_pico(paper, sentences))
    harms, tolerability = find_harms(text, sentences)
    return StudyFacts(
        paper_id=paper.id, analyser_version=ANALYSER_VERSION, sentences=sentences,
        design=design.design, design_source=design.source,  # type: ignore[arg-type]
        design_cues=design.cues, randomised=design.randomised, blinding=design.blinding,
        placebo=design.placebo, crossover=design.crossover, pilot=design.pilot,
        species=design.species, species_span=design.species_span,
        sample_size=find_sample_size(text, sentences),
        conditions=find_conditions(paper), population=find_populations(paper),
        interventions=find_interventions(paper, sentences, doses, pico.get("intervention")),
        doses=doses, comparators=find_comparators(paper, sentences),
        outcome_measures=find_outcome_measures(text),
        findings=findings, adverse_effects=harms,
        mechanisms=find_mechanisms(text, sentences),
        key_finding=pick_key_finding(text, sentences, findings, numbers),
        participants=pico.get("participants", []), outcomes=pico.get("outcome", []),
        tolerability=tolerability,
    )


def _by_kind(facts: list[Fact]) -> dict[str, list[Fact]]:
    out: dict[str, list[Fact]] = {}
    for fact in facts:
        out.setdefault(fact.kind, []).append(fact)
    return out


def _bounded(paper: Paper) -> Paper:
    if len(paper.abstract) <= MAX_ABSTRACT_CHARS and len(paper.title) <= MAX_TITLE_CHARS:
        return paper
    return paper.model_copy(update={
        "abstract": paper.abstract[:MAX_ABSTRACT_CHARS], "title": paper.title[:MAX_TITLE_CHARS],
    })
