"""Interventions (kind ``intervention``) and comparators (kind ``comparator``).

Interventions come from phrases that frame what was given or tested, in the title and in
sentences about this study: "the effect(s)/efficacy/safety of X on ...", "X versus Y",
"treated/treatment/supplementation with X", "X therapy", and the word before or after a dose
("gabapentin 400 mg", "400 mg of gabapentin"). Comparators come from a small general vocabulary
(placebo, usual care, sham, waiting list ...) and from the right-hand side of "versus".
``interventions_for_query`` adds the question's own intervention terms where the text has them.
"""

from __future__ import annotations

import re

from ..models import Dose, Fact, Paper, Sentence
from ._text import dedupe_facts, make_fact

_STOP = (
    r"a|an|the|of|on|in|at|to|for|with|without|by|from|and|or|vs|versus|compared|than|as|was|"
    r"were|is|are|be|been|being|has|have|had|who|which|that|this|these|those|their|its|our|we|"
    r"after|before|during|between|among|into|over|under|per|each|plus|alone|group|groups|arm|"
    r"patients|participants|subjects|study|trial|treatment|therapy|daily|twice|once|mg|g|whether|"
    r"effect|effects|efficacy|use|can|may|not|no|both|either|all|any|only|also|combined|using|"
    r"reduced|improved|increased|decreased|showed|shown|received|receiving|compared|resulted|"
    r"produced|caused|yielded|achieved|demonstrated|induced|led|did|does|do|versus|vs|\w+ly"
)
_WORD = rf"(?!(?:{_STOP})\b)[A-Za-z0-9][\w'’+/-]*"
_PHRASE = rf"({_WORD}(?:\s+{_WORD}){{0,3}})"
# Anchors are found first (cheap); the phrase is then read from a short window around them.
_OF_ANCHOR = re.compile(
    r"\b(?:effects?|efficacy|effectiveness|safety|impact|influence|benefits?|role|addition|"
    r"administration|use|usefulness|value|tolerability) of (?:the |a |an |adding |oral |"
    r"intravenous |topical |adjunctive |long-term |short-term |low-dose |high-dose )?",
    re.IGNORECASE,
)
_OF_PHRASE = re.compile(
    rf"{_PHRASE}(?=\s+(?:on|in|for|versus|vs\.?|compared|as|among|with|to|at|after|during|plus|and)\b|\s*[,.;:)])",
    re.IGNORECASE,
)
_WITH_ANCHOR = re.compile(
    r"\b(?:treated|treatment|therapy|supplementation|pretreatment|intervention|supplemented|"
    r"randomi[sz]ed to|assigned to|allocated to)\s+(?:with|to receive)\s+(?:either\s+)?"
    r"(?:oral |intravenous |topical )?",
    re.IGNORECASE,
)
_NOUN_ANCHOR = re.compile(
    r"\s(?:supplementation|therapy|treatment|administration|infusion|injections?|training|"
    r"intervention|program|programme)\b",
    re.IGNORECASE,
)
_VERSUS_ANCHOR = re.compile(r"\s(?:versus|vs\.?|compared (?:with|to))\s+(?:the\s+|a\s+)?", re.IGNORECASE)
_PHRASE_AFTER = re.compile(_PHRASE, re.IGNORECASE)
_PHRASE_BEFORE = re.compile(rf"(?<![\w'’+/-]){_PHRASE}$", re.IGNORECASE)
_MODIFIER_BEFORE = re.compile(rf"(?<![\w'’+/-])({_WORD}(?:\s+{_WORD})?)$", re.IGNORECASE)
_COMPARATORS: tuple[tuple[str, str], ...] = (
    ("placebo", r"placebos?|dummy (?:pills?|tablets?)"),
    ("usual care", r"usual care|routine care"),
    ("standard care", (r"standard (?:of )?care|standard (?:medical )?(?:treatment|therapy)|"
                       r"conventional (?:treatment|therapy|care)|best supportive care")),
    ("sham", r"sham(?:[- ](?:procedure|surgery|stimulation|treatment|acupuncture|device))?"),
    ("no treatment", r"no(?:[- ]treatment| intervention)|untreated controls?"),
    ("waiting list", r"wait(?:ing)?[- ]?list(?: controls?)?"),
    ("vehicle", r"vehicle(?:[- ]treated| controls?)?"),
    ("saline", r"(?:normal )?saline"),
    ("active control", r"active (?:control|comparator)"),
)
_COMPARATOR_RE = re.compile(
    r"\b(?=[a-z])(?:"
    + "|".join(rf"(?P<c{i}>(?:{pattern})\b)" for i, (_, pattern) in enumerate(_COMPARATORS))
    + ")",
    re.IGNORECASE,
)
_WORD_BEFORE = re.compile(r"([A-Za-z][\w'’-]{2,})\s*(?:\(\s*)?$")
_WORD_AFTER = re.compile(r"^\s*(?:of\s+)?([A-Za-z][\w'’-]{2,})")
# Units, times and words that name no treatment on their own.
_GENERIC_WORDS = frozenset(
    ["minute", "minutes", "hour", "hours", "day", "days", "week", "weeks", "month", "months", "year", "years", "time", "times", "session", "sessions", "dose", "doses", "dosage", "liter", "liters", "litre", "litres", "units", "unit", "group", "groups", "arm", "arms", "patients", "participants", "subjects", "treatment", "treatments", "therapy", "therapies", "intervention", "interventions", "program", "programme", "control", "controls", "study", "trial", "baseline", "period", "phase", "level", "levels", "total", "mean", "median", "each", "both", "all", "other", "new", "standard", "daily", "weekly", "single", "oral", "combination", "combined", "active", "high", "low", "first", "second", "third", "one", "two", "three"]
)
_NOT_DRUGS = frozenset(
    [
        "received", "receiving", "given", "dose", "doses", "dosage", "dosing", "daily", "total",
        "mean", "median", "about", "approximately", "up", "from", "with", "of", "and", "or",
        "to", "at", "was", "were", "plus", "either", "than", "initial", "maximum", "minimum",
        "single", "oral", "intravenous", "placebo", "versus", "group", "groups", "patients",
        "weeks", "days", "months", "the", "tablets", "capsules"
    ]
)


def find_interventions(paper: Paper, sentences: list[Sentence], doses: list[Dose],
                       tagged: list[Fact] | None = None) -> list[Fact]:
    """Interventions named in the title and in study sentences, first mention of each.

    ``tagged`` are the PICO tagger's intervention spans; they follow the phrase rules' finds.
    """
    facts: list[Fact] = []
    for text, start, end, field in _study_pieces(paper, sentences):
        spans = _framed(text, start, end) + [b for b, _ in _versus(text, start, end)]
        facts += [_phrase_fact("intervention", text, a, b, field) for a, b in spans]
    facts += _dose_bearers(paper.abstract, doses)
    facts += tagged or []
    tidy = [part for fact in facts if names_a_treatment(fact.text)
            for part in tidy_intervention(fact, paper.text_of(fact.span.field))]
    return dedupe_facts([f for f in tidy if not _is_comparator(f.text) and names_a_treatment(f.text)])


# Words that open a phrase without belonging to the treatment ("despite statin", "receive oral X").
_LEAD_JUNK = re.compile(
    r"^(?:(?:and|or|to|a|an|the|of|with|therefore|however|thus|hence|moreover|furthermore|finally|"
    r"here|despite|when|whenever|while|whilst|whether|if|although|because|since|unless|until|"
    r"after|before|receive|received|receiving|given|giving|take|taking|took|underwent|undergo|"
    r"undergoing|either|both|only|then|thus|also|one|two|three|four|five|six|seven|eight|nine|"
    r"ten|eleven|twelve|\d+(?:[.,]\d+)?)(?:\s+|$))+", re.IGNORECASE)
# A verb ends the name: "HBOT facilitates healing" is about HBOT.
_VERB = re.compile(
    r"\s+(?:that|which|who|whose|is|are|was|were|has|have|had|can|could|may|might|does|did|"
    r"will|would|should|"
    r"facilitates|improves|reduces|increases|decreases|enhances|prevents|promotes|induces|"
    r"inhibits|attenuates|ameliorates|mitigates|modulates|suppresses|restores|stimulates|"
    r"activates|regulates|mediates|protects|causes|leads|results|works|helps|affects|alters|"
    r"accelerates|delays|slows|lowers|raises|reverses|predicts|influences|shortens|prolongs)\b.*$",
    re.IGNORECASE)
# Numbers, units and routes left at the end: "metformin 600", "X 2 mg/kg", "X oral".
# (A short number stays: "lysine 27", "type 2".)
_TAIL_JUNK = re.compile(r"(?:\s+(?:\d{3,}|\d+[.,/]\d+|mg|g|kg|ml|µg|mcg|iu|units?|mg/kg|oral|orally|daily))+$",
                        re.IGNORECASE)
_PARTS = re.compile(r"\s*(?:,|;|\bor\b|\band/or\b)\s*", re.IGNORECASE)
# Procedures that find or measure disease: a test, not a treatment (unless a question names one).
_DIAGNOSTIC = re.compile(
    r"(?:mri|ct|pet|spect|pet-ct|pet/ct|fmri|ecg|ekg|eeg|emg|(?:\w+\s+)*(?:imaging|tomography|"
    r"scan|scans|scanning|ultrasound|ultrasonography|sonography|radiography|x-rays?|"
    r"echocardiography|angiography|mammography|scintigraphy|electrocardiography|"
    r"electroencephalography|spectroscopy|densitometry|biopsy|biopsies|endoscopy|colonoscopy|"
    r"microscopy|cytometry|assays?|screening|testing))", re.IGNORECASE)


def tidy_intervention(fact: Fact, source: str) -> list[Fact]:
    """The treatment names in ``fact``: split at commas and "or", leading conjunctions, verbs
    and numbers cut off, diagnostic procedures dropped. Spans stay on the paper's text."""
    out = []
    offset = fact.span.start
    for part in _split_parts(fact.text):
        start, end = offset + part[0], offset + part[1]
        piece = source[start:end]
        lead = _LEAD_JUNK.match(piece)
        start += lead.end() if lead else 0
        piece = source[start:end]
        piece = _VERB.sub("", piece)
        piece = _TAIL_JUNK.sub("", piece).rstrip(" -,.;:")
        end = start + len(piece)
        if piece and not _DIAGNOSTIC.fullmatch(piece):
            out.append(make_fact(fact.kind, source, start, end, " ".join(piece.lower().split()),
                                 fact.span.field))  # type: ignore[arg-type]
    return out


def _split_parts(text: str) -> list[tuple[int, int]]:
    """(start, end) of the pieces of a phrase between commas and "or" (not inside brackets)."""
    cuts, at = [], 0
    for m in _PARTS.finditer(text):
        if text.count("(", 0, m.start()) > text.count(")", 0, m.start()):
            continue
        cuts.append((at, m.start()))
        at = m.end()
    cuts.append((at, len(text)))
    return [(a, b) for a, b in cuts if text[a:b].strip()]


def names_a_treatment(phrase: str) -> bool:
    """False for number fragments ("67", "8 liters", "90 D") and generic words ("minutes")."""
    words = phrase.lower().split()
    if not words or re.fullmatch(r"[\d.,:/%±+-]+", words[0]):
        return False
    return any(len(re.sub(r"[^a-z]", "", w)) >= 3 and w.strip("-'") not in _GENERIC_WORDS for w in words)


def find_comparators(paper: Paper, sentences: list[Sentence]) -> list[Fact]:
    """Comparators: placebo, usual care, sham ... and the "Y" of "X versus Y"."""
    facts: list[Fact] = []
    for text, start, end, field in _study_pieces(paper, sentences):
        for m in _COMPARATOR_RE.finditer(text, start, end):
            name = _COMPARATORS[int((m.lastgroup or "c0")[1:])][0]
            facts.append(make_fact("comparator", text, m.start(), m.end(), name, field))  # type: ignore[arg-type]
        for _, (a, b) in _versus(text, start, end):
            facts.append(_phrase_fact("comparator", text, a, b, field))
    return dedupe_facts(facts)


def _framed(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """(start, end) of phrases framed as what was given: "effect of X on", "treated with X", "X therapy"."""
    spans = []
    for anchor, pattern in ((_OF_ANCHOR, _OF_PHRASE), (_WITH_ANCHOR, _PHRASE_AFTER)):
        for m in anchor.finditer(text, start, end):
            phrase = pattern.match(text, m.end(), end)
            if phrase:
                spans.append(phrase.span(1))
    for m in _NOUN_ANCHOR.finditer(text, start, end):
        phrase = _MODIFIER_BEFORE.search(text, max(start, m.start() - 40), m.start())
        if phrase:
            spans.append(phrase.span(1))
    return spans


def _versus(text: str, start: int, end: int) -> list[tuple[tuple[int, int], tuple[int, int]]]:
    """((x start, x end), (y start, y end)) of each "X versus Y" / "X compared with Y"."""
    pairs = []
    for m in _VERSUS_ANCHOR.finditer(text, start, end):
        left = _PHRASE_BEFORE.search(text, max(start, m.start() - 50), m.start())
        right = _PHRASE_AFTER.match(text, m.end(), end)
        if left and right:
            pairs.append((left.span(1), right.span(1)))
    return pairs


def interventions_for_query(terms: list[str], paper: Paper) -> list[Fact]:
    """Facts for the question's intervention terms where the title or abstract contains them."""
    facts: list[Fact] = []
    for term in terms:
        pattern = re.compile(rf"\b{re.escape(term.strip())}\w*", re.IGNORECASE)
        for field in ("title", "abstract"):
            text = paper.text_of(field)
            m = pattern.search(text) if term.strip() else None
            if m:
                facts.append(make_fact("intervention", text, m.start(), m.end(), term.lower(), field))  # type: ignore[arg-type]
                break
    return dedupe_facts(facts)


def _study_pieces(paper: Paper, sentences: list[Sentence]) -> list[tuple[str, int, int, str]]:
    pieces = [(paper.title, 0, len(paper.title), "title")]
    pieces += [(paper.abstract, s.start, s.end, "abstract") for s in sentences
               if s.role in ("objective", "methods", "results", "conclusions")]
    return pieces


def _phrase_fact(kind: str, text: str, start: int, end: int, field: str) -> Fact:
    value = re.sub(r"\s+", " ", text[start:end]).strip(" -").lower()
    return make_fact(kind, text, start, end, value, field)  # type: ignore[arg-type]


def _dose_bearers(text: str, doses: list[Dose]) -> list[Fact]:
    """The drug named next to a dose: "gabapentin 400 mg", "400 mg of gabapentin"."""
    facts = []
    for dose in doses:
        before = _WORD_BEFORE.search(text, max(0, dose.span.start - 40), dose.span.start)
        after = _WORD_AFTER.search(text[dose.span.end:dose.span.end + 40])
        for m, shift in ((before, 0), (after, dose.span.end)):
            if m and m.group(1).lower() not in _NOT_DRUGS:
                start = m.start(1) + shift
                facts.append(make_fact("intervention", text, start, start + len(m.group(1)), m.group(1).lower()))
                break
    return facts


def _is_comparator(phrase: str) -> bool:
    return bool(_COMPARATOR_RE.fullmatch(phrase.strip()))
