"""How a study bears on the question's intervention: tested, given to everyone, or measured.

A study can name the question's treatment without testing it. ``how_studied`` reads the title
and abstract for the question's intervention (its words, "vitamin D"-style tags, and an
abbreviation the abstract defines for it: "vitamin D (VD)") and says which of three things the
study did with it:

* **background**: a comparative study whose compared arms differ by *another* agent, with the
  question's agent given to every group ("All patients received X", "X was provided if levels
  were low", "in addition to X", "in both groups"). The agent is not in the title nor in any
  comparison ("Y compared with placebo", "randomly assigned to Y or placebo", "the effect of
  Y"), while another agent is. Such a trial does not test the question's intervention.
* **measured**: a study that is not a trial and reads the agent mostly as a level, status,
  deficiency or intake ("serum X concentrations", "X deficiency", "low X"), not as something
  given: an observational association, indirect evidence for a question about giving it.
* **tested**: everything else (the default: when in doubt a study counts).

All cues are general language of study design; none names a treatment or disease.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..models import Paper, Sentence, StudyFacts

TRIAL_DESIGNS = frozenset({"rct", "trial", "non_randomised_trial"})

# The question's agent given to every arm: a co-intervention, not what was compared.
_BACKGROUND_CUE = re.compile(
    r"\b(?:all (?:the )?(?:\w+ ){0,2}(?:subjects|patients|participants|women|men|children|"
    r"infants|individuals|volunteers|groups|arms|animals|cases)\b[^.;]{0,80}?\b(?:received|"
    r"receive|were (?:given|supplemented|treated|prescribed|instructed|provided)|took|continued)|"
    r"(?:in|to|for|across) (?:both|all|each|every) (?:\w+ )?(?:groups?|arms?)|both (?:\w+ )?"
    r"(?:groups|arms) (?:received|were given|were supplemented|took)|in addition to|on top of|"
    r"background (?:therapy|treatment|medication)|add-on to|concomitant|co-?administered|"
    r"regardless of (?:group|allocation|randomi[sz]ation)|(?:was|were) (?:provided|given|"
    r"supplied|offered|prescribed|added) (?:to all|to every|to each|if|when|as needed|"
    r"to those|according to))",
    re.IGNORECASE,
)
# What the study compared: the arms of a randomisation, "Y compared with Z", "the effect of Y".
_COMPARISON = re.compile(
    r"\b(?:randomi[sz]ed|randomly (?:assigned|allocated)|assigned|allocated)\b[^.;]{0,160}|"
    r"[^.;,]{0,80}\b(?:compared (?:with|to)|versus|vs\.?)\b[^.;]{0,80}|"
    r"\b(?:effects?|efficacy|effectiveness|safety|impact) of\b[^.;]{0,80}",
    re.IGNORECASE,
)
# Words next to a mention that make it a level or status (observed): "serum X", "low X",
# "levels of X", "X concentrations", "X deficiency", "X intake".
_LEVEL_BEFORE = re.compile(
    r"(?:\b(?:serum|plasma|circulating|urinary|deficient|insufficient|dietary)\s+|"
    r"\b(?:low|high|higher|lower|normal|adequate|inadequate|sufficient)\s+(?:serum\s+|"
    r"plasma\s+)?(?:levels?|concentrations?)\s+of\s+|\b(?:levels?|concentrations?|status|deficiency|insufficiency|intakes?|"
    r"consumption) of\s+)$", re.IGNORECASE)
_LEVEL_AFTER = re.compile(
    r"^\s*(?:\([^()]{1,12}\)\s*)?(?:serum\s+)?(?:levels?|concentrations?|status|deficien\w*|"
    r"insufficien\w*|sufficiency|intakes?|consumption|depletion)\b", re.IGNORECASE)
_GIVEN_WORDS = re.compile(
    r"\b(?:supplement\w*|administ\w*|received|receiving|given|giving|treat\w*|doses?|dosing|"
    r"tablets?|capsules?|injections?|infusions?|prescri\w*|randomi[sz]\w*|assigned|allocated|"
    r"therapy|regimen|users?)\b",
    re.IGNORECASE,
)
_WINDOW = 40  # characters either side of a mention read for its context
_DEFINED_ABBREVIATION = re.compile(r"\s*\(([A-Z][A-Za-z0-9]{0,2}[A-Z0-9])\)")


@dataclass(frozen=True)
class Directness:
    kind: str = "tested"  # "tested" | "background" | "measured"
    tested: str = ""  # for "background": what the study compared instead, as written
    cue: str = ""  # the words that decided it


def how_studied(paper: Paper, facts: StudyFacts, patterns: list[re.Pattern[str]]) -> Directness:
    """What the study did with the agent the patterns find (see the module docstring)."""
    if not patterns:
        return Directness()
    patterns = patterns + _abbreviations(paper, patterns)
    background = _background(paper, facts, patterns)
    if background is not None:
        return background
    if facts.design not in TRIAL_DESIGNS and not facts.randomised:
        return _measured(paper, patterns)
    return Directness()


def mentions(text: str, patterns: list[re.Pattern[str]]) -> list[tuple[int, int]]:
    """(start, end) of every mention of the agent in ``text``."""
    return sorted({m.span() for pattern in patterns for m in pattern.finditer(text)})


def _abbreviations(paper: Paper, patterns: list[re.Pattern[str]]) -> list[re.Pattern[str]]:
    """"vitamin D (VD)": the abstract's own short name for the agent finds it too."""
    found = []
    for start, end in mentions(paper.abstract, patterns):
        m = _DEFINED_ABBREVIATION.match(paper.abstract, end)
        if m:
            found.append(re.compile(rf"\b{re.escape(m.group(1))}\b"))
    return found


# --------------------------------------------------------------------------- background


def _background(paper: Paper, facts: StudyFacts,
                patterns: list[re.Pattern[str]]) -> Directness | None:
    """Background when the agent is given to all, is never compared, and another agent is."""
    trial = facts.design in TRIAL_DESIGNS or facts.randomised
    if not trial or mentions(paper.title, patterns):
        return None
    compared = _compared_spans(paper.abstract, facts.sentences)
    found = mentions(paper.abstract, patterns)
    if not found or any(a <= start < b for start, _ in found for a, b in compared):
        return None
    cue = _background_cue(paper.abstract, facts.sentences, found)
    other = _other_agent(paper, facts, compared, patterns)
    if cue is None or not other:
        return None
    return Directness("background", other, cue)


def _compared_spans(text: str, sentences: list[Sentence]) -> list[tuple[int, int]]:
    spans = []
    for sentence in sentences:
        if sentence.role == "background":
            continue
        for m in _COMPARISON.finditer(text, sentence.start, sentence.end):
            spans.append(m.span())
    return spans


def _background_cue(text: str, sentences: list[Sentence],
                    found: list[tuple[int, int]]) -> str | None:
    """The co-intervention cue in a sentence that names the agent, if any."""
    for sentence in sentences:
        if any(sentence.start <= start < sentence.end for start, _ in found):
            m = _BACKGROUND_CUE.search(text, sentence.start, sentence.end)
            if m:
                return m.group()
    return None


def _other_agent(paper: Paper, facts: StudyFacts, compared: list[tuple[int, int]],
                 patterns: list[re.Pattern[str]]) -> str:
    """An intervention the study names in its title or in a comparison, other than the agent."""
    for fact in facts.interventions:
        if mentions(fact.text, patterns) or len(fact.text) < 3:
            continue
        span = fact.span
        in_title = span.field == "title"
        in_comparison = span.field == "abstract" and any(a <= span.start < b for a, b in compared)
        if in_title or in_comparison:
            return fact.text
    return ""


# --------------------------------------------------------------------------- measured


def _measured(paper: Paper, patterns: list[re.Pattern[str]]) -> Directness:
    """Measured when more mentions read as a level or intake than as something given."""
    level, given, cue = 0, 0, ""
    for field in ("title", "abstract"):
        text = paper.text_of(field)
        for start, end in mentions(text, patterns):
            as_level = _level_words(text, start, end)
            if as_level:
                level += 1
                cue = cue or as_level
            elif _GIVEN_WORDS.search(text, max(0, start - _WINDOW), end + _WINDOW):
                given += 1
    if level and level > given:
        return Directness("measured", cue=cue)
    return Directness()



def _level_words(text: str, start: int, end: int) -> str:
    """The mention with the level words next to it ("serum X", "X deficiency"), else ''."""
    before = _LEVEL_BEFORE.search(text[max(0, start - 40):start])
    after = _LEVEL_AFTER.match(text[end:end + 30])
    if not before and not after:
        return ""
    return text[start - len(before.group()) if before else start:end + (after.end() if after else 0)]
