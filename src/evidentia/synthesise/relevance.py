"""Does a study address the question? And which of its sentences speak to it?

Retrieval returns the best matches in the library, not only studies of the question: a search
for vitamin D and fractures also brings back vitamin E and prostate cancer. A study *addresses*
the question when its title and abstract together mention at least half of the question's term
weight and one sentence (or the title) mentions at least 40% of it on its own (terms and weights
as the stance judge reads them: intervention 2, outcome 1.5, other content words 1, matched by
prefix stems). Only such studies are counted in the meter, the answer and the grades, and only
they are described; the others stay listed in ``Report.studies`` with the stance "unclear".

The thresholds were set on SciFact train/dev claims and PubMedQA questions: they keep 79% of
SciFact's annotated evidence abstracts (and every PubMedQA question's own abstract) while
leaving out 79% of SciFact's other retrieved abstracts and 97% of PubMedQA's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..analyse.question import question_terms, relevance
from ..models import Paper, QueryAnalysis, StudyFacts

MIN_STUDY_RELEVANCE = 0.5  # share of the question's term weight the whole abstract mentions
MIN_SENTENCE_RELEVANCE = 0.4  # ... that the title or one sentence mentions on its own
# Words that say how a treatment is given, not what it is ("vitamin D supplementation").
GENERIC_TREATMENT_WORDS = frozenset({
    "supplementation", "supplement", "supplements", "therapy", "therapies", "treatment",
    "treatments", "use", "usage", "intake", "administration", "group", "groups", "regimen",
    "intervention", "interventions", "program", "programme", "exposure", "consumption",
})


@dataclass(frozen=True)
class Topic:
    """What the question is about: weighted term stems and its own phrases."""

    stems: dict[str, float] = field(default_factory=dict)
    treatment: str = ""  # the intervention as the question writes it ("vitamin D supplementation")
    outcome: str = ""  # the outcome as the question writes it ("fractures")

    def relevance(self, text: str) -> float:
        """Share of the question's term weight that ``text`` mentions (0..1)."""
        return relevance(text, self.stems) if self.stems else 0.0

    @property
    def words(self) -> frozenset[str]:
        return frozenset(re.findall(r"[\w'-]+", f"{self.treatment} {self.outcome}".casefold()))


def topic_of(query: QueryAnalysis) -> Topic:
    return Topic(
        stems=question_terms(query),
        treatment=question_phrase(query.question, query.intervention),
        outcome=question_phrase(query.question, query.outcome),
    )


def question_phrase(question: str, terms: list[str]) -> str:
    """The terms as the question writes them ("vitamin D"), else joined as given ("" if none)."""
    words = [word for term in terms for word in re.findall(r"[\w'-]+", term)]
    if not words:
        return ""
    pattern = r"\b" + r"\W+".join(re.escape(word) for word in words) + r"\b"
    match = re.search(pattern, question, flags=re.I)
    if match:
        return match.group()
    return " ".join(term.strip() for term in terms if term.strip())


def addresses(topic: Topic, paper: Paper, facts: StudyFacts) -> bool:
    """True when the study speaks to the question as a whole, not to a word of it."""
    if not topic.stems:
        return True  # nothing to compare with: trust retrieval
    whole = topic.relevance(f"{paper.title} {paper.abstract}")
    if whole < MIN_STUDY_RELEVANCE:
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
