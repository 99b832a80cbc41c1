"""Does a study address the question? And which of its sentences speak to it?

Retrieval returns the best matches in the library, not only studies of the question: a search
for vitamin D and fractures also brings back vitamin E and prostate cancer. The question's
content words (``QueryAnalysis.terms`` less words that only frame it: "reduce", "risk",
"effect" ...) become weighted terms: a letter or digit joins the word before it ("vitamin d",
"type 2"), the question's intervention weighs 2, its outcome 1.5, words that say how a treatment
is given ("supplementation") 0.5, general medical words ("disease", "outcome") 0.3, names
written with digits or inner capitals ("CYP2D6") 2, others 1. Words match by prefix stem,
phrases as phrases.

Terms also match by their other names: an abbreviation the question defines ("chronic kidney
disease (CKD)"), a common clinical one (``retrieve.vocabulary.ABBREVIATIONS``), the capitals
of a two- to four-word name ("MSC" for "mesenchymal stem cells"); a phrase named only in part
counts in part (its words apart 0.75, its head word alone 0.5). Doses ("40mg") are not terms.

A study *addresses* the question when

* it names at least ``MIN_PART_SHARE`` of the intervention's and of the outcome's weight, when
  the question names them; and
* (share of the term weight in its title and abstract) + (share in its title with its best
  sentence) + (cosine of the question and the abstract under the ``minilm-static`` embedder, a
  table look-up that needs no index) reaches ``MIN_SCORE``; without that embedder installed,
  the first two reach ``MIN_WORDS_SCORE``.

Only such studies are counted in the meter, the answer and the grades, and only they are
described; the others stay in ``Report.studies`` with the stance "unclear". The thresholds were
set on SciFact train claims (top 20 BM25 hits each); on SciFact dev the gate keeps 75% of the
annotated evidence abstracts (72% before the names and the embedder) and leaves out 88% of the
other retrieved abstracts, the same share as before (``benchmarks/relevance_gate.py``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from functools import lru_cache

import numpy as np

from ..index.embedders import Embedder, available_embedders, document_text, get_embedder
from ..models import Paper, QueryAnalysis, StudyFacts
from ..retrieve.vocabulary import ABBREVIATIONS, abbreviation_expansions

# A study passes when (share of the term weight in its title and abstract) + (share in its
# title with its best sentence) + (cosine of question and abstract) reaches MIN_SCORE, or,
# without the embedder, the first two reach MIN_WORDS_SCORE (set on SciFact train).
MIN_SCORE = 1.55
MIN_WORDS_SCORE = 1.0
MIN_PART_SHARE = 0.34  # of the intervention's and of the outcome's own weight
SPREAD_SHARE = 0.75  # a phrase whose words all occur, but not together
HEAD_SHARE = 0.5  # a phrase whose head (last) word occurs without the words before it
SIMILARITY_EMBEDDER = "minilm-static"  # a table look-up: ~0.5 ms an abstract, no index needed
MAX_EMBEDDED_CHARS = 4000
# Words that say how a treatment is given, not what it is ("vitamin D supplementation").
GENERIC_TREATMENT_WORDS = frozenset({
    "supplementation", "supplement", "supplements", "therapy", "therapies", "treatment",
    "treatments", "use", "usage", "intake", "administration", "group", "groups", "regimen",
    "intervention", "interventions", "program", "programme", "exposure", "consumption",
    "condition", "level", "levels", "dose", "doses", "dosage", "dosages", "dosing", "daily",
})
# Words that frame a question without naming what it is about.
FRAMING_WORDS = frozenset(["reduce", "reduces", "reduced", "reducing", "reduction", "increase", "increases", "increased", "increasing", "improve", "improves", "improved", "improving", "improvement", "affect", "affects", "affected", "effect", "effects", "effective", "efficacy", "efficacious", "risk", "risks", "associated", "association", "associations", "related", "relationship", "relation", "role", "influence", "influences", "impact", "impacts", "benefit", "benefits", "beneficial", "help", "helps", "helpful", "better", "worse", "safe", "safety", "useful", "change", "changes", "changed", "compared", "comparison", "versus", "lead", "leads", "cause", "causes", "caused", "prevent", "prevents", "predict", "predicts", "predictor", "predictors", "contribute", "contributes", "important", "true", "false", "possible", "feasible", "necessary", "patients", "patient", "people", "subjects", "individuals", "study", "studies", "evidence", "show", "shows", "showed", "higher", "lower", "high", "low", "worth", "really", "good", "bad", "work", "works", "working", "need", "needed"])
# General medical words that many abstracts share: they count, but little ("Crohn's disease").
GENERIC_WORDS = frozenset(["disease", "diseases", "disorder", "disorders", "condition", "conditions", "outcome", "outcomes", "health", "care", "healthcare", "clinical", "medical", "factor", "factors", "rate", "rates", "level", "levels", "management", "practice", "time", "function", "status", "response", "value", "values", "quality", "life", "cost", "costs", "treatment", "treatments", "therapy", "therapies", "patients", "adults", "children", "women", "men", "year", "years", "age", "population", "group", "groups", "cell", "cells", "model", "models", "day", "days", "week", "weeks", "month", "months"])
# A dose or a quantity written as one token ("40mg", "5ml", "10kg"): how much, not what.
_QUANTITY = re.compile(r"^\d+(?:[.,]\d+)?(?:mg|g|kg|mcg|ug|µg|ng|ml|l|iu|mmol|mol|mm|cm|h|hr|"
                       r"hrs|min|d|wk|wks|kda|kd|mo|y|yr|yrs)$")


@dataclass(frozen=True)
class Term:
    words: tuple[str, ...]  # lower-case; the first is matched by stem, the rest exactly
    weight: float
    part: str  # "intervention" | "outcome" | "other"
    aliases: tuple[tuple[str, ...], ...] = ()  # other names: an abbreviation's expansion
    acronyms: tuple[str, ...] = ()  # capitals that stand for it ("CKD"), matched as written

    @property
    def pattern(self) -> re.Pattern[str]:
        return _pattern(self.words)

    def share(self, text: str) -> float:
        """1 when the text names the term (or an alias or acronym of it); for a phrase, part
        credit for its words apart ("loss of blood") or for its head word alone; else 0."""
        spelt = normalise_spelling(text)
        if self.pattern.search(spelt) or any(_pattern(alias).search(spelt)
                                             for alias in self.aliases):
            return 1.0
        if any(_acronym_pattern(acronym).search(text) for acronym in self.acronyms):
            return 1.0
        return self._part_share(spelt)

    def _part_share(self, text: str) -> float:
        words = self.words  # a letter or digit ("vitamin d", "type 2") must be there as written
        if len(words) < 2 or any(len(word) <= 2 or not word.isalpha() for word in words):
            return 0.0
        found = [word for word in words if _pattern((word,)).search(text)]
        if len(found) == len(words):
            return SPREAD_SHARE
        return HEAD_SHARE if words[-1] in found else 0.0


@dataclass(frozen=True)
class Topic:
    """What the question is about: weighted terms and its own phrases."""

    terms: tuple[Term, ...] = ()
    treatment: str = ""  # the intervention as the question writes it ("vitamin D supplementation")
    outcome: str = ""  # the outcome as the question writes it ("fractures")
    stems: dict[str, float] = field(default_factory=dict)  # kept for callers that want weights
    question: str = ""  # as asked, for the similarity of meaning

    def relevance(self, text: str, part: str | None = None) -> float:
        """Share of the term weight (of one ``part`` when given) that ``text`` mentions; a
        phrase named only in part (its words apart, or its head word) counts in part."""
        terms = [term for term in self.terms if part is None or term.part == part]
        total = sum(term.weight for term in terms)
        if not total:
            return 0.0
        return sum(term.weight * term.share(text) for term in terms) / total

    def shares(self, text: str, within: list[float] | None = None) -> list[float]:
        """Each term's share in ``text``, in term order; with ``within`` (the shares in a text
        that holds this one), a term absent there is not looked for again."""
        return [term.share(text) if within is None or within[index] else 0.0
                for index, term in enumerate(self.terms)]

    def weighed(self, shares: list[float], part: str | None = None) -> float:
        """The share of the term weight (of one ``part`` when given) that per-term ``shares``
        stand for."""
        pairs = [(term.weight, share) for term, share in zip(self.terms, shares, strict=True)
                 if part is None or term.part == part]
        total = sum(weight for weight, _ in pairs)
        return sum(weight * share for weight, share in pairs) / total if total else 0.0

    @property
    def words(self) -> frozenset[str]:
        """Every content word of the question, lower-case."""
        return frozenset(word for term in self.terms for word in term.words)

    def has(self, part: str) -> bool:
        """The question names this part in at most two terms (a longer run of words is more
        likely a misread clause than a name, so it is not required as a whole)."""
        named = [term for term in self.terms if term.part == part and term.weight >= 1]
        return 0 < len(named) <= 2


MAX_PHRASE_WORDS = 6
# A question phrase with one of these words is a piece of a clause, not a name.
_CLAUSE_WORDS = frozenset({"can", "be", "is", "are", "was", "were", "does", "do", "did", "will",
                           "would", "should", "may", "might", "could", "has", "have", "had",
                           "shows", "show", "if", "when", "whether", "than", "that", "which"})


_LINK_WORDS = frozenset({"associated", "related", "linked", "correlated", "connected", "prior",
                         "in", "of", "with", "for", "to", "and", "or", "the", "a", "an"})


def topic_of(query: QueryAnalysis) -> Topic:
    treatment = _name_like(question_phrase(query.question, query.intervention))
    outcome = _name_like(_outcome_only(question_phrase(query.question, query.outcome)))
    phrases = [_phrase_words(treatment_core(treatment)), _phrase_words(outcome)]
    terms = _terms(query.terms or re.findall(r"[\w'-]+", query.question.casefold()),
                   _words(treatment), _words(outcome), _specific_words(query.question),
                   [phrase for phrase in phrases if phrase])
    terms = [_with_other_names(term, query.question) for term in terms]
    stems = {" ".join(term.words): term.weight for term in terms}
    return Topic(terms=tuple(terms), treatment=treatment, outcome=outcome, stems=stems,
                 question=query.question)


def _with_other_names(term: Term, question: str) -> Term:
    """The term with the other names it goes by: an abbreviation's expansion (defined in the
    question, "chronic kidney disease (CKD)", or a common clinical one), and the capitals that
    stand for a two- to four-word name ("mesenchymal stem cells" -> "MSC")."""
    aliases, acronyms = [], []
    defined = _defined_abbreviations(question)
    if len(term.words) == 1:
        word = term.words[0]
        written = [abbr for abbr in defined if abbr.casefold() == word]
        aliases += [defined[abbr] for abbr in written]
        capitals = re.search(rf"\b({re.escape(word.upper())})\b", question)
        if capitals:
            aliases += [tuple(expansion.split()) for expansion in abbreviation_expansions(
                capitals.group(1))]
    else:
        acronyms += [abbr for abbr, words in defined.items() if words == term.words]
        acronyms += _COMMON_ACRONYMS.get(" ".join(term.words), [])
        if 2 <= len(term.words) <= 4 and all(w.isalpha() and len(w) > 2 for w in term.words):
            acronyms.append("".join(word[0] for word in term.words).upper())
    if not aliases and not acronyms:
        return term
    return replace(term, aliases=tuple(dict.fromkeys(aliases)),
                   acronyms=tuple(dict.fromkeys(acronyms)))


_DEFINED = re.compile(r"((?:[\w'-]+\s+){1,8})\(([A-Za-z][A-Za-z0-9-]{1,11})\)")
_COMMON_ACRONYMS: dict[str, list[str]] = {}
for _abbr, _expansions in ABBREVIATIONS.items():
    for _expansion in _expansions:
        _COMMON_ACRONYMS.setdefault(_expansion, []).append(_abbr)


def _defined_abbreviations(question: str) -> dict[str, tuple[str, ...]]:
    """"chronic kidney disease (CKD)" -> {"CKD": ("chronic", "kidney", "disease")}: the words
    before the brackets whose initials spell the abbreviation's capitals."""
    found = {}
    for match in _DEFINED.finditer(question):
        abbr = match.group(2)
        letters = [c for c in abbr if c.isupper()] or [c for c in abbr if c.isalpha()]
        words = re.findall(r"[\w']+", match.group(1).casefold())
        if len(words) >= len(letters) >= 2:
            expansion = tuple(words[-len(letters):])
            if "".join(word[0] for word in expansion) == "".join(letters).casefold():
                found[abbr] = expansion
    return found


def _name_like(phrase: str) -> str:
    """The phrase when it reads as the name of a thing ("obesity associated" -> "obesity");
    '' for a run of clause words."""
    words = phrase.split()
    while words and words[-1].casefold() in _LINK_WORDS:
        words.pop()
    if len(words) > MAX_PHRASE_WORDS or any(word.casefold() in _CLAUSE_WORDS for word in words):
        return ""
    return " ".join(words)


def _words(text: str) -> set[str]:
    return set(re.findall(r"[\w']+", text.casefold()))


def _outcome_only(outcome: str) -> str:
    """'pain compared with placebo' -> 'pain' (the comparator is not part of the outcome)."""
    return re.split(r"\s+(?:compared|versus|vs\.?|than)\b", outcome, maxsplit=1)[0].strip()


def _specific_words(question: str) -> set[str]:
    """Words written with digits or inner capitals ("CYP2D6", "mTOR", "IL-6"): names of genes,
    proteins and drugs, which say more about a question than any common word."""
    return {word.casefold() for word in re.findall(r"[\w']+", question)
            if re.search(r"\d", word) and re.search(r"[A-Za-z]", word)
            or re.search(r"[A-Z]", word[1:])}


def _phrase_words(phrase: str) -> tuple[str, ...]:
    """A two- or three-word name ("tranexamic acid", "blood loss") that must match as a whole;
    () for one word, longer phrases and phrases with function words ("mortality after stroke")."""
    phrase = re.sub(r"^(?:the\s+)?(?:risk|odds|incidence|rate)\s+of\s+", "", phrase, flags=re.IGNORECASE)
    words = tuple(re.findall(r"[\w']+", phrase.casefold()))
    if not 2 <= len(words) <= 3 or any(word in _LINK_WORDS or word in FRAMING_WORDS
                                       or len(word) <= 2 for word in words):
        return ()
    return words


def _merge_phrases(groups: list[list[str]], phrases: list[tuple[str, ...]]) -> list[list[str]]:
    """Consecutive one-word groups that spell a phrase become one group."""
    for phrase in phrases:
        for start in range(len(groups) - len(phrase) + 1):
            window = groups[start : start + len(phrase)]
            if all(len(group) == 1 for group in window) and \
                    tuple(group[0] for group in window) == phrase:
                groups[start : start + len(phrase)] = [list(phrase)]
                break
    return groups


def _terms(words: list[str], treatment: set[str], outcome: set[str],
           specific: set[str] | None = None,
           phrases: list[tuple[str, ...]] | None = None) -> list[Term]:
    """Content words in question order; a letter or digit joins the word before it, and the
    words of a two- or three-word name in the question stay together."""
    groups: list[list[str]] = []
    for word in (word.casefold() for word in words):
        if word in FRAMING_WORDS or _QUANTITY.match(word):
            continue
        short = len(word) == 1 or (word.isdigit() and len(word) <= 2)
        if short and groups and len(groups[-1]) == 1 and groups[-1][0].isalpha() \
                and len(groups[-1][0]) > 2:
            groups[-1].append(word)
        else:
            groups.append([word])
    groups = _merge_phrases(groups, phrases or [])
    terms, seen = [], set()
    for group in groups:
        key = tuple(group)
        # two characters are a word in Chinese or Japanese ("头痛"), not in English ("of")
        short = len(key[0]) <= 2 and key[0].isascii()
        if key in seen or (len(key) == 1 and (short or key[0].isdigit())):
            continue
        seen.add(key)
        terms.append(_term(key, treatment, outcome, specific or set()))
    return terms


def _term(words: tuple[str, ...], treatment: set[str], outcome: set[str],
          specific: set[str]) -> Term:
    if all(word in GENERIC_TREATMENT_WORDS for word in words):
        return Term(words, 0.5, "intervention" if set(words) & treatment else "other")
    if len(words) > 1 and all(word.isalpha() and len(word) > 2 for word in words):
        part = "intervention" if set(words) <= treatment else \
            "outcome" if set(words) <= outcome else "other"
        return Term(words, {"intervention": 2.0, "outcome": 1.5}.get(part, 1.0), part)
    if all(word in GENERIC_WORDS for word in words):
        part = "intervention" if set(words) & treatment else \
            "outcome" if set(words) & outcome else "other"
        return Term(words, 0.3, part)
    if set(words) & treatment:
        return Term(words, 2.0, "intervention")
    if set(words) & outcome:
        return Term(words, 1.5, "outcome")
    return Term(words, 2.0 if set(words) & specific else 1.0, "other")


@lru_cache(maxsize=4096)
def normalise_spelling(text: str) -> str:
    """British and American spellings alike: 'anaemia' -> 'anemia', 'tumour' -> 'tumor'."""
    text = re.sub(r"[ao]e(?=[a-z])", "e", text, flags=re.IGNORECASE)  # both sides alike, so "aerobic" too
    return re.sub(r"(?<=[a-z]{2})our\b", "or", text)


@lru_cache(maxsize=512)
def _acronym_pattern(acronym: str) -> re.Pattern[str]:
    """Capitals as written, alone or with a plural "s" ("MSC", "MSCs"), never inside a word."""
    return re.compile(rf"(?<![\w-]){re.escape(acronym)}s?(?![\w-])")


@lru_cache(maxsize=512)
def _pattern(words: tuple[str, ...]) -> re.Pattern[str]:
    """Long words match by their first six letters, short ones with up to three more letters
    ("pain", "pains"), letters and digits exactly; a phrase's words in order."""
    body = r"[\s-]*".join(_word_pattern(normalise_spelling(word)) for word in words)
    return re.compile(rf"(?<![\w]){body}(?![\w])", re.IGNORECASE)


def _word_pattern(word: str) -> str:
    if len(word) > 6:
        return re.escape(word[:6]) + r"\w*"
    return re.escape(word) + (r"\w{0,3}" if len(word) > 2 else "")


def question_phrase(question: str, terms: list[str]) -> str:
    """The terms as the question writes them ("vitamin D", "morbidity and long-term survival");
    "" when the question does not write them (a phrase is never made up)."""
    spans = [_find_term(question, term) for term in terms if term.strip()]
    spans = [span for span in spans if span is not None]
    if not spans:
        return ""
    spans.sort()
    if spans[0][0] == 0:  # "Screening for ..." is capitalised only because it opens the question
        first = question.split(" ", 1)[0]
        if first[1:].islower():
            question = first.lower() + question[len(first):]
    gaps = [question[end:start] for (_, end), (start, _) in zip(spans, spans[1:], strict=False)]
    if all(re.fullmatch(r"\s*(?:,|and|or|,\s*and)?\s*", gap) for gap in gaps):
        return _balanced(question[spans[0][0] : spans[-1][1]])
    return " and ".join(_balanced(question[start:end]) for start, end in spans)


def _find_term(question: str, term: str) -> tuple[int, int] | None:
    words = re.findall(r"[\w'-]+", term)
    if not words:
        return None
    pattern = r"\b" + r"\W+".join(re.escape(word) for word in words) + r"\b"
    match = re.search(pattern, question, flags=re.IGNORECASE)
    return match.span() if match else None


def _balanced(text: str) -> str:
    """'body mass index (BMI' -> 'body mass index': an unclosed bracket and what follows go."""
    if text.count("(") > text.count(")"):
        text = text[: text.rfind("(")]
    return text.strip(" ,;:")


def addresses(topic: Topic, paper: Paper, facts: StudyFacts) -> bool:
    """True when the study speaks to the question as a whole, not to a word of it."""
    if not topic.terms:
        return True  # nothing to compare with: trust retrieval
    whole = topic.shares(f"{paper.title}\n{paper.abstract}")
    for part in ("intervention", "outcome"):
        if topic.has(part) and topic.weighed(whole, part) < MIN_PART_SHARE:
            return False
    lexical = topic.weighed(whole) + _best_passage(topic, paper, facts, whole)
    similarity = meaning_similarity(topic.question, paper)
    if similarity is None:
        return lexical >= MIN_WORDS_SCORE
    return lexical + similarity >= MIN_SCORE


def _best_passage(topic: Topic, paper: Paper, facts: StudyFacts,
                  whole: list[float] | None = None) -> float:
    """The share of the term weight that the title and the best single sentence name together
    (``whole``: the shares in the title and abstract, so absent terms are not sought again)."""
    title = topic.shares(paper.title, whole)
    best = topic.weighed(title)
    for sentence in facts.sentences:
        shares = topic.shares(sentence.text, whole)
        best = max(best, topic.weighed([max(a, b) for a, b in zip(title, shares, strict=True)]))
    return best


def meaning_similarity(question: str, paper: Paper) -> float | None:
    """Cosine of the question and the paper (title and abstract) under the static embedder;
    None when the question is empty or the embedder is not installed."""
    embedder = _similarity_embedder()
    if embedder is None or not question.strip():
        return None
    return float(_vector(question) @ _vector(document_text(paper.title, paper.abstract)))


@lru_cache(maxsize=1)
def _similarity_embedder() -> Embedder | None:
    return get_embedder(SIMILARITY_EMBEDDER) if available_embedders().get(SIMILARITY_EMBEDDER) \
        else None


@lru_cache(maxsize=2048)
def _vector(text: str) -> np.ndarray:
    """The text's unit vector (zeros without the embedder); a paper asked about twice is
    embedded once."""
    embedder = _similarity_embedder()
    if embedder is None:
        return np.zeros(1, dtype=np.float32)
    return embedder.embed([text[:MAX_EMBEDDED_CHARS]])[0]


def treatment_core(treatment: str) -> str:
    """'vitamin D supplementation' -> 'vitamin D' (how it is given left out); '' if nothing left."""
    words = treatment.split()
    while words and words[-1].casefold() in GENERIC_TREATMENT_WORDS:
        words.pop()
    while words and words[0].casefold() in GENERIC_TREATMENT_WORDS | {"the", "a", "an"}:
        words.pop(0)
    return " ".join(words)
