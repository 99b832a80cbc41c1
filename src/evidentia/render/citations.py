"""Citation exports: BibTeX, RIS and CSL-JSON of a report's sources or of selected papers.

    render_bibtex(report) / render_ris(report) / render_csl_json(report)   # the numbered sources
    to_bibtex(references_from_papers(papers))                             # selected papers

Every value is made safe for its format: BibTeX specials are escaped (a title can never close an
entry early), RIS values are one line each (a newline in a title can never start a tag), and
CSL-JSON is JSON. Nothing is added that the record does not hold.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field

from ..models import Paper, Report, Source


@dataclass
class Reference:
    """What a citation needs, from a report's source or from a library paper."""

    id: str
    title: str
    authors: list[str] = field(default_factory=list)
    year: int | None = None
    journal: str | None = None
    doi: str | None = None
    pmid: str | None = None
    url: str | None = None
    abstract: str | None = None
    keywords: list[str] = field(default_factory=list)
    number: int | None = None
    retracted: bool = False


def references_from_report(report: Report) -> list[Reference]:
    return [_from_source(source) for source in sorted(report.sources, key=lambda s: s.number)]


def _from_source(source: Source) -> Reference:
    return Reference(
        id=source.id, title=source.title, authors=list(source.authors), year=source.year,
        journal=source.journal, doi=source.doi, pmid=source.pmid, url=source.url,
        number=source.number,
    )


def references_from_papers(papers: Iterable[Paper]) -> list[Reference]:
    return [
        Reference(
            id=paper.id, title=paper.title, authors=list(paper.authors), year=paper.year,
            journal=paper.journal, doi=paper.doi, pmid=paper.pmid, url=paper.url,
            abstract=paper.abstract or None, keywords=list(paper.mesh_terms) + list(paper.keywords),
            retracted=paper.retracted,
        )
        for paper in papers
    ]


def one_line(text: str | None) -> str:
    """Collapse every run of whitespace (newlines included) to one space."""
    return " ".join((text or "").split())


# --------------------------------------------------------------------------- BibTeX

_BIBTEX_SPECIALS = {
    "\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "$": r"\$", "&": r"\&", "%": r"\%",
    "#": r"\#", "_": r"\_", "^": r"\^{}", "~": r"\~{}",
}


def bibtex_escape(text: str | None) -> str:
    """LaTeX-escaped text that keeps the entry's braces balanced whatever the input holds."""
    text = one_line(text)
    specials = dict(_BIBTEX_SPECIALS)
    if not _balanced(text):  # BibTeX counts ``\{`` too: an odd brace must not be a brace at all
        specials.update({"{": r"\textbraceleft{}", "}": r"\textbraceright{}"})
    return "".join(specials.get(ch, ch) for ch in text)


def _balanced(text: str) -> bool:
    depth = 0
    for ch in text:
        depth += {"{": 1, "}": -1}.get(ch, 0)
        if depth < 0:
            return False
    return depth == 0


def bibtex_verbatim(text: str) -> str:
    """DOIs and URLs are read verbatim by BibTeX: only braces and backslashes must go."""
    return re.sub(r"[{}\\]", "", one_line(text))


def bibtex_author(name: str) -> str:
    """``Arendt J`` (PubMed style) → ``Arendt, J.``; other names as given, braced if they hold 'and'."""
    name = one_line(name)
    match = re.fullmatch(r"(.+?)\s+([A-Z]{1,4})", name)
    if match and "," not in name:
        initials = " ".join(f"{letter}." for letter in match.group(2))
        return f"{bibtex_escape(match.group(1))}, {initials}"
    escaped = bibtex_escape(name)
    # "World Health Organization" is one name, not Organization, W. H.; braces keep it whole.
    whole = "," not in name and (len(name.split()) >= 3 or re.search(r"\band\b", name, re.IGNORECASE))
    return f"{{{escaped}}}" if whole else escaped


def citation_keys(refs: list[Reference]) -> list[str]:
    """``arendt2004melatonin``-style keys, ASCII only, unique within the export."""
    keys: list[str] = []
    seen: dict[str, int] = {}
    for ref in refs:
        base = _key_base(ref)
        count = seen.get(base, 0)
        seen[base] = count + 1
        keys.append(base if count == 0 else f"{base}{chr(ord('a') + count - 1) if count <= 26 else count}")
    return keys


def _key_base(ref: Reference) -> str:
    author = _ascii_word(ref.authors[0].split()[0] if ref.authors and ref.authors[0].split() else "")
    title_words = [_ascii_word(word) for word in ref.title.split()]
    word = next((w for w in title_words if len(w) > 3), title_words[0] if title_words else "")
    base = f"{author or 'anon'}{ref.year or 'nd'}{word}"
    return base[:60] or "ref"


def _ascii_word(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]", "", folded.lower())


def to_bibtex(refs: list[Reference]) -> str:
    entries = [_bibtex_entry(ref, key) for ref, key in zip(refs, citation_keys(refs), strict=True)]
    return "\n".join(entries)


def _bibtex_entry(ref: Reference, key: str) -> str:
    fields: list[tuple[str, str]] = [("title", bibtex_escape(ref.title))]
    if ref.authors:
        fields.append(("author", " and ".join(bibtex_author(name) for name in ref.authors)))
    if ref.journal:
        fields.append(("journal", bibtex_escape(ref.journal)))
    if ref.year:
        fields.append(("year", str(ref.year)))
    verbatim = (("doi", ref.doi), ("pmid", ref.pmid), ("url", ref.url))
    fields.extend((name, bibtex_verbatim(value)) for name, value in verbatim if value)
    if ref.abstract:
        fields.append(("abstract", bibtex_escape(ref.abstract)))
    if ref.keywords:
        fields.append(("keywords", bibtex_escape(", ".join(ref.keywords))))
    if ref.retracted:
        fields.append(("note", "Retracted"))
    body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields)
    kind = "article" if ref.journal else "misc"
    return f"@{kind}{{{key},\n{body}\n}}\n"


# --------------------------------------------------------------------------- RIS


def to_ris(refs: list[Reference]) -> str:
    return "".join(_ris_record(ref) for ref in refs)


def _ris_record(ref: Reference) -> str:
    lines = [("TY", "JOUR" if ref.journal else "GEN"), ("TI", ref.title)]
    lines.extend(("AU", name) for name in ref.authors)
    optional = (("JO", ref.journal), ("PY", str(ref.year) if ref.year else None), ("DO", ref.doi),
                ("AN", f"PMID:{ref.pmid}" if ref.pmid else None), ("UR", ref.url), ("AB", ref.abstract))
    lines.extend((tag, value) for tag, value in optional if value)
    lines.extend(("KW", keyword) for keyword in ref.keywords)
    if ref.retracted:
        lines.append(("N1", "Retracted"))
    lines.append(("ER", ""))
    return "".join(f"{tag}  - {one_line(value)}".rstrip() + "\r\n" for tag, value in lines) + "\r\n"


# --------------------------------------------------------------------------- CSL-JSON


def to_csl_json(refs: list[Reference]) -> str:
    items = [_csl_item(ref, key) for ref, key in zip(refs, citation_keys(refs), strict=True)]
    return json.dumps(items, ensure_ascii=False, indent=2) + "\n"


def _csl_item(ref: Reference, key: str) -> dict[str, object]:
    item: dict[str, object] = {
        "id": key, "type": "article-journal" if ref.journal else "article",
        "title": one_line(ref.title), "note": f"evidentia id: {ref.id}",
    }
    if ref.authors:
        item["author"] = [_csl_name(name) for name in ref.authors]
    optional = {"container-title": ref.journal, "DOI": ref.doi, "PMID": ref.pmid, "URL": ref.url,
                "abstract": ref.abstract}
    item.update({name: one_line(value) for name, value in optional.items() if value})
    if ref.year:
        item["issued"] = {"date-parts": [[ref.year]]}
    if ref.keywords:
        item["keyword"] = ", ".join(ref.keywords)
    if ref.number is not None:
        item["citation-number"] = ref.number
    return item


def _csl_name(name: str) -> dict[str, str]:
    name = one_line(name)
    if "," in name:
        family, _, given = name.partition(",")
        return {"family": family.strip(), "given": given.strip()}
    match = re.fullmatch(r"(.+?)\s+([A-Z]{1,4})", name)
    if match:
        return {"family": match.group(1), "given": ". ".join(match.group(2)) + "."}
    return {"literal": name}


# --------------------------------------------------------------------------- report renderers


def render_bibtex(report: Report) -> str:
    return to_bibtex(references_from_report(report))


def render_ris(report: Report) -> str:
    return to_ris(references_from_report(report))


def render_csl_json(report: Report) -> str:
    return to_csl_json(references_from_report(report))
