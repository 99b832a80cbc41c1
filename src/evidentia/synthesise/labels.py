"""Clean labels from extracted facts: the words a report may print for a condition, treatment,
outcome or harm, or nothing when the fact does not read as one.

Extractors are generous: "adrenal lesions larger", "receive oral" or "well tolerated" come back
as a condition, an intervention and an adverse effect. These filters are general (grammar and
general vocabularies, never a topic's words); each cleaned label keeps a span inside the fact's
own span, so the evidence stays exact.
"""

from __future__ import annotations

import re

from ..models import Fact, Span
from .studies import StudyItem, evidence, soften_case

# A condition phrase ends before these words ("women with fractures who were treated ...").
_CONDITION_STOP = frozenset({
    "underwent", "undergoing", "undergo", "who", "whom", "which", "that", "were", "was", "is",
    "are", "being", "been", "via", "received", "receiving", "treated", "treating", "larger",
    "smaller", "greater", "aged", "admitted", "presenting", "scheduled", "requiring",
    "after", "before", "during", "than", "using", "showed", "had", "have", "has",
    "from", "at", "in", "on", "by", "for", "to", "as", "the", "technique", "stopped",
})
_TRAILING = frozenset({"of", "with", "the", "a", "an", "to", "for", "in", "on", "at", "by",
                       "larger", "smaller", "new", "other", "its", "their", "all"})
_NOT_A_CONDITION = frozenset({"normal", "healthy", "control", "controls", "high", "low",
                              "severe", "mild", "moderate", "a", "an", "the", "i", "ii", "iii",
                              "iv", "this", "these", "those", "such", "both", "each",
                              "undergone", "underwent", "undergoing", "received", "receiving",
                              "treated", "having", "had", "with", "without", "no", "known"})
_MEASURE_END = re.compile(r"\b(?:score|scores|scale|index|test|questionnaire|level|levels|"
                          r"rate|rates|ratio|count|time)$", re.I)
# What cannot start the name of a treatment: verbs, hedges, determiners, numbers in words.
_NOT_TREATMENT_START = frozenset({
    "receive", "received", "receiving", "oral", "stopped", "successful", "therapeutic", "may",
    "might", "adding", "providing", "improve", "improved", "controversial", "prophylactic",
    "the", "a", "an", "this", "these", "both", "each", "all", "group", "groups", "patients",
    "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "either",
    "such", "other", "same", "standard", "usual", "current", "conventional", "new", "novel",
    "effective", "following", "use", "treatment", "therapy", "intervention", "and", "or",
    "overall", "total", "mean", "median", "baseline", "control", "controls", "clinical",
    "when", "where", "while", "whereas", "if", "because", "since", "after", "before", "during",
    "with", "without", "than", "as", "to", "of", "in", "on", "for", "by", "at", "from",
    "despite", "although", "though", "unlike", "like", "via", "through", "upon", "within",
    "among", "into", "onto", "across", "toward", "towards", "against",
    # properties of a treatment, not a treatment ("duration", "timing of surgery")
    "duration", "timing", "frequency", "intensity", "adherence", "compliance",
    # judgements, not names ("Optimal therapy for ...")
    "optimal", "optimum", "ideal", "best", "better", "appropriate", "adequate", "preventive",
    # people and their traits are who was studied, not what was given ("patient gender")
    "patient", "participant", "participants", "subject", "subjects", "women", "men", "woman",
    "man", "children", "adults", "people", "persons", "physicians", "doctors", "nurses",
    "infants", "girls", "boys", "mothers", "cases",
    # order, rank and vagueness ("first line", "top quintile", "individual drugs")
    "first", "second", "third", "individual", "several", "various", "different", "certain",
    "common", "top", "bottom", "upper", "highest", "lowest", "short", "long", "brief",
    "excellent", "good", "poor", "longer", "shorter", "greater", "smaller",
})
# Generic nouns for what was given: alone, or with vague modifiers only ("individual drugs",
# "the herb"), they name no treatment a reader could look up.
_GENERIC_HEADS = frozenset({
    "drug", "drugs", "medication", "medications", "medicine", "medicines", "agent", "agents",
    "compound", "compounds", "substance", "substances", "product", "products", "herb", "herbs",
    "plant", "plants", "extract", "extracts", "treatment", "treatments", "therapy", "therapies",
    "intervention", "interventions", "strategy", "strategies", "approach", "approaches",
    "regimen", "regimens", "option", "options", "supplement", "supplements", "preparation",
    "preparations", "procedure", "procedures", "factor", "factors", "exposure", "exposures",
    "disease", "diseases", "disorder", "disorders", "condition", "conditions",
})
_VAGUE_MODIFIERS = frozenset({
    "individual", "low", "high", "risk", "other", "different", "various", "several", "certain",
    "such", "current", "available", "many", "some", "specific", "common", "commonly", "used",
    "prescribed", "first", "second", "line", "first-line", "second-line", "same", "similar",
    "new", "novel", "standard", "usual", "active", "all", "both", "each", "single", "multiple",
    "combined", "alternative", "traditional", "conventional", "potential", "these", "those",
    "this", "that", "the", "a", "an", "of", "oral", "topical", "systemic", "medical", "dietary",
})
# After a name: a cut inside a word ("C20" of "C20:5"), the agent that induces a disease model
# ("dextran sodium" of "dextran sodium sulfate-induced colitis"), a citation line ("Geriatr
# Gerontol Int 2017; 17: 785").
_BROKEN_AFTER = re.compile(r"^(?:[\w'’]|:\d|-\w)")
_INDUCING_AFTER = re.compile(r"^[\s-]*(?:[\w()]+[\s-]*){0,2}?-?induced\b", re.I)
_CITATION_AFTER = re.compile(r"^(?:\s+[A-Z][a-z]*\.?){0,3}\s+(?:19|20)\d{2}\s*[;:]")
_PAST_TENSE = re.compile(r"(?![a-z]*(?:seed|weed|feed|bleed|speed)$)[a-z]{3,}ed")
# Verbs that end a treatment's name when a title runs on ("HBOT facilitates healing").
_VERBS = frozenset({
    "facilitates", "improves", "reduces", "increases", "decreases", "prevents", "enhances",
    "induces", "affects", "alters", "promotes", "inhibits", "attenuates", "accelerates",
    "delays", "lowers", "raises", "protects", "is", "are", "was", "were", "versus", "vs",
    "compared", "plus", "combined", "in", "for", "on", "with", "among", "after", "during",
    # base forms after a plural name ("mulberry leaves ameliorate ...")
    "ameliorate", "attenuate", "alleviate", "inhibit", "enhance", "improve", "reduce",
    "prevent", "protect", "promote", "suppress", "modulate", "regulate", "mitigate", "reverse",
    "restore", "induce", "decrease", "increase", "lower", "accelerate", "delay",
})
# A one-word label that is an adjective ("orthodontic", "surgical") names no treatment.
_ADJECTIVE_END = re.compile(r"(?:al|ive|ous|ary|ory|ed)$", re.I)
_TRAILING_TREATMENT = frozenset({"related", "based", "associated", "induced", "group", "groups",
                                 "arm", "arms", "alone", "only", "prior", "before", "after"})
_SOFTWARE = frozenset({"spss", "sas", "stata", "r", "graphpad", "prism", "excel", "revman",
                       # bibliographic databases a review searched
                       "medline", "embase", "pubmed", "cinahl", "psycinfo", "scopus",
                       "cochrane"})
# A label that ends in a design ("cross-sectional study") or in an adjective compound that
# lost its noun ("Brief Internet-Based") names no treatment.
_DESIGN_END = re.compile(r"(?:study|studies|trial|trials|review|reviews|meta-analysis|cohort|"
                         r"survey|-based|-related|-induced|-associated|-guided|-assisted|"
                         r"-delivered|-led)$", re.I)
MEASURE_WORDS = frozenset({"min", "mins", "minute", "minutes", "hour", "hours", "day", "days",
                           "week", "weeks", "month", "months", "year", "years", "ml", "mg",
                           "liter", "liters", "litre", "litres", "times", "dose", "doses",
                           "microgram", "micrograms", "milligram", "milligrams", "gram", "grams",
                           "mcg", "µg", "ug", "iu", "units", "unit", "nmol", "mmol", "kg",
                           "tertile", "tertiles", "quartile", "quartiles", "quintile",
                           "quintiles", "decile", "deciles", "percentile", "percentiles"})
# Words that name harm in general, not a particular harm.
GENERIC_HARM = frozenset({
    "adverse", "events", "event", "effects", "effect", "side", "side-effects", "serious",
    "reactions", "reaction", "drug", "related", "treatment-related", "emergent",
    "treatment-emergent", "any", "no", "mild", "severe", "moderate", "complications",
    "complication", "toxicity", "toxicities", "tolerated", "well", "tolerability", "safety",
    "discontinuation", "due", "to", "withdrawal", "withdrawals", "major", "minor", "total",
    "postoperative", "perioperative", "other", "overall", "incidence", "rate", "rates",
})
_NEGATION_BEFORE = re.compile(r"\b(?:no|not|nor|without|absence of|free of|neither|none)\b"
                              r"[^.;:]{0,40}$", re.I)
TOLERATED_RE = re.compile(r"\bwell[- ]tolerated\b", re.I)


def words(text: str) -> list[str]:
    return re.findall(r"[\w'’-]+", text)


# --------------------------------------------------------------------------- conditions


def clean_condition(fact: Fact) -> Fact | None:
    """The condition cut before the first word that cannot belong to it; None if nothing left."""
    tokens = list(re.finditer(r"[\w'’-]+", fact.text))
    keep = len(tokens)
    for index, token in enumerate(tokens):
        if index and token.group().casefold() in _CONDITION_STOP:
            keep = index
            break
    while keep and tokens[keep - 1].group().casefold() in _TRAILING:
        keep -= 1
    if not keep:
        return None
    text = fact.text[: tokens[keep - 1].end()]
    if not _reads_as_condition(text):
        return None
    span = Span(field=fact.span.field, start=fact.span.start,
                end=fact.span.start + len(text), text=text)
    return fact.model_copy(update={"text": text, "span": span})


def _reads_as_condition(text: str) -> bool:
    first = text.split()[0].casefold()
    letters = re.sub(r"[^A-Za-z]", "", text)
    if len(letters) < 3 and not (len(letters) == 2 and text.isupper()):
        return False
    if re.fullmatch(r"[IVX]+", text.strip()) or first in _NOT_A_CONDITION:
        return False
    if _MEASURE_END.search(text):
        return False  # "injury severity score" is a scale, not a condition
    return not re.match(r"^\d", text) and len(words(text)) <= 6


def readable_case(fact: Fact, item: StudyItem) -> tuple[str, Span]:
    """The label as a sentence should show it. A mention in a Title Case title is taken from the
    abstract when the abstract writes it too, else lower-cased word by word where the abstract
    does not write the word as a name; elsewhere a sentence-initial capital is dropped."""
    if fact.span.field == "title" and _title_case(item.paper.title):
        at = item.paper.abstract.casefold().find(fact.text.casefold())
        if at >= 0 and _word_bounded(item.paper.abstract, at, at + len(fact.text)):
            text = item.paper.abstract[at : at + len(fact.text)]
            span = Span(field="abstract", start=at, end=at + len(text), text=text)
            return soften_case(text, span, item.paper), span
        return _lower_title_words(fact.text.strip(), item.paper.abstract), fact.span
    text = soften_case(fact.text.strip(), fact.span, item.paper)
    return _lower_if_written_lower(text, item.paper.abstract), fact.span


def _lower_if_written_lower(text: str, abstract: str) -> str:
    """'Depression' -> 'depression' when the abstract also writes the word in lower case."""
    def lower(match: re.Match[str]) -> str:
        word = match.group()
        if word[1:].islower() and re.search(rf"\b{re.escape(word.lower())}\b", abstract):
            return word.lower()
        return word
    return re.sub(r"\b[A-Z][a-z][\w'’-]*", lower, text)


def _lower_title_words(text: str, abstract: str) -> str:
    def lower(match: re.Match[str]) -> str:
        word = match.group()
        if not word[1:].islower() or re.search(rf"(?<![.!?]\s){re.escape(word)}\b", abstract) \
                and not re.search(rf"\b{re.escape(word.lower())}\b", abstract):
            return word
        return word.lower()
    return re.sub(r"[A-Za-z][\w'’-]*", lower, text)


def _word_bounded(text: str, start: int, end: int) -> bool:
    before = text[start - 1] if start else " "
    after = text[end] if end < len(text) else " "
    return not before.isalnum() and not after.isalnum()


def _title_case(title: str) -> bool:
    long_words = [word for word in title.split() if len(word) > 3 and word[:1].isalpha()]
    capitals = [word for word in long_words if word[:1].isupper()]
    return len(long_words) >= 3 and len(capitals) >= 0.8 * len(long_words)


_PEOPLE_WITH = (r"\b(?:patients|children|adults|adolescents|infants|women|men|people|persons|"
                r"subjects|participants|individuals|cases|survivors)\s+(?:with|undergoing|after|"
                r"suffering from|diagnosed with|affected by|at risk of|who had)\s+(?:\w+\s+){0,2}")


def condition_score(fact: Fact, item: StudyItem) -> int:
    """How central a condition is to the study: who was studied ("patients with X") and the
    title count most, then how often it is named; a harm or an outcome the study measured
    ("postoperative nausea and vomiting") is no population."""
    label = fact.text.casefold()
    text = item.text.casefold()
    in_title = label in item.paper.title.casefold()
    mentions = item.paper.abstract.casefold().count(label)
    population = re.search(_PEOPLE_WITH + re.escape(label), text) is not None
    measured = any(_overlap(label, other.text.casefold())
                   for other in item.facts.adverse_effects + item.facts.outcome_measures)
    return 3 * in_title + 3 * population + min(mentions, 3) - 5 * measured


_HAVE_IT = (r"\b(?:patients|children|adults|adolescents|infants|women|men|people|persons|"
            r"subjects|participants|individuals|cases|survivors)\s+(?:with|suffering from|"
            r"diagnosed with|affected by|who had)\s+(?:\w+\s+){0,2}")


def has_condition(fact: Fact, item: StudyItem) -> bool:
    """The abstract says its people have the condition ("patients with X"), or it is the
    title's subject ("X in children")."""
    label = re.escape(fact.text.casefold())
    return re.search(_HAVE_IT + label, item.text.casefold()) is not None


def _overlap(first: str, second: str) -> bool:
    return bool(first) and bool(second) and (first in second or second in first)


def study_conditions(item: StudyItem) -> list[Fact]:
    """The study's clean conditions, most central first (ties: first mentioned); conditions
    named only as part of an outcome measure or a harm are left out."""
    cleaned = [fact for fact in map(clean_condition, item.facts.conditions) if fact is not None]
    unique: dict[str, Fact] = {}
    for fact in cleaned:
        unique.setdefault(fact.text.casefold(), fact)
    scored = [(condition_score(fact, item), index, fact)
              for index, fact in enumerate(unique.values())]
    # A condition named inside a measure or a harm ("tumour" in "tumour necrosis factor") is
    # not who was studied.
    return [fact for score, _, fact in sorted(scored, key=lambda entry: (-entry[0], entry[1]))
            if score >= 0]


_LACK = re.compile(r"\b(?:deficien\w*|insufficien\w*|inadequa\w*|depletion)\b", re.I)


def people_conditions(item: StudyItem) -> list[Fact]:
    """The study's conditions that describe who was studied, most central first: a condition
    named where the abstract says who took part (the PICO participant spans, the sentence that
    gives the sample size, "patients with X") or in the title. A condition named only in a list
    of outcomes ("risk of falls, fractures and cancer") is not the population, and neither is the
    lack of an agent a study only measured ("X deficiency" in a survey of X levels)."""
    return [fact for fact in study_conditions(item) if _describes_people(fact, item)]


def people_populations(item: StudyItem) -> list[Fact]:
    """The study's population facts ("older adults") named where it says who took part."""
    where = _participant_texts(item, with_population=False)
    return [fact for fact in item.facts.population
            if any(fact.text.casefold() in text for text in where)]


def _describes_people(fact: Fact, item: StudyItem) -> bool:
    if item.measured and _LACK.search(fact.text):
        return False  # the exposure the study measured, not who took part
    if has_condition(fact, item):
        return True
    label = fact.text.casefold()
    return any(label in text for text in _participant_texts(item))


def _participant_texts(item: StudyItem, with_population: bool = True) -> list[str]:
    """Lower-case texts that say who took part: the title, the PICO participant spans (and the
    population facts), and the sentence that gives the sample size."""
    facts = item.facts.participants + (item.facts.population if with_population else [])
    where = [item.paper.title] + [part.text for part in facts]
    size = item.facts.sample_size
    if size is not None and size.span.field == "abstract":
        where += [s.text for s in item.facts.sentences if s.start <= size.span.start < s.end]
    return [text.casefold() for text in where]


# --------------------------------------------------------------------------- treatments


def clean_treatment(fact: Fact, source: str = "") -> Fact | None:
    """'radiation exposure related' -> 'radiation exposure', 'body mass index (BMI' -> 'body mass
    index'; None when what is left does not read as a treatment. The span shrinks with it.
    ``source``, the text the fact's span is on, lets a broken word or a citation be seen."""
    text = re.split(r"[,;]", fact.text, maxsplit=1)[0].rstrip()  # "MRI, PET": two names
    if text.count("(") > text.count(")"):
        text = text[: text.rfind("(")].rstrip()
    tokens = list(re.finditer(r"\S+", text))
    cut = next((index for index, token in enumerate(tokens)
                if index and (token.group().casefold() in _VERBS
                              or _PAST_TENSE.fullmatch(token.group()))), len(tokens))
    tokens = tokens[:cut]
    while len(tokens) > 1 and (tokens[-1].group().casefold() in _TRAILING_TREATMENT
                               or re.fullmatch(r"[\d.,]+", tokens[-1].group())):
        tokens.pop()  # "tavorexin 600": a dose cut from its unit is no part of the name
    text = text[: tokens[-1].end()] if tokens else ""
    if not is_treatment_name(text) or "placebo" in text.casefold() or is_generic_treatment(text):
        return None
    span = Span(field=fact.span.field, start=fact.span.start, end=fact.span.start + len(text),
                text=text)
    if source and not _whole_in(source, span):
        return None
    return fact.model_copy(update={"text": text, "span": span})


def is_generic_treatment(text: str) -> bool:
    """'drugs', 'individual drugs', 'the herb': a generic noun with vague words only."""
    tokens = [token.casefold() for token in words(text)]
    return bool(tokens) and tokens[-1] in _GENERIC_HEADS \
        and all(token in _GENERIC_HEADS or token in _VAGUE_MODIFIERS for token in tokens)


def _whole_in(source: str, span: Span) -> bool:
    """The span is whole words of running text: not cut inside a word, not the agent that
    induces a disease model, not part of a citation."""
    if " ".join(source[span.start : span.end].split()).casefold() != span.text.casefold():
        return True  # the span is not on this text: nothing to judge
    before, after = source[max(0, span.start - 1) : span.start], source[span.end : span.end + 40]
    if before[-1:].isalnum() or _BROKEN_AFTER.match(after):
        return False
    return not (_INDUCING_AFTER.match(after) or _CITATION_AFTER.match(after))


def is_treatment_name(text: str) -> bool:
    """Rejects what cannot name a treatment: a quantity, a verb, an adjective, a number, a unit."""
    text = text.strip()
    tokens = words(text)
    if len(tokens) == 1 and _ADJECTIVE_END.search(tokens[0]) and not tokens[0].isupper():
        return False  # "optimal", "Surgical"
    if len(text) < 3 or not tokens or re.match(r"^[\d.,±]+(?:\s|$)", text):
        return False
    if not re.search(r"[A-Za-z]{3,}", text) or text.casefold() in MEASURE_WORDS:
        return False
    if _DESIGN_END.search(text):
        return False
    first = tokens[0].casefold()
    if first in _NOT_TREATMENT_START or any(t.casefold() in _SOFTWARE for t in tokens):
        return False
    return not (first.endswith(("ed", "ing")) and len(tokens) > 1 and tokens[0].islower())


# --------------------------------------------------------------------------- harms


def is_named_harm(fact: Fact, item: StudyItem) -> bool:
    """A particular harm ("somnolence"), not a generic word, and not said to be absent."""
    if not {word.casefold() for word in words(fact.text)} - GENERIC_HARM:
        return False
    source = item.paper.text_of(fact.span.field)
    return _NEGATION_BEFORE.search(source[max(0, fact.span.start - 60) : fact.span.start]) is None


def tolerated_evidence(item: StudyItem) -> list:
    """Evidence that the study calls the treatment well tolerated (empty when it does not)."""
    match = TOLERATED_RE.search(item.paper.abstract)
    if match is None:
        return []
    span = Span(field="abstract", start=match.start(), end=match.end(), text=match.group())
    return evidence(item, span)
