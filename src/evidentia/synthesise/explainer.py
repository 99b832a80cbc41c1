"""The ``explainer`` style: plain language for patients, short sentences, still cited.

Parts, in order: what the treatment is and how it may work (from the papers' own definition and
mechanism sentences, short ones only), what the research says (studies that agree share one
plain sentence: "Two randomised trials, with 40 and 120 people, found that the answer was yes"),
side effects and cautions (the harms the studies name), when to talk to a doctor, and questions
to ask. Sentences are short and use everyday words so that the text reads at about school grade
8 (Flesch-Kincaid; ``benchmarks/readability.py`` measures it); the studies' own wording is used
only for definitions and mechanisms, and only when short.
"""

from __future__ import annotations

import re
from collections import Counter

from ..models import Fact, Grade, QueryAnalysis, Span
from .drafts import Draft, draft
from .labels import is_named_harm
from .phrases import (
    capitalise,
    count_phrase,
    count_words,
    join_words,
    number_word,
    population_phrase,
)
from .relevance import Topic, treatment_core
from .sections import SectionDraft
from .studies import (
    SUPPORTIVE,
    StudyItem,
    evidence,
    number_is_written,
    strongest,
    weighted_score,
)

NOT_MEDICAL_ADVICE = (
    "This summary explains research in plain language; it is not medical advice. Talk to a doctor"
    " or pharmacist before you start, stop or change any treatment."
)
PLAIN_DESIGN: dict[str, tuple[str, str, str]] = {  # (one, with {people}, many)
    "meta_analysis": ("review that pooled other studies", "review that pooled studies of {people}",
                      "reviews that pooled other studies"),
    "systematic_review": ("review of other studies", "review of studies in {people}",
                          "reviews of other studies"),
    "rct": ("randomised trial", "randomised trial in {people}", "randomised trials"),
    "non_randomised_trial": ("trial", "trial in {people}", "trials"),
    "trial": ("trial", "trial in {people}", "trials"),
    "cohort": ("study that followed people over time", "study that followed {people} over time",
               "studies that followed people over time"),
    "case_control": ("study that compared people with and without the condition",
                     "study that compared {people} with a control group",
                     "studies that compared people with and without the condition"),
    "cross_sectional": ("survey", "survey of {people}", "surveys"),
    "case_series": ("report on a few patients", "report on {people}", "reports on a few patients"),
    "case_report": ("report on one patient", "report on {people}", "reports on one patient"),
    "guideline": ("guideline", "guideline for {people}", "guidelines"),
    "narrative_review": ("expert review", "expert review about {people}", "expert reviews"),
    "animal": ("study in animals", "study in animals", "studies in animals"),
    "in_vitro": ("lab study on cells", "lab study on cells", "lab studies on cells"),
    "other": ("study", "study of {people}", "studies"),
}
PLAIN_LEVEL = {"high": "strong", "moderate": "fairly strong", "low": "weak",
               "very low": "very weak"}
ANSWER_WORDS = {"yes": "yes", "possibly": "maybe yes", "no": "no"}
MAX_QUOTE_WORDS = 25  # a definition or mechanism sentence longer than this is not quoted
SMALL = 100


def plain_kind(item: StudyItem) -> str:
    if item.design == "other" and item.facts.randomised:
        return "rct"
    if item.kind != "human" and item.design not in ("animal", "in_vitro"):
        return item.kind
    return item.design if item.design in PLAIN_DESIGN else "other"


def plain_design(item: StudyItem) -> str:
    """'a randomised trial in 40 patients with Parkinson's disease', 'a study in animals'."""
    one, with_people, _ = PLAIN_DESIGN[plain_kind(item)]
    people = population_phrase(item).text if item.kind == "human" else ""
    return _article(with_people.format(people=people) if people else one)


def explainer_sections(items: list[StudyItem], query: QueryAnalysis, topic: Topic,
                       labels: list[tuple[str, str]]) -> list[SectionDraft]:
    relevant = strongest([item for item in items if item.relevant])
    parts = [
        ("What it is and how it may work", "about", _about(relevant, topic, labels)),
        ("What the research says", "found", _found(relevant, query)),
        ("Side effects and cautions", "cautions", _cautions(relevant)),
        ("When to talk to a doctor", "doctor", _doctor()),
        ("Questions to ask your doctor", "questions", _questions(topic)),
    ]
    return [SectionDraft(heading=title, kind=kind, sentences=sentences,
                         paper_ids=[item.id for item in relevant])
            for title, kind, sentences in parts if sentences]


# --------------------------------------------------------------------------- what it is


def _about(items: list[StudyItem], topic: Topic, labels: list[tuple[str, str]]) -> list[Draft]:
    """Who the studies were in; then a short definition of the treatment and of the condition,
    and a short mechanism sentence, from the papers when they have one."""
    name = treatment_core(topic.treatment) or topic.treatment
    out = []
    scope = _scope(items, name, labels)
    if scope is not None:
        out.append(scope)
    subjects = [name] + [topic.outcome] + [label for kind, label in labels if kind == "condition"]
    for subject in dict.fromkeys(word for word in subjects if word):
        definition = _quote(items, lambda item, subject=subject: _definitions(item, subject))
        if definition is not None and all(definition.evidence != d.evidence for d in out):
            out.append(definition)
        if len(out) >= 3:
            break
    mechanism = _quote(items, lambda item: _mechanisms(item, name))
    if mechanism is not None and all(mechanism.evidence != d.evidence for d in out):
        out.append(mechanism)
    return out


def _scope(items: list[StudyItem], name: str, labels: list[tuple[str, str]]) -> Draft | None:
    conditions = [label for kind, label in labels if kind == "condition"]
    human = [item for item in items if item.kind == "human"]
    if not conditions or not human:
        return None
    what = f"tested {name}" if name else "looked at this"
    text = f"The studies {what} in people with {join_words(conditions[:4], 'or')}"
    return draft(text, tuple(item.id for item in human), ".", kind="summary")


def _definitions(item: StudyItem, name: str) -> list[tuple[str, Fact | None]]:
    """Sentences that say what the treatment is: "<name> is a/an ..."."""
    if not name:
        return []
    pattern = re.compile(rf"\b{re.escape(name)}\b[^.;]{{0,40}}?\b(?:is|are) (?:a|an|the)\b", re.I)
    return [(sentence.text, None) for sentence in item.facts.sentences
            if sentence.role in (None, "background", "objective") and pattern.search(sentence.text)]


def _mechanisms(item: StudyItem, name: str) -> list[tuple[str, Fact | None]]:
    facts = [fact for fact in item.facts.mechanisms
             if not name or name.casefold() in fact.text.casefold()]
    return [(fact.text, fact) for fact in facts]


def _quote(items: list[StudyItem], candidates) -> Draft | None:
    """The shortest candidate sentence of at most ``MAX_QUOTE_WORDS`` words, cited."""
    found = []
    for item in items:
        for text, fact in candidates(item):
            clean = re.sub(r"^[A-Z]+:\s*", "", text.strip()).rstrip(" .")
            words = len(clean.split())
            if 5 <= words <= MAX_QUOTE_WORDS:
                found.append((words, item.order, clean, item, text, fact))
    if not found:
        return None
    _, _, clean, item, text, fact = min(found, key=lambda entry: entry[:2])
    start = item.paper.abstract.find(text)
    spans = evidence(item, fact.span) if fact is not None else _sentence_evidence(item, start, text)
    return draft(capitalise(clean), (item.id,), ".", evidence=spans, kind="summary")


def _sentence_evidence(item: StudyItem, start: int, text: str) -> list:
    if start < 0:
        return []
    return evidence(item, Span(field="abstract", start=start, end=start + len(text), text=text))


# --------------------------------------------------------------------------- what it found


def _found(items: list[StudyItem], query: QueryAnalysis) -> list[Draft]:
    if not items:
        return [draft("We found no studies that answer this question.", kind="summary")]
    out = [_overview(items, query.is_yes_no)]
    groups: dict[tuple[str, str], list[StudyItem]] = {}
    for item in items:
        groups.setdefault((item.stance.stance, plain_kind(item)), []).append(item)
    for (stance, kind), members in groups.items():
        out.append(_group_sentence(stance, kind, members, query.is_yes_no))
    return out


def _overview(items: list[StudyItem], is_yes_no: bool) -> Draft:
    human = sum(1 for item in items if item.kind == "human")
    total = count_words(len(items), "study")
    if human == len(items):
        where = "all in people" if len(items) > 1 else "in people"
    elif human == 0:
        where = "in animals or cells, not in people"
    else:
        where = (f"{count_phrase(human, 'study')} in people and"
                 f" {count_phrase(len(items) - human, 'study')} in animals or cells")
    text = f"{total} looked at this question, {where}"
    if is_yes_no:
        text += f". {_overall(items)}"
    return draft(text, tuple(item.id for item in items), ".", kind="summary")


def _overall(relevant: list[StudyItem]) -> str:
    score = weighted_score(relevant) or 0.0
    supportive = sum(1 for item in relevant if item.stance.stance in SUPPORTIVE)
    against = len(relevant) - supportive
    yes = "yes" if any(item.stance.stance == "yes" for item in relevant) else "maybe yes"
    if score >= 0.3:
        return (f"Most of them point to {yes}" if supportive > against else
                f"The stronger studies point to {yes}, but not all agree")
    if score <= -0.3:
        return ("Most of them point to no" if against > supportive else
                "The stronger studies point to no, but not all agree")
    return "They do not agree with each other"


def _group_sentence(stance: str, kind: str, members: list[StudyItem], is_yes_no: bool) -> Draft:
    many = PLAIN_DESIGN[kind][2]
    subject = plain_design(members[0]) if len(members) == 1 else \
        f"{number_word(len(members))} {many}"
    subject = capitalise(subject)
    sizes = _sizes(members)
    tail = f"found that the answer was {ANSWER_WORDS[stance]}" \
        if is_yes_no and stance in ANSWER_WORDS else "looked at this"
    text = f"{subject}{sizes} {tail}"
    found = [ev for item in members for ev in evidence(item, item.stance.span)]
    return draft(text, tuple(item.id for item in members), ".", evidence=found)


def _article(noun: str) -> str:
    return f"an {noun}" if noun[0] in "aeiou" else f"a {noun}"


def _sizes(members: list[StudyItem]) -> str:
    sizes = sorted({item.n for item in members if item.kind == "human" and item.n
                    and number_is_written(item, item.n)})
    if len(members) == 1 or not sizes:
        return ""
    every = sum(1 for item in members if item.n and number_is_written(item, item.n))
    if every < len(members):
        listed = join_words([f"{n:,}" for n in sizes]) if len(sizes) <= 3 else \
            f"{sizes[0]:,} to {sizes[-1]:,}"
        return f" (sizes given: {listed} people)"
    if len(sizes) <= 3 and len(sizes) == len(members):
        return f", with {join_words([f'{n:,}' for n in sizes])} people,"
    return f", with {sizes[0]:,} to {sizes[-1]:,} people each,"


# --------------------------------------------------------------------------- cautions


def _cautions(items: list[StudyItem]) -> list[Draft]:
    out = []
    harms = _harms(items)
    if harms:
        names, cited, found = harms
        out.append(draft(f"Side effects reported in the studies included {join_words(names)}",
                         cited, ".", evidence=found, kind="caution"))
    elif items:
        out.append(draft("The study summaries do not name side effects. That does not mean"
                         " there are none.", kind="caution"))
    nonhuman = tuple(item.id for item in items if item.kind != "human")
    if nonhuman:
        out.append(draft("Some results come from animals or cells. They may not hold in people",
                         nonhuman, ".", kind="caution"))
    small = tuple(item.id for item in items if item.kind == "human" and item.n is not None
                  and item.n < SMALL)
    if small:
        out.append(draft("Some studies were small, so their results could be due to chance",
                         small, ".", kind="caution"))
    return out


def _harms(items: list[StudyItem]) -> tuple[list[str], tuple[str, ...], list] | None:
    """Up to five named harms across the studies, most often named first."""
    counts: Counter[str] = Counter()
    named: dict[str, tuple[str, StudyItem, Fact]] = {}
    for item in items:
        for fact in item.facts.adverse_effects:
            if is_named_harm(fact, item):
                key = fact.text.strip().casefold()
                counts[key] += 1
                named.setdefault(key, (fact.text.strip().lower(), item, fact))
    if not counts:
        return None
    ordered = sorted(counts, key=lambda key: (-counts[key], key))
    keys = [key for key in ordered
            if not any(key != other and re.search(rf"\b{re.escape(key)}\b", other)
                       for other in ordered)][:5]
    cited = tuple(dict.fromkeys(named[key][1].id for key in keys))
    found = [ev for key in keys for ev in evidence(named[key][1], named[key][2].span)]
    return [named[key][0] for key in keys], cited, found


# --------------------------------------------------------------------------- doctor


def _doctor() -> list[Draft]:
    lines = [
        "Talk to your doctor before you start, stop or change a treatment.",
        "Tell your doctor about any side effects you notice, and about other medicines you take.",
        "Get help right away if you feel very unwell.",
        "This summary is not medical advice.",
    ]
    return [draft(line, kind="caution") for line in lines]


def _questions(topic: Topic) -> list[Draft]:
    name = treatment_core(topic.treatment) or topic.treatment
    generic = draft("Which treatments could help someone like me?", kind="question")
    first = draft(f"Could {name} help someone like me?", kind="question") if name else generic
    if first is not generic:
        first.fallbacks = [generic]
    questions = [
        "What dose would be right for me, and which side effects should I watch for?",
        "How strong is this evidence compared with other options?",
        "How will we know if it is working, and when should I stop?",
    ]
    return [first] + [draft(question, kind="question") for question in questions]


# --------------------------------------------------------------------------- conclusion


def explainer_answer(items: list[StudyItem], grade: Grade, query: QueryAnalysis) -> Draft:
    """A plain answer for the top of the page."""
    relevant = [item for item in items if item.relevant]
    if not relevant:
        return draft("We can't say yet: none of the studies we found answers this question.",
                      kind="answer")
    cites = tuple(item.id for item in strongest(relevant))
    count = count_words(len(relevant), "study")
    verb = "looks" if len(relevant) == 1 else "look"
    if not query.is_yes_no:
        return draft(f"{count} {verb} at this question", cites, ".", kind="answer")
    score = weighted_score(relevant) or 0.0
    label = ("Probably yes" if score >= 0.3 else "Probably not" if score <= -0.3
             else "The studies disagree")
    if len(relevant) < 2 or grade.level == "very low":
        label = "Maybe, but we can't be sure" if score > -0.3 else \
            "Probably not, but we can't be sure"
    return draft(f"{label}. {count} {verb} at this question", cites, ".", kind="answer")


def explainer_conclusion(items: list[StudyItem], grade: Grade) -> list[Draft]:
    relevant = [item for item in items if item.relevant]
    if not relevant:
        return [draft("There is not enough research yet to say.", kind="conclusion")]
    plain = PLAIN_LEVEL[grade.level]
    cites = tuple(item.id for item in strongest(relevant))
    out = [draft(f"How sure can we be? The evidence is {plain}", cites, ".", kind="conclusion")]
    pro = [item for item in relevant if item.stance.stance in SUPPORTIVE]
    con = [item for item in relevant if item.stance.stance == "no"]
    if pro and con:
        out.append(draft("The studies do not all agree.", kind="conclusion"))
    out.append(draft("Larger, well-run trials in people are needed to be sure.",
                     kind="research_need"))
    return out
