"""Split an abstract into sentences with offsets, labels and rhetorical roles.

Splitting is abbreviation-aware ("et al.", "e.g.", "vs.", "Fig.", initials, decimals) and never
breaks inside balanced parentheses or brackets. Each sentence gets the structured-abstract label
it falls under: from ``paper.sections`` when the record has them, else from an inline heading
("BACKGROUND ...", "Methods: ..."), which is then left out of the sentence's span. The role comes
from the label, or, for unstructured abstracts, from cue phrases and position.
"""

from __future__ import annotations

import re
from itertools import pairwise

from ..models import AbstractSection, Paper, Sentence, sentence_id
from .roles import predict_roles

ROLES = ("background", "objective", "methods", "results", "conclusions")
SHORT_ABSTRACT_SENTENCES = 2

_ABBREVIATIONS = frozenset(
    [
        "al", "e.g", "i.e", "eg", "ie", "vs", "v", "cf", "ca", "approx", "fig", "figs", "eq",
        "eqs", "no", "nos", "ref", "refs", "vol", "dr", "mr", "mrs", "ms", "prof", "st", "sr",
        "jr", "inc", "ltd", "co", "corp", "dept", "univ", "resp", "spp", "sp", "subsp", "var",
        "viz", "etc", "min", "max", "mo", "wk", "wks", "yr", "yrs", "hr", "hrs", "sec", "mins",
        "approx.", "incl", "esp", "nat", "natl", "int", "jan", "feb", "mar", "apr", "jun",
        "jul", "aug", "sep", "sept", "oct", "nov", "dec", "u.s", "e.u", "i.v", "i.m", "s.c",
        "p.o", "b.i.d", "t.i.d", "q.i.d", "q.d"
    ]
)

# A full stop, "?" or "!", closing quotes/brackets, whitespace, then something that can start a
# sentence: a capital, a digit, an opening bracket or quote, or a word like "mRNA" / "p53".
_BOUNDARY = re.compile(r"[.!?][\"'”’)\]]*(\s+)(?=[A-Z0-9(\[\"'“‘]|[a-z]{1,3}[A-Z0-9])")
_WORD_BEFORE = re.compile(r"([\w.]+)\.$")
_BRACKET = re.compile(r"[()\[\]]")
_NEXT_INITIAL = re.compile(r"\s+[A-Z]\.[\s-]")

_LABEL_WORDS = (
    "BACKGROUND|INTRODUCTION|CONTEXT|RATIONALE|IMPORTANCE|OBJECTIVES?|AIMS?|PURPOSES?|GOALS?|"
    "HYPOTHES[IE]S|METHODS?|METHODOLOGY|MATERIALS?|DESIGN|SETTINGS?|PARTICIPANTS|PATIENTS|SUBJECTS|"
    "INTERVENTIONS?|MEASUREMENTS?|MAIN|OUTCOMES?|MEASURES?|RESULTS?|FINDINGS|CONCLUSIONS?|"
    "INTERPRETATION|IMPLICATIONS?|SIGNIFICANCE|DISCUSSION|STUDY|DATA|SOURCES?|SELECTION|EXTRACTION|"
    "SYNTHESIS|EVIDENCE|ACQUISITION|REVIEW|SEARCH|ELIGIBILITY|CRITERIA|POPULATION|SAMPLE|"
    "PROCEDURES?|CLINICAL|RELEVANCE|LIMITATIONS?|PRIMARY|SECONDARY|KEY|PRINCIPAL|TRIAL|"
    "REGISTRATION|SUMMARY|QUESTION|PRACTICE|POLICY|CASE|REPORT|PRESENTATION|EXPERIMENTAL|ANALYSIS|"
    "APPROACH|SCOPE|CONCLUDING|REMARKS|TRANSLATIONAL|PERSPECTIVE|NEW|WHAT|IS|KNOWN|THIS|ADDS"
)
_FILLER = r"AND|OF|&|/|THE|TO|FOR|AT|A"
_HEADING_WORDS = rf"((?:{_LABEL_WORDS})(?:[ ,]+(?:{_LABEL_WORDS}|{_FILLER}))*)"
# "METHODS AND RESULTS Text": capitals, known label words only, no colon needed.
_BARE_HEADING = re.compile(rf"^{_HEADING_WORDS}(?:\s*[:.]\s*|\s+)(?=\S)")
# "Patients and methods: text", "Background: text": known label words in any case, then a colon.
_COLON_HEADING = re.compile(rf"^{_HEADING_WORDS}\s*:\s*(?=\S)", re.IGNORECASE)
# "...in both groups.METHODS: We..." (a heading glued to the previous sentence by some exports).
_GLUED_HEADING = re.compile(rf"[.!?](?={_HEADING_WORDS}\s*:)")

_ROLE_KEYWORDS: tuple[tuple[str, str], ...] = (
    ("CONCLU", "conclusions"), ("INTERPRET", "conclusions"), ("IMPLICATION", "conclusions"),
    ("SIGNIFICANCE", "conclusions"), ("DISCUSSION", "conclusions"), ("SUMMARY", "conclusions"),
    ("REMARK", "conclusions"), ("RESULT", "results"), ("FINDING", "results"),
    ("METHOD", "methods"), ("DESIGN", "methods"), ("SETTING", "methods"),
    ("PARTICIPANT", "methods"), ("PATIENT", "methods"), ("SUBJECT", "methods"),
    ("INTERVENTION", "methods"), ("MEASURE", "methods"), ("MATERIAL", "methods"),
    ("SOURCE", "methods"), ("SELECTION", "methods"), ("EXTRACTION", "methods"),
    ("SEARCH", "methods"), ("ELIGIBILITY", "methods"), ("POPULATION", "methods"),
    ("SAMPLE", "methods"), ("PROCEDURE", "methods"), ("ACQUISITION", "methods"),
    ("SYNTHESIS", "results"), ("CASE", "results"), ("OBJECTIVE", "objective"),
    ("AIM", "objective"), ("PURPOSE", "objective"), ("GOAL", "objective"),
    ("QUESTION", "objective"), ("HYPOTHES", "objective"), ("BACKGROUND", "background"),
    ("INTRODUCTION", "background"), ("CONTEXT", "background"), ("RATIONALE", "background"),
    ("IMPORTANCE", "background"),
)

_CONCLUSION_CUE = re.compile(
    r"\b(?:in conclusion|we conclude|to conclude|in summary|to summari[sz]e|taken together|"
    r"collectively|(?:these|our|the present|this) (?:results|findings|data|observations|study|"
    r"studies|work|trial|analysis|analyses|review|experiments) (?:suggests?|indicates?|shows?|"
    r"demonstrates?|supports?|provides?|impl(?:y|ies)|highlights?|reveals?|confirms?|establish(?:es)?|"
    r"underscores?|identif(?:y|ies)|point)|further (?:studies|research|trials|investigation|work) "
    r"(?:is|are|will be) (?:needed|warranted|required)|(?:is|are) warranted|should be considered|"
    r"we propose|we recommend)\b",
    re.IGNORECASE,
)
_RESULT_CUE = re.compile(
    r"(?:\b[pP]\s*(?:[<>=≤≥]|value)|\b95\s?%|\bCI\b|\d\s?%|\b(?:significant(?:ly)?|"
    r"we found|we observed|was observed|were observed|was associated|were associated|"
    r"did not differ|no (?:significant )?differences?|odds ratio|hazard ratio|relative risk)\b)",
    re.IGNORECASE,
)
# "Here we show that ...": the finding of a basic-science abstract, stated up front.
_FINDING_CUE = re.compile(
    r"\b(?:here,? we|we (?:now )?)(?:show|report|demonstrate|find|found|identify|identified|reveal|"
    r"uncover|establish)\b",
    re.IGNORECASE,
)
_METHOD_CUE = re.compile(
    r"\b(?:were|was) (?:randomi[sz]ed|randomly|enrolled|recruited|included|allocated|assigned|"
    r"divided|followed|measured|assessed|evaluated|collected|obtained|recorded|analy[sz]ed|"
    r"performed|conducted|treated|studied|interviewed|surveyed|administered|given)|"
    r"\bwe (?:studied|enrolled|recruited|conducted|performed|used|analy[sz]ed|measured|assessed|"
    r"examined|searched|reviewed|included|collected|compared|randomi[sz]ed|identified)\b|"
    r"\b(?:primary|secondary) (?:outcome|end ?point)|\b(?:retrospective|prospective)(?:ly)?\b",
    re.IGNORECASE,
)
_OBJECTIVE_CUE = re.compile(
    r"\b(?:we aimed|we sought|the aims?|the objectives?|the purpose|the goal|we hypothesi[sz]ed|"
    r"this study (?:was designed|aimed|sought|investigate[sd]?|examine[sd]?|evaluate[sd]?)|"
    r"(?:aim|aimed|designed|sought) to|we (?:investigated|examined|evaluated|assessed|tested) "
    r"whether|to (?:determine|investigate|evaluate|assess|examine|compare|test) (?:whether|if|the)|"
    r"here,? we (?!(?:show|report|demonstrate|find|found|identify|identified|reveal|uncover|"
    r"provide|describe|establish)))\b",
    re.IGNORECASE,
)


def split_sentences(paper: Paper) -> list[Sentence]:
    """The abstract's sentences, in order, with ids, offsets, labels and roles."""
    text = paper.abstract
    sentences: list[Sentence] = []
    hints: list[str | None] = []
    for start, end, label, category in _pieces(text, paper.sections):
        sentences.append(Sentence(
            id=sentence_id(paper.id, len(sentences)), index=len(sentences), start=start,
            end=end, text=text[start:end], label=label,
        ))
        hints.append(category)
    assign_roles(sentences, hints)
    return sentences


def _pieces(
    text: str, sections: list[AbstractSection],
) -> list[tuple[int, int, str | None, str | None]]:
    """(start, end, label, NLM category) of each sentence; inline headings become labels."""
    out: list[tuple[int, int, str | None, str | None]] = []
    current_label: str | None = None
    for start, end in _raw_spans(text, [s.start for s in sections]):
        start, end = _trim(text, start, end)
        section = _section_at(sections, start)
        heading = _heading(text[start:end])
        if heading:
            current_label = heading[0]
            start += heading[1]
        start, end = _trim(text, start, end)
        if end > start:
            label = section.label if section else current_label
            out.append((start, end, label, section.category if section else None))
    return out


def _section_at(sections: list[AbstractSection], offset: int) -> AbstractSection | None:
    for section in sections:
        if section.start <= offset < section.end:
            return section
    return None


def _heading(sentence: str) -> tuple[str, int] | None:
    """(label, characters to skip) when the sentence opens with a structured-abstract heading."""
    match = _BARE_HEADING.match(sentence) or _COLON_HEADING.match(sentence)
    if match and _label_role(match.group(1)):
        return match.group(1).strip(" ,"), match.end()
    return None


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def _raw_spans(text: str, forced: list[int]) -> list[tuple[int, int]]:
    """Sentence spans before trimming: cut at accepted boundaries and at section starts."""
    protected = _bracketed_ranges(text)
    cuts = {0, len(text), *[f for f in forced if 0 < f < len(text)]}
    for match in _BOUNDARY.finditer(text):
        if _accept_boundary(text, match.start(), protected):
            cuts.add(match.start(1))
    for match in _GLUED_HEADING.finditer(text):
        if not any(a < match.start() < b for a, b in protected):
            cuts.add(match.end())
    ordered = sorted(cuts)
    return [(a, b) for a, b in pairwise(ordered) if text[a:b].strip()]


def _bracketed_ranges(text: str, longest: int = 600) -> list[tuple[int, int]]:
    """(open, close) of balanced (...) and [...] pairs; unbalanced or very long ones are ignored."""
    stack: list[tuple[str, int]] = []
    ranges: list[tuple[int, int]] = []
    pairs = {")": "(", "]": "["}
    for m in _BRACKET.finditer(text):
        char, i = m.group(), m.start()
        if char in "([":
            stack.append((char, i))
            continue
        while stack and stack[-1][0] != pairs[char]:
            stack.pop()
        if stack:
            _, opened = stack.pop()
            if i - opened <= longest:
                ranges.append((opened, i))
    return ranges


def _accept_boundary(text: str, dot: int, protected: list[tuple[int, int]]) -> bool:
    if any(a < dot < b for a, b in protected):
        return False
    if text[dot] != ".":
        return True
    match = _WORD_BEFORE.search(text, max(0, dot - 30), dot + 1)
    if not match:
        return True
    word = match.group(1)
    if word.lower().rstrip(".") in _ABBREVIATIONS or word.lower() in _ABBREVIATIONS:
        return False
    if "." in word and len(word) <= 6 and word.replace(".", "").isalpha():
        return False  # "U.S.", "i.v." and other dotted abbreviations
    return not _is_initial(text, match.start(1), word)


def _is_initial(text: str, start: int, word: str) -> bool:
    """"J. R. Smith": a lone capital next to another initial or after a name, not "vitamin D. The"."""
    if not (len(word) == 1 and word.isupper()):
        return False
    if _NEXT_INITIAL.match(text, start + 2):
        return True
    before = text[max(0, start - 20):start].rstrip()
    previous = before.split()[-1] if before.split() else ""
    return bool(re.fullmatch(r"[A-Z]\.|[A-Z][a-z]+,?|[A-Z]\.-?[A-Z]\.", previous))


# --------------------------------------------------------------------------- roles


def about_this_study(sentence: Sentence, count: int) -> bool:
    """Whether a sentence may describe the study itself rather than earlier work.

    Background sentences usually cite other work; in a very short abstract (one or two
    sentences) there is no room for background, so every sentence counts.
    """
    return sentence.role != "background" or count <= SHORT_ABSTRACT_SENTENCES



def _label_role(label: str | None) -> str | None:
    if not label:
        return None
    upper = label.upper()
    if "METHOD" in upper and "RESULT" in upper:
        return "methods_results"
    for keyword, role in _ROLE_KEYWORDS:
        if keyword in upper:
            return role
    return None


def label_role(label: str | None) -> str | None:
    """The role a structured-abstract label stands for ("MAIN OUTCOME MEASURES" → methods)."""
    role = _label_role(label)
    return None if role == "methods_results" else role


def assign_roles(sentences: list[Sentence], categories: list[str | None] | None = None) -> None:
    """Set ``role`` on each sentence: from its NLM category or label, else from the learned
    role model (``roles.py``), else from cues and position."""
    labelled = [_label_role(categories[i] if categories else None) or _label_role(s.label)
                for i, s in enumerate(sentences)]
    learned = None if all(labelled) else predict_roles([s.text for s in sentences])
    previous: str | None = None
    last = len(sentences) - 1
    for i, sentence in enumerate(sentences):
        role = labelled[i]
        if role == "methods_results":
            role = "results" if _RESULT_CUE.search(sentence.text) else "methods"
        if role is None:
            role = learned[i] if learned else _cue_role(sentence.text, sentence.index, last, previous)
        sentence.role = role
        previous = role


def cue_names(text: str) -> list[str]:
    """Which role cue phrases (conclusion, objective, finding, result, method) the text has."""
    cues = (("conclusion", _CONCLUSION_CUE), ("objective", _OBJECTIVE_CUE), ("finding", _FINDING_CUE),
            ("result", _RESULT_CUE), ("method", _METHOD_CUE))
    return [name for name, regex in cues if regex.search(text)]


def _cue_role(text: str, index: int, last: int, previous: str | None) -> str:
    if _CONCLUSION_CUE.search(text) and index > 0:
        return "conclusions"
    if _OBJECTIVE_CUE.search(text) and previous in (None, "background", "objective"):
        return "objective"
    if index == 0:
        return "methods" if _METHOD_CUE.search(text) and not _RESULT_CUE.search(text) else "background"
    if _RESULT_CUE.search(text) or _FINDING_CUE.search(text):
        return "results"
    if _METHOD_CUE.search(text):
        return "methods"
    if index == last and index >= 2:
        return "conclusions"
    return "methods" if previous == "objective" else previous or "background"
