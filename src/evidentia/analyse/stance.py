"""The study's answer to a yes/no question: yes, possibly, no or unclear.

How it decides:

1. **Relevance.** The question's terms (``query.intervention`` and ``query.outcome`` weigh
   more than the other ``query.terms``; the question's own words when none are given) are
   matched by prefix stems against each sentence. An abstract whose title and sentences share
   too little with the question is **unclear**; so is a study whose title and study sentences
   do not name the question's intervention (``question.intervention_share``: its words, stems,
   "vitamin D"-style tags and acronyms): a risedronate trial does not answer a vitamin D question.
2. **The sentence it rests on.** The most relevant sentence, preferring conclusions over
   results over the rest, and sentences that carry an effect cue; within it, the most relevant
   clause ("X reduced A, but not B" is two clauses).
3. **The verdict** from that clause's polarity (see ``polarity.py``):

   * relevant clauses that disagree ("improved A but not B", both asked about) → **possibly**;
   * no effect ("no significant difference", "did not reduce", "failed to") → **no**;
     with a trend ("a non-significant trend toward ...") → **possibly**;
   * similarity ("similar", "as accurate as", "equally safe") → **yes** to a sameness or
     adequacy question ("Is X as accurate as Y?", "Is X safe?"), **no** to an effect question;
   * an effect against the question ("increase?" answered by "decreased" near the question's
     own terms; a benefit question answered by "worse"; "the same?" answered by a difference)
     → **no**;
   * an effect with a strong hedge ("may", "might", "could", "further trials are needed")
     → **possibly**, unless a results sentence reports a significant effect;
   * an effect the sentence calls not significant → **possibly**;
   * an effect found only in animals or in vitro for a question about people (patients,
     treatment, disease ...) → **possibly**; for a question that names the model, or names
     no population, → **yes** (the design is graded elsewhere; the stance says what this study
     can claim for the question as asked);
   * an effect in a pilot study with nothing significant behind it → **possibly**;
   * any other effect → **yes**, mild hedges included ("suggest", "appear", "indicate": the
     ordinary register of abstract conclusions; they turn it into **possibly** only when the
     results report a null). Measured on PubMedQA dev: treating "suggest" as "possibly" cost
     2 points of accuracy and gained no macro-F1;
   * no cue in the chosen sentence: a relevant significant result → yes, a relevant null
     → no, an unhedged conclusion that names the question's terms without negation → yes
     (low confidence), else **possibly**.

``confidence`` grows with relevance and the strength of the cue and shrinks with hedging.

4. **The learned model** (``stance_model.py``) then weighs the rule verdict with the whole
   conclusion (its words, negation scope, hedges, evaluative words, the question's form) and
   gives the final yes / no / possibly with its probability as the confidence; the rule verdicts
   in ``RULE_VERDICTS`` (a trend, mixed results, effects only in animals, an effect called not
   significant, a difference to a sameness question) stand as they are, as they were right more
   often than the model on PubMedQA's non-test half. ``judge_stance(..., learned=False)`` gives
   the rules alone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..models import Paper, QueryAnalysis, Sentence, StanceJudgement, StudyFacts
from ._text import make_span
from .directness import Directness, how_studied
from .polarity import (
    Polarity,
    absence_spans,
    agreed_direction,
    direction_cues,
    has_negation,
    read_polarity,
    split_clauses,
    without_spans,
)
from .question import (
    QuestionIntent,
    asks_about_exposure,
    intervention_patterns,
    intervention_share,
    intervention_units,
    read_question,
    relevance,
)
from .sentences import about_this_study
from .stance_model import learned_stance, stance_features

MIN_RELEVANCE = 0.25  # share of the question's term weight an abstract must mention
MIN_INTERVENTION_SHARE = 0.4  # share of the question's intervention words the study must name
AFFIRMATIVE_RELEVANCE = 0.4  # an unhedged, unnegated conclusion this close to the question
SUPPORT_RELEVANCE = 0.1  # a results sentence that backs a hedged conclusion
MIXED_RELEVANCE = 0.2  # each of two disagreeing clauses must mention this much of the question
_ROLE_WEIGHT = {"conclusions": 1.0, "results": 0.8, "objective": 0.35, "methods": 0.3,
                "background": 0.25, None: 0.5}
# Rule verdicts that stand without the learned model (see ``_rule_decides``).
RULE_VERDICTS = ("only a non-significant trend", "mixed results", "effect shown only",
                 "the effect was not statistically significant", "a difference was found",
                 "the lack of")
# Reasons that say the study does not test the question's intervention (see ``directness``).
BACKGROUND_REASON = "the question's intervention was given to every group"
MEASURED_REASON = "an association with measured levels, not a test of giving it"
RULE_VERDICTS_WITH_CONCLUSION = ("the effect goes the other way",)
_CONCESSIVE = re.compile(r"(?:although|though|even though|while|whilst|despite|in spite of)\b", re.IGNORECASE)


@dataclass(frozen=True)
class _Reading:
    sentence: Sentence
    clause: str
    relevance: float
    polarity: Polarity
    direction: str | None  # the direction said of the question's own terms, if any
    mixed: bool = False  # relevant clauses disagree: an effect on one term, none on another
    not_significant: bool = False  # the sentence says the effect was not significant
    inverted: bool = False  # the clause speaks of the agent's lack; polarity turned round


def judge_stance(query: QueryAnalysis, paper: Paper, facts: StudyFacts, *,
                 learned: bool = True) -> StanceJudgement:
    """What the study says to the question, with the sentence it rests on.

    ``learned=False`` gives the rule verdict alone (the learned model's baseline).
    """
    gate = _gate(query, paper, facts)
    if gate is not None:
        return gate
    directness = directness_of(query, paper, facts)
    if directness.kind == "background":
        return StanceJudgement(stance="unclear", confidence=0.7, reason=(
            f"{BACKGROUND_REASON} ({directness.cue}); the study compared {directness.tested}"))
    judgement = _judged(query, paper, facts, learned)
    if directness.kind == "measured" and judgement.stance == "yes":
        judgement = judgement.model_copy(update={
            "stance": "possibly", "reason": f"{judgement.reason}; {MEASURED_REASON}"})
    return judgement


def directness_of(query: QueryAnalysis, paper: Paper, facts: StudyFacts) -> Directness:
    """How the study bears on the question's intervention; a study that measures the agent is
    direct evidence for a question about its levels or intake ("tested")."""
    found = how_studied(paper, facts, intervention_patterns(query))
    if found.kind == "measured" and asks_about_exposure(query):
        return Directness()
    return found


def _judged(query: QueryAnalysis, paper: Paper, facts: StudyFacts, learned: bool) -> StanceJudgement:
    rule = _rule_judgement(query, paper, facts)
    judgement = rule.judgement
    if not learned or _rule_decides(judgement.reason, rule.features):
        return judgement
    probabilities = learned_stance(rule.features)
    if probabilities:
        best = max(probabilities, key=lambda label: probabilities[label])
        reason = judgement.reason
        if best != judgement.stance:
            reason = f"{reason}; weighed with the whole conclusion: {best}"
        judgement = judgement.model_copy(update={
            "stance": best, "confidence": round(min(0.95, probabilities[best]), 2), "reason": reason})
    return judgement


def _rule_decides(reason: str, features: list[str]) -> bool:
    """Verdicts the rules keep: each was right more often than the learned model on PubMedQA's
    non-test half (5-fold cross-validation), or is a caution the report must not lose."""
    why = reason.split(" (")[0]
    if why.startswith(RULE_VERDICTS):
        return True
    return why.startswith(RULE_VERDICTS_WITH_CONCLUSION) and "has_conclusion=True" in features


def stance_inputs(query: QueryAnalysis, paper: Paper, facts: StudyFacts) -> list[str] | None:
    """The learned model's features for a study that addresses the question, else None."""
    if _gate(query, paper, facts) is not None:
        return None
    if directness_of(query, paper, facts).kind == "background":
        return None
    return _rule_judgement(query, paper, facts).features


def _gate(query: QueryAnalysis, paper: Paper, facts: StudyFacts) -> StanceJudgement | None:
    """"unclear" for an abstract that misses the question's terms or its intervention."""
    intent_stems = read_question(query).stems
    overall = relevance(paper.title + " " + paper.abstract, intent_stems)
    if not facts.sentences or overall < MIN_RELEVANCE:
        return StanceJudgement(stance="unclear", confidence=round(1 - overall, 2),
                               reason="the abstract does not address the question's terms")
    units = intervention_units(query)
    if intervention_share(_study_text(paper, facts.sentences), units, query) < MIN_INTERVENTION_SHARE:
        return StanceJudgement(stance="unclear", confidence=0.7,
                               reason=f"the study is not about {' '.join(query.intervention)}")
    return None


@dataclass(frozen=True)
class _RuleJudgement:
    judgement: StanceJudgement
    features: list[str]


def _rule_judgement(query: QueryAnalysis, paper: Paper, facts: StudyFacts) -> _RuleJudgement:
    intent = read_question(query)
    sentences = facts.sentences
    reading = _decisive_reading(sentences, intent)
    support = _results_support(sentences, intent)
    stance, reason, strength = _verdict(reading, intent, facts, sentences, support)
    span = make_span(paper.abstract, reading.sentence.start, reading.sentence.end)
    confidence = round(min(0.95, 0.25 + 0.45 * strength * min(1.0, 0.4 + reading.relevance)), 2)
    features = stance_features(intent, query.question, paper, facts, (stance, reason), reading.polarity, support)
    if reading.mixed:
        features.append("mixed")
    if reading.direction and intent.direction:
        features.append(f"dir_vs_q={reading.direction == intent.direction}")
    judgement = StanceJudgement(stance=stance, confidence=confidence, reason=reason, span=span)  # type: ignore[arg-type]
    return _RuleJudgement(judgement, features)


def _study_text(paper: Paper, sentences: list[Sentence]) -> str:
    """The title and the sentences about this study; every sentence when there is no title to
    say what the study is about (or the abstract is very short)."""
    about = [s.text for s in sentences if not paper.title or about_this_study(s, len(sentences))]
    return " ".join([paper.title, *about])


def _decisive_reading(sentences: list[Sentence], intent: QuestionIntent) -> _Reading:
    readings = [_read(s, intent) for s in sentences]
    first_conclusion = next((r for r in readings if r.sentence.role == "conclusions"), None)

    def score(r: _Reading) -> float:
        cue = 0.25 if (r.polarity.effect or r.polarity.no_effect) else 0.0
        first = 0.1 if r is first_conclusion else 0.0
        return (r.relevance + cue + first) * _ROLE_WEIGHT.get(r.sentence.role, 0.5)

    return max(readings, key=lambda r: (score(r), -r.sentence.index))


def _read(sentence: Sentence, intent: QuestionIntent) -> _Reading:
    """The sentence's most relevant clause (a concessive lead-in counts less) and its polarity."""
    scored = []
    for a, b in split_clauses(sentence.text):
        clause = sentence.text[a:b]
        polarity, rel = read_polarity(clause), relevance(clause, intent.stems)
        score = rel + (0.25 if polarity.effect or polarity.no_effect else 0.0)
        score += 0.2 if polarity.significant is not None else 0.0
        if a == 0 and _CONCESSIVE.match(clause) and b < len(sentence.text):
            score -= 0.3
        scored.append((score, rel, clause, polarity))
    _, _, best, polarity = max(scored, key=lambda item: item[0])
    whole = read_polarity(sentence.text)
    direction = _direction_of_terms(best, intent.stems)
    lack = absence_spans(best, intent.agent)
    if lack:  # "deficiency of X raises the risk": X lowers it
        masked = without_spans(best, lack)
        polarity = read_polarity(masked).inverted()
        direction = {"up": "down", "down": "up"}.get(_direction_of_terms(masked, intent.stems) or "")
    return _Reading(sentence, best, relevance(sentence.text, intent.stems), polarity,
                    direction, _mixed(scored), whole.significant is False, inverted=bool(lack))


def _mixed(scored: list[tuple[float, float, str, Polarity]]) -> bool:
    """Two relevant clauses, one reporting an effect and the other none."""
    relevant = [p for _, rel, _, p in scored if rel >= MIXED_RELEVANCE]
    positive = any(p.effect and not p.no_effect for p in relevant)
    negative = any(p.no_effect and not p.effect for p in relevant)
    return positive and negative


def _direction_of_terms(clause: str, stems: dict[str, float]) -> str | None:
    """The direction of up/down words that have one of the question's terms close by."""
    near = []
    for start, end, direction in direction_cues(clause):
        window = clause[max(0, start - 40):end + 60]
        if relevance(window, stems) > 0:
            near.append((start, end, direction))
    return agreed_direction(near)


def _verdict(reading: _Reading, intent: QuestionIntent, facts: StudyFacts,
             sentences: list[Sentence], support: int) -> tuple[str, str, float]:
    """(stance, reason, strength 0..1) from the decisive clause and the results behind it."""
    p = reading.polarity
    if reading.mixed:
        return "possibly", f"mixed results ({p.cue})", 0.5
    if p.no_effect and not (p.effect and p.significant):
        if p.trend:
            return "possibly", f"only a non-significant trend ({p.cue})", 0.5
        return "no", f"no effect reported ({p.cue})", 0.9
    if p.equivalent and not p.significant:
        if intent.similar_means_yes:
            return "yes", f"comparable to the standard ({p.cue})", 0.7
        if p.benefit <= 0:
            return "no", f"no difference reported ({p.cue})", 0.8
    if p.effect or p.benefit:
        return _positive_verdict(reading, intent, facts, support)
    if support > 0:
        return "yes", "the results report a significant effect", 0.5
    if support < 0:
        return "no", "the results report no significant effect", 0.5
    if (reading.relevance >= AFFIRMATIVE_RELEVANCE and not p.hedge and not has_negation(reading.clause)
            and reading.sentence.role == "conclusions"):
        return "yes", "the conclusion affirms the question's terms without negation", 0.3
    return "possibly", "the study addresses the question without a clear answer", 0.2


def _positive_verdict(reading: _Reading, intent: QuestionIntent, facts: StudyFacts,
                      support: int) -> tuple[str, str, float]:
    p = reading.polarity
    if intent.sameness and (p.significant or reading.direction):
        return "no", f"a difference was found ({p.cue})", 0.7
    if _against_question(p, reading.direction, intent):
        return "no", f"the effect goes the other way ({p.cue})", 0.8
    if reading.inverted:  # what the lack of it does is indirect evidence for giving it
        return "possibly", f"the lack of the intervention was linked to the opposite ({p.cue})", 0.5
    if p.hedge == "strong" and support <= 0:
        return "possibly", f"hedged conclusion ({p.cue})", 0.5
    if reading.not_significant and not p.significant:
        return "possibly", f"the effect was not statistically significant ({p.cue})", 0.5
    if facts.species in ("animal", "in_vitro") and intent.clinical and not intent.nonhuman:
        where = "in animals" if facts.species == "animal" else "in vitro"
        return "possibly", f"effect shown only {where} ({p.cue})", 0.5
    if facts.pilot and support <= 0 and not p.significant:
        return "possibly", f"small pilot study ({p.cue})", 0.5
    if p.hedge == "mild" and support < 0 and not p.significant:
        return "possibly", f"tentative conclusion ({p.cue})", 0.4
    strength = 1.0 if p.significant or support > 0 else 0.7
    return "yes", f"the study reports the effect ({p.cue})", strength * (0.8 if p.hedge else 1.0)


def _against_question(p: Polarity, direction: str | None, intent: QuestionIntent) -> bool:
    """The clause answers the other way: a harm to a benefit question, "decreased" to "increase?"."""
    if intent.sign and p.benefit and intent.sign != p.benefit:
        return True
    if intent.direction and direction and intent.direction != direction:
        return not (intent.sign and p.benefit == intent.sign)
    return False


def _results_support(sentences: list[Sentence], intent: QuestionIntent) -> int:
    """+1 when a relevant results sentence reports a significant effect, -1 for a null, else 0."""
    best = 0
    for sentence in sentences:
        if sentence.role != "results" or relevance(sentence.text, intent.stems) < SUPPORT_RELEVANCE:
            continue
        polarity = read_polarity(sentence.text)
        if polarity.significant and polarity.effect:
            return 1
        if polarity.no_effect:
            best = -1
    return best
