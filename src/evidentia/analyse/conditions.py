"""Conditions (kind ``condition``) and populations (kind ``population``) with their spans.

Conditions come from three places, in this order of trust:

1. the record's MeSH terms that name a disease, found again in the title or abstract;
2. the general vocabulary in ``data/conditions.txt`` (names and abbreviations);
3. phrases after "patients with", "children with", "women diagnosed with" ..., and
   abbreviations before "patients" ("COPD patients").

Populations (children, older adults, women, healthy volunteers, rats ...) come from
``data/populations.txt``. ``value`` is always a canonical, lower-case-where-sensible name.
"""

from __future__ import annotations

import re

from ..models import Fact, Paper
from ._text import dedupe_facts, make_fact
from .species import mesh_names
from .vocab import load

_DISEASE_WORDS = re.compile(
    r"(?:itis|osis|oma|omas|emia|aemia|pathy|pathies|plegia|algia|trophy|ectasis|uria|"
    r"\b(?:disease|diseases|disorder|disorders|syndrome|injury|injuries|infection|infections|"
    r"failure|deficiency|insufficiency|sclerosis|palsy|pain|fracture|fractures|cancer|"
    r"neoplasms?|carcinoma|tumor|tumour|dementia|diabetes|hypertension|obesity|stroke|"
    r"depression|asthma|spasticity|epilepsy|arthritis|ulcer|wounds?|lesions?|dysfunction|"
    r"abnormalities|malformations?|inflammation|hemorrhage|haemorrhage|thrombosis|embolism))\b",
    re.IGNORECASE,
)
# Words that end like diseases but are processes or methods.
_NOT_DISEASES = re.compile(
    r"\b(?:diagnosis|prognosis|apoptosis|homeostasis|mitosis|meiosis|osmosis|anastomosis|"
    r"\w*cytosis|hypnosis|symbiosis|empathy|sympathy|stoma|pain measurement|pain threshold|"
    r"pain perception)\b",
    re.IGNORECASE,
)
_WITH = re.compile(
    r"\b(?:patients|children|adults|adolescents|infants|individuals|persons|people|subjects|"
    r"participants|women|men|those|cases|survivors|veterans|elderly)\s+(?:with|suffering from|"
    r"diagnosed with|affected by|who had|having)\s+((?:(?:acute|chronic|severe|mild|moderate|"
    r"advanced|early|newly diagnosed|stable|refractory|recurrent|established|suspected|"
    r"confirmed|primary|secondary)\s+)*[A-Za-z][\w'’-]*(?:\s+(?!(?:and|or|who|were|was|"
    r"in|at|from|to|for|that|which|with|without|on|by|undergoing|treated|receiving|during|"
    r"after|before|than|had|have|are|is)\b)[\w'’-]+){0,4})",
)
_ACRONYM_PATIENTS = re.compile(r"\b([A-Z][A-Z0-9]{1,6})(?:-related)?\s+(?:patients|subjects|cases)\b")
_NOT_CONDITIONS = frozenset({"the", "a", "an", "all", "these", "those", "both", "no", "any",
                             "ICU", "ED", "US", "UK", "USA", "EU", "HMO", "MRI", "CT"})


def find_conditions(paper: Paper) -> list[Fact]:
    """Conditions named in the title and abstract, first mention of each."""
    facts: list[Fact] = []
    for field in ("title", "abstract"):
        text = paper.text_of(field)
        facts += _mesh_conditions(paper, text, field)
        facts += _vocabulary_facts("conditions", "condition", text, field)
        facts += _pattern_conditions(text, field)
    facts = [f for f in facts if not _names_something_else(f, paper.text_of(f.span.field))]
    return dedupe_facts(sorted(facts, key=lambda f: (f.span.field != "title", f.span.start)))


# A disease word used as a modifier: "tumour necrosis factor", "tumour suppressor", "injury
# severity score" (a scale), "stroke volume" name a molecule or a measure, not a condition.
_MODIFIER_OF = re.compile(
    r"\s*(?:-\s*)?(?:necrosis\s+factors?|factors?|receptors?|genes?|proteins?|markers?|"
    r"suppressors?|severity\s+(?:scores?|scales?|index)|scores?|scales?|index|indices|"
    r"questionnaires?|inventory|volume)\b",
    re.IGNORECASE)
_MEASURE_NAME = re.compile(r"\b(?:scores?|scales?|index|indices|questionnaires?|inventory)$", re.IGNORECASE)
# Procedures named by an abbreviation: "total knee replacement (TKR)".
_PROCEDURE = re.compile(
    r"(?:replacement|arthroplasty|surgery|\w+ectomy|\w+plasty|\w+otomy|\w+ostomy|"
    r"transplant(?:ation)?|bypass|implantation|procedure|repair|fusion|block|anaesthesia|"
    r"anesthesia|resection|reconstruction)s?$", re.IGNORECASE)


def _names_something_else(fact: Fact, text: str) -> bool:
    """A condition word that is part of a molecule or scale name, or an abbreviation that the
    abstract defines as a procedure."""
    if _MODIFIER_OF.match(text, fact.span.end) or _MEASURE_NAME.search(fact.text):
        return True
    if fact.text.isupper():
        defined = text.find(f"({fact.text})")
        expansion = _EXPANSION.search(text, max(0, defined - 60), defined) if defined > 0 else None
        return bool(expansion and _PROCEDURE.search(expansion.group(1)))
    return False


_EXPANSION = re.compile(r"([A-Za-z][\w -]{3,60}?)\s*$")


def find_populations(paper: Paper) -> list[Fact]:
    """Population words (children, women, healthy volunteers, rats ...), first mention of each."""
    facts: list[Fact] = []
    for field in ("title", "abstract"):
        facts += _vocabulary_facts("populations", "population", paper.text_of(field), field)
    return dedupe_facts(facts)


def _vocabulary_facts(name: str, kind: str, text: str, field: str) -> list[Fact]:
    return [make_fact(kind, text, m.start, m.end, m.canonical, field)  # type: ignore[arg-type]
            for m in load(name).find(text)]


def _mesh_conditions(paper: Paper, text: str, field: str) -> list[Fact]:
    lowered = text.lower()
    facts = []
    for term in sorted(mesh_names(paper)):
        if not _is_disease(term):
            continue
        for variant in _variants(term):
            at = _find_word(lowered, variant)
            if at >= 0:
                value = load("conditions").canonical(term) or variant
                facts.append(make_fact("condition", text, at, at + len(variant), value, field))  # type: ignore[arg-type]
                break
    return facts


def _is_disease(term: str) -> bool:
    if load("conditions").canonical(term):
        return True
    return bool(_DISEASE_WORDS.search(term)) and not _NOT_DISEASES.search(term)


def _variants(term: str) -> list[str]:
    """MeSH "Diabetes Mellitus, Type 2" → "type 2 diabetes mellitus", "diabetes mellitus, type 2" ..."""
    lowered = term.lower()
    forms = [lowered]
    if ", " in lowered:
        head, _, modifier = lowered.partition(", ")
        forms += [f"{modifier} {head}", head]
    singular = [re.sub(r"ies$", "y", f) if f.endswith("ies") else f[:-1] for f in forms if f.endswith("s")]
    return forms + singular


def _find_word(lowered: str, phrase: str) -> int:
    start = lowered.find(phrase)
    while start >= 0:
        end = start + len(phrase)
        if (start == 0 or not lowered[start - 1].isalnum()) and (end == len(lowered) or not lowered[end].isalnum()):
            return start
        start = lowered.find(phrase, start + 1)
    return -1


_COMPARATIVE_TAIL = re.compile(r"\s+\w+(?:er|ess|ore)$", re.IGNORECASE)


def _without_comparison(phrase: str, after: str) -> str:
    """"adrenal lesions larger" (than 4 cm) → "adrenal lesions"."""
    if re.match(r"\s+than\b", after, re.IGNORECASE):
        return _COMPARATIVE_TAIL.sub("", phrase) or phrase
    return phrase


def _pattern_conditions(text: str, field: str) -> list[Fact]:
    vocabulary = load("conditions")
    facts = []
    for m in _WITH.finditer(text):
        phrase = _without_comparison(m.group(1).rstrip(" -"), text[m.end(1):m.end(1) + 8])
        if phrase.split()[0].lower() in _NOT_CONDITIONS:
            continue
        value = vocabulary.canonical(phrase) or phrase.lower()
        facts.append(make_fact("condition", text, m.start(1), m.start(1) + len(phrase), value, field))  # type: ignore[arg-type]
    for m in _ACRONYM_PATIENTS.finditer(text):
        if m.group(1) not in _NOT_CONDITIONS:
            value = vocabulary.canonical(m.group(1)) or m.group(1)
            facts.append(make_fact("condition", text, m.start(1), m.end(1), value, field))  # type: ignore[arg-type]
    return facts
