"""The faithfulness check: a report sentence may only say what its cited papers say.

``check_claim`` returns the problems with one sentence (an empty list means it passes):

* every cited paper id exists (and, given the source list, is in it; every ``[n]`` marker names a
  source that the sentence cites);
* every number in the sentence (integers, decimals, percentages, each end of a range; in digits or
  in words) occurs in the title or abstract of at least one cited paper, compared by value;
* every dose ("400 mg") and every scale name ("Modified Ashworth Scale", "VAS") does too;
* every condition it names (terms of the general conditions vocabulary, and words shaped like
  disease names: "...itis", "... syndrome") is named by a cited paper too, in the same words or
  under another name of the same vocabulary entry ("MS" for "multiple sclerosis").

Counts of the report's own studies ("6 of 9 studies") and the ``[n]`` markers are not numbers
about a paper and are skipped. A research need, and a sentence that cites no paper, may also name what the
reader asked for ("trials of X for fractures", "published in 2030 or later"): the question and
the filters are the reader's, not claims about a paper. ``synthesise`` drops any sentence that fails.
"""

from __future__ import annotations

import re

from ..models import Claim, Paper, Report, Source
from .filters import asked
from .textfacts import (
    CITATION_MARKER_RE,
    claim_numbers,
    condition_mentions,
    doses,
    mentions_condition,
    mentions_scale,
    scale_names,
    source_doses,
    source_numbers,
    strip_citation_markers,
)


def check_claim(
    claim: Claim, papers: dict[str, Paper], *, sources: list[Source] | None = None,
    question: str = "",
) -> list[str]:
    """Problems with one report sentence; empty when every fact in it is in a cited paper (or,
    for a research need or an uncited sentence, in ``question``: what the reader asked, see
    ``filters.asked``)."""
    problems = _citation_problems(claim, papers, sources)
    texts = [_paper_text(papers[pid]) for pid in claim.citations if pid in papers]
    if question and (claim.kind == "research_need" or not claim.citations):
        texts.append(question)
    problems.extend(_number_problems(claim.text, texts))
    problems.extend(_dose_problems(claim.text, texts))
    problems.extend(_scale_problems(claim.text, texts))
    problems.extend(_condition_problems(claim.text, texts))
    return problems


def check_report(report: Report, papers: dict[str, Paper]) -> list[tuple[Claim, list[str]]]:
    """Every sentence of the report that fails the check, with its problems."""
    failures = []
    for claim in report.claims():
        problems = check_claim(claim, papers, sources=report.sources,
                               question=asked(report.question, report.filters))
        if problems:
            failures.append((claim, problems))
    return failures


def _paper_text(paper: Paper) -> str:
    return f"{paper.title}\n{paper.abstract}"


def _citation_problems(
    claim: Claim, papers: dict[str, Paper], sources: list[Source] | None
) -> list[str]:
    problems = [f"cites {pid}, which is not among the papers" for pid in claim.citations
                if pid not in papers]
    if sources is None:
        return problems
    by_number = {source.number: source.id for source in sources}
    listed = set(by_number.values())
    problems += [f"cites {pid}, which is not in the source list" for pid in claim.citations
                 if pid not in listed]
    for number in _marker_numbers(claim.text):
        if by_number.get(number) not in claim.citations:
            problems.append(f"marker [{number}] does not name a source this sentence cites")
    return problems


def _marker_numbers(text: str) -> list[int]:
    markers = CITATION_MARKER_RE.findall(text)
    return [int(number) for marker in markers for number in re.findall(r"\d+", marker)]


def _number_problems(text: str, sources: list[str]) -> list[str]:
    known = set().union(*(source_numbers(source) for source in sources)) if sources else set()
    return [f"number {written!r} is not in the cited papers"
            for value, written in claim_numbers(text) if value not in known]


def _dose_problems(text: str, sources: list[str]) -> list[str]:
    known = set().union(*(source_doses(source) for source in sources)) if sources else set()
    body = strip_citation_markers(text)
    return [f"dose {written!r} is not in the cited papers"
            for key, written in doses(body) if key not in known]


def _scale_problems(text: str, sources: list[str]) -> list[str]:
    body = strip_citation_markers(text)
    return [f"scale {name!r} is not in the cited papers" for name in scale_names(body)
            if not any(mentions_scale(name, source) for source in sources)]


def _condition_problems(text: str, sources: list[str]) -> list[str]:
    return [f"condition {written!r} is not in the cited papers"
            for written, canonical in condition_mentions(text)
            if not any(mentions_condition(written, canonical, source) for source in sources)]


# --------------------------------------------------------------------------- verdicts


def checked_facts(claim: Claim) -> dict[str, list[str]]:
    """What the checker compares in one sentence, as written."""
    body = strip_citation_markers(claim.text)
    return {
        "numbers": [written for _, written in claim_numbers(claim.text)],
        "doses": [written for _, written in doses(body)],
        "scales": scale_names(body),
        "conditions": [written for written, _ in condition_mentions(claim.text)],
    }


def verdicts(report: Report, papers: dict[str, Paper]) -> list[dict[str, object]]:
    """The checker's verdict on every sentence of a report, in reading order.

    Each entry: ``part`` (answer, the section heading, or conclusion), ``kind``, ``text``,
    ``citations`` (paper ids), ``verdict`` ("pass" or "fail"), ``problems`` and ``checked``
    (the numbers, doses, scales and conditions compared with the cited papers).
    """
    parts = [("answer", report.answer)]
    parts += [(section.heading, claim) for section in report.sections
              for claim in section.sentences]
    parts += [("conclusion", claim) for claim in report.conclusion]
    out = []
    for part, claim in parts:
        problems = check_claim(claim, papers, sources=report.sources,
                               question=asked(report.question, report.filters))
        out.append({
            "part": part, "kind": claim.kind, "text": claim.text,
            "citations": list(claim.citations), "verdict": "fail" if problems else "pass",
            "problems": problems, "checked": checked_facts(claim),
        })
    return out
