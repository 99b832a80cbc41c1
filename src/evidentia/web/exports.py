"""Downloads: a report in any format, or selected papers as citations, facts or a reading list."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from html import escape

from fastapi.responses import Response

from ..render.citations import references_from_papers, to_bibtex, to_csl_json, to_ris
from ..render.csv import facts_csv
from .params import EXPORT_FORMATS
from .problems import Problem
from .service import PaperResult

MEDIA_TYPES = {
    "md": ("text/markdown; charset=utf-8", "md"),
    "html": ("text/html; charset=utf-8", "html"),
    "json": ("application/json", "json"),
    "bibtex": ("application/x-bibtex; charset=utf-8", "bib"),
    "ris": ("application/x-research-info-systems; charset=utf-8", "ris"),
    "csl-json": ("application/vnd.citationstyles.csl+json", "json"),
    "csv": ("text/csv; charset=utf-8", "csv"),
}


@dataclass
class Download:
    body: str
    fmt: str
    stem: str

    def response(self) -> Response:
        media_type, extension = MEDIA_TYPES[self.fmt]
        suffix = ".csl" if self.fmt == "csl-json" else ""
        filename = f"{self.stem}{suffix}.{extension}"
        return Response(
            self.body, media_type=media_type,
            headers={"Content-Disposition": f'attachment; filename="{filename}"'},
        )


def check_format(fmt: str | None) -> str:
    fmt = (fmt or "").strip().lower()
    if fmt not in EXPORT_FORMATS:
        raise Problem(422, "invalid_request",
                      f"unknown export format {fmt[:20]!r}; use one of {', '.join(EXPORT_FORMATS)}")
    return fmt


def file_stem(text: str, fallback: str = "evidentia") -> str:
    """A short ASCII file name from a question: ``does-melatonin-reduce-jet-lag``."""
    words = re.findall(r"[a-z0-9]+", text.lower())
    return "-".join(words)[:60].strip("-") or fallback


def report_download(report_text: str, fmt: str, question: str) -> Download:
    return Download(report_text, fmt, file_stem(question, "report"))


def papers_download(results: list[PaperResult], fmt: str) -> Download:
    papers = [result.paper for result in results]
    stem = "papers" if len(papers) != 1 else file_stem(papers[0].id, "paper")
    if fmt == "bibtex":
        return Download(to_bibtex(references_from_papers(papers)), fmt, stem)
    if fmt == "ris":
        return Download(to_ris(references_from_papers(papers)), fmt, stem)
    if fmt == "csl-json":
        return Download(to_csl_json(references_from_papers(papers)), fmt, stem)
    if fmt == "csv":
        return Download(facts_csv((r.paper, r.facts) for r in results), fmt, stem)
    if fmt == "json":
        items = [{"paper": r.paper.model_dump(mode="json"), "facts": r.facts.model_dump(mode="json")}
                 for r in results]
        return Download(json.dumps(items, ensure_ascii=False, indent=2), fmt, stem)
    if fmt == "md":
        return Download(_markdown_list(results), fmt, stem)
    return Download(_html_list(results), fmt, stem)


def _reference_line(result: PaperResult) -> str:
    paper = result.paper
    parts = [", ".join(paper.authors[:3]) + (" et al." if len(paper.authors) > 3 else ""),
             f"({paper.year})" if paper.year else "", paper.title, paper.journal or "",
             f"PMID {paper.pmid}" if paper.pmid else "", f"doi:{paper.doi}" if paper.doi else ""]
    return " ".join(" ".join(part.split()) for part in parts if part)


def _markdown_list(results: list[PaperResult]) -> str:
    specials = re.compile(r"([\\`*_{}\[\]()#+\-.!<>|])")
    lines = ["# Selected papers", ""]
    for number, result in enumerate(results, 1):
        escaped = specials.sub(r"\\\1", _reference_line(result))
        lines.append(f"{number}. {escaped}")
    return "\n".join(lines) + "\n"


def _html_list(results: list[PaperResult]) -> str:
    items = "\n".join(f"<li>{escape(_reference_line(result))}</li>" for result in results)
    return (
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        "<title>Selected papers</title></head>\n<body><h1>Selected papers</h1>\n"
        f"<ol>\n{items}\n</ol>\n</body></html>\n"
    )
