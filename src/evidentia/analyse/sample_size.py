"""Sample size: how many people (or animals, eyes ...) the study counted.

Candidates, strongest first:

* totals: "a total of 1,234 participants", "120 patients were randomized", "we enrolled 40 adults";
* arms added up: "20 received X and 21 received placebo" → 41, "(n = 17) and (n = 7)" → 24;
* "N = 120" / "n = 15" on its own;
* a count before a unit, digits or words: "six men", "Thirty patients", "15 patients with MS";
* a single case: "a 45-year-old woman" (only when nothing else is found).

A count needs a unit word after it (patients, men, rats ...), so ages, years, doses, percentages,
"2 groups" and "3 times" are not sample sizes. Methods sentences are preferred; background
sentences are ignored.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..models import SampleSize, Sentence
from ._text import NUMBER, NUMBER_DIGITS, make_span, parse_count
from .sentences import about_this_study

_UNITS = (
    r"patients|participants|subjects|volunteers|individuals|persons|people|adults|children|"
    r"adolescents|infants|neonates|newborns|babies|toddlers|men|women|males|females|boys|girls|"
    r"cases|controls|students|smokers|nonsmokers|non-smokers|pregnant women|pregnancies|mothers|"
    r"fathers|parents|couples|families|twins|veterans|residents|nurses|physicians|doctors|"
    r"clinicians|surgeons|athletes|runners|workers|employees|respondents|survivors|outpatients|"
    r"inpatients|donors|recipients|users|elderly|youths|teenagers|older adults|rats|mice|dogs|"
    r"cats|pigs|piglets|rabbits|sheep|monkeys|primates|animals|eyes|knees|hips|limbs|teeth|"
    r"feet|hands|shoulders|hearts|livers|kidneys|specimens|samples|extremities|travell?ers|passengers|"
    r"attendants|crew members|pilots|soldiers|recruits|personnel|firefighters|drivers|farmers|"
    r"dentists|pharmacists|caregivers|carers|retirees|prisoners|inmates|refugees|immigrants|"
    r"migrants|members|consumers|clients|trainees|interns|pupils|schoolchildren|undergraduates|"
    r"elders|probands|relatives|siblings|dyads|households|ears|患者"
)
_SKIP_WORDS = (
    r"of|the|and|or|to|in|at|for|with|were|was|had|have|who|from|by|on|years?|months?|weeks?|"
    r"days?|hours?|minutes?|min|seconds?|times?|groups?|mg|kg|g|ml|mm|mmHg|cm|percent|per|than|"
    r"more|less|over|under|aged?"
)
_MODIFIERS = (rf"(?:(?:male and female|men and women|boys and girls)\s+|"
              rf"(?!(?:{_SKIP_WORDS})\b)[A-Za-z][\w'’/-]*\s+){{0,6}}?")
_COUNT = rf"(?<![\w.,/±-])({NUMBER})(?![\w.,]\d|\s?%|-year|\s*(?:years?|yrs?)\s+old)"
# "type 2 diabetes patients", "grade 3 patients", "phase 2 patients": labels, not counts.
_LABEL_BEFORE = re.compile(
    r"\b(?:type|grade|stage|class|phase|day|days|week|weeks|month|year|group|arm|step|level|"
    r"version|table|figure|fig|cohort|wave|visit|cycle|generation|trisomy|chromosome|factor)\s*$",
    re.IGNORECASE,
)
# "2 patient groups", "6 cases series", "12 patients studies": the unit word names something else.
_NOT_PEOPLE_AFTER = r"(?!\s+(?:groups?|series|reports?|studies|trials|cohorts|populations|samples)\b)"
_COUNTED = re.compile(rf"{_COUNT}\s+{_MODIFIERS}({_UNITS})\b{_NOT_PEOPLE_AFTER}", re.IGNORECASE)
# "20 patients and 10 healthy volunteers": two counted groups in one phrase, added up.
_TWO_GROUPS = re.compile(
    rf"(?<!between )(?<!from )(?<!aged ){_COUNT}\s+{_MODIFIERS}({_UNITS})\b{_NOT_PEOPLE_AFTER}"
    rf"(?:\s*\([^()]{{0,40}}\))?(?:\s+(?:from|with|without|in)\s+(?:[\w-]+\s+){{0,3}}?[\w-]+)?"
    rf"(?:,\s+|,?\s+and\s+){_COUNT}\s+{_MODIFIERS}({_UNITS})\b{_NOT_PEOPLE_AFTER}",
    re.IGNORECASE,
)
# "36 of 46 cases, and 6 cases relapsed": the first count is a denominator, not a group.
_PROPORTION_BEFORE = re.compile(r"\d\s+(?:out\s+)?of\s+(?:the\s+)?$", re.IGNORECASE)
# "Group A (19 patients) ... group B (18 patients)": counts in brackets after group names.
_GROUP_BRACKET = re.compile(
    rf"\b(?:group|arm|cohort)\s+[\w-]{{1,12}}\s*\(\s*(?:n\s*=\s*)?({NUMBER_DIGITS})(?:\s+({_UNITS}))?\s*[),;]",
    re.IGNORECASE,
)
# "three groups of 11", "two groups of 25 patients each" (not "groups of 25 and 30").
_GROUPS_OF = re.compile(
    rf"\b({NUMBER})\s+(?:equal\s+|\w+\s+)?groups?\s+of\s+({NUMBER_DIGITS}|{NUMBER})\b"
    rf"(?!\s*(?:and|or|to|-|–)\s*\d)(?:\s+({_UNITS})\b)?",
    re.IGNORECASE,
)
_TOTAL_BEFORE = re.compile(
    r"(?:\ba total of|\btotal of|\bin total,?|\baltogether,?|\boverall,?|\b(?:we |were )?"
    r"(?:enrolled|enrolling|recruited|recruiting|randomi[sz]ed|(?:randomly )?(?:assigned|allocated)|"
    r"included|including|studied|involving|involved|comprising|comprised|consisted of|examined|"
    r"evaluated|followed|surveyed|interviewed|identified|analy[sz]ed|pooled|totall?ing)|"
    r"\b(?:trial|study|analysis|cohort|sample|series|population|survey) (?:of|in|on|involving|with))"
    r"\s+(?:\w+\s+){0,2}$",
    re.IGNORECASE,
)
_TOTAL_AFTER = re.compile(
    r"^[^.;:]{0,80}?\b(?:were|was|had been)\s+(?:\w+\s+)?(?:randomi[sz]ed|enrolled|recruited|"
    r"included|studied|assigned|allocated|analy[sz]ed|evaluated|examined|followed|investigated|"
    r"identified|surveyed|interviewed|selected|screened|treated)",
    re.IGNORECASE,
)
# Counted before anyone was enrolled: "1171 patients were screened", "assessed for eligibility".
_BEFORE_ENROLMENT = re.compile(
    r"^[^.;:]{0,40}?\b(?:were|was)\s+(?:\w+\s+)?(?:screened|assessed for eligibility|approached|"
    r"invited|contacted|eligible|excluded)|^\s*(?:screened|assessed for eligibility|approached|invited)",
    re.IGNORECASE,
)
# "comprised 14 and 13 patients": two arms in one phrase (not "between 20 and 30 patients").
_TWO_ARMS = re.compile(
    rf"(?<!between )(?<!from )(?<!aged )(?<![\d,.])(\d{{1,5}})(?:,\s+|\s+and\s+)(\d{{1,5}})\s+{_MODIFIERS}({_UNITS})\b",
    re.IGNORECASE,
)
_COUNT_TO_ARMS = re.compile(
    rf"{_COUNT}\s+{_MODIFIERS}({_UNITS})\s+(?:were\s+)?(?:to|into)\s+[^.;]{{1,60}}?\s+and\s+"
    rf"({NUMBER_DIGITS}|{NUMBER})\s+(?:{_MODIFIERS}(?:{_UNITS})\s+)?(?:to|into)\b",
    re.IGNORECASE,
)
# "PATIENTS: 21 ASA I-III patients ...": a count opening a section about the participants.
_PARTICIPANT_LABEL = re.compile(r"PATIENT|PARTICIPANT|SUBJECT|POPULATION|SAMPLE", re.IGNORECASE)
_LEADING_COUNT = re.compile(rf"\s*({NUMBER_DIGITS}|{NUMBER})\b(?!\s*(?:%|years?|months?|weeks?|days?|(?:out\s+)?of\b))",
                            re.IGNORECASE)
_N_EQUALS = re.compile(r"\b[nN]\.?\s*=\s*(\d{1,3}(?:,\d{3})+|\d+)\b")
# "(n = 19) were divided into two groups (n = 10) and (n = 10)": a breakdown of a count just given.
_BREAKDOWN = re.compile(r"\b(?:(?:sub)?divided|split|stratified|classified|categori[sz]ed|separated)\b", re.IGNORECASE)
_ARM = re.compile(
    rf"{_COUNT}\s+(?:{_MODIFIERS}(?:{_UNITS})\s+)?(?:were\s+|was\s+)?(?:randomly\s+)?"
    r"(?:received?|receiving|randomi[sz]ed to|assigned to|allocated to|given|took|underwent|"
    r"treated with|in the)\b",
    re.IGNORECASE,
)
_SINGLE_CASE = re.compile(
    r"\b(?:a|an)\s+\d{1,3}[- ](?:year|month|week|day)s?[- ]old\s+(?:\w+\s+){0,2}?"
    r"(man|woman|boy|girl|male|female|patient|infant|child|neonate)\b",
    re.IGNORECASE,
)
_ROLE_BONUS = {"methods": 1.0, "objective": 0.3, "results": 0.2, "conclusions": -0.5, None: 0.0}


@dataclass(frozen=True)
class _Candidate:
    score: float
    position: int
    size: SampleSize


def find_sample_size(text: str, sentences: list[Sentence]) -> SampleSize | None:
    """The study's sample size from the abstract ``text``, or None when it gives no count."""
    candidates: list[_Candidate] = []
    for sentence in sentences:
        if not about_this_study(sentence, len(sentences)):
            continue
        bonus = _ROLE_BONUS.get(sentence.role, 0.0)
        candidates += [_Candidate(2.9 + bonus, size.span.start, size) for size in _labelled_count(text, sentence)]
        for score, size in sentence_candidates(text, sentence.start, sentence.end):
            candidates.append(_Candidate(score + bonus, size.span.start, size))
    if candidates:
        best = max(candidates, key=lambda c: (c.score, -c.position))
        return best.size
    return _single_case(text)


def sentence_candidates(text: str, start: int, end: int) -> list[tuple[float, SampleSize]]:
    """(score, size) of every count in ``text[start:end]``: totals 3, arms 2.5, n= 2, others 1."""
    out: list[tuple[float, SampleSize]] = []
    for m in _COUNTED.finditer(text, start, end):
        n = parse_count(m.group(1))
        if n is None or n < 2 or _LABEL_BEFORE.search(text, max(start, m.start() - 15), m.start()):
            continue
        size = SampleSize(n=n, basis="total", unit=m.group(2).lower(),
                          span=make_span(text, m.start(), m.end()))
        out.append((_count_score(text, m, start, end), size))
    if out:  # "35 patients to X and 34 to Y" starts with a counted unit
        out += _count_to_arms(text, start, end)
    out += _arms(text, start, end)
    out += _two_arms(text, start, end)
    # Cheap tests before the costlier regexes (this runs on every sentence).
    lowered = text[start:end].lower()
    if len(out) >= 2:
        out += _two_groups(text, start, end)
    if "(" in lowered and ("group" in lowered or "arm" in lowered or "cohort" in lowered):
        out += _group_brackets(text, start, end)
    if "groups of" in lowered or "group of" in lowered:
        out += _groups_of(text, start, end)
    out += _n_equals(text, start, end)
    return out


def _labelled_count(text: str, sentence: Sentence) -> list[SampleSize]:
    """The count that opens the first sentence of a PATIENTS / PARTICIPANTS section."""
    if not sentence.label or not _PARTICIPANT_LABEL.search(sentence.label):
        return []
    m = _LEADING_COUNT.match(text, sentence.start, sentence.end)
    n = parse_count(m.group(1)) if m else None
    if m is None or n is None or n < 2:
        return []
    return [SampleSize(n=n, basis="total", span=make_span(text, m.start(1), m.end(1)))]


def _count_to_arms(text: str, start: int, end: int) -> list[tuple[float, SampleSize]]:
    """"35 patients to X and 34 to Y" → 69."""
    out = []
    for m in _COUNT_TO_ARMS.finditer(text, start, end):
        first, second = parse_count(m.group(1)), parse_count(m.group(3))
        if first and second:
            span = make_span(text, m.start(), m.end())
            out.append((3.2, SampleSize(n=first + second, basis="arms", unit=m.group(2).lower(), span=span)))
    return out


def _two_groups(text: str, start: int, end: int) -> list[tuple[float, SampleSize]]:
    """"20 patients and 10 volunteers" → 30 (each count with its own unit)."""
    out = []
    for m in _TWO_GROUPS.finditer(text, start, end):
        first, second = parse_count(m.group(1)), parse_count(m.group(3))
        window = (max(start, m.start() - 15), m.start())
        if not first or not second or _LABEL_BEFORE.search(text, *window) or _PROPORTION_BEFORE.search(text, *window):
            continue
        span = make_span(text, m.start(), m.end())
        out.append((3.05, SampleSize(n=first + second, basis="arms", unit=m.group(2).lower(), span=span)))
    return out


def _group_brackets(text: str, start: int, end: int) -> list[tuple[float, SampleSize]]:
    """"Group A (19 patients) ... group B (18 patients)" → 37."""
    groups = list(_GROUP_BRACKET.finditer(text, start, end))
    if len(groups) < 2:
        return []
    n = sum(parse_count(m.group(1)) or 0 for m in groups)
    unit = next((m.group(2).lower() for m in groups if m.group(2)), None)
    span = make_span(text, groups[0].start(), groups[-1].end())
    return [(2.6, SampleSize(n=n, basis="arms", unit=unit, span=span))]


def _groups_of(text: str, start: int, end: int) -> list[tuple[float, SampleSize]]:
    """"three groups of 11" → 33."""
    out = []
    for m in _GROUPS_OF.finditer(text, start, end):
        groups, size = parse_count(m.group(1)), parse_count(m.group(2))
        if not groups or not size or groups > 20:
            continue
        unit = m.group(3).lower() if m.group(3) else None
        out.append((2.8, SampleSize(n=groups * size, basis="arms", unit=unit,
                                    span=make_span(text, m.start(), m.end()))))
    return out


def _count_score(text: str, m: re.Match[str], start: int, end: int) -> float:
    """3 for an enrolment total, 0.5 for a count of people screened, else 1."""
    after = text[m.end():end]
    if _BEFORE_ENROLMENT.search(after):
        return 0.5
    if _TOTAL_BEFORE.search(text, max(start, m.start() - 60), m.start()) or _TOTAL_AFTER.search(after):
        return 3.0
    return 1.0


def _arms(text: str, start: int, end: int) -> list[tuple[float, SampleSize]]:
    arms = [m for m in _ARM.finditer(text, start, end) if (parse_count(m.group(1)) or 0) >= 1
            and not _LABEL_BEFORE.search(text, max(start, m.start() - 15), m.start())]  # "group 1 received"
    if len(arms) < 2:
        return []
    n = sum(parse_count(m.group(1)) or 0 for m in arms)
    unit = re.search(rf"\b({_UNITS})\b", text[arms[0].start():arms[0].end()], re.IGNORECASE)
    span = make_span(text, arms[0].start(), arms[-1].end())
    return [(2.5, SampleSize(n=n, basis="arms", unit=unit.group(1).lower() if unit else None, span=span))]


def _two_arms(text: str, start: int, end: int) -> list[tuple[float, SampleSize]]:
    out = []
    for m in _TWO_ARMS.finditer(text, start, end):
        if 1900 <= int(m.group(1)) <= 2100:  # "in 2018, 2472 patients": a year, not an arm
            continue
        n = int(m.group(1)) + int(m.group(2))
        span = make_span(text, m.start(), m.end())
        out.append((3.1, SampleSize(n=n, basis="arms", unit=m.group(3).lower(), span=span)))
    return out


def _n_equals(text: str, start: int, end: int) -> list[tuple[float, SampleSize]]:
    matches = list(_N_EQUALS.finditer(text, start, end))
    if not matches:
        return []
    counts = _without_breakdowns(text, matches)
    if len(counts) == 1:
        span = make_span(text, matches[0].start(), matches[0].end())
        return [(2.0, SampleSize(n=counts[0], basis="total", span=span))]
    span = make_span(text, matches[0].start(), matches[-1].end())
    return [(2.2, SampleSize(n=sum(counts), basis="arms", span=span))]


def _without_breakdowns(text: str, matches: list[re.Match[str]]) -> list[int]:
    """The n = counts, less those that split an earlier one into subgroups after "divided into"
    (their sum within 10% of that count): "(n = 19) divided into (n = 10) and (n = 10)" → [19]."""
    counts = [parse_count(m.group(1)) or 0 for m in matches]
    for i in range(len(matches) - 2):
        between = text[matches[i].end():matches[i + 1].start()]
        if not _BREAKDOWN.search(between):
            continue
        total = 0
        for j in range(i + 1, len(matches)):
            total += counts[j]
            if abs(total - counts[i]) <= 0.1 * counts[i]:
                return counts[:i + 1] + counts[j + 1:]
    return counts


def _single_case(text: str) -> SampleSize | None:
    m = _SINGLE_CASE.search(text)
    if not m:
        return None
    return SampleSize(n=1, basis="single", unit=m.group(1).lower(), span=make_span(text, m.start(), m.end()))
