"""OpenAlex ``works`` responses (JSON) as ``Paper`` records.

Accepted shapes: a list response (``{"meta": .., "results": [..]}``), a list of work objects, or
one work object (``/works/{id}``). The live client in ``evidentia.sources`` uses
:func:`papers_from_payload` on the JSON it already parsed.

OpenAlex ships abstracts as an ``abstract_inverted_index`` (word -> positions);
:func:`rebuild_abstract` puts the words back in order. Titles may carry inline HTML (``<i>``),
stripped with the same tag-only rule as Europe PMC.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, BinaryIO

from ..errors import InputError, RecordError
from ..models import Paper, Skipped
from ._common import build_paper, clean_text, format_author, pmid_from_url
from .europepmc_json import html_to_text, load_json

FORMAT = "openalex_json"
MAX_ABSTRACT_WORDS = 20_000  # far beyond any real abstract; bounds a hostile index

# OpenAlex ``type`` -> the publication type other formats use (general vocabulary).
_TYPES = {
    "article": "Journal Article", "review": "Review", "preprint": "Preprint",
    "letter": "Letter", "editorial": "Editorial", "erratum": "Published Erratum",
    "retraction": "Retraction of Publication", "book-chapter": "Book Chapter", "book": "Book",
    "dataset": "Dataset", "dissertation": "Dissertation", "report": "Report",
}


_WORK_KEYS = ("abstract_inverted_index", "display_name", "title", "doi", "ids")


def parse(stream: BinaryIO, *, source: str = "") -> Iterator[Paper | Skipped]:
    """Papers from a saved OpenAlex works response; malformed records come back as ``Skipped``."""
    name = source or FORMAT
    yield from papers_from_payload(load_json(stream, name), source=name)


def work_objects(data: Any) -> list[Any]:
    if isinstance(data, list):
        return data
    if isinstance(data, dict) and isinstance(data.get("results"), list):
        return data["results"]
    if isinstance(data, dict) and any(key in data for key in _WORK_KEYS):
        return [data]
    raise InputError("not an OpenAlex works response (no results and no work object)")


def papers_from_payload(data: Any, *, source: str = "openalex") -> Iterator[Paper | Skipped]:
    for index, work in enumerate(work_objects(data), start=1):
        try:
            yield parse_work(work, source=source)
        except RecordError as exc:
            yield Skipped(source=source, position=f"record {index}", reason=exc.reason)


def parse_work(work: Any, *, source: str = "openalex") -> Paper:
    """One OpenAlex work as a ``Paper``; raises ``RecordError`` when unusable."""
    if not isinstance(work, dict):
        raise RecordError(f"expected a JSON object, found {type(work).__name__}")
    ids = _dict(work.get("ids"))
    kind = _str(work.get("type"))
    return build_paper(
        source=source, title=html_to_text(_str(work.get("title") or work.get("display_name"))),
        abstract=rebuild_abstract(work.get("abstract_inverted_index")),
        pmid=pmid_from_url(_str(ids.get("pmid"))) or _bare_pmid(ids.get("pmid")),
        doi=_str(work.get("doi") or ids.get("doi")) or None, ext_id=_openalex_id(work),
        authors=_authors(work), year=work.get("publication_year"), journal=_journal(work),
        publication_types=[_TYPES.get(kind, kind.replace("-", " ").capitalize())] if kind else [],
        mesh_terms=[_str(m.get("descriptor_name")) for m in _dicts(work.get("mesh"))],
        keywords=[_str(k.get("display_name")) for k in _dicts(work.get("keywords"))],
        language=_str(work.get("language")) or None, retracted=work.get("is_retracted") is True,
    )


def rebuild_abstract(index: Any) -> str:
    """Words of an inverted index in position order, one space apart; gaps are skipped."""
    if not isinstance(index, dict):
        return ""
    placed: list[tuple[int, str]] = []
    for word, positions in index.items():
        if not isinstance(word, str) or not isinstance(positions, list):
            continue
        placed.extend((p, word) for p in positions if isinstance(p, int) and p >= 0)
        if len(placed) > MAX_ABSTRACT_WORDS:
            raise RecordError(f"abstract index has more than {MAX_ABSTRACT_WORDS:,} words")
    placed.sort(key=lambda item: item[0])
    return clean_text(" ".join(word for _, word in placed))


def _openalex_id(work: dict[str, Any]) -> str | None:
    ident = _str(work.get("id")).rsplit("/", 1)[-1]
    return f"openalex:{ident}" if ident else None


def _bare_pmid(value: Any) -> str | None:
    text = _str(value)
    return text if text.isdigit() else None


def _authors(work: dict[str, Any]) -> list[str]:
    names = []
    for authorship in _dicts(work.get("authorships")):
        author = _dict(authorship.get("author"))
        names.append(_surname_first(_str(author.get("display_name") or authorship.get("raw_author_name"))))
    return names


def _surname_first(name: str) -> str:
    """``"Richard S. Geary"`` -> ``"Geary RS"``, the form the other formats use."""
    given, _, last = clean_text(name).rpartition(" ")
    return format_author(last, given) if given and last else name


def _journal(work: dict[str, Any]) -> str | None:
    location = _dict(work.get("primary_location"))
    return _str(_dict(location.get("source")).get("display_name")) or None


def _str(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _dicts(value: Any) -> list[dict[str, Any]]:
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []
