"""What every renderer needs: paragraphs, citation markers, author lines, safe links, the meter.

Links are only ever built from a PMID (digits), a DOI (percent-encoded) or an http(s) URL;
anything else (``javascript:``, ``data:``) gives no link at all.
"""

from __future__ import annotations

import re
from urllib.parse import quote, urlsplit

from ..models import DESIGN_LABELS, Claim, Filters, Meter, Source

MARKER_RE = re.compile(r"\[(\d+(?:\s*,\s*\d+)*)\]")
METER_CELLS = 10
BREAK_KINDS = frozenset({"summary", "contradiction"})


def paragraphs(claims: list[Claim]) -> list[list[Claim]]:
    """Claims grouped into paragraphs: a new one where the cited studies change."""
    out: list[list[Claim]] = []
    previous: tuple[str, ...] | None = None
    for claim in claims:
        key = tuple(claim.citations)
        if not out or claim.kind in BREAK_KINDS or out[-1][-1].kind in BREAK_KINDS \
                or key != previous:
            out.append([claim])
        else:
            out[-1].append(claim)
        previous = key
    return out


def is_list(claims: list[Claim]) -> bool:
    """Sections of questions (the explainer's questions for a doctor) read as a list."""
    return bool(claims) and all(claim.kind == "question" for claim in claims)


def split_markers(text: str) -> list[str | list[int]]:
    """Text pieces and citation markers: 'a [1, 2].' -> ['a ', [1, 2], '.']."""
    pieces: list[str | list[int]] = []
    position = 0
    for match in MARKER_RE.finditer(text):
        pieces.append(text[position : match.start()])
        pieces.append([int(n) for n in re.findall(r"\d+", match.group(1))])
        position = match.end()
    pieces.append(text[position:])
    return [piece for piece in pieces if piece != ""]


def author_line(authors: list[str]) -> str:
    """'Smith JA, Lee K, et al.' (two names, then et al.)."""
    names = [name.strip() for name in authors if name and name.strip()]
    if len(names) > 2:
        return f"{names[0]}, {names[1]}, et al."
    return ", ".join(names)


def pubmed_url(pmid: str | None) -> str | None:
    if pmid and pmid.isdigit():
        return f"https://pubmed.ncbi.nlm.nih.gov/{pmid}/"
    return None


def doi_url(doi: str | None) -> str | None:
    if not doi or not re.match(r"^10\.\d{2,9}/\S+$", doi):
        return None
    return "https://doi.org/" + quote(doi, safe="/:;.-_")


def safe_url(url: str | None) -> str | None:
    """An http(s) URL with characters that could break out of a link percent-encoded."""
    if not url:
        return None
    url = url.strip()
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    return quote(url, safe=":/?#@!$&'*+,;=%-._~").replace("'", "%27")


def source_links(source: Source) -> list[tuple[str, str]]:
    """(label, url) for a source: PubMed, DOI, else its own http(s) URL."""
    links = []
    pubmed = pubmed_url(source.pmid)
    if pubmed:
        links.append((f"PMID: {source.pmid}", pubmed))
    doi = doi_url(source.doi)
    if doi:
        links.append((f"doi: {source.doi}", doi))
    if not links:
        own = safe_url(source.url)
        if own:
            links.append(("link", own))
    return links


def meter_filled(meter: Meter) -> int:
    """Cells of a ten-cell bar: yes counts fully, possibly half, over relevant studies."""
    relevant = meter.yes + meter.possibly + meter.no
    if relevant == 0:
        return 0
    return int(METER_CELLS * (meter.yes + meter.possibly / 2) / relevant + 0.5)


def meter_shares(meter: Meter) -> list[tuple[str, int, float]]:
    """(stance, count, percent of all studies) for the coloured bar, in display order."""
    total = meter.total or 1
    counts = [("yes", meter.yes), ("possibly", meter.possibly), ("no", meter.no),
              ("unclear", meter.unclear)]
    return [(name, count, round(100 * count / total, 2)) for name, count in counts]


def grade_label(level: str) -> str:
    return level[:1].upper() + level[1:]


def filter_line(filters: Filters) -> str:
    """The filters the studies had to pass, in words; '' when none was set."""
    parts = []
    if filters.year_min and filters.year_max:
        parts.append(f"published {filters.year_min}–{filters.year_max}")
    elif filters.year_min:
        parts.append(f"published in {filters.year_min} or later")
    elif filters.year_max:
        parts.append(f"published in {filters.year_max} or earlier")
    if filters.designs:
        names = [DESIGN_LABELS.get(design, design) for design in filters.designs]
        parts.append("designs: " + ", ".join(names))
    if filters.species:
        parts.append(f"{filters.species} studies only")
    if filters.min_sample_size:
        parts.append(f"at least {filters.min_sample_size:,} participants")
    if filters.include_retracted:
        parts.append("retracted papers kept")
    return "; ".join(parts)


def verdict_lines(verdicts: list[dict[str, object]]) -> list[str]:
    """The faithfulness checker's verdicts as plain text, one block per sentence."""
    lines = []
    passed = sum(1 for verdict in verdicts if verdict["verdict"] == "pass")
    for number, verdict in enumerate(verdicts, 1):
        mark = "PASS" if verdict["verdict"] == "pass" else "FAIL"
        lines.append(f"{number:>3}. {mark}  [{verdict['part']}] {verdict['text']}")
        checked = verdict.get("checked") or {}
        facts = [f"{name}: {', '.join(values)}" for name, values in checked.items() if values]
        cited = ", ".join(verdict.get("citations") or []) or "none"
        lines.append(f"       cites: {cited}" + (f"; checked {'; '.join(facts)}" if facts else ""))
        lines.extend(f"       problem: {problem}" for problem in verdict.get("problems") or [])
    lines.append(f"{passed} of {len(verdicts)} sentences pass the faithfulness check.")
    return lines
