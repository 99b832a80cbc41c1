"""Noun phrases and clauses built from a study's facts, each with the spans it rests on.

Every phrase is made of words from the abstract (facts keep their spans) or from the general
vocabulary of designs; a slot with no supporting fact is left out, never filled in.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..models import DESIGN_LABELS, Dose, Evidence, Fact, Span
from .labels import (
    MEASURE_WORDS,
    clean_condition,
    clean_treatment,
    has_condition,
    is_named_harm,
    is_treatment_name,
    people_conditions,
    readable_case,
)
from .relevance import treatment_core
from .studies import StudyItem, evidence, fact_label, number_is_written, soften_case

CASE_DESIGNS = frozenset({"case_series", "case_report"})
EXPERIMENT_DESIGNS = frozenset({"rct", "trial", "non_randomised_trial", "animal", "other"})
SYNTHESIS_DESIGNS = frozenset({"meta_analysis", "systematic_review", "narrative_review",
                               "guideline"})
# Designs that observe people first and a treatment or exposure second.
EXPOSURE_DESIGNS = CASE_DESIGNS | {"cohort", "case_control", "cross_sectional"}


@dataclass
class Phrase:
    text: str = ""
    evidence: list[Evidence] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.text)


# --------------------------------------------------------------------------- grammar


def article(phrase: str) -> str:
    """'a' or 'an' for the phrase (by sound for the common cases, digits included)."""
    word = phrase.split(" ", 1)[0].lower()
    if re.match(r"(?:8|11|18)(?:\D|$)|8\d", word):
        return "an"
    if re.match(r"(?:uni|use|eu|one)", word):
        return "a"
    return "an" if word[:1] in "aeiou" else "a"


def with_article(phrase: str) -> str:
    return f"{article(phrase)} {phrase}"


def join_words(words: list[str], conjunction: str = "and") -> str:
    words = [word for word in words if word]
    if len(words) <= 1:
        return "".join(words)
    return f"{', '.join(words[:-1])} {conjunction} {words[-1]}"


def capitalise(text: str) -> str:
    return text[:1].upper() + text[1:]


def plural(noun: str, count: int) -> str:
    if count == 1:
        return noun
    last = noun.rsplit(" ", 1)[-1]
    if last.endswith("ysis"):
        return noun[:-4] + "yses"
    if last in ("series",):
        return noun
    if last.endswith("y") and not last.endswith("ey"):
        return noun[:-1] + "ies"
    return noun + "s"


# The plural of a design where "studies" alone would say nothing ("the strongest evidence
# comes from studies" of the design ``other``).
_DESIGN_PLURALS = {"other": "studies of unstated design"}


def design_plural(design: str) -> str:
    """'randomised controlled trials', 'case series', 'studies of unstated design'."""
    if design in _DESIGN_PLURALS:
        return _DESIGN_PLURALS[design]
    return plural(DESIGN_LABELS.get(design, "study"), 2)


COUNT_WORDS = ("no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine",
               "ten")


def count_phrase(count: int, noun: str) -> str:
    """'1 cohort study', '3 randomised controlled trials' (a count the checker knows to skip)."""
    return f"{count} {plural(noun, count)}"


def number_word(count: int) -> str:
    """'two' for 2 (words up to ten, digits from eleven on)."""
    return COUNT_WORDS[count] if count < len(COUNT_WORDS) else f"{count:,}"


def count_words(count: int, noun: str) -> str:
    """'Two studies', for the start of a sentence (digits from eleven on)."""
    return capitalise(f"{number_word(count)} {plural(noun, count)}")


# --------------------------------------------------------------------------- design


def design_noun(item: StudyItem) -> str:
    """'double-blind, randomised, placebo-controlled crossover trial', 'cohort study' ..."""
    facts = item.facts
    if facts.design == "rct" or (facts.design == "other" and facts.randomised):
        core = "trial"
        adjectives = [facts.blinding, "randomised" if facts.placebo else "randomised controlled",
                      "placebo-controlled" if facts.placebo else None]
    elif facts.design == "non_randomised_trial":
        core = "trial"
        adjectives = [facts.blinding, "non-randomised",
                      "placebo-controlled" if facts.placebo else None]
    elif facts.design == "trial":
        core = "trial"
        adjectives = [facts.blinding, "placebo-controlled" if facts.placebo else None]
    elif item.measured and facts.design == "other" and facts.sample_size is not None:
        core, adjectives = "observational study", []  # it measured people; it gave nothing
    else:
        core = DESIGN_LABELS.get(facts.design, "study")
        adjectives = [facts.blinding, "placebo-controlled" if facts.placebo else None]
    experiment = facts.design in EXPERIMENT_DESIGNS
    if not experiment:
        adjectives = []  # "double-blind" or "crossover" do not describe a cohort or a review
    prefix = ", ".join(adjective for adjective in adjectives if adjective)
    extras = " ".join(word for word in (
        "pilot" if facts.pilot and facts.design not in SYNTHESIS_DESIGNS else "",
        "crossover" if facts.crossover and experiment else "") if word)
    return " ".join(part for part in (prefix, extras, core) if part)


def design_evidence(item: StudyItem) -> list[Evidence]:
    out: list[Evidence] = []
    for cue in item.facts.design_cues[:3]:
        out.extend(evidence(item, cue.span))
    return out


# --------------------------------------------------------------------------- population


def population_phrase(item: StudyItem) -> Phrase:
    """'15 patients with multiple sclerosis', 'a woman with ...', '24 rats' or ''."""
    subjects = _subjects(item)
    condition = condition_phrase(item)
    if not subjects and not condition:
        return Phrase()
    if not subjects:
        if item.facts.sample_size is not None and not size_names_condition(item, condition.text):
            return Phrase()  # a count that cannot be printed still says who the people were not
        return Phrase(f"{_people_word(item)} with {condition.text}", condition.evidence)
    if condition and condition.text.casefold() not in subjects.text.casefold() \
            and size_names_condition(item, condition.text):
        return Phrase(f"{subjects.text} with {condition.text}",
                      subjects.evidence + condition.evidence)
    return subjects


_WITH = r"(?:with|suffering from|diagnosed with|affected by|who had|who have|having)"


def size_names_condition(item: StudyItem, condition: str) -> bool:
    """The abstract joins the sample size and the condition itself: the sample-size words name
    it ("80 insomnia patients") or the phrase that follows the
    number does ("635 patients with previous colorectal cancer", "170 outpatients with COPD").
    Elsewhere the number may count people who do not all have it ("14,000 patients from four
    trials" in an abstract that mentions Lynch syndrome). A participants span naming both is
    not enough ("70 388 people, of whom 16 078 had diabetes")."""
    size = item.facts.sample_size
    label = condition.casefold()
    if size is None or label in size.span.text.casefold():
        return size is not None
    after = item.paper.text_of(size.span.field)[size.span.end : size.span.end + 160]
    after = re.split(r"[.;](?!\d)", after, maxsplit=1)[0]
    names = "|".join(re.escape(name) for name in {condition, _acronym(condition)} if name)
    pattern = rf"^\s*(?:[\w'’-]+\s+){{0,3}}?{_WITH}\s+(?:[\w'’-]+\s+){{0,2}}?(?:{names})\b"
    return re.match(pattern, after, re.IGNORECASE) is not None


def _acronym(label: str) -> str:
    """'Chronic obstructive pulmonary disease' -> 'COPD' (three words or more)."""
    initials = [word[0] for word in re.findall(r"[A-Za-z][\w'’]*", label)]
    return "".join(initials).upper() if len(initials) >= 3 else ""


def _people_word(item: StudyItem) -> str:
    return {"animal": "animals", "in_vitro": "cells"}.get(item.kind, "people")


def _subjects(item: StudyItem) -> Phrase:
    size = item.facts.sample_size
    if size is None or size.basis == "arms" or not number_is_written(item, size.n):
        return Phrase()
    unit = (size.unit or "").strip()
    span_evidence = evidence(item, size.span)
    if _part_of_larger_number(item, size.span):
        return Phrase()
    if size.n == 1 and unit:
        return Phrase(with_article(unit), span_evidence)
    if not unit or not re.search(r"[A-Za-z]{2,}", unit):
        if item.kind == "in_vitro":
            return Phrase()
        unit = "animals" if item.kind == "animal" else "participants"
    return Phrase(f"{size.n:,} {unit}", span_evidence)


def _part_of_larger_number(item: StudyItem, span: Span) -> bool:
    """'70 388 people' read as 388 people: digits grouped by a space before the span mean the
    extracted count is the tail of a larger number, which must not be printed."""
    before = item.paper.text_of(span.field)[max(0, span.start - 5) : span.start]
    return re.search(r"(?<![\d.,])\d{1,3}[ \u00a0\u2009\u202f]$", before) is not None


def condition_phrase(item: StudyItem) -> Phrase:
    """The study's most central clean condition, as a sentence should print it. A condition the
    question is about ("preeclampsia") describes the people only when the abstract says they
    have it ("patients with preeclampsia"), not when it is what a trial tried to prevent."""
    topic = item.topic.words
    for fact in people_conditions(item):
        if _is_question_word(fact.text, topic) and not has_condition(fact, item):
            continue
        if _said_absent(fact.text, item) and not has_condition(fact, item):
            continue  # "people without established X", "prevention of X": not who had it
        text, span = readable_case(fact, item)
        return Phrase(text, evidence(item, span))
    return Phrase()


_ABSENT_BEFORE = (r"\b(?:without|free of|free from|no history of|prevention of|preventing|"
                  r"primary prevention of|at risk of|at high risk of|risk of|incidence of)\s+"
                  r"(?:[\w'’-]+\s+){0,2}?")


def _said_absent(label: str, item: StudyItem) -> bool:
    """The title or abstract names the condition as something the people lacked or might get."""
    return re.search(_ABSENT_BEFORE + re.escape(label.casefold()), item.text.casefold()) \
        is not None


def _is_question_word(label: str, topic: frozenset[str]) -> bool:
    words = [word.rstrip("s") for word in re.findall(r"[\w']+", label.casefold())]
    return bool(words) and all(word in {t.rstrip("s") for t in topic} for word in words)


# --------------------------------------------------------------------------- intervention


def intervention_phrase(item: StudyItem, *, with_dose: bool = True) -> Phrase:
    """'gabapentin (400 mg three times daily)': the treatment and the dose given with it."""
    name, span = _treatment(item)
    if not name:
        return Phrase()
    found = evidence(item, span)
    dose = _dose_near(item, name) if with_dose else None
    if dose is not None and dose.text.strip().casefold() not in name.casefold():
        name = f"{name} ({dose.text.strip()})"
        found += evidence(item, dose.span)
    return Phrase(name, found)


def treatment_dose(item: StudyItem) -> Dose | None:
    """The dose the study gives its treatment, when written next to it."""
    name, _ = _treatment(item)
    return _dose_near(item, name) if name else None


def _treatment(item: StudyItem) -> tuple[str, Span | None]:
    """What the study gave: its own intervention naming the question's treatment ("intranasal
    dexmedetomidine"), the title's first; else the title's own treatment (a case series of
    another drug that mentions the question's treatment is described as what it was); else
    the abstract's; else the question's treatment as the study writes it. Facts that name no
    treatment ("optimal", "drugs", a journal's name) are passed over (``clean_treatment``)."""
    conditions = {fact.text.casefold() for fact in map(clean_condition, item.facts.conditions)
                  if fact is not None}
    cleaned = (clean_treatment(fact, item.paper.text_of(fact.span.field))
               for fact in item.facts.interventions)
    facts = [fact for fact in cleaned
             if fact is not None and not _names_a_condition(fact.text, conditions)]
    asked = item.topic.treatment or bare_subject(item.topic.question)
    core = treatment_core(asked) or asked
    core_words = set(_words_of(core))
    specific = [fact for fact in facts if core_words and core_words <= set(_words_of(fact.text))]
    specific.sort(key=lambda fact: len(fact.text))  # the plainest wording of it
    # What the title names is what the study is about: an abstract that only mentions the
    # question's treatment ("patients overused aspirin") did not give it.
    titled = [fact for fact in facts if fact.span.field == "title"]
    title_words = set(re.findall(r"[\w']+", item.paper.title.casefold()))  # "X-Y" names X
    title_names_it = bool(core_words) and core_words <= title_words | set(_words_of(
        item.paper.title))
    first = specific[:1] if title_names_it else titled[:1]
    for fact in first or specific[:1] or facts[:1]:
        return _as_abstract_writes(item, fact)
    for phrase in dict.fromkeys((asked, core)):
        if item.design in EXPERIMENT_DESIGNS and _names_a_condition(phrase, conditions):
            continue  # "a trial of obesity": the people had it; the trial gave something else
        found = _find_phrase(item, phrase)
        if found is not None:
            return soften_case(found.text, found, item.paper), found
    return "", None


def _names_a_condition(label: str, conditions: set[str]) -> bool:
    """The label is one of the study's conditions, or ends in one's head word ("specialist
    diabetes" beside "type 1 diabetes"): a condition is who was studied, not what was given."""
    label = label.casefold().strip()
    heads = {condition.split()[-1] for condition in conditions if condition.split()}
    return label in conditions or (bool(label.split()) and label.split()[-1] in heads)


def bare_subject(question: str) -> str:
    """A question that is only a name ("aspirin", "tranexamic acid") is its own subject; ''
    for a sentence ("Does X help?")."""
    text = question.strip().rstrip(".")
    tokens = text.split()
    if "?" in text or not 1 <= len(tokens) <= 4 or not is_treatment_name(text):
        return ""
    return text.casefold()


def _as_abstract_writes(item: StudyItem, fact: Fact) -> tuple[str, Span]:
    """A treatment named in the title, as the abstract writes it when it does ("Vitamin d" in
    a title, "vitamin D" in the abstract): titles are often cased oddly."""
    if fact.span.field == "title":
        found = _find_phrase(item, fact.text)
        if found is not None and found.field == "abstract":
            return soften_case(found.text, found, item.paper), found
    return _label(item, fact), fact.span


def _find_phrase(item: StudyItem, phrase: str) -> Span | None:
    """The first word-bounded mention of ``phrase`` in the abstract, else the title."""
    if not phrase.strip():
        return None
    pattern = re.compile(r"(?<![\w-])" + r"[\s-]+".join(map(re.escape, phrase.split()))
                         + r"(?![\w-])", re.I)
    for where in ("abstract", "title"):
        match = pattern.search(item.paper.text_of(where))
        if match:
            return Span(field=where, start=match.start(), end=match.end(), text=match.group())
    return None


def _dose_near(item: StudyItem, name: str) -> Dose | None:
    """A dose written next to a mention of the treatment ("melatonin 3 mg", "2 µg/kg of X")."""
    base = re.sub(r"\s*\(.*$", "", name)
    pattern = re.compile(r"(?<![\w-])" + re.escape(base) + r"(?![\w-])", re.I)
    text = item.paper.abstract
    mentions = [match.span() for match in pattern.finditer(text)]
    for dose in item.facts.doses:
        if dose.span.field != "abstract":
            continue
        for start, end in mentions:
            after, before = text[end : dose.span.start], text[dose.span.end : start]
            if (dose.span.start >= end and len(after) <= 25 and not re.search(r"[.;\d]", after)) \
                    or (start >= dose.span.end and re.fullmatch(r"\s*(?:of\s+)?", before)):
                return dose
    return None


def _words_of(text: str) -> list[str]:
    return re.findall(r"[\w'-]+", text.casefold())


def comparator_phrase(item: StudyItem) -> Phrase:
    """'placebo', 'baclofen'; empty when 'placebo-controlled' already says it."""
    for fact in item.facts.comparators:
        label = fact_label(fact)
        if not is_treatment_name(label) or (item.facts.placebo and "placebo" in label.casefold()):
            continue
        return Phrase(soften_case(label, fact.span, item.paper), evidence(item, fact.span))
    return Phrase()


def outcome_phrase(item: StudyItem) -> Phrase:
    """'the Pittsburgh Sleep Quality Index and actigraphy' (named instruments take 'the')."""
    facts = [fact for fact in item.facts.outcome_measures if _reads_as_measure(fact.text)]
    labels = _unique([_named_the(label) for label in _labels(item, facts)])
    spans = [ev for fact in facts[:3] for ev in evidence(item, fact.span)]
    return Phrase(join_words(labels[:3]), spans) if labels else Phrase()


def _reads_as_measure(text: str) -> bool:
    return bool(re.search(r"[A-Za-z]{3,}", text)) and len(text.split()) <= 8 \
        and text.strip().casefold() not in MEASURE_WORDS


def adverse_phrase(item: StudyItem) -> Phrase:
    """Named harms the study reports; generic words ("adverse events") and harms said to be
    absent ("no serious adverse events") are left out."""
    named = [fact for fact in item.facts.adverse_effects if is_named_harm(fact, item)]
    labels = _unique(_labels(item, named))[:4]
    spans = [ev for fact in named[:4] for ev in evidence(item, fact.span)]
    return Phrase(join_words(labels), spans) if labels else Phrase()


def _labels(item: StudyItem, facts: list[Fact]) -> list[str]:
    return [soften_case(fact_label(fact), fact.span, item.paper) for fact in facts]


def _label(item: StudyItem, fact: Fact) -> str:
    return soften_case(fact_label(fact), fact.span, item.paper)


def _named_the(label: str) -> str:
    """A capitalised multi-word name ("Insomnia Severity Index") reads with 'the' before it."""
    words = label.split()
    if len(words) >= 2 and words[0][:1].isupper() and not words[0].isupper() \
            and words[-1][:1].isupper() and words[0].casefold() != "the":
        return f"the {label}"
    return label


def _unique(labels: list[str]) -> list[str]:
    seen: dict[str, str] = {}
    for label in labels:
        seen.setdefault(label.casefold(), label)
    return list(seen.values())


# --------------------------------------------------------------------------- study description


def _names_the_people(treatment: str, people: str) -> bool:
    name = re.sub(r"\s*\(.*$", "", treatment).casefold()
    return bool(name) and name in people.casefold()


def study_phrase(item: StudyItem, *, with_intervention: bool = True,
                 with_dose: bool = True) -> Phrase:
    """'double-blind ... trial of gabapentin (...) versus baclofen in 15 patients with MS'."""
    noun = design_noun(item)
    people = population_phrase(item)
    found = design_evidence(item)
    # A study that only measured the agent gave no dose: an amount it names is not one.
    with_dose = with_dose and not item.measured
    treatment = intervention_phrase(item, with_dose=with_dose) if with_intervention else Phrase()
    if treatment and _names_the_people(treatment.text, people.text):
        treatment = Phrase()  # "a study of lupus in 30 patients with lupus" says it twice
    comparator = comparator_phrase(item) if treatment else Phrase()
    text = noun
    if treatment and people and (item.design in EXPOSURE_DESIGNS or item.measured):
        link = "treated with" if item.design in CASE_DESIGNS and not item.measured \
            else "that examined"
        text += f" of {people.text} {link} {treatment.text}"
    elif treatment:
        text += f" of {treatment.text}"
        if comparator:
            text += f" versus {comparator.text}"
        if people:
            text += f" in {people.text}"
    elif people:
        text += f" of {people.text}"
    for part in (treatment, comparator, people):
        found += part.evidence
    return Phrase(text, found)
