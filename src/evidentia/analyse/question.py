"""What a yes/no question asks: its terms, the direction and valence it asks about.

``read_question(query)`` gives the stance judge a ``QuestionIntent``: the question's term stems
with weights (intervention 2, outcome 1.5, other terms 1), the direction it asks about
("reduce?" → down, "increase?" → up), whether it asks about a benefit or a harm, whether it is
about people or about animals/cells, and how a "similar"/"as good as" answer reads for it.
``relevance(text, stems)`` is the share of the question's term weight a text mentions.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from ..models import QueryAnalysis
from .polarity import outcome_valence_sign

_QUESTION_STOP = frozenset(
    [
        "a", "an", "the", "of", "in", "on", "at", "to", "for", "with", "without", "by", "from",
        "and", "or", "is", "are", "was", "were", "be", "been", "being", "do", "does", "did",
        "can", "could", "should", "would", "will", "may", "might", "must", "has", "have", "had",
        "there", "their", "this", "that", "these", "those", "it", "its", "what", "which", "who",
        "whom", "whose", "when", "where", "why", "how", "than", "then", "as", "into", "onto",
        "about", "after", "before", "during", "between", "among", "vs", "versus", "any", "all",
        "some", "more", "most", "less", "least", "very", "also", "not", "no", "yes", "patients",
        "patient", "people", "subjects", "individuals", "study", "studies", "effect", "effects",
        "effective", "efficacy", "use", "used", "using", "role", "associated", "association",
        "related", "relationship", "predict", "predictor", "reduce", "reduces", "reduced",
        "reduction", "increase", "increases", "increased", "improve", "improves", "improved",
        "improvement", "risk", "affect", "affects", "influence", "impact", "benefit",
        "beneficial", "help", "helpful", "better", "worse", "safe", "safety", "useful",
        "really", "still", "necessary", "lead", "leads", "cause", "causes", "really", "true",
        "possible", "feasible", "valid", "reliable", "accurate", "value"
    ]
)
_UP_WORDS = re.compile(
    r"\b(?:increas\w*|rais\w*|elevat\w*|promot\w*|enhanc\w*|induc\w*|caus\w*|worsen\w*|"
    r"aggravat\w*|higher|more|greater|accelerat\w*|exacerbat\w*)\b", re.IGNORECASE)
_DOWN_WORDS = re.compile(
    r"\b(?:reduc\w*|decreas\w*|lower\w*|prevent\w*|protect\w*|alleviat\w*|reliev\w*|"
    r"attenuat\w*|diminish\w*|inhibit\w*|suppress\w*|less|fewer|shorten\w*|avoid\w*)\b", re.IGNORECASE)
_BENEFIT_WORDS = re.compile(
    r"\b(?:improv\w*|benefi\w*|effective\w*|efficacious|help\w*|useful|work|safe|better|"
    r"superior|valuable|worth\w*|justified|recommend\w*|feasible|accura\w*|reliab\w*|succe\w*|"
    r"agree\w*|adequat\w*|sufficien\w*|appropriate|aware|know\w*|correct\w*|protected)\b",
    re.IGNORECASE)
_HARM_WORDS = re.compile(r"\b(?:worse\w*|harm\w*|impair\w*|inferior|dangerous|detrimental|toxic)\b", re.IGNORECASE)
_NONHUMAN_WORDS = re.compile(
    r"\b(?:rats?|mice|mouse|murine|animals?|rodents?|dogs?|pigs?|porcine|rabbits?|sheep|"
    r"monkeys?|primates|zebrafish|in vitro|cells?|cell lines?|cultured|plants?|bacteria\w*|"
    r"yeast|model)\b", re.IGNORECASE)

_CLINICAL_WORDS = re.compile(
    r"\b(?:patients?|people|persons?|adults?|children|infants?|women|men|elderly|humans?|"
    r"clinical|treat\w*|therap\w*|surgery|drugs?|medication\w*|supplement\w*|vaccin\w*|"
    r"diet\w*|exercise|prevent\w*|risk|mortality|symptoms?|pain|disease|disorder|cancer|"
    r"infection|syndrome|outcomes?|care|pregnan\w*)\b", re.IGNORECASE)
# What "similar" / "as good as" answers: yes to a sameness or adequacy question ("Is X equal to
# Y?", "Is X sufficient?"), no to a question about an effect or a difference.
_SAMENESS_WORDS = re.compile(
    r"\b(?:same|equal\w*|equivalent|similar|identical|interchangeable|comparable|reflect\w*|"
    r"coincide\w*|agree\w*|concordan\w*|consistent|substitute|replace|alternative|sufficient|"
    r"adequate\w*|enough|safe|safety|feasib\w*|accura\w*|reliab\w*|valid\w*|acceptable|"
    r"appropriate|justified|possible|effective|efficacious|useful|worth\w*)\b", re.IGNORECASE)
_SAME_WORDS = re.compile(
    r"\b(?:same|equal(?:ly)?|equivalent|similar|identical|interchangeable|coincide\w*|agree\w*)\b",
    re.IGNORECASE)
_EFFECT_QUESTION_WORDS = re.compile(
    r"\b(?:differ\w*|better|superior|inferior|more|less|than|advantage\w*|outperform\w*|"
    r"preferable|improv\w*|affect\w*|influenc\w*|impact\w*|change\w*|alter\w*|predict\w*|"
    r"associat\w*|relat\w*|correlat\w*|benefi\w*|risk)\b", re.IGNORECASE)


@dataclass(frozen=True)
class QuestionIntent:
    stems: dict[str, float]  # term stem → weight
    direction: str | None  # "up" | "down" | None
    sign: int  # +1 asks about a benefit, -1 about a harm, 0 neutral (association)
    nonhuman: bool  # the question itself is about animals or cells
    clinical: bool  # the question is about people (patients, treatment, children ...)
    similar_means_yes: bool  # "Is X equal to Y?" / "Is X sufficient?": similarity answers "yes"
    sameness: bool  # "Are X and Y the same?": a difference answers "no"
    agent: tuple[re.Pattern[str], ...] = ()  # finds the question's intervention in a text


def stem(word: str) -> str:
    """A crude prefix stem: "reduction", "reduced" → "reduc"; short words stay whole."""
    word = word.lower()
    return word[:5] if len(word) > 5 else word


def question_terms(query: QueryAnalysis) -> dict[str, float]:
    """Stems of the question's content terms with weights (intervention 2, outcome 1.5, other 1)."""
    weighted: dict[str, float] = {}
    groups = ((query.intervention, 2.0), (query.outcome, 1.5), ([" ".join(query.terms) or query.question], 1.0))
    for terms, weight in groups:
        for term in terms:
            for key in _term_keys(term):
                weighted[key] = max(weighted.get(key, 0.0), weight)
    return weighted


# Letters of any script: "头痛" is a term as much as "headache" is.
_TERM_WORD = re.compile(r"[^\W_][\w'-]*")
# A one-letter or short-number tag that names something together with the word before it:
# "vitamin D", "type 2", "hepatitis B", "factor V", "COVID 19".
_TAG = re.compile(r"[A-Za-z]|\d{1,2}")


def _term_keys(text: str) -> list[str]:
    """Stems of the content words; a tag after a word joins it as one key ("vitamin d")."""
    words = _TERM_WORD.findall(text)
    keys: list[str] = []
    for i, word in enumerate(words):
        if (_TAG.fullmatch(word) and word.lower() not in _QUESTION_STOP and i
                and words[i - 1].lower() not in _QUESTION_STOP):
            head = stem(words[i - 1])
            keys = [k for k in keys if k != head] + [f"{head} {word.lower()}"]
        elif word.lower() not in _QUESTION_STOP and _is_content_word(word):
            keys.append(stem(word))
    return keys


def _is_content_word(word: str) -> bool:
    """Long enough to mean something: three letters, an abbreviation in capitals, or two
    characters of a script that writes a word in few (Chinese, Japanese, Korean ...)."""
    return len(word) > 2 or word.isupper() or (len(word) == 2 and not word.isascii())


def _words(text: str) -> list[str]:
    return [w for w in _TERM_WORD.findall(text)
            if w.lower() not in _QUESTION_STOP and _is_content_word(w)]


# Pictographs, arrows, dingbats and other symbols: they say nothing a search can use, and one
# before "Does ..." hides the question's shape.
def strip_symbols(question: str) -> str:
    """The question without symbol characters (emoji and the like), spaces collapsed:
    "💊 Does aspirin help 头痛?" -> "Does aspirin help 头痛?"."""
    kept = [" " if _is_symbol(char) else char for char in question]
    return " ".join("".join(kept).split())


def _is_symbol(char: str) -> bool:
    category = unicodedata.category(char)
    return category in ("So", "Sk", "Cs", "Co") or char in "\u200d\ufe0f\ufe0e"


def text_keys(text: str) -> set[str]:
    """Every key ``_term_keys`` could make that ``text`` holds: word stems and word + tag pairs
    ("vitamin D" and "vitamin-D" both hold "vitam d")."""
    words = _TERM_WORD.findall(text)
    present = {stem(w) for w in words}
    for before, word in zip(words, words[1:]):
        if len(word) <= 2 and word.isalnum():
            present.add(f"{stem(before)} {word.lower()}")
    for word in words:
        head, _, tag = word.rpartition("-")
        if head and len(tag) <= 2 and tag.isalnum():
            present.add(f"{stem(head)} {tag.lower()}")
    return present


def read_question(query: QueryAnalysis) -> QuestionIntent:
    """The question's terms, the direction and valence it asks about, and how to read "similar"."""
    question = query.question
    up, down = _question_has(_UP_WORDS, question), _question_has(_DOWN_WORDS, question)
    direction = "up" if up and not down else "down" if down and not up else None
    sign = outcome_valence_sign(question, direction)
    if sign == 0 and _BENEFIT_WORDS.search(question):
        sign = 1
    if _HARM_WORDS.search(question):
        sign = -1
    return QuestionIntent(
        question_terms(query), direction, sign, bool(_NONHUMAN_WORDS.search(question)),
        bool(_CLINICAL_WORDS.search(question)), _similar_means_yes(question, direction),
        bool(_SAME_WORDS.search(question)),
        () if _LACK_QUESTION.search(" ".join(query.intervention)) else
        tuple(intervention_patterns(query)),
    )


# A question about the lack itself ("Is low X a risk factor?") needs no turning round.
_LACK_QUESTION = re.compile(r"\b(?:deficien\w*|insufficien\w*|inadequa\w*|low\w*|lack\w*|"
                            r"absen\w*|withdraw\w*|depriv\w*|deplet\w*)\b", re.IGNORECASE)


def _question_has(regex: re.Pattern[str], question: str) -> bool:
    """A direction word used as a predicate, not inside a name ("acid-suppressive", "inhibitors")."""
    for m in regex.finditer(question):
        word = m.group().lower()
        glued = m.start() > 0 and question[m.start() - 1] == "-"
        if not glued and not word.endswith(("ors", "ive", "ives")) or word == "protective":
            return True
    return False


def _similar_means_yes(question: str, direction: str | None) -> bool:
    if direction or not _SAMENESS_WORDS.search(question):
        return False
    return not _EFFECT_QUESTION_WORDS.search(question) or bool(_SAME_WORDS.search(question))


def relevance(text: str, stems: dict[str, float]) -> float:
    """Share of the question's term weight whose stems occur in ``text``."""
    total = sum(stems.values())
    if not total:
        return 0.0
    present = text_keys(text)
    return sum(weight for key, weight in stems.items() if key in present) / total


# --------------------------------------------------------------------------- intervention match

# Words that say how something was given, not what: "vitamin D supplementation" is about vitamin D.
_GENERIC_INTERVENTION = frozenset(
    ["supplementation", "supplement", "supplements", "supplemented", "therapy", "therapies", "treatment", "treatments", "treated", "use", "using", "used", "intake", "administration", "administered", "training", "program", "programme", "programs", "intervention", "interventions", "exposure", "exposures", "consumption", "level", "levels", "dose", "doses", "dosing", "regimen", "regimens", "medication", "medications", "drug", "drugs", "agent", "agents", "management", "strategy", "strategies", "oral", "intravenous", "topical", "daily", "long-term", "short-term", "low-dose", "high-dose", "adjunctive", "routine", "based", "of", "the", "and", "or", "with", "for", "in", "on", "a", "an", "to"]
)
_UNIT_WORD = re.compile(r"[A-Za-z0-9][\w'-]*")


def intervention_units(query: QueryAnalysis) -> list[str]:
    """The question's intervention as words to find, a short token bound to the word before it.

    "vitamin D supplementation" -> ["vitamin d"]; "omega-3 fatty acids fish oil" ->
    ["omega-3", "fatty", "acids", "fish", "oil"]; no intervention -> [].
    """
    units: list[str] = []
    for phrase in query.intervention:
        for word in (w.lower() for w in _UNIT_WORD.findall(phrase)):
            if word in _GENERIC_INTERVENTION or word in _QUESTION_STOP:
                continue
            if _is_label(word) and units:
                units[-1] = f"{units[-1]} {word}"
            else:
                units.append(word)
    return list(dict.fromkeys(units))


def _is_label(word: str) -> bool:
    """"d" in "vitamin D", "b12", "2a": a short tag that only means something after its noun."""
    return len(word) <= 3 and (len(word) == 1 or any(c.isdigit() for c in word))


def _unit_pattern(unit: str) -> re.Pattern[str]:
    body = r"[\s-]*".join(
        re.escape(p) + r"\w{0,2}\b" if _is_label(p) else re.escape(stem(p)) + r"\w*" for p in unit.split()
    )
    return re.compile(rf"(?<![A-Za-z0-9]){body}", re.IGNORECASE)


def _acronym(query: QueryAnalysis) -> re.Pattern[str] | None:
    """"selective serotonin reuptake inhibitors" -> "SSRI(s)"; "mass drug administration" -> "MDA"."""
    for phrase in query.intervention:
        words = [w for w in _UNIT_WORD.findall(phrase.lower()) if w not in _QUESTION_STOP and w[0].isalpha()]
        if 2 <= len(words) <= 6:
            letters = "".join(w[0] for w in words).upper()
            return re.compile(rf"\b{letters}s?\b")
    return None


def intervention_share(text: str, units: list[str], query: QueryAnalysis | None = None) -> float:
    """Share of the intervention's units found in ``text`` (1.0 when the question names none,
    or when the text uses the intervention's acronym)."""
    if not units:
        return 1.0
    acronym = _acronym(query) if query else None
    if acronym and acronym.search(text):
        return 1.0
    found = sum(1 for unit in units if _unit_pattern(unit).search(text))
    return found / len(units)


def intervention_patterns(query: QueryAnalysis) -> list[re.Pattern[str]]:
    """Patterns that find the question's intervention: each unit, and its acronym."""
    patterns = [_unit_pattern(unit) for unit in intervention_units(query)]
    acronym = _acronym(query) if patterns else None
    return patterns + ([acronym] if acronym else [])


# A question about a level, a status, an intake or an association is answered by studies that
# measure the agent; a question about giving it is not (see ``directness``).
_EXPOSURE_QUESTION = re.compile(
    r"\b(?:levels?|concentrations?|status|deficien\w*|insufficien\w*|serum|plasma|"
    r"intakes?|consumption|dietary|exposure|associat\w*|relat\w*|link\w*|correlat\w*|"
    r"risk factors?|predict\w*|role)\b", re.IGNORECASE)


def asks_about_exposure(query: QueryAnalysis) -> bool:
    """True for "Is low X associated with Y?", "Does X intake ...": observing X answers it."""
    return bool(_EXPOSURE_QUESTION.search(query.question))
