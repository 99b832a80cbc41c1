"""The data contract between stages.

Ids are stable strings:

* papers: ``pmid:9161373``, else ``doi:10.1000/x`` (lower-cased), else ``doc:<source id>`` for
  records that carry a corpus id of their own (BEIR ``_id``, SciFact ``doc_id``, WoS ``UT``), else
  ``hash:<16 hex>`` of the normalised title and abstract (RIS ``ID`` and BibTeX keys stay in
  ``ext_id`` only: exports reuse them across unrelated records);
* sentences: ``<paper id>#s<index>`` (``pmid:9161373#s4`` is the fifth abstract sentence).

Offsets (``start``/``end``) are character offsets into ``Paper.title`` or ``Paper.abstract``
(``Span.field`` says which), end exclusive, so ``paper.abstract[start:end] == span.text``.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Stance = Literal["yes", "possibly", "no", "unclear"]
STANCES: tuple[Stance, ...] = ("yes", "possibly", "no", "unclear")

Species = Literal["human", "animal", "in_vitro", "unknown"]

# Evidence hierarchy, strongest first. ``design_rank`` turns it into a sortable number.
DESIGNS: tuple[str, ...] = (
    "meta_analysis",
    "systematic_review",
    "rct",
    "non_randomised_trial",
    "trial",  # a controlled or clinical trial whose text does not say whether it was randomised
    "cohort",
    "case_control",
    "cross_sectional",
    "case_series",
    "case_report",
    "guideline",
    "narrative_review",
    "animal",
    "in_vitro",
    "other",
)

DESIGN_LABELS: dict[str, str] = {
    "meta_analysis": "meta-analysis",
    "systematic_review": "systematic review",
    "rct": "randomised controlled trial",
    "non_randomised_trial": "non-randomised trial",
    "trial": "clinical trial",
    "cohort": "cohort study",
    "case_control": "case-control study",
    "cross_sectional": "cross-sectional study",
    "case_series": "case series",
    "case_report": "case report",
    "guideline": "guideline",
    "narrative_review": "narrative review",
    "animal": "animal study",
    "in_vitro": "in vitro study",
    "other": "study",
}


def design_rank(design: str) -> int:
    """0 for the strongest design; unknown designs sort last."""
    return DESIGNS.index(design) if design in DESIGNS else len(DESIGNS)


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


# --------------------------------------------------------------------------- records


class Span(_Model):
    """A piece of a paper's text: ``paper.<field>[start:end] == text``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    field: Literal["title", "abstract"] = "abstract"
    start: int = Field(ge=0)
    end: int = Field(ge=0)
    text: str


class AbstractSection(_Model):
    """A labelled part of a structured abstract (``label`` as printed, e.g. ``METHODS``)."""

    label: str
    category: str | None = None  # NLM category when given: BACKGROUND, OBJECTIVE, METHODS, ...
    start: int
    end: int


class Paper(_Model):
    """One bibliographic record with its title and abstract."""

    id: str
    pmid: str | None = None
    doi: str | None = None
    ext_id: str | None = None
    title: str = ""
    abstract: str = ""
    sections: list[AbstractSection] = Field(default_factory=list)
    authors: list[str] = Field(default_factory=list)
    year: int | None = None
    journal: str | None = None
    publication_types: list[str] = Field(default_factory=list)
    mesh_terms: list[str] = Field(default_factory=list)
    keywords: list[str] = Field(default_factory=list)
    language: str | None = None
    retracted: bool = False
    source: str | None = None  # the format or live source it came from
    fetched_at: str | None = None  # ISO time, for records fetched from a live source

    def text_of(self, field: Literal["title", "abstract"]) -> str:
        return self.title if field == "title" else self.abstract

    def content_hash(self) -> str:
        """Hash of everything a user would call the record's content (not where it came from)."""
        payload = self.model_dump_json(exclude={"source", "fetched_at"})
        return hashlib.sha256(payload.encode("utf-8")).hexdigest()[:32]

    @property
    def url(self) -> str | None:
        if self.pmid:
            return f"https://pubmed.ncbi.nlm.nih.gov/{self.pmid}/"
        if self.doi:
            return f"https://doi.org/{self.doi}"
        return None


def normalise_doi(doi: str | None) -> str | None:
    """``https://doi.org/10.1/X`` or ``doi:10.1/X`` → ``10.1/x``; None when it is not a DOI."""
    if not doi:
        return None
    doi = doi.strip()
    doi = re.sub(r"^(?:https?://(?:dx\.)?doi\.org/|doi:\s*)", "", doi, flags=re.I)
    doi = doi.strip().lower()
    return doi if re.match(r"^10\.\d{2,9}/\S+$", doi) else None


def normalise_pmid(pmid: object) -> str | None:
    text = str(pmid).strip() if pmid is not None else ""
    text = re.sub(r"^(?:pmid:\s*)", "", text, flags=re.I)
    return text if text.isascii() and text.isdigit() and 0 < len(text) <= 10 and int(text) > 0 else None


def _fingerprint(title: str, abstract: str) -> str:
    norm = unicodedata.normalize("NFKC", f"{title}\n{abstract}").casefold()
    norm = re.sub(r"\W+", " ", norm).strip()
    return hashlib.sha256(norm.encode("utf-8")).hexdigest()[:16]


def make_paper_id(
    *, pmid: str | None = None, doi: str | None = None, ext_id: str | None = None,
    title: str = "", abstract: str = "",
) -> str:
    """The stable id of a record: PMID, then DOI, then its own id, then a content hash."""
    if pmid:
        return f"pmid:{pmid}"
    if doi:
        return f"doi:{doi}"
    if ext_id:
        return f"doc:{ext_id}"
    return f"hash:{_fingerprint(title, abstract)}"


def sentence_id(paper_id: str, index: int) -> str:
    return f"{paper_id}#s{index}"


class Deletion(_Model):
    """A record that says a PMID is withdrawn from PubMed (``DeleteCitation``)."""

    pmid: str
    source: str = ""
    position: str = ""


class Skipped(_Model):
    """A malformed record that was reported and left out."""

    source: str
    position: str
    reason: str


# --------------------------------------------------------------------------- analysis


class Sentence(_Model):
    id: str
    index: int
    start: int
    end: int
    text: str
    label: str | None = None  # structured-abstract label the sentence sits under
    role: str | None = None  # background | objective | methods | results | conclusions


class Fact(_Model):
    """One extracted fact with the span it came from.

    ``kind`` names what it is (``condition``, ``population``, ``intervention``, ``comparator``,
    ``outcome_measure``, ``adverse_effect``, ``design_cue``, ``percentage``, ``p_value``, ...);
    ``value`` is its normalised form (a canonical scale name, a number), ``text`` its words.
    """

    kind: str
    text: str
    value: str | float | None = None
    span: Span


class SampleSize(_Model):
    n: int
    basis: Literal["total", "arms", "single"] = "total"
    unit: str | None = None  # what was counted: patients, men, rats, eyes ...
    span: Span


class Dose(_Model):
    text: str  # as written: "400 mg three times daily"
    amount: float | None = None
    amount_max: float | None = None  # "900 to 1600 mg": 900 .. 1600
    unit: str | None = None
    frequency: str | None = None
    span: Span


class Finding(_Model):
    """A results or conclusion sentence with the numbers it reports."""

    sentence_id: str
    text: str
    span: Span
    numbers: list[Fact] = Field(default_factory=list)
    direction: Literal["improved", "worsened", "no_difference", "unclear"] = "unclear"
    significant: bool | None = None


class StudyFacts(_Model):
    """What a careful reader takes from one abstract. Every fact carries its span."""

    paper_id: str
    analyser_version: str
    sentences: list[Sentence] = Field(default_factory=list)
    design: str = "other"
    design_source: Literal["publication_type", "mesh", "text", "default"] = "default"
    design_cues: list[Fact] = Field(default_factory=list)
    randomised: bool = False
    blinding: str | None = None  # "double-blind", "single-blind", "triple-blind", "open-label"
    placebo: bool = False
    crossover: bool = False
    pilot: bool = False
    species: Species = "unknown"
    species_span: Span | None = None
    sample_size: SampleSize | None = None
    conditions: list[Fact] = Field(default_factory=list)
    population: list[Fact] = Field(default_factory=list)
    interventions: list[Fact] = Field(default_factory=list)
    doses: list[Dose] = Field(default_factory=list)
    comparators: list[Fact] = Field(default_factory=list)
    outcome_measures: list[Fact] = Field(default_factory=list)
    findings: list[Finding] = Field(default_factory=list)
    adverse_effects: list[Fact] = Field(default_factory=list)
    mechanisms: list[Fact] = Field(default_factory=list)
    key_finding: Finding | None = None
    # Learned PICO spans (kinds ``participants``, ``outcome``) and tolerability statements
    # ("was well tolerated", "no serious adverse events": kind ``tolerability``, not harms).
    participants: list[Fact] = Field(default_factory=list)
    outcomes: list[Fact] = Field(default_factory=list)
    tolerability: list[Fact] = Field(default_factory=list)


class StanceJudgement(_Model):
    """A study's answer to the question, with the sentence it rests on."""

    stance: Stance = "unclear"
    confidence: float = 0.0
    reason: str = ""
    span: Span | None = None


# --------------------------------------------------------------------------- retrieval


class Filters(_Model):
    year_min: int | None = None
    year_max: int | None = None
    designs: list[str] = Field(default_factory=list)
    min_sample_size: int | None = None
    species: Literal["human", "animal"] | None = None
    include_retracted: bool = False

    def is_empty(self) -> bool:
        return self == Filters()


class QueryAnalysis(_Model):
    """What retrieval and synthesis need to know about the question."""

    question: str
    terms: list[str] = Field(default_factory=list)  # content words, in question order
    fts_query: str = ""  # a safe FTS5 MATCH expression ("" when nothing is searchable)
    is_yes_no: bool = False
    intervention: list[str] = Field(default_factory=list)
    outcome: list[str] = Field(default_factory=list)
    population: list[str] = Field(default_factory=list)


class Hit(_Model):
    paper_id: str
    rank: int  # 1-based
    score: float
    scores: dict[str, float] = Field(default_factory=dict)  # per stage: bm25, dense, fused ...
    paper: Paper | None = None


# --------------------------------------------------------------------------- report


class Evidence(_Model):
    """The source text a report sentence rests on."""

    paper_id: str
    field: Literal["title", "abstract"] = "abstract"
    start: int
    end: int
    text: str = ""
    sentence_id: str | None = None


class Claim(_Model):
    """One sentence of a report, with what it cites and rests on."""

    text: str
    citations: list[str] = Field(default_factory=list)  # paper ids, in citation order
    evidence: list[Evidence] = Field(default_factory=list)
    kind: str = "finding"  # answer | summary | finding | contradiction | conclusion | limitation ...


class Grade(_Model):
    level: Literal["high", "moderate", "low", "very low"]
    reasons: list[str] = Field(default_factory=list)


class Section(_Model):
    heading: str
    kind: str = "condition"  # condition | population | animal | in_vitro | other | explainer part
    sentences: list[Claim] = Field(default_factory=list)
    paper_ids: list[str] = Field(default_factory=list)
    grade: Grade | None = None


class Meter(_Model):
    yes: int = 0
    possibly: int = 0
    no: int = 0
    unclear: int = 0
    shown: bool = False  # shown for yes/no questions with enough relevant studies

    @property
    def total(self) -> int:
        return self.yes + self.possibly + self.no + self.unclear


class Source(_Model):
    """An entry of the numbered source list; ``number`` is what ``[n]`` in the text refers to."""

    number: int
    id: str
    pmid: str | None = None
    doi: str | None = None
    title: str
    year: int | None = None
    authors: list[str] = Field(default_factory=list)
    journal: str | None = None
    url: str | None = None


class Study(_Model):
    """One study as the report used it: the retrieval hit, its facts and its stance."""

    paper_id: str
    number: int | None = None  # its number in the source list, when cited
    rank: int
    score: float
    facts: StudyFacts
    stance: StanceJudgement


class Report(_Model):
    question: str
    style: Literal["pro", "explainer"] = "pro"
    query: QueryAnalysis | None = None
    filters: Filters = Field(default_factory=Filters)
    answer: Claim
    meter: Meter = Field(default_factory=Meter)
    grade: Grade | None = None
    sections: list[Section] = Field(default_factory=list)
    conclusion: list[Claim] = Field(default_factory=list)
    sources: list[Source] = Field(default_factory=list)
    studies: list[Study] = Field(default_factory=list)
    notices: list[str] = Field(default_factory=list)  # e.g. "no embedding index; BM25 only"
    excluded: list[str] = Field(default_factory=list)  # paper ids left out (retracted ...)
    version: str = ""

    def claims(self) -> list[Claim]:
        """Every sentence of the report, in reading order."""
        out = [self.answer]
        for section in self.sections:
            out.extend(section.sentences)
        out.extend(self.conclusion)
        return out


class IngestSummary(_Model):
    files: int = 0
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0
    skipped: list[Skipped] = Field(default_factory=list)


class BatchCounts(_Model):
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0
