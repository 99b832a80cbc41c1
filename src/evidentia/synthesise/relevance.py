"""Does a study address the question? And which of its sentences speak to it?

Retrieval returns the best matches in the library, not only studies of the question: a search
for vitamin D and fractures also brings back vitamin E and prostate cancer. The question's
content words (``QueryAnalysis.terms`` less words that only frame it: "reduce", "risk",
"effect" ...) become weighted terms: a letter or digit joins the word before it ("vitamin d",
"type 2"), the question's intervention weighs 2, its outcome 1.5, words that say how a treatment
is given ("supplementation") 0.5, general medical words ("disease", "outcome") 0.3, names
written with digits or inner capitals ("CYP2D6") 2, others 1. Words match by prefix stem,
phrases as phrases.

A study *addresses* the question when

* its title and abstract mention at least ``MIN_STUDY_RELEVANCE`` of the term weight, and the
  title or one sentence at least ``MIN_SENTENCE_RELEVANCE`` on its own; and
* when the question names an intervention and an outcome, it mentions at least half of each.

Only such studies are counted in the meter, the answer and the grades, and only they are
described; the others stay in ``Report.studies`` with the stance "unclear". The thresholds were
set on 150 SciFact train/dev claims and 100 PubMedQA questions (top 20 retrieved each): they keep
74% of SciFact's annotated evidence abstracts and every PubMedQA question's own abstract, while
leaving out 89% of SciFact's other retrieved abstracts and 98% of PubMedQA's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from ..models import Paper, QueryAnalysis, StudyFacts

MIN_STUDY_RELEVANCE = 0.5
MIN_SENTENCE_RELEVANCE = 0.4
MIN_PART_SHARE = 0.5  # of the intervention's and of the outcome's own weight
# Words that say how a treatment is given, not what it is ("vitamin D supplementation").
GENERIC_TREATMENT_WORDS = frozenset({
    "supplementation", "supplement", "supplements", "therapy", "therapies", "treatment",
    "treatments", "use", "usage", "intake", "administration", "group", "groups", "regimen",
    "intervention", "interventions", "program", "programme", "exposure", "consumption",
    "condition", "level", "levels",
})
# Words that frame a question without naming what it is about.
FRAMING_WORDS = frozenset("""
reduce reduces reduced reducing reduction increase increases increased increasing improve
improves improved improving improvement affect affects affected effect effects effective
efficacy efficacious risk risks associated association associations related relationship
relation role influence influences impact impacts benefit benefits beneficial help helps
helpful better worse safe safety useful change changes changed compared comparison versus
lead leads cause causes caused prevent prevents predict predicts predictor predictors
contribute contributes important true false possible feasible necessary patients patient
people subjects individuals study studies evidence show shows showed higher lower high low
worth really good bad work works working need needed
""".split())
# General medical words that many abstracts share: they count, but little ("Crohn's disease").
GENERIC_WORDS = frozenset("""
disease diseases disorder disorders condition conditions outcome outcomes health care healthcare
clinical medical factor factors rate rates level levels management practice time function status
response value values quality life cost costs treatment treatments therapy therapies patients
adults children women men year years age population group groups cell cells model models
""".split())


@dataclass(frozen=True)
class Term:
    words: tuple[str, ...]  # lower-case; the first is matched by stem, the rest exactly
    weight: float
    part: str  # "intervention" | "outcome" | "other"

    @property
    def pattern(self) -> re.Pattern[str]:
        return _pattern(self.words)

    def share(self, text: str) -> float:
        """1 when the text mentions the term, 0.5 for a phrase's words apart, else 0."""
        text = normalise_spelling(text)
        if self.pattern.search(text):
            return 1.0
        spread = len(self.words) > 1 and all(len(word) > 2 for word in self.words)
        if spread and all(_pattern((word,)).search(text) for word in self.words):
            return 0.5
        return 0.0


@dataclass(frozen=True)
class Topic:
    """What the question is about: weighted terms and its own phrases."""

    terms: tuple[Term, ...] = ()
    treatment: str = ""  # the intervention as the question writes it ("vitamin D supplementation")
    outcome: str = ""  # the outcome as the question writes it ("fractures")
    stems: dict[str, float] = field(default_factory=dict)  # kept for callers that want weights

    def relevance(self, text: str, part: str | None = None) -> float:
        """Share of the term weight (of one ``part`` when given) that ``text`` mentions; a
        phrase whose words all occur, but not together ("loss of blood"), counts half."""
        terms = [term for term in self.terms if part is None or term.part == part]
        total = sum(term.weight for term in terms)
        if not total:
            return 0.0
        return sum(term.weight * term.share(text) for term in terms) / total

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
    stems = {" ".join(term.words): term.weight for term in terms}
    return Topic(terms=tuple(terms), treatment=treatment, outcome=outcome, stems=stems)


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
    phrase = re.sub(r"^(?:the\s+)?(?:risk|odds|incidence|rate)\s+of\s+", "", phrase, flags=re.I)
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
        if word in FRAMING_WORDS:
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
        if key in seen or (len(key) == 1 and (len(key[0]) <= 2 or key[0].isdigit())):
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
    text = re.sub(r"[ao]e(?=[a-z])", "e", text, flags=re.I)  # both sides alike, so "aerobic" too
    return re.sub(r"(?<=[a-z]{2})our\b", "or", text)


@lru_cache(maxsize=512)
def _pattern(words: tuple[str, ...]) -> re.Pattern[str]:
    """Long words match by their first six letters, short ones with up to three more letters
    ("pain", "pains"), letters and digits exactly; a phrase's words in order."""
    body = r"[\s-]*".join(_word_pattern(normalise_spelling(word)) for word in words)
    return re.compile(rf"(?<![\w]){body}(?![\w])", re.I)


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
    match = re.search(pattern, question, flags=re.I)
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
    whole = f"{paper.title}\n{paper.abstract}"
    if topic.relevance(whole) < MIN_STUDY_RELEVANCE:
        return False
    for part in ("intervention", "outcome"):
        if topic.has(part) and topic.relevance(whole, part) < MIN_PART_SHARE:
            return False
    best = max([topic.relevance(paper.title)] + [topic.relevance(s.text) for s in facts.sentences],
               default=0.0)
    return best >= MIN_SENTENCE_RELEVANCE


def treatment_core(treatment: str) -> str:
    """'vitamin D supplementation' -> 'vitamin D' (how it is given left out); '' if nothing left."""
    words = treatment.split()
    while words and words[-1].casefold() in GENERIC_TREATMENT_WORDS:
        words.pop()
    while words and words[0].casefold() in GENERIC_TREATMENT_WORDS | {"the", "a", "an"}:
        words.pop(0)
    return " ".join(words)
