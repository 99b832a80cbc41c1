"""What a results or conclusion clause says: effect or no effect, which way, how hedged.

``read_polarity(clause)`` is shared by the findings extractor and the stance judge. Cues are
general language (no topic words):

* effect cues ("significantly", "reduced", "associated with", "effective" ...) count when they
  are not negated; a negator ("no", "not", "did not", "failed to", "without", "lack of") scopes
  over the next four words of the same clause ("did not significantly reduce");
* effect nouns ("difference", "effect", "association", "benefit" ...) count only when negated
  ("no difference"), and standalone no-effect words ("similar", "comparable", "unchanged",
  "non-significant") always do;
* direction comes from up/down words, benefit from better/worse words or from a direction
  applied to a good or bad outcome ("reduced mortality" is a benefit, "reduced survival" not);
* hedges are strong ("may", "might", "trend", "further studies", "preliminary") or mild
  ("suggest", "appear", "seem", "indicate").
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from itertools import pairwise

_NEGATOR_WORD = re.compile(
    r"(?:\b(?:no|not|never|neither|nor|without|none of|cannot|unable to|failed to|fails? to|rather than|"
    r"lack(?:ed|s|ing)?(?: of)?|absence of|insufficient)\b|n't\b)(?!\s+only\b)",
    re.IGNORECASE,
)
# Up to four words between a negator and what it negates, no punctuation and no "but".
_NEGATION_GAP = re.compile(r"(?:\s+(?!but\b)[\w-]+){0,4}\s*", re.IGNORECASE)
_EFFECT = re.compile(
    r"\b(?:(?<!non-)(?<!non)significant(?:ly)?|improv\w*|reduc\w*|decreas\w*|increas\w*|lower(?:ed|ing|s)?|"
    r"higher|greater|fewer|less|better|superior|benefi\w*|effective(?:ly|ness)?|efficac\w*|"
    r"efficient|associat\w*|correlat\w*|predict\w*|protect\w*|prevent\w*|enhanc\w*|elevat\w*|"
    r"attenuat\w*|alleviat\w*|reliev\w*|relief|risk factors?|contribut\w*|affect(?:s|ed|ing)?|"
    r"influenc\w*|impact\w*|useful(?:ness)?|safe(?:ly|ty)?|feasib\w*|accura\w*|reliab\w*|"
    r"valuable|promising|success\w*|induc\w*|promot\w*|inhibit\w*|suppress\w*|caus\w*|"
    r"lead(?:s)? to|led to|result(?:ed|s)? in|augment\w*|play(?:s|ed)? (?:an? |the )?(?:\w+ )?role|"
    r"important|necessary|justified|outperform\w*|advantage\w*|worse|worsen\w*|impair\w*|"
    r"deteriorat\w*|harm\w*|inferior|exacerbat\w*|mitigat\w*|ameliorat\w*|restor\w*|"
    r"normali[sz]\w*|accelerat\w*|delay\w*|differ(?:s|ed|ing)?|shorter|longer|detrimental|"
    r"adverse(?:ly)?|toxic\w*|positive(?:ly)?|negative(?:ly)?|link(?:ed|s)?|relat(?:ed|ion\w*)|"
    r"depend\w*|determin\w*|identif\w*|detect\w*|show(?:s|ed|n)?|demonstrat\w*|confirm\w*|"
    r"support\w*|(?:is|are|was|were|be|been) (?:an? )?(?:\w+ )?(?:option|tool|method|alternative|"
    r"predictor|marker|indicator|factor))\b",
    re.IGNORECASE,
)
_EFFECT_NOUN = re.compile(
    r"\b(?:effects?|differences?|association|correlation|changes?|benefit|improvement|impact|"
    r"influence|role|relationship|evidence|advantage|reduction|increase|decrease|link|value|"
    r"relation|predictive|different|difference)\b",
    re.IGNORECASE,
)
_NO_EFFECT = re.compile(
    r"\b(?:unchanged|unaffected|ineffective|unrelated|insignificant(?:ly)?|non-?significant(?:ly)?|"
    r"nonsignificant|independent(?:ly)? of|regardless of|irrespective of|did not differ|"
    r"does not differ|no more than|not superior|unnecessary|unjustified|unhelpful|useless|"
    r"no better|overestimated|little|rarely|seldom|negligible|trivial|(?:has|had|have|showed|shows|show|found|find|revealed|detected|"
    r"observed|demonstrated) no|there (?:is|was|were|are) no|no evidence|not (?:be )?(?:necessary|"
    r"needed|required|justified|indicated|recommended|useful|helpful|reliable|accurate|"
    r"sufficient|adequate|valid|warranted|effective|beneficial|superior|better|associated|"
    r"related|correlated|predictive|important))\b",
    re.IGNORECASE,
)
# Equivalence: "no effect" for a comparative question, an effect for "is X effective/safe?".
_EQUIVALENT = re.compile(
    r"\b(?:similar(?:ly)?|comparable|equivalent|equally|as (?:\w+ ){0,2}as|non-?inferior|"
    r"not inferior|no worse|no different|same)\b",
    re.IGNORECASE,
)
_STRONG_HEDGE = re.compile(
    r"\b(?:may|might|could|possibl[ey]|possibility|potential(?:ly)?|perhaps|trend(?:s|ed)?|"
    r"tendency|tended|borderline|marginal(?:ly)?|approach(?:ed|ing) significance|preliminary|"
    r"warrant\w*|(?:further|more|larger|additional|future|prospective|randomi[sz]ed) (?:\w+ )?"
    r"(?:studies|research|trials|investigations?|work|data)|remains? (?:to be|unclear|unknown)|"
    r"unclear|uncertain\w*|not clear|inconclusive|limited|hypothes\w*|controvers\w*|"
    r"needs? to be (?:confirmed|validated|established)|mixed)\b",
    re.IGNORECASE,
)
_MILD_HEDGE = re.compile(r"\b(?:suggest\w*|appear\w*|seem\w*|indicat\w*|likely|probabl[ey])\b", re.IGNORECASE)
_TREND = re.compile(r"\b(?:trend\w*|tendency|tended|borderline|marginal\w*|approach\w* significance)\b", re.IGNORECASE)
_DOWN = re.compile(
    r"\b(?:reduc\w*|decreas\w*|lower(?:ed|ing|s)?|less|fewer|declin\w*|diminish\w*|attenuat\w*|"
    r"prevent\w*|inhibit\w*|suppress\w*|shorter|drop\w*|fell|fall|mitigat\w*|alleviat\w*|"
    r"reliev\w*|lessen\w*|minimi[sz]\w*|abolish\w*|block\w*)\b",
    re.IGNORECASE,
)
_UP = re.compile(
    r"\b(?:increas\w*|higher|greater|more|elevat\w*|enhanc\w*|rais\w*|longer|promot\w*|"
    r"induc\w*|augment\w*|ris(?:e|es|ing)|rose|boost\w*|accelerat\w*|exacerbat\w*|doubl\w*)\b",
    re.IGNORECASE,
)
_BETTER = re.compile(
    r"\b(?:improv\w*|better|superior|benefi\w*|effective(?:ly|ness)?|efficac\w*|protect\w*|"
    r"alleviat\w*|reliev\w*|relief|safe(?:ly|ty)?|useful(?:ness)?|feasib\w*|valuable|"
    r"promising|success\w*|advantage\w*|outperform\w*|ameliorat\w*|restor\w*|favou?rabl\w*|"
    r"accura\w*|reliab\w*|recommend\w*|justified|worthwhile|helpful|positive(?:ly)?)\b",
    re.IGNORECASE,
)
_WORSE = re.compile(
    r"\b(?:worse|worsen\w*|impair\w*|deteriorat\w*|harm\w*|inferior|exacerbat\w*|detrimental|"
    r"adverse(?:ly)?|toxic\w*|unfavou?rabl\w*|negative(?:ly)?|poor(?:er|ly)?|dangerous|unsafe|"
    r"risk factor|inadequat\w*|insufficien\w*|suboptimal|unsatisfactory|lack of|unreliable|"
    r"inaccura\w*)\b",
    re.IGNORECASE,
)
_DIRECTION = re.compile(rf"{_DOWN.pattern}|{_UP.pattern}", re.IGNORECASE)
# Outcomes whose rise is bad or good, so that a direction can be read as better or worse.
_BAD_OUTCOME = re.compile(
    r"\b(?:mortality|death\w*|die[ds]?|risk\w*|pain|symptom\w*|incidence|complication\w*|"
    r"recurrence|relapse\w*|severity|infection\w*|admission\w*|readmission\w*|hospitali[sz]\w*|"
    r"length of stay|depress\w*|anxiety|fatigue|inflammat\w*|morbidity|events?|failure|"
    r"disabilit\w*|spasticity|spasms?|toxicity|side[- ]effects|adverse|errors?|costs?|burden|"
    r"loss|damage|injur\w*|progression|rates? of \w+ (?:disease|failure)|fractures?|falls?|"
    r"nausea|vomiting|bleeding|thrombo\w*|stroke|seizures?|exacerbations?)\b",
    re.IGNORECASE,
)
_GOOD_OUTCOME = re.compile(
    r"\b(?:survival|quality of life|function(?:ing|al)?|recovery|remission|response|cure|"
    r"healing|adherence|satisfaction|strength|performance|cognition|memory|well-being|"
    r"independence|mobility|sleep quality|bone (?:mineral )?density|success|accuracy|"
    r"sensitivity|specificity|efficacy|uptake|compliance|knowledge|outcomes?)\b",
    re.IGNORECASE,
)
_CLAUSE_BREAK = re.compile(
    r";|,\s*(?:but|whereas|while|although|though|however|yet)\b|\s(?:but|whereas|although|"
    r"however)\s|\.\s",
    re.IGNORECASE,
)
_LEADING_SUBORDINATE = re.compile(
    r"^(?:although|though|even though|while|whilst|despite|in spite of|whereas|notwithstanding)\b[^,;]{3,200},",
    re.IGNORECASE,
)
_HARMS = re.compile(r"\b(?:side[- ]effects?|adverse|complications?|toxicit\w*|problems?)\b", re.IGNORECASE)


def has_negation(clause: str) -> bool:
    """Any negator at all ("not", "no", "without" ...), whatever it scopes over."""
    return bool(_ANY_NEGATOR.search(clause))


_ANY_NEGATOR = re.compile(r"\b(?:no|not|never|neither|nor|without|cannot|none)\b|n't\b", re.IGNORECASE)


@dataclass(frozen=True)
class Polarity:
    effect: bool = False  # an unnegated effect cue
    no_effect: bool = False  # a negated effect or a no-effect word
    equivalent: bool = False  # "similar", "equally", "as effective as", "non-inferior"
    hedge: str | None = None  # "strong" | "mild"
    trend: bool = False
    direction: str | None = None  # "up" | "down"
    benefit: int = 0  # +1 better, -1 worse, 0 unknown
    significant: bool | None = None
    cue: str = ""  # the words that decided it


    def inverted(self) -> Polarity:
        """What the clause says of the agent when it speaks of its lack: "deficiency raises
        the risk" reads as "the agent lowers it" (direction and benefit turn round)."""
        flip = {"up": "down", "down": "up"}
        return replace(self, direction=flip.get(self.direction or "", None),
                       benefit=-self.benefit)


# Words that make a clause about the lack of an agent: "X deficiency", "lack of X", "low
# serum levels of X", "low X levels" (a bare "low X" is too often anatomy or risk: "low rectal").
_LACK_BEFORE = re.compile(
    r"\b(?:deficien(?:t|cy) (?:in|of)|insufficien(?:t|cy) (?:in|of)|inadequate|deficient|"
    r"insufficient|lack of|absence of|withdrawal of|discontinuation of|deprivation of|"
    r"depletion of|(?:low|lower|reduced|decreased|poor|inadequate) (?:serum |plasma |blood )?"
    r"(?:levels?|concentrations?|status) of)\s+$", re.IGNORECASE)
_LOW_BEFORE = re.compile(r"\b(?:low|lower|reduced|decreased|poor)\s+(?:serum\s+|plasma\s+|blood\s+)?$",
                         re.IGNORECASE)
_LEVEL_AFTER = re.compile(r"\s+(?:levels?|concentrations?|status)\b", re.IGNORECASE)
_LACK_AFTER = (r"(?:deficien(?:cy|cies|t)|insufficien(?:cy|cies|t)|depletion|withdrawal|"
               r"deprivation|discontinuation|inadequacy)")
_LACK_NOUN_AFTER = re.compile(rf"(?:\s+(?:levels?|status|concentrations?))?\s+{_LACK_AFTER}\b",
                              re.IGNORECASE)
_LACK_CHAIN = re.compile(rf"(?:\s*(?:,|and|or|and/or)\s*{_LACK_AFTER})+", re.IGNORECASE)
_GIVEN_AFTER = re.compile(r"\s+(?:doses?|dosage|dosing|supplement\w*|group|arm)\b", re.IGNORECASE)


def absence_spans(clause: str, agent: tuple[re.Pattern[str], ...] | list[re.Pattern[str]]
                  ) -> list[tuple[int, int]]:
    """(start, end) of each phrase naming the lack of the agent ("vitamin X insufficiency and
    deficiency", "low serum levels of X", "low X levels", "withdrawal of X"); [] when none."""
    spans = []
    for pattern in agent:
        for m in pattern.finditer(clause):
            span = _lack_around(clause, m.start(), m.end())
            if span is not None:
                chain = _LACK_CHAIN.match(clause, span[1])
                spans.append((span[0], chain.end() if chain else span[1]))
    return sorted(set(spans))


def _lack_around(clause: str, start: int, end: int) -> tuple[int, int] | None:
    before_text, after_text = clause[max(0, start - 45):start], clause[end:]
    if _GIVEN_AFTER.match(after_text):
        return None  # "lower X doses" is an amount given, not a lack
    before = _LACK_BEFORE.search(before_text)
    after = _LACK_NOUN_AFTER.match(after_text)
    low, level = _LOW_BEFORE.search(before_text), _LEVEL_AFTER.match(after_text)
    if low and level:
        return start - len(low.group()), end + level.end()
    if not before and not after:
        return None
    return start - (len(before.group()) if before else 0), end + (after.end() if after else 0)


def without_spans(clause: str, spans: list[tuple[int, int]]) -> str:
    """The clause with the spans blanked (same length, so offsets stay valid)."""
    for start, end in spans:
        clause = clause[:start] + " " * (end - start) + clause[end:]
    return clause


def split_clauses(sentence: str) -> list[tuple[int, int]]:
    """(start, end) of the clauses of a sentence, cut at ";", ", but", "whereas" ...

    A leading subordinate clause ("Although X, Y") is cut off at its first comma.
    """
    cuts = [0] + [m.start() for m in _CLAUSE_BREAK.finditer(sentence)] + [len(sentence)]
    lead = _LEADING_SUBORDINATE.match(sentence)
    if lead:
        cuts = sorted({*cuts, lead.end()})
    return [(a, b) for a, b in pairwise(cuts) if sentence[a:b].strip()]


def read_polarity(clause: str) -> Polarity:
    """Effect, no effect, direction, benefit and hedging of one clause."""
    effects, negated = _effect_cues(clause)
    no_effect_word = _NO_EFFECT.search(clause)
    no_effect = bool(negated or no_effect_word)
    strong, mild = _STRONG_HEDGE.search(clause), _MILD_HEDGE.search(clause)
    direction = _direction(clause)
    equivalent = _EQUIVALENT.search(clause)
    cue = (negated[0] if negated else no_effect_word.group() if no_effect_word else
           equivalent.group() if equivalent else effects[0] if effects else "")
    return Polarity(
        effect=bool(effects), no_effect=no_effect, equivalent=bool(equivalent),
        hedge="strong" if strong else "mild" if mild else None,
        trend=any(not _is_negated(clause, m.start()) for m in _TREND.finditer(clause)),
        direction=direction,
        benefit=_benefit(clause, direction), significant=_significance(clause, effects, negated),
        cue=cue,
    )


def _effect_cues(clause: str) -> tuple[list[str], list[str]]:
    """(unnegated effect cues, negated effect cues) in the clause.

    A negated cue about harms ("without significant side effects") is neither: it says nothing
    about whether the treatment worked.
    """
    effects: list[str] = []
    negated: list[str] = []
    for regex, counts_alone in ((_EFFECT, True), (_EFFECT_NOUN, False)):
        for m in regex.finditer(clause):
            if not _is_negated(clause, m.start()):
                if counts_alone:
                    effects.append(m.group())
            elif not _about_harms(clause, m):
                negated.append(_negated_phrase(clause, m))
    return effects, negated


def _about_harms(clause: str, m: re.Match[str]) -> bool:
    """"without significant side effects", "no serious adverse events": a safety remark."""
    phrase = _negated_phrase(clause, m)
    if not re.match(r"(?:without|no|none of)\b", phrase, re.IGNORECASE):
        return False
    return bool(_HARMS.search(phrase + clause[m.end():m.end() + 40]))


def _is_negated(clause: str, start: int) -> bool:
    return _negator_before(clause, start) is not None


def _negator_before(clause: str, start: int) -> int | None:
    """Start of a negator that scopes over the word at ``start`` (four words, same clause)."""
    for m in _NEGATOR_WORD.finditer(clause, max(0, start - 50), start):
        if _NEGATION_GAP.fullmatch(clause, m.end(), start):
            return m.start()
    return None


def _negated_phrase(clause: str, m: re.Match[str]) -> str:
    neg = _negator_before(clause, m.start())
    return clause[neg if neg is not None else m.start():m.end()]


def direction_cues(clause: str) -> list[tuple[int, int, str]]:
    """(start, end, "up" | "down") of every unnegated direction word in the clause."""
    return [
        (m.start(), m.end(), "down" if _DOWN.fullmatch(m.group()) else "up")
        for m in _DIRECTION.finditer(clause) if not _is_negated(clause, m.start())
    ]


def agreed_direction(cues: list[tuple[int, int, str]]) -> str | None:
    """"up" or "down" when all cues agree; None when there are none or they are mixed."""
    directions = {d for _, _, d in cues}
    return directions.pop() if len(directions) == 1 else None


def _direction(clause: str) -> str | None:
    return agreed_direction(direction_cues(clause))


def _benefit(clause: str, direction: str | None) -> int:
    better = [m for m in _BETTER.finditer(clause) if not _is_negated(clause, m.start())]
    worse = [m for m in _WORSE.finditer(clause) if not _is_negated(clause, m.start())]
    if better and not worse:
        return 1
    if worse and not better:
        return -1
    return outcome_valence_sign(clause, direction)


def outcome_valence_sign(text: str, direction: str | None) -> int:
    """+1 when the direction helps ("reduced mortality", "longer survival"), -1 when it hurts."""
    if direction is None:
        return 0
    bad, good = bool(_BAD_OUTCOME.search(text)), bool(_GOOD_OUTCOME.search(text))
    if bad == good:
        return 0
    helps = (direction == "down") == bad
    return 1 if helps else -1


_P_SMALL = re.compile(r"\b[Pp]\s*(?:<|=|≤)\s*0?\.0(?:[0-4]\d*|50*)\b")
_P_LARGE = re.compile(r"\b[Pp]\s*(?:>|=|≥)\s*0?\.(?:0[5-9]|[1-9])\d*\b|\bNS\b")


def _significance(clause: str, effects: list[str], negated: list[str]) -> bool | None:
    if any("significan" in n.lower() for n in negated) or re.search(
        r"\b(?:non-?|in)significant", clause, re.IGNORECASE
    ):
        return False
    if any(e.lower().startswith("significan") for e in effects) or _P_SMALL.search(clause):
        return True
    if _P_LARGE.search(clause):
        return False
    return None
