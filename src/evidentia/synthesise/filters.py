"""What the user's filters were, in words, for a report that they left empty.

The filters (years, designs, minimum sample size, species) are applied during retrieval, so
synthesis sees only the studies that passed. When none did, the report says so and names the
filters, rather than "no studies were found": the library may hold studies the filters removed.
"""

from __future__ import annotations

from ..models import DESIGN_LABELS, Filters
from .drafts import Draft, draft
from .phrases import join_words

SPECIES_WORDS = {"human": "studies in people", "animal": "animal studies"}


def describe_filters(filters: Filters) -> str:
    """'published in 2030 or later, design cohort study, at least 100 participants' ('' when
    no filter narrows the search)."""
    parts = [_years(filters)]
    if filters.designs:
        labels = [DESIGN_LABELS.get(design, design.replace("_", " ")) for design in filters.designs]
        parts.append(f"design {join_words(labels, 'or')}")
    if filters.min_sample_size:
        parts.append(f"at least {filters.min_sample_size:,} participants")
    if filters.species:
        parts.append(SPECIES_WORDS.get(filters.species, filters.species))
    return ", ".join(part for part in parts if part)


def _years(filters: Filters) -> str:
    low, high = filters.year_min, filters.year_max
    if low and high:
        return f"published in {low}" if low == high else f"published {low} to {high}"
    if low:
        return f"published in {low} or later"
    return f"published in {high} or earlier" if high else ""


def narrowed(filters: Filters | None) -> bool:
    """The filters can remove studies (``include_retracted`` only lets more in)."""
    return filters is not None and bool(describe_filters(filters))


def filtered_out_answer(filters: Filters) -> Draft:
    return draft("Too little evidence to answer: no study in the library passed the filters "
                 f"({describe_filters(filters)}); relax or remove them to see the studies "
                 "there are.", kind="answer")


def filtered_out_conclusion(filters: Filters) -> Draft:
    return draft("No study passed the filters, so no conclusion can be drawn; a search with "
                 "fewer filters may find studies that answer the question.", kind="conclusion")


def filtered_out_notice(filters: Filters) -> str:
    return (f"No study in the library passed the filters ({describe_filters(filters)}); "
            "relax or remove them to see the studies there are.")


def asked(question: str, filters: Filters | None) -> str:
    """What the reader asked for, as a text the faithfulness check may find words in."""
    return f"{question}\n{describe_filters(filters)}" if filters is not None else question
