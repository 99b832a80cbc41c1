"""Fuzz every ingest parser with random and mutated real inputs; print cases/s and failures.

    python benchmarks/fuzz_parsers.py [--cases 3000] [--seed 1] [--save-failures DIR]

The contract checked is the one ``tests/test_ingest_fuzz.py`` checks with Hypothesis: a parser
yields only ``Paper`` / ``Deletion`` / ``Skipped`` (each ``Paper`` valid) or raises
``InputError`` (``RecordError`` included). Any other exception, or an invalid item, is a failure.
Half the cases are random bytes, half are real samples from ``../shared/data/formats`` with
byte-level edits (flips, cuts, splices, format tokens); ``read_stream`` cases may be gzipped.
"""

from __future__ import annotations

import argparse
import gzip
import io
import os
import random
import sys
import time
import traceback
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

from evidentia.errors import InputError
from evidentia.ingest.bibtex import parse_bibtex
from evidentia.ingest.jsonl import parse_jsonl
from evidentia.ingest.medline import parse_medline
from evidentia.ingest.pubmed_xml import parse_pubmed_xml
from evidentia.ingest.reader import load_parser, read_stream
from evidentia.ingest.ris import parse_ris
from evidentia.models import Deletion, Paper, Skipped

REPO = Path(__file__).resolve().parents[1]
FORMATS = Path(os.environ.get("EVIDENTIA_SHARED_DATA", REPO.parent / "shared" / "data")) / "formats"
SAMPLE_GLOBS = {
    "pubmed_xml": ["pubmed_xml/**/*.xml", "pubmed_xml/**/*.xml.gz"], "ris": ["ris/*.ris"],
    "bibtex": ["bibtex/*.bib"], "medline": ["medline_txt/*.txt"],
    "jsonl": [], "read_stream": ["pubmed_xml/**/*.xml", "ris/*.ris", "bibtex/*.bib", "medline_txt/*.txt"],
    "europepmc_json": ["europepmc_json/*.json"], "openalex_json": ["openalex_json/*.json"],
}
JSONL_SEED = (b'{"pmid": "1", "title": "T", "abstract": "A", "authors": ["X Y"], "year": 2000}\n'
              b'{"_id": "a", "title": "t", "text": "x"}\n{"doc_id": 3, "title": "s", "abstract": ["s."]}\n')
TOKENS = [b"<", b">", b"</", b"&", b"&lol;", b"&#0;", b"<![CDATA[", b"]]>", b"<PubmedArticle>",
          b"<DeleteCitation>", b"{", b"}", b"[", b"]", b'"', b"\\", b",", b":", b"@article{", b"@string{",
          b"#", b"=", b"\nTY  - ", b"\nER  - \n", b"\nPMID- ", b"\n      ", b"\r", b"\n", b"\x00",
          b"\xff\xfe", b"\xef\xbb\xbf", b"\x1f\x8b", b"\xc3", b"\xc2\xb2", b"\xef\xbc\x91", b"9" * 30, b"null"]

Parser = Callable[..., Iterator[object]]


def _read_stream(stream: io.BytesIO, *, source: str, max_record_bytes: int) -> Iterator[object]:
    return read_stream(stream, source, max_file_bytes=1_000_000, max_record_bytes=max_record_bytes)


def _without_limit(parse: Parser) -> Parser:
    """The API-JSON parsers take no record limit; drop it for them."""
    return lambda stream, *, source, max_record_bytes: parse(stream, source=source)


PARSERS: dict[str, Parser] = {
    "pubmed_xml": parse_pubmed_xml, "jsonl": parse_jsonl, "ris": parse_ris, "bibtex": parse_bibtex,
    "medline": parse_medline, "read_stream": _read_stream,
}
for _name in ("europepmc_json", "openalex_json"):  # written elsewhere; fuzzed when present
    try:
        PARSERS[_name] = _without_limit(load_parser(_name))
    except InputError:
        pass


def load_seeds(name: str) -> list[bytes]:
    seeds = [JSONL_SEED] if name in ("jsonl", "read_stream") else []
    for pattern in SAMPLE_GLOBS[name]:
        for path in sorted(FORMATS.glob(pattern)):
            data = path.read_bytes()
            seeds.append((gzip.decompress(data) if path.suffix == ".gz" else data)[:20_000])
    scifact = FORMATS.parent / "scifact" / "corpus.jsonl"
    if name == "jsonl" and scifact.exists():
        with scifact.open("rb") as handle:
            seeds.append(b"".join(handle.readline() for _ in range(3)))
    return seeds


def mutate(rng: random.Random, seed: bytes) -> bytes:
    data = bytearray(seed)
    for _ in range(rng.randint(1, 6)):
        where = rng.randint(0, len(data))
        action = rng.choice(("flip", "delete", "insert", "token", "truncate", "duplicate"))
        if action == "flip" and where < len(data):
            data[where] ^= 1 << rng.randint(0, 7)
        elif action == "delete":
            del data[where: where + rng.randint(1, 64)]
        elif action == "insert":
            data[where:where] = rng.randbytes(rng.randint(1, 16))
        elif action == "token":
            data[where:where] = rng.choice(TOKENS)
        elif action == "truncate":
            del data[where:]
        else:
            data[where:where] = data[max(0, where - 200): where]
    return bytes(data)


def make_case(rng: random.Random, name: str, seeds: list[bytes]) -> bytes:
    if rng.random() < 0.5 or not seeds:
        return rng.randbytes(rng.randint(0, 3000))
    data = mutate(rng, rng.choice(seeds))
    return gzip.compress(data) if name == "read_stream" and rng.random() < 0.3 else data


def check(parser: Parser, data: bytes) -> str | None:
    """None when the contract holds, else a one-line description of the failure."""
    try:
        for item in parser(io.BytesIO(data), source="fuzz", max_record_bytes=4096):
            problem = _item_problem(item)
            if problem:
                return problem
    except InputError:
        return None
    except Exception as exc:  # noqa: BLE001 - finding these is the point
        frame = traceback.extract_tb(exc.__traceback__)[-1]
        return f"{type(exc).__name__}: {exc} at {Path(frame.filename).name}:{frame.lineno}"
    return None


def _item_problem(item: object) -> str | None:
    if not isinstance(item, (Paper, Deletion, Skipped)):
        return f"yielded {type(item).__name__}"
    if isinstance(item, Paper):
        if not item.id or not (item.title or item.abstract):
            return "Paper without id or text"
        if any(not 0 <= s.start <= s.end <= len(item.abstract) for s in item.sections):
            return "section offsets outside the abstract"
    return None


def run(name: str, cases: int, rng: random.Random, save: Path | None) -> tuple[float, Counter[str]]:
    parser, seeds = PARSERS[name], load_seeds(name)
    failures: Counter[str] = Counter()
    started = time.perf_counter()
    for number in range(cases):
        data = make_case(rng, name, seeds)
        problem = check(parser, data)
        if problem:
            failures[problem] += 1
            if save:
                save.mkdir(parents=True, exist_ok=True)
                (save / f"{name}-{number}.bin").write_bytes(data)
    return cases / (time.perf_counter() - started), failures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=3000, help="cases per parser (default 3000)")
    parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    parser.add_argument("--parsers", nargs="*", default=list(PARSERS), choices=list(PARSERS),
                        help="parsers to fuzz (default: all, incl. Europe PMC / OpenAlex when present)")
    parser.add_argument("--save-failures", type=Path, default=None, help="write failing inputs here")
    args = parser.parse_args(argv)
    rng = random.Random(args.seed)
    print(f"fuzzing {args.cases} cases per parser, seed {args.seed}, samples from {FORMATS}")
    print(f"{'parser':<15} {'cases':>6} {'cases/s':>9} {'failures':>9}")
    total = 0
    for name in args.parsers:
        rate, failures = run(name, args.cases, rng, args.save_failures)
        total += sum(failures.values())
        print(f"{name:<15} {args.cases:>6} {rate:>9.0f} {sum(failures.values()):>9}")
        for problem, count in failures.most_common(5):
            print(f"    {count} x {problem}")
    print(f"total failures: {total}")
    return 1 if total else 0


if __name__ == "__main__":
    sys.exit(main())
