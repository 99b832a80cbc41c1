"""The consensus meter and the direct answer at the top of a report.

The answer weighs studies (``StudyItem.weight``: design, size, people over animals), it does not
count votes: one large trial outweighs several case reports. ``answer_drafts`` returns the answer
from most to least detailed so the caller can keep the first that passes the faithfulness check.
"""

from __future__ import annotations

from collections import Counter

from ..config import SynthesiseSettings
from ..models import Evidence, Grade, Meter, QueryAnalysis
from .drafts import Draft, Part, draft
from .findings import finding_clause, main_finding
from .phrases import count_phrase, count_words, join_words, study_phrase, with_article
from .studies import (
    SUPPORTIVE,
    StudyItem,
    evidence,
    stance_evidence,
    strongest,
    weighted_score,
)

VERDICTS = (  # (lowest weighted score, key, label)
    (0.7, "yes", "Yes"),
    (0.3, "mostly_yes", "Mostly yes"),
    (-0.3, "mixed", "The evidence is mixed"),
    (-0.7, "mostly_no", "Mostly no"),
    (-1.01, "no", "No"),
)
LEANING = {"yes": "yes", "mostly_yes": "yes", "leaning_yes": "yes", "possibly": "yes",
           "mixed": "mixed",
           "leaning_no": "no", "mostly_no": "no", "no": "no"}


def meter(items: list[StudyItem], query: QueryAnalysis, settings: SynthesiseSettings) -> Meter:
    """Stances of the studies on the question's topic; "unclear" is such a study that gives no
    answer. Off-topic studies and those that gave the agent to every group are not counted."""
    counts = Counter(item.stance.stance for item in items if item.on_topic and not item.background)
    relevant = sum(counts[stance] for stance in ("yes", "possibly", "no"))
    return Meter(
        yes=counts["yes"], possibly=counts["possibly"], no=counts["no"],
        unclear=counts["unclear"],
        shown=query.is_yes_no and relevant >= settings.meter_min_studies,
    )


def verdict(items: list[StudyItem], grade: Grade) -> tuple[str, str]:
    """(key, label) of the answer to a yes/no question, from the weighted score."""
    score = weighted_score(items)
    if score is None:
        return "too_little", "Too little evidence to answer"
    key, label = next((key, label) for low, key, label in VERDICTS if score >= low)
    firm = grade.level in ("high", "moderate")
    if key == "yes" and not firm:
        return "mostly_yes", "Mostly yes"
    if key == "no" and not firm:
        return "mostly_no", "Mostly no"
    return key, label


def direction_word(item: StudyItem) -> str:
    words = {"yes": "yes", "possibly": "a possible yes", "no": "no"}
    return words.get(item.stance.stance, "neither answer")


# --------------------------------------------------------------------------- yes/no answers


def answer_drafts(items: list[StudyItem], grade: Grade, query: QueryAnalysis,
                  topics: list[str]) -> list[Draft]:
    """The answer, most detailed first; the last one states only counts and always passes."""
    if not query.is_yes_no:
        return _summary_answers(items, topics)
    relevant = [item for item in items if item.relevant]
    if not relevant:
        return [_none_relevant(items)]
    if all(item.kind != "human" for item in relevant):
        return _nonhuman_answers(relevant)
    if len(relevant) == 1:
        return _single_answers(relevant[0])
    key, label = verdict(items, grade)
    key, label = _leaning_by_weight(relevant, key, label)
    counts = _count_clause(relevant, LEANING.get(key, "mixed"))
    detailed = draft(f"{label}: {counts};", *_strongest_parts(relevant, key), ".",
                     evidence=_answer_evidence(relevant, key), kind="answer")
    plain = draft(f"{label}: {counts}.", kind="answer")
    return [detailed, plain]


def _leaning_by_weight(relevant: list[StudyItem], key: str, label: str) -> tuple[str, str]:
    """'Leaning yes' when the stronger studies carry a verdict that most studies do not share."""
    supportive = sum(1 for item in relevant if item.stance.stance in SUPPORTIVE)
    against = len(relevant) - supportive
    if LEANING.get(key) == "yes" and not any(item.stance.stance == "yes" for item in relevant):
        return "possibly", "Possibly"  # no study says more than "possibly"
    if LEANING.get(key) == "yes" and supportive <= against:
        return "leaning_yes", "Leaning yes"
    if LEANING.get(key) == "no" and against <= supportive:
        return "leaning_no", "Leaning no"
    return key, label


def _none_relevant(items: list[StudyItem]) -> Draft:
    if not items:
        return draft("Too little evidence to answer: no studies were found.", kind="answer")
    return draft(f"Too little evidence to answer: none of the {count_phrase(len(items), 'study')}"
                 " found addresses the question directly.", kind="answer")


def _nonhuman_answers(relevant: list[StudyItem]) -> list[Draft]:
    score = weighted_score(relevant) or 0.0
    leaning = "yes" if score >= 0.3 else "no" if score <= -0.3 else "both ways"
    cites = tuple(item.id for item in strongest(relevant))
    way = f"towards {leaning}" if leaning != "both ways" else leaning
    if len(relevant) == 1:
        found_by = ("the only study that addresses the question is an animal or laboratory study,"
                    f" and it points {way}")
    else:
        found_by = (f"the {count_phrase(len(relevant), 'study')} that address the question are"
                    f" animal or laboratory studies, and they point {way}")
    text = f"Too little evidence in people to answer: {found_by}"
    found = [ev for item in relevant for ev in stance_evidence(item)]
    return [draft(text, cites, ".", evidence=found, kind="answer")]


def _single_answers(item: StudyItem) -> list[Draft]:
    described = study_phrase(item, with_intervention=False).text
    head = "Too little evidence to answer firmly: only 1 study addresses the question"
    tail = f"and it points towards {direction_word(item)}"
    found = stance_evidence(item)
    short = draft(f"{head}, {tail}", (item.id,), ".", evidence=found, kind="answer")
    if " " not in described:  # a bare "study" tells the reader nothing
        return [short]
    return [draft(f"{head}, {with_article(described)}, {tail}", (item.id,), ".",
                  evidence=found, kind="answer"), short]


def _count_clause(relevant: list[StudyItem], leaning: str) -> str:
    counts = Counter(item.stance.stance for item in relevant)
    total = len(relevant)
    yes, possibly, no = counts["yes"], counts["possibly"], counts["no"]
    lead = "that address the question"
    if leaning == "no":
        clause = f"{no} of {total} {_studies(total)} {lead} {_agree(no, 'do')} not support it"
        extras = [_verb(yes + possibly, "support", "supports") + " it" if yes + possibly else ""]
    elif leaning == "yes" and yes:
        clause = f"{yes} of {total} {_studies(total)} {lead} {_agree(yes, 'support')} it"
        extras = [f"{count_phrase(possibly, 'more study')} possibly {_agree(possibly, 'do')}"
                  if possibly else "",
                  _verb(no, "do not", "does not") if no else ""]
    else:
        clause = (f"{yes + possibly} of {total} {_studies(total)} {lead} "
                  f"{_agree(yes + possibly, 'support')} it (at least possibly)")
        extras = [_verb(no, "do not", "does not") if no else ""]
    extras = [extra for extra in extras if extra]
    return join_words([clause] + extras) if extras else clause


def _studies(count: int) -> str:
    return "study" if count == 1 else "studies"


def _agree(count: int, verb: str) -> str:
    """'support' / 'supports', 'do' / 'does' for a count of studies."""
    if count != 1:
        return verb
    return "does" if verb == "do" else verb + "s"


def _verb(count: int, plural_verb: str, singular_verb: str) -> str:
    return f"{count_phrase(count, 'study')} {singular_verb if count == 1 else plural_verb}"


def _side(relevant: list[StudyItem], stances: frozenset[str] | set[str]) -> list[StudyItem]:
    return strongest([item for item in relevant if item.stance.stance in stances])


def _strongest_parts(relevant: list[StudyItem], key: str) -> list[Part]:
    leaning = LEANING.get(key, "mixed")
    if leaning == "mixed":
        pro, con = _side(relevant, SUPPORTIVE)[:1], _side(relevant, {"no"})[:1]
        parts: list[Part] = []
        if pro:
            parts += ["the strongest study in favour is", *_described(pro)]
        if con:
            parts += [", and" if pro else "", "the strongest against is", *_described(con)]
        return parts
    stances = SUPPORTIVE if leaning == "yes" else {"no"}
    best = _side(relevant, stances)[:2]
    verb = "is" if len(best) == 1 else "are"
    return [f"the strongest {verb}", *_described(best)]


def _described(items: list[StudyItem]) -> list[Part]:
    parts: list[Part] = []
    for position, item in enumerate(items):
        if position:
            parts.append("and")
        parts += [with_article(study_phrase(item, with_intervention=False).text), (item.id,)]
    return parts


def _answer_evidence(relevant: list[StudyItem], key: str) -> list[Evidence]:
    leaning = LEANING.get(key, "mixed")
    stances = {"yes": SUPPORTIVE, "no": {"no"}}.get(leaning, SUPPORTIVE | {"no"})
    return [ev for item in _side(relevant, stances)[:2] for ev in stance_evidence(item)]


# --------------------------------------------------------------------------- other questions


def _summary_answers(items: list[StudyItem], topics: list[str]) -> list[Draft]:
    """For a question that is not yes/no: what the studies cover and what the strongest found;
    every version is a full sentence."""
    relevant = [item for item in items if item.relevant]
    if not items:
        return [draft("No studies were found for this question.", kind="answer")]
    if not relevant:
        return [_none_relevant(items)]
    everyone = tuple(item.id for item in strongest(relevant))
    head: list[Part] = [_covering(relevant, topics), everyone if topics else None]
    best = strongest(relevant)[0]
    finding = main_finding(best)
    clause = finding_clause(finding, best) if finding is not None else ""
    described = with_article(study_phrase(best, with_intervention=False).text)
    found = stance_evidence(best) + ([] if finding is None else evidence(best, finding.span))
    tail = f"; the strongest, {described}, found that {clause}" if clause \
        else f"; the strongest is {described}"
    return [draft(*head, tail, (best.id,), ".", evidence=found, kind="answer"),
            draft(*head, ".", kind="answer"),
            draft(_addressing(relevant), "; the sections below describe",
                  " it." if len(relevant) == 1 else " them.", kind="answer")]


def _covering(relevant: list[StudyItem], topics: list[str]) -> str:
    """'The 15 studies that address the question cover cancer and stroke', or, with no topics,
    '15 studies address the question'."""
    if not topics:
        return _addressing(relevant)
    one = len(relevant) == 1
    noun = "study that addresses" if one else "studies that address"
    return f"The {len(relevant)} {noun} the question {'covers' if one else 'cover'} " \
           f"{join_words(topics)}"


def _addressing(relevant: list[StudyItem]) -> str:
    count = len(relevant)
    return f"{count_words(count, 'study')} {'addresses' if count == 1 else 'address'} the question"
