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

from ..models import Fact, Finding, Sentence, Span
from .studies import StudyItem, is_name

MAX_WORDS = 40  # longer result sentences are cut to a clause
HARD_MAX_WORDS = 60  # a clause still longer than this is not reported
CONCLUSION_MAX_WORDS = 45
MIN_CONCLUSION_RELEVANCE = 0.3
_METHODS_CUE = re.compile(
    r"\b(?:mean|median|average) age\b|\baged\b|\bbaseline characteristics\b|"
    r"\bwere (?:randomi[sz]ed|randomly|divided|assigned|allocated|enrolled|included|recruited)\b|"
    r"\b(?:received|were administered|was administered|were given)\b|\bwe (?:enrolled|recruited|"
    r"included|studied|analy[sz]ed)\b|\b(?:general|baseline|demographic|clinical) "
    r"(?:conditions|characteristics|data|variables)\b|\(age\b|\bsex ratio\b",
    re.I,
)
_CLAUSE_BREAK = re.compile(r";\s+|,\s+(?=(?:whereas|while|but)\s)")
_LEADING_LINK = re.compile(r"^(?:and|but|while|whereas|however,?)\s+", re.I)
_REFERENCE_RE = re.compile(r"\s*\[\d+(?:\s*[,–-]\s*\d+)*\]")
_LABEL_RE = re.compile(r"^(?:results?|conclusions?|findings?|interpretation)\s*:\s*", re.I)
_LEAD_RE = re.compile(
    r"^(?:(?:in conclusion|in summary|in sum|in short|to conclude|overall|thus|therefore|hence|"
    r"taken together|altogether|together|collectively|importantly|notably|finally|"
    r"in this study|in our study|in this trial|furthermore|moreover|in addition|"
    r"additionally|however|interestingly|consequently|accordingly)\s*,\s*)+",
    re.I,
)
_REPORTING_RE = re.compile(
    r"^(?:these|our|the|this|present)\s+(?:\w+\s+){0,2}?(?:results?|findings|data|study|trial|"
    r"analysis|work)\s+(?:\w+\s+)?(?:suggests?|indicates?|shows?|showed|demonstrates?|"
    r"demonstrated|confirms?|supports?|reveals?|revealed)\s+that\s+",
    re.I,
)
_WE_THAT_RE = re.compile(
    r"^we\s+(?:found|observed|showed|demonstrated|conclude|concluded|report)\s+that\s+", re.I
)


def word_count(text: str) -> int:
    return len(text.split())


def main_finding(item: StudyItem) -> Finding | None:
    """The result to report for the study, already cut to a clause; None when none reads well.

    Results sentences with numbers come first (the authors' conclusion is reported after them,
    by ``conclusion_finding``); any other finding only when there is none."""
    candidates = [_best_clause(finding, item) for finding in _findings(item)]
    scored = [(score(clause, item), index, clause) for index, clause in enumerate(candidates)
              if clause is not None and finding_clause(clause, item)]
    roles = {sentence.id: sentence.role for sentence in item.facts.sentences}
    labelled = "results" in roles.values()
    numbered = [entry for entry in scored if entry[2].numbers and entry[0] > 0
                and (roles.get(entry[2].sentence_id) == "results" or not labelled)
                and not _METHODS_CUE.search(entry[2].text)
                and _on_question(entry[2], item)]
    pool = numbered or scored
    if not pool:
        return None
    best = max(pool, key=lambda triple: (triple[0], -triple[1]))
    return best[2] if best[0] > 0 else None


def _findings(item: StudyItem) -> list[Finding]:
    """The analyser's findings and key finding; when it found no results sentence at all (a
    short unstructured abstract), every sentence after the first that states a number."""
    found = list(item.facts.findings)
    if item.facts.key_finding is not None:
        found.append(item.facts.key_finding)
    if any(finding.numbers for finding in found):
        return found
    return found + [_sentence_finding(sentence) for sentence in item.facts.sentences[1:]
                    if re.search(r"\d", sentence.text) and sentence.role != "methods"]


def _sentence_finding(sentence: Sentence) -> Finding:
    span = Span(field="abstract", start=sentence.start, end=sentence.end, text=sentence.text)
    numbers = [Fact(kind="number", text=match.group(), value=match.group(),
                    span=Span(field="abstract", start=sentence.start + match.start(),
                              end=sentence.start + match.end(), text=match.group()))
               for match in re.finditer(r"\d+(?:[.,]\d+)?%?", sentence.text)]
    significant = True if re.search(r"\bp\s*[<≤]\s*0?\.0[0-5]", sentence.text, re.I) else None
    return Finding(sentence_id=sentence.id, text=sentence.text, span=span, numbers=numbers,
                   significant=significant)


def _on_question(finding: Finding, item: StudyItem) -> bool:
    """The result names a term of the question or one of the study's own outcome measures."""
    if not item.topic.terms or item.topic.relevance(finding.text) > 0:
        return True
    text = finding.text.casefold()
    return any(fact.text.strip().casefold() in text for fact in item.facts.outcome_measures
               if len(fact.text.strip()) > 3)


def score(finding: Finding, item: StudyItem) -> float:
    """How well a result answers the question for this study (higher is better)."""
    roles = {sentence.id: sentence.role for sentence in item.facts.sentences}
    value = 2.0 * item.topic.relevance(finding.text)
    value += 0.6 if finding.numbers else 0.0
    value += 0.5 if finding.direction != "unclear" else 0.0
    value += 0.4 if finding.significant is not None else 0.0
    value += 0.3 if roles.get(finding.sentence_id) == "results" else 0.0
    value += 0.5 if _is_stance_sentence(finding, item) else 0.0
    value -= 1.0 if _METHODS_CUE.search(finding.text) else 0.0
    return value


def _is_stance_sentence(finding: Finding, item: StudyItem) -> bool:
    span = item.stance.span
    return span is not None and finding.span.field == span.field \
        and finding.span.start <= span.start < finding.span.end + 1 \
        and span.start < finding.span.end


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
    significant = finding.significant if re.search(r"signific|\bp\s*[<=>≤]", span.text, re.I) \
        else None
    return Finding(sentence_id=finding.sentence_id, text=span.text, span=span, numbers=numbers,
                   direction=finding.direction, significant=significant)


def finding_clause(finding: Finding, item: StudyItem) -> str:
    """The finding as a clause to follow 'found that': lead words removed, no final stop."""
    text = _REFERENCE_RE.sub("", finding.text.strip())  # "[12]" would read as our own marker
    for pattern in (_LABEL_RE, _LEAD_RE, _REPORTING_RE, _WE_THAT_RE, _LEAD_RE):
        text = pattern.sub("", text)
    text = re.sub(r"^we\s+", "the authors ", text, flags=re.I)
    text = re.sub(r"\bour\b", "their", text)
    text = re.sub(r"\bwe\b", "they", text)
    text = text.rstrip(" .;:,")
    if word_count(text) < 2:
        return ""
    text = _lower_first_word(text, item)
    return text + _significance_note(finding, text)


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
                 r"no (?:statistically )?difference|did not differ", text, re.I):
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
