"""Study design: publication types first, MeSH second, text cues third.

Also fills the design flags (randomised, blinding, placebo, crossover, pilot) and the species.
Text cues count only in the title and in sentences about this study: a background sentence
("a previous meta-analysis found ...") or a call for "further randomised trials" says nothing
about the design of the study at hand.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..models import Fact, Paper, Sentence, Span, Species
from ._text import SentenceIndex, make_fact
from .sentences import about_this_study
from .species import detect_species, mesh_names

# Publication types, strongest first; "trial" is refined by the randomisation cue.
_PUBLICATION_TYPES: tuple[tuple[str, str], ...] = (
    ("meta-analysis", "meta_analysis"),
    ("systematic review", "systematic_review"),
    ("randomized controlled trial", "rct"),
    ("controlled clinical trial", "trial"),
    ("clinical trial", "trial"),
    ("pragmatic clinical trial", "trial"),
    ("equivalence trial", "trial"),
    ("adaptive clinical trial", "trial"),
    ("observational study", "observational"),
    ("twin study", "observational"),
    ("case reports", "case_report"),
    ("practice guideline", "guideline"),
    ("guideline", "guideline"),
    ("consensus development conference", "guideline"),
    ("review", "narrative_review"),
    ("scoping review", "narrative_review"),
)
_MESH_DESIGNS: tuple[tuple[str, str], ...] = (
    ("Random Allocation", "rct"),
    ("Case-Control Studies", "case_control"),
    ("Cohort Studies", "cohort"),
    ("Prospective Studies", "cohort"),
    ("Longitudinal Studies", "cohort"),
    ("Follow-Up Studies", "cohort"),
    ("Cross-Sectional Studies", "cross_sectional"),
    ("Cross-Over Studies", "trial"),
    ("Double-Blind Method", "trial"),
    ("Single-Blind Method", "trial"),
    ("Retrospective Studies", "cohort"),
)

# Text cues: (name, design it points to or None for a flag only, pattern). Order = priority.
_CUES: tuple[tuple[str, str | None, str], ...] = (
    ("meta_analysis", "meta_analysis", r"meta-?analy(?:sis|ses|tic)|pooled analysis of (?:\w+ )?trials"),
    ("systematic_review", "systematic_review", r"systematic(?:al)? (?:literature )?review|systematically (?:reviewed|searched)"),
    ("non_randomised", "non_randomised_trial", (r"non[- ]?randomi[sz]ed|not randomi[sz]ed|quasi-?(?:randomi[sz]ed|experimental)|single[- ]arm|"
                                                  r"uncontrolled (?:\w+ )?(?:study|trial|design|series|clinical|pilot)")),
    ("randomised", "rct", (r"randomi[sz]ed|randomly (?:assigned|allocated|divided|distributed|(?:selected|chosen) to)|"
                          r"randomi[sz]ation|random (?:assignment|allocation|number|sequence)|(?:assigned|allocated|divided|"
                          r"distributed) (?:\w+ )?(?:at random|randomly)|"
                          # "randomly received", "in random order", "by random": allocation, not sampling
                          r"randomly (?:(?:were|was) )?(?!selected|sampled|chosen|drawn|generated|distributed\b)\w+(?:ed|en)|"
                          r"in (?:a )?random (?:order|sequence)|(?:by|using) random")),
    ("double_blind", "trial", r"double[- ]?(?:blind(?:ed)?|mask(?:ed)?)"),
    ("single_blind", "trial", r"single[- ]?(?:blind(?:ed)?|mask(?:ed)?)|(?:assessor|observer|evaluator|rater|investigator)[- ]blind(?:ed)?"),
    ("triple_blind", "trial", r"triple[- ]?(?:blind(?:ed)?|mask(?:ed)?)"),
    ("open_label", "trial", r"open[- ]label"),
    ("placebo", "trial", r"placebo|sham[- ](?:controlled|treatment|procedure|stimulation|acupuncture)"),
    ("crossover", "trial", r"cross-?over"),
    ("pilot", "trial", r"pilot (?:study|trial|randomi[sz]ed)|feasibility (?:study|trial)"),
    ("trial", "trial", r"(?:clinical|controlled|phase (?:I{1,3}|IV|[1-4])[ab]?) (?:trial|study)"),
    ("case_control", "case_control", r"case[- ]?(?:control|referent)|matched controls|controls? (?:were )?matched"),
    ("cohort", "cohort", (r"cohort|longitudinal (?:study|analysis)|prospective(?:ly)? (?:\w+ )?(?:study|studied|followed|"
                         r"observational|collected|recorded|enrolled|analy[sz]ed|data|evaluated|assessed|examined|"
                         r"investigated|compared|included|recruited|observed|monitored|registered)|"
                         r"(?:evaluated|compared|collected|studied|followed|recorded|enrolled|assessed|examined) prospectively|"
                         r"registry|population-based(?! (?:cross|survey|case|prevalence))|database (?:study|analysis)|(?:linked|national|administrative) database|"
                         r"database (?:was|were) (?:queried|used|reviewed|analy[sz]ed)")),
    ("cross_sectional", "cross_sectional", (r"cross[- ]?sectional|(?:population|questionnaire|web|telephone)-based survey|"
                                           r"national survey|prevalence survey|questionnaire survey|"
                                           # lower-case words only: "the Postoperative Morbidity Survey" is a scale
                                           r"(?:a|this|the|our) (?:(?-i:[a-z][\w-]*) ){0,3}survey")),
    ("case_series", "case_series", (r"case series|(?:we|this) (?:report|describe|present) (?:\w+ ){0,2}(?:cases|patients)|"
                                   r"retrospective(?:ly)? (?:\w+ |\([^()]{1,20}\) ){0,2}(?:review|chart|analysis|study|data|case)|"
                                   r"retrospectively (?:\w+ )?(?:reviewed|analy[sz]ed|evaluated|studied|collected|identified|"
                                   r"examined|assessed|investigated|enrolled|included)|"
                                   r"(?:analy[sz]ed|reviewed|collected|evaluated|studied) retrospectively|"
                                   r"(?:records|charts) of (?:\w+ ){0,8}(?:were|was) (?:\w+ )?(?:reviewed|analy[sz]ed|evaluated)|"
                                   r"(?:reviewed|analy[sz]ed) (?:the )?(?:\w+ )?(?:records|charts)|"
                                   r"we reviewed \d+|a series of \d+")),
    ("case_report", "case_report", r"case report|(?:we|this) (?:report|describe|present)s? (?:a|an|the|one) (?:rare |unusual |unique )?(?:case|patient)(?! series)|\ba \d+-year-old (?:man|woman|boy|girl|patient|male|female)"),
    # Weak cues: they decide only when no cue above names a design (see _WEAK_CUES).
    ("healthy_controls", "case_control", (r"(?:age|sex|gender)(?:[- ]?,? ?(?:and|or)[- ](?:age|sex|gender))?[- ]matched|"
                                         r"healthy control(?:s| subjects| group| participants)?")),
    # a patient series over a stated period: "who underwent X between 2002 and 2009"
    ("study_period", "cohort", r"(?:between|from) (?:\w+ )?(?:19|20)\d\d (?:and|to|until|through) (?:\w+ )?(?:19|20)\d\d"),
    ("survey_sample", "cross_sectional", r"representative sample"),
    ("guideline", "guideline", r"(?:clinical )?practice guideline|consensus statement|guideline (?:development|panel|recommendations)"),
    ("review", "narrative_review", r"(?:this|our|the present|in this) review|we review|(?:narrative|literature|scoping) review|review (?:of|on) the (?:literature|evidence)"),
)
# One pass over a text finds every cue; the group name says which. The cues sit in a lookahead so
# that matches may overlap: "prospective randomized study" yields both the cohort and the
# randomised cue (the winner is then chosen by _TEXT_PRIORITY, not by which came first).
_CUE_RE = re.compile(
    r"\b(?=[a-z])(?=" + "|".join(rf"(?P<{name}>(?:{pattern})\b)" for name, _, pattern in _CUES) + ")",
    re.IGNORECASE,
)
_TEXT_PRIORITY = (
    "meta_analysis", "systematic_review", "rct", "non_randomised_trial", "trial", "case_control", "cohort",
    "cross_sectional", "case_series", "case_report", "guideline", "narrative_review",
)
_OBSERVATIONAL = frozenset({"cohort", "case_control", "cross_sectional"})
_WEAK_CUES = frozenset({"healthy_controls", "study_period", "survey_sample"})
# "previous meta-analyses", "further randomised trials are needed": about other studies.
_OTHER_STUDIES = re.compile(
    r"\b(?:previous|prior|earlier|past|further|future|larger|more|other|existing|recent|several|"
    r"many|few|no|any|well-designed|additional|adequately powered|should|must|could|would)\s+(?:\S+\s+){0,3}$",
    re.IGNORECASE,
)
# "nonrandomized studies have reported", "randomised trials are lacking": a plural names other work.
_PLURAL_STUDIES_AFTER = re.compile(r"\s*(?:[\w-]+\s+){0,2}?(?:studies|trials)\b", re.IGNORECASE)
# "a randomised trial is warranted": a call for a study, not this one.
_CALL_FOR_STUDY_AFTER = re.compile(
    r"[\w ,-]{0,30}?\b(?:is|are|would be|will be|should be)\s+(?:\w+\s+)?(?:indicated|warranted|needed|required|necessary)\b",
    re.IGNORECASE,
)
_PLURAL_SENSITIVE = frozenset({"randomised", "non_randomised"})
_FIRST_PERSON = re.compile(r"\b(?:we|our|this|present)\b", re.IGNORECASE)
_BLINDING = {"triple_blind": "triple-blind", "double_blind": "double-blind",
             "single_blind": "single-blind", "open_label": "open-label"}


@dataclass
class DesignResult:
    design: str = "other"
    source: str = "default"
    cues: list[Fact] = field(default_factory=list)
    randomised: bool = False
    blinding: str | None = None
    placebo: bool = False
    crossover: bool = False
    pilot: bool = False
    species: Species = "unknown"
    species_span: Span | None = None


def detect_design(paper: Paper, sentences: list[Sentence]) -> DesignResult:
    """The design of the study and its flags, with the cue facts they rest on."""
    cues = find_design_cues(paper, sentences)
    names = {str(c.value) for c in cues}
    species = detect_species(paper, sentences)
    result = DesignResult(cues=cues, species=species.species, species_span=species.span)
    _set_flags(result, names, mesh_names(paper))
    result.design, result.source = _decide(paper, names, result)
    return result


def find_design_cues(paper: Paper, sentences: list[Sentence]) -> list[Fact]:
    """Design cue facts (kind ``design_cue``, value = cue name) from the title and study sentences."""
    facts: list[Fact] = []
    seen: set[str] = set()
    index = SentenceIndex(sentences)
    for fieldname in ("title", "abstract"):
        text = paper.text_of(fieldname)  # type: ignore[arg-type]
        for match in _CUE_RE.finditer(text):
            name = match.lastgroup or ""
            start, end = match.span(name)
            if name in seen or not _about_this_study(text, name, start, end, index if fieldname == "abstract" else None):
                continue
            seen.add(name)
            facts.append(make_fact("design_cue", text, start, end, name, fieldname))  # type: ignore[arg-type]
    return facts


def _about_this_study(text: str, name: str, start: int, end: int, index: SentenceIndex | None) -> bool:
    """False for cues about other work: background sentences, "previous trials", "further trials"."""
    if index is not None:
        sentence = index.at(start)
        if sentence is None:
            return False
        if not about_this_study(sentence, len(index.sentences)) and not _FIRST_PERSON.search(sentence.text):
            return False
        if name in _PLURAL_SENSITIVE and _PLURAL_STUDIES_AFTER.match(text, end, min(len(text), end + 40)):
            return False
        if _CALL_FOR_STUDY_AFTER.match(text, end, min(len(text), end + 60)):
            return False
    return not _OTHER_STUDIES.search(text, max(0, start - 60), start)


def _set_flags(result: DesignResult, names: set[str], mesh: set[str]) -> None:
    result.randomised = "randomised" in names and "non_randomised" not in names or "Random Allocation" in mesh
    result.placebo = "placebo" in names or "Placebos" in mesh
    result.crossover = "crossover" in names or "Cross-Over Studies" in mesh
    result.pilot = "pilot" in names or "Pilot Projects" in mesh
    for cue, label in _BLINDING.items():
        if cue in names:
            result.blinding = label
            break
    if result.blinding is None and "Double-Blind Method" in mesh:
        result.blinding = "double-blind"
    elif result.blinding is None and "Single-Blind Method" in mesh:
        result.blinding = "single-blind"


def _decide(paper: Paper, names: set[str], flags: DesignResult) -> tuple[str, str]:
    from_types = _from_publication_types(paper.publication_types, flags)
    if from_types:
        return from_types, "publication_type"
    nonhuman = flags.species in ("animal", "in_vitro")
    from_mesh = _from_mesh(mesh_names(paper), flags)
    if from_mesh and not nonhuman:
        return from_mesh, "mesh"
    if nonhuman:
        return flags.species, "mesh" if "Animals" in mesh_names(paper) else "text"
    from_text = _from_text(names, flags)
    return (from_text, "text") if from_text else ("other", "default")


def _from_publication_types(types: list[str], flags: DesignResult) -> str | None:
    lowered = {t.strip().lower() for t in types}
    for name, design in _PUBLICATION_TYPES:
        if any(t == name or t.startswith(name + ",") for t in lowered):
            return _refine(design, flags)
    return None


def _from_mesh(mesh: set[str], flags: DesignResult) -> str | None:
    for name, design in _MESH_DESIGNS:
        if name in mesh:
            return _refine(design, flags)
    return None


def _refine(design: str, flags: DesignResult) -> str:
    """Resolve the generic "trial" and "observational" labels with the flags and cue names."""
    if design == "trial":
        if flags.randomised:
            return "rct"
        names = {str(c.value) for c in flags.cues}
        return "non_randomised_trial" if "non_randomised" in names else "trial"
    if design == "observational":
        names = {str(c.value) for c in flags.cues}
        for candidate in ("case_control", "cross_sectional", "cohort"):
            if candidate in names:
                return candidate
        return "cohort"
    if design == "narrative_review":
        names = {str(c.value) for c in flags.cues}
        return next((n for n in ("meta_analysis", "systematic_review") if n in names), design)
    return design


def _from_text(names: set[str], flags: DesignResult) -> str | None:
    """Strong cues first; the weak ones (a study period, healthy controls) only when none fires."""
    return _designs_of(names - _WEAK_CUES, flags) or _designs_of(names & _WEAK_CUES, flags)


def _designs_of(names: set[str], flags: DesignResult) -> str | None:
    designs = {design for name, design, _ in _CUES if name in names and design}
    if "rct" in designs and not flags.randomised:
        designs.discard("rct")
    if designs & _OBSERVATIONAL:  # "a non-randomised cohort study" is a cohort study
        designs.discard("non_randomised_trial")
    for design in _TEXT_PRIORITY:
        if design in designs:
            return design
    return None
