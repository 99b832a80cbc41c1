"""Which result of a study to report, cut to the clause that answers the question.

A study's abstract has several results sentences; the one to report speaks to the question
(its terms), carries numbers and a direction, sits among the results and is not a description
of methods or baseline characteristics ("the mean age was 48 years"). The sentence the stance
judge rested on gets a bonus, so the result shown agrees with the study's counted stance. A
sentence longer than ``MAX_WORDS`` is cut at a clause boundary (";", ", whereas", ", while")
to the clause that scores best; the clause keeps its own span, so the evidence is exact.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..models import Fact, Finding, Sentence, Span
from .studies import StudyItem, is_name

MAX_WORDS = 40  # longer result sentences are cut to a clause
HARD_MAX_WORDS = 60  # a clause still longer than this is not reported
CONCLUSION_MAX_WORDS = 45
MIN_CONCLUSION_RELEVANCE = 0.3
MIN_NUMBERED_RELEVANCE = 0.5  # a numbered result preferred to the conclusion names this much
_METHODS_CUE = re.compile(
    r"\b(?:mean|median|average) age\b|\baged\b|\bbaseline characteristics\b|"
    r"\bwere (?:randomi[sz]ed|randomly|divided|assigned|allocated|enrolled|included|recruited)\b|"
    r"\b(?:received|were administered|was administered|were given)\b|\bwe (?:enrolled|recruited|"
    r"included|studied|analy[sz]ed)\b|\b(?:general|baseline|demographic|clinical) "
    r"(?:conditions|characteristics|data|variables)\b|\(age\b|\bsex ratio\b",
    re.IGNORECASE,
)
# A result that compares arms without naming them ("did not differ between the groups"), or
# before with after ("his score fell from 3 to 1").
_COMPARISON = re.compile(r"\b(?:vs\.?|versus|than|compared|between (?:the )?(?:two |treatment )?"
                         r"(?:groups|arms)|differ\w*|from [-+]?\d[\d.,]*\s*(?:\S+\s+)?to [-+]?\d)\b",
                         re.IGNORECASE)
_CLAUSE_BREAK = re.compile(r";\s+|,\s+(?=(?:whereas|while|but)\s)")
_LEADING_LINK = re.compile(r"^(?:and|but|while|whereas|however,?)\s+", re.IGNORECASE)
_REFERENCE_RE = re.compile(r"\s*\[\d+(?:\s*[,–-]\s*\d+)*\]")
_LABEL_RE = re.compile(r"^(?:results?|conclusions?|findings?|interpretation)\s*:\s*", re.IGNORECASE)
_LEAD_RE = re.compile(
    r"^(?:(?:here|in conclusion|in summary|in sum|in short|to conclude|overall|thus|therefore|hence|"
    r"taken together|altogether|together|collectively|importantly|notably|finally|"
    r"in this study|in our study|in this trial|furthermore|moreover|in addition|"
    r"additionally|however|interestingly|consequently|accordingly)\s*,\s*)+",
    re.IGNORECASE,
)
_REPORTING_RE = re.compile(
    r"^(?:these|our|the|this|present)\s+(?:\w+\s+){0,2}?(?:results?|findings|data|study|trial|"
    r"analysis|work)\s+(?:\w+\s+)?(?:suggests?|indicates?|shows?|showed|demonstrates?|"
    r"demonstrated|confirms?|supports?|reveals?|revealed)\s+that\s+",
    re.IGNORECASE,
)
_AUTHOR_VERBS = (r"(?:found|find|observed|observe|showed|show|demonstrated|demonstrate|"
                 r"conclude|concluded|report|reported|suggest|suggested|propose|believe|"
                 r"provide evidence|reveal|revealed|identified|confirm|confirmed)")
# "We found that", "Here we show that", "They report that", also after a short lead phrase
# ("In older adults, we found that ..."): the authors' voice goes, the lead phrase stays unless
# it only points at the evidence ("From these results and earlier evidence, we conclude that").
_WE_THAT_RE = re.compile(
    rf"^(?P<lead>here,?\s+|[^,;]{{0,100}},\s*)?(?:we|they)\s+(?:(?:here|further|also|now)\s+)?"
    rf"{_AUTHOR_VERBS}\s+that\s+", re.IGNORECASE,
)
_EVIDENCE_LEAD = re.compile(r"^(?:here\b|from\b|based on\b|on the basis of\b|in light of\b|"
                            r"given\b|with these\b|taken together\b|in (?:conclusion|summary)\b)",
                            re.IGNORECASE)


def word_count(text: str) -> int:
    return len(text.split())


def main_finding(item: StudyItem) -> Finding | None:
    """The result to report for the study, already cut to a clause; None when none reads well.

    The results and conclusions sentences are weighed by ``score``: what they say of the
    question's outcome and intervention first, then whether the stance judge rested on them,
    then numbers and a direction about the question. The authors' conclusion, when it is not the
    sentence chosen, is reported after it by ``conclusion_finding``."""
    candidates = [_best_clause(finding, item) for finding in _findings(item)]
    scored = [(score(clause, item), -index, clause) for index, clause in enumerate(candidates)
              if clause is not None and finding_clause(clause, item)]
    if not scored:
        return None
    numbered = [entry for entry in scored if _numbered_answer(entry[2], item)]
    on_question = [entry for entry in scored if _on_question(entry[2], item)]
    best = max(numbered or on_question or scored, key=lambda triple: triple[:2])
    return best[2] if best[0] > 0 else None


def _numbered_answer(finding: Finding, item: StudyItem) -> bool:
    """A results sentence with numbers on the question itself: it names the outcome (a term of
    it, or the study's own measure of it) and the intervention or a comparison of groups, when
    the question names them, else at least half of the question's term weight; not a
    description of methods."""
    if not finding.numbers or _METHODS_CUE.search(finding.text):
        return False
    if _role(finding, item) not in ("results", None):
        return False
    topic = item.topic
    if not (topic.has("intervention") or topic.has("outcome")):
        return topic.relevance(finding.text) >= MIN_NUMBERED_RELEVANCE
    named = not topic.has("intervention") or topic.relevance(finding.text, "intervention") > 0 \
        or bool(_COMPARISON.search(finding.text))
    return named and (not topic.has("outcome") or _names_outcome(finding, item))


def _names_outcome(finding: Finding, item: StudyItem) -> bool:
    if item.topic.relevance(finding.text, "outcome") > 0:
        return True
    text = finding.text.casefold()
    return any(fact.text.strip().casefold() in text for fact in item.facts.outcome_measures
               if len(fact.text.strip()) > 3)


def _findings(item: StudyItem) -> list[Finding]:
    """The analyser's findings and key finding; when it found no results sentence at all (a
    short unstructured abstract), every sentence after the first that states a number."""
    found = list(item.facts.findings)
    if item.facts.key_finding is not None:
        found.append(item.facts.key_finding)
    found += _stance_finding(item, found)
    if any(finding.numbers for finding in found):
        return found
    return found + [_sentence_finding(sentence) for sentence in item.facts.sentences[1:]
                    if re.search(r"\d", sentence.text) and sentence.role != "methods"]


def _stance_finding(item: StudyItem, found: list[Finding]) -> list[Finding]:
    """The sentence the stance judge rested on, when it is not a finding already and the
    abstract labels no results or conclusions (an unstructured abstract whose sentences all
    read as background): the report then quotes what its verdict rests on."""
    span = item.stance.span
    if span is None or any(f.span.start < span.end and span.start < f.span.end for f in found):
        return []
    if any(s.role in ("results", "conclusions") for s in item.facts.sentences):
        return []
    return [_sentence_finding(s) for s in item.facts.sentences
            if s.start <= span.start < s.end and s.role != "methods"]


def _sentence_finding(sentence: Sentence) -> Finding:
    span = Span(field="abstract", start=sentence.start, end=sentence.end, text=sentence.text)
    numbers = [Fact(kind="number", text=match.group(), value=match.group(),
                    span=Span(field="abstract", start=sentence.start + match.start(),
                              end=sentence.start + match.end(), text=match.group()))
               for match in re.finditer(r"\d+(?:[.,]\d+)?%?", sentence.text)]
    significant = True if re.search(r"\bp\s*[<≤]\s*0?\.0[0-5]", sentence.text, re.IGNORECASE) else None
    return Finding(sentence_id=sentence.id, text=sentence.text, span=span, numbers=numbers,
                   significant=significant)


def _on_question(finding: Finding, item: StudyItem) -> bool:
    """The result names a term of the question or one of the study's own outcome measures."""
    if not item.topic.terms or item.topic.relevance(finding.text) > 0:
        return True
    text = finding.text.casefold()
    return any(fact.text.strip().casefold() in text for fact in item.facts.outcome_measures
               if len(fact.text.strip()) > 3)


@dataclass(frozen=True)
class Weights:
    """How much each trait of a sentence counts when the result to quote is chosen (set on
    SciFact dev: ``benchmarks/finding_choice.py``)."""

    relevance: float = 2.0  # share of the question's term weight the sentence mentions
    outcome: float = 1.0  # ... of the outcome's own weight, when the question names one
    stance: float = 1.0  # the sentence the stance judge rested on
    numbers_on_topic: float = 1.1  # numbers in a sentence on the question's outcome: a
    # numbered result outranks an equally relevant conclusion without numbers
    numbers: float = 0.2  # numbers in any other sentence
    direction: float = 0.3
    significance: float = 0.3
    results: float = 0.2
    conclusions: float = 0.2
    methods: float = -1.0  # a description of methods or baseline characteristics


WEIGHTS = Weights()


def score(finding: Finding, item: StudyItem, weights: Weights = WEIGHTS) -> float:
    """How well a result answers the question for this study (higher is better)."""
    role = _role(finding, item)
    relevance = item.topic.relevance(finding.text)
    value = weights.relevance * relevance
    about_outcome = relevance > 0
    if item.topic.has("outcome"):
        value += weights.outcome * item.topic.relevance(finding.text, "outcome")
        about_outcome = _names_outcome(finding, item)
    value += weights.stance if _is_stance_sentence(finding, item) else 0.0
    if finding.numbers:
        value += weights.numbers_on_topic if about_outcome else weights.numbers
    value += weights.direction if finding.direction != "unclear" else 0.0
    value += weights.significance if finding.significant is not None else 0.0
    value += {"results": weights.results, "conclusions": weights.conclusions}.get(role, 0.0)
    value += weights.methods if _METHODS_CUE.search(finding.text) else 0.0
    return value


def _role(finding: Finding, item: StudyItem) -> str | None:
    return next((sentence.role for sentence in item.facts.sentences
                 if sentence.id == finding.sentence_id), None)


def _is_stance_sentence(finding: Finding, item: StudyItem) -> bool:
    """The finding overlaps the sentence the stance judge rested on."""
    span = item.stance.span
    return span is not None and finding.span.field == span.field \
        and finding.span.start < span.end and span.start < finding.span.end


def _best_clause(finding: Finding, item: StudyItem) -> Finding | None:
    """The finding itself when short enough, else its best clause; None when too long."""
    if word_count(finding.text) <= MAX_WORDS:
        return finding
    clauses = [clause for clause in _clauses(finding) if word_count(clause.text) >= 6]
    short = [clause for clause in clauses if word_count(clause.text) <= HARD_MAX_WORDS]
    if not short:
        return None
    return max(short, key=lambda clause: (item.topic.relevance(clause.text)
                                          + 0.3 * bool(clause.numbers), -clause.span.start))


def _clauses(finding: Finding) -> list[Finding]:
    """The finding cut at clause breaks outside brackets ("(11.3% vs 16.3%; P=.003)" stays)."""
    out, start = [], 0
    text = finding.text
    breaks = [match for match in _CLAUSE_BREAK.finditer(text) if _depth(text, match.start()) == 0]
    for match in breaks + [None]:
        end = match.start() if match else len(text)
        piece = text[start:end]
        lead = _LEADING_LINK.match(piece)
        offset = start + (lead.end() if lead else 0)
        clause = text[offset:end].rstrip(" .;,")
        if clause:
            out.append(_sub_finding(finding, offset, offset + len(clause)))
        start = match.end() if match else len(text)
    return out


def _depth(text: str, position: int) -> int:
    before = text[:position]
    return before.count("(") + before.count("[") - before.count(")") - before.count("]")


def _sub_finding(finding: Finding, start: int, end: int) -> Finding:
    """The part ``finding.text[start:end]`` as a finding with its own span and numbers."""
    base = finding.span.start
    span = Span(field=finding.span.field, start=base + start, end=base + end,
                text=finding.text[start:end])
    numbers = [fact for fact in finding.numbers
               if span.start <= fact.span.start < span.end]
    significant = finding.significant if re.search(r"signific|\bp\s*[<=>≤]", span.text, re.IGNORECASE) \
        else None
    return Finding(sentence_id=finding.sentence_id, text=span.text, span=span, numbers=numbers,
                   direction=finding.direction, significant=significant)


def finding_clause(finding: Finding, item: StudyItem) -> str:
    """The finding as a clause to follow 'found that': lead words removed, no final stop."""
    text = _REFERENCE_RE.sub("", finding.text.strip())  # "[12]" would read as our own marker
    for pattern in (_LABEL_RE, _LEAD_RE, _REPORTING_RE, _LEAD_RE):
        text = pattern.sub("", text)
    text = _LEAD_RE.sub("", _without_authors_voice(text))
    text = re.sub(r"^we\s+", "the authors ", text, flags=re.IGNORECASE)
    text = re.sub(r"\bour\b", "their", text)
    text = re.sub(r"\bwe\b", "they", text)
    text = text.rstrip(" .;:,")
    if word_count(text) < 2:
        return ""
    text = _lower_first_word(text, item)
    return text + _significance_note(finding, text)


def _without_authors_voice(text: str) -> str:
    """'We found that X' -> 'X'; 'In adults, we found that X' -> 'In adults, X'."""
    match = _WE_THAT_RE.match(text)
    if match is None:
        return text
    lead = match.group("lead") or ""
    if not lead or _EVIDENCE_LEAD.match(lead):
        return text[match.end():]
    return lead + text[match.end():]


def _lower_first_word(text: str, item: StudyItem) -> str:
    first = text.split(" ", 1)[0]
    if first == "A":
        return "a" + text[1:]
    if not first[:1].isupper() or not first[1:].islower() or "'" in first or "’" in first:
        return text
    if is_name(first, f"{item.paper.title}\n{item.paper.abstract}"):
        return text
    return first.lower() + text[len(first):]


def _significance_note(finding: Finding, text: str) -> str:
    if re.search(r"signific|\bp\s*[<=>≤]|\bCI\b|confidence interval|"
                 r"no (?:statistically )?difference|did not differ", text, re.IGNORECASE):
        return ""
    if finding.significant is True:
        return " (statistically significant)"
    if finding.significant is False:
        return " (not statistically significant)"
    return ""


def conclusion_finding(item: StudyItem, used: Finding | None) -> Finding | None:
    """The authors' own conclusion, when it speaks to the question and is not already used."""
    key = item.facts.key_finding
    if key is None or (used is not None and _overlaps(key.span, used.span)):
        return None
    roles = {sentence.id: sentence.role for sentence in item.facts.sentences}
    if roles.get(key.sentence_id) != "conclusions" or word_count(key.text) > CONCLUSION_MAX_WORDS:
        return None
    if item.topic.stems and item.topic.relevance(key.text) < MIN_CONCLUSION_RELEVANCE:
        return None
    return key if finding_clause(key, item) else None


def _overlaps(first: Span, second: Span) -> bool:
    return first.field == second.field and first.start < second.end and second.start < first.end
