"""Load test of the web API: /api/search and /api/ask on loopback against a 100k-paper library.

    python benchmarks/load.py [--data ../shared/data] [--papers 100000] [--library /tmp/evidentia-load.sqlite]

1. Builds (once; reused when present) a library of synthetic papers recombined from SciFact
   abstracts and PubMedQA contexts: each paper takes a real title and 4-9 real sentences drawn at
   random, a year and a publication type. Ingested with ``ingest.analyse=false``: a warm-up pass
   analyses the papers the benchmark's queries hit (the analysis cache a real library fills at
   ingest), so the timed phases measure serving, not first-time analysis.
2. Starts ``evidentia serve`` in a subprocess and drives it with asyncio clients (httpx, keep-alive):
   * search at a fixed offered rate (default 50/s from 20 clients), open loop: latency counts from
     the moment a request was due, so a slow server cannot hide behind a slow client;
   * search with one client, one request at a time: the latency of a single request;
   * search and ask, closed loop with 20 clients: the most the server gives (the report cache
     is off, so an ask row measures computed reports, not cache hits);
   * search at half that throughput (a sustainable rate), before and after
   * an overload: 4x the target search rate from 80 clients; every refusal must be 429 or 503
     with ``Retry-After``, nothing else may fail, and the server must stay up and recover.
3. Prints a Markdown table (and ``--json`` the raw figures).

The client runs on the same machine as the server: on a 2-core box the figures include the
client's own CPU use.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

REPO = Path(__file__).resolve().parents[1]
DESIGN_TYPES = [
    ["Randomized Controlled Trial"], ["Meta-Analysis"], ["Systematic Review"], ["Review"],
    ["Observational Study"], ["Case Reports"], ["Journal Article"], ["Comparative Study"],
]


# --------------------------------------------------------------------------- the library


def sentence_pool(data: Path) -> tuple[list[str], list[str]]:
    """(titles, sentences) from SciFact's corpus and PubMedQA's contexts."""
    titles, sentences = [], []
    with (data / "scifact" / "corpus.jsonl").open(encoding="utf-8") as lines:
        for line in lines:
            doc = json.loads(line)
            titles.append(doc["title"])
            sentences.extend(s for s in doc["abstract"] if len(s) > 30)
    for item in json.loads((data / "pubmedqa" / "ori_pqal.json").read_text(encoding="utf-8")).values():
        titles.append(item["QUESTION"])
        for context in item["CONTEXTS"]:
            sentences.extend(s.strip() + "." for s in context.split(". ") if len(s) > 30)
    return titles, sentences


def write_records(path: Path, count: int, data: Path, seed: int = 7) -> None:
    titles, sentences = sentence_pool(data)
    rng = random.Random(seed)
    with path.open("w", encoding="utf-8") as out:
        for index in range(count):
            record = {
                "pmid": str(40_000_000 + index),
                "title": rng.choice(titles),
                "abstract": " ".join(rng.sample(sentences, rng.randint(4, 9))),
                "year": rng.randint(1975, 2025),
                "authors": [f"Author{rng.randint(1, 5000)} {rng.choice('ABCDEFGH')}"],
                "journal": f"Journal {rng.randint(1, 400)}",
                "publication_types": rng.choice(DESIGN_TYPES),
            }
            out.write(json.dumps(record) + "\n")


def ensure_library(path: Path, count: int, data: Path) -> float:
    """Build the library unless it already holds ``count`` papers; seconds spent building."""
    sys.path.insert(0, str(REPO / "src"))
    from evidentia import pipeline
    from evidentia.config import Settings

    settings = Settings.load(None, [f"library.path={path}", "ingest.analyse=false", "ingest.batch_size=5000"])
    if path.exists():
        with pipeline.open_library(settings, create=False) as library:
            if library.count() >= count:
                return 0.0
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as folder:
        records = Path(folder) / "records.jsonl"
        write_records(records, count, data)
        pipeline.add([records], settings)
    return time.perf_counter() - started


def queries(data: Path, limit: int) -> tuple[list[str], list[str]]:
    """(search queries from SciFact claims, questions from PubMedQA)."""
    with (data / "beir" / "scifact" / "queries.jsonl").open(encoding="utf-8") as lines:
        claims = [json.loads(line)["text"] for line in lines][:limit]
    pqa = json.loads((data / "pubmedqa" / "ori_pqal.json").read_text(encoding="utf-8"))
    questions = [item["QUESTION"] for item in pqa.values()][: max(20, limit // 10)]
    return claims, questions


# --------------------------------------------------------------------------- the server


def start_server(library: Path, port: int, overrides: list[str]) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "evidentia", "serve", "--library", str(library), "--port", str(port)]
    for item in overrides:
        command += ["--set", item]
    env = {**os.environ, "PYTHONPATH": str(REPO / "src")}
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/health", timeout=1).status_code == 200:
                return process
        except httpx.HTTPError:
            time.sleep(0.2)
    process.kill()
    raise SystemExit("the server did not start: " + (process.stderr.read() if process.stderr else b"").decode())


# --------------------------------------------------------------------------- the clients


@dataclass
class Phase:
    name: str
    latencies: list[float] = field(default_factory=list)  # seconds, successful requests
    statuses: dict[str, int] = field(default_factory=dict)
    refusals_without_retry_after: int = 0
    seconds: float = 0.0

    def record(self, status: str, latency: float, retry_after: str | None = None) -> None:
        self.statuses[status] = self.statuses.get(status, 0) + 1
        if status == "200":
            self.latencies.append(latency)
        elif status in ("429", "503") and not retry_after:
            self.refusals_without_retry_after += 1

    def summary(self) -> dict[str, object]:
        ok = sorted(self.latencies)
        total = sum(self.statuses.values())
        errors = total - self.statuses.get("200", 0) - self.statuses.get("429", 0) - self.statuses.get("503", 0)
        return {
            "phase": self.name, "requests": total, "ok": len(ok),
            "throughput_per_s": round(len(ok) / self.seconds, 1) if self.seconds else 0.0,
            "p50_ms": round(1000 * _percentile(ok, 50), 1) if ok else None,
            "p99_ms": round(1000 * _percentile(ok, 99), 1) if ok else None,
            "refused_429": self.statuses.get("429", 0), "refused_503": self.statuses.get("503", 0),
            "errors": errors, "refusals_without_retry_after": self.refusals_without_retry_after,
            "statuses": self.statuses,
        }


def _percentile(values: list[float], pct: float) -> float:
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[int(pct) - 1] if pct < 100 else values[-1]


async def _request(http: httpx.AsyncClient, phase: Phase, kind: str, text: str, due: float) -> None:
    try:
        if kind == "search":
            response = await http.get("/api/search", params={"q": text})
        else:
            response = await http.post("/api/ask", json={"question": text})
        phase.record(str(response.status_code), time.perf_counter() - due, response.headers.get("retry-after"))
    except httpx.HTTPError as exc:
        phase.record(type(exc).__name__, time.perf_counter() - due)


async def open_loop(base: str, phase: Phase, kind: str, texts: list[str], rate: float,
                    clients: int, seconds: float) -> Phase:
    """``clients`` clients sharing ``rate`` requests/s; each sends its next when due (or at once if late)."""
    interval = clients / rate
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=base, timeout=60, limits=limits) as http:
        started = time.perf_counter()

        async def client(number: int) -> None:
            rng = random.Random(number)
            due = started + interval * number / clients
            end = started + seconds
            while due < end and time.perf_counter() < end:  # a server that cannot keep up gets fewer
                await asyncio.sleep(max(0.0, due - time.perf_counter()))
                await _request(http, phase, kind, rng.choice(texts), due)
                due += interval

        await asyncio.gather(*(client(n) for n in range(clients)))
        phase.seconds = time.perf_counter() - started
    return phase


async def closed_loop(base: str, phase: Phase, kind: str, texts: list[str], clients: int,
                      seconds: float) -> Phase:
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=base, timeout=120, limits=limits) as http:
        started = time.perf_counter()

        async def client(number: int) -> None:
            rng = random.Random(1000 + number)
            while time.perf_counter() < started + seconds:
                await _request(http, phase, kind, rng.choice(texts), time.perf_counter())

        await asyncio.gather(*(client(n) for n in range(clients)))
        phase.seconds = time.perf_counter() - started
    return phase


async def warm_up(base: str, texts: list[str], kind: str, clients: int) -> float:
    """Every query once, so the papers they hit are analysed and cached."""
    started = time.perf_counter()
    queue = list(texts)
    limits = httpx.Limits(max_connections=clients)
    async with httpx.AsyncClient(base_url=base, timeout=300, limits=limits) as http:
        async def client() -> None:
            while queue:
                text = queue.pop()
                for _ in range(20):  # a refusal during warm-up just means wait and retry
                    response = await (http.get("/api/search", params={"q": text}) if kind == "search"
                                      else http.post("/api/ask", json={"question": text}))
                    if response.status_code not in (429, 503):
                        break
                    await asyncio.sleep(float(response.headers.get("retry-after", "1")))

        await asyncio.gather(*(client() for _ in range(clients)))
    return time.perf_counter() - started


# --------------------------------------------------------------------------- main


async def run_phases(base: str, args: argparse.Namespace, claims: list[str], questions: list[str]) -> list[dict[str, object]]:
    results = []
    warm_search = await warm_up(base, claims, "search", 4)
    warm_ask = await warm_up(base, questions, "ask", 2)
    print(f"warm-up: search {warm_search:.0f} s, ask {warm_ask:.0f} s", file=sys.stderr)
    rate, clients, secs = args.rate, args.clients, args.seconds
    for phase in (
        closed_loop(base, Phase("search, 1 client, one request at a time"), "search", claims, 1, secs / 2),
        open_loop(base, Phase(f"search, {rate:g}/s offered, {clients} clients"), "search", claims, rate, clients, secs),
        closed_loop(base, Phase(f"search, closed loop, {clients} clients"), "search", claims, clients, secs),
    ):
        results.append(await _run(phase))
    # A rate the server can sustain: half of what the closed loop got. Measured before and after
    # the overload, it shows whether the server recovers.
    sustainable = max(1.0, round(float(results[-1]["throughput_per_s"]) / 2))  # type: ignore[arg-type]
    for phase in (
        open_loop(base, Phase(f"search, {sustainable:g}/s offered, {clients} clients (baseline)"), "search",
                  claims, sustainable, clients, secs / 2),
        closed_loop(base, Phase(f"ask, closed loop, {clients} clients"), "ask", questions, clients, secs),
        open_loop(base, Phase(f"overload: search {4 * rate:g}/s offered, {4 * clients} clients"), "search",
                  claims, 4 * rate, 4 * clients, secs / 2),
        open_loop(base, Phase(f"recovery: search {sustainable:g}/s offered, {clients} clients"), "search",
                  claims, sustainable, clients, secs / 2),
    ):
        results.append(await _run(phase))
    return results


async def _run(phase: Any) -> dict[str, object]:
    summary = (await phase).summary()
    print(json.dumps(summary), file=sys.stderr)
    return summary


def table(results: list[dict[str, object]]) -> str:
    lines = ["| phase | requests | ok/s | p50 ms | p99 ms | 429 | 503 | other errors |",
             "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for r in results:
        lines.append(f"| {r['phase']} | {r['requests']} | {r['throughput_per_s']} | {r['p50_ms']} | "
                     f"{r['p99_ms']} | {r['refused_429']} | {r['refused_503']} | {r['errors']} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data")
    parser.add_argument("--papers", type=int, default=100_000)
    parser.add_argument("--library", type=Path, default=Path(tempfile.gettempdir()) / "evidentia-load.sqlite")
    parser.add_argument("--rate", type=float, default=50.0, help="offered search requests per second")
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=30.0, help="length of each timed phase")
    parser.add_argument("--queries", type=int, default=300, help="distinct search queries")
    parser.add_argument("--port", type=int, default=8731)
    parser.add_argument("--set", dest="overrides", action="append",
                        default=["sources.offline=true", "web.report_cache_size=0"],
                        help="a server setting (defaults: sources.offline=true, answers from the library "
                             "only; web.report_cache_size=0, so every ask computes its report)")
    parser.add_argument("--json", action="store_true", help="print the raw figures as JSON too")
    args = parser.parse_args()

    built = ensure_library(args.library, args.papers, args.data)
    print(f"library: {args.library} ({args.papers:,} papers; built in {built:.0f} s)", file=sys.stderr)
    claims, questions = queries(args.data, args.queries)
    server = start_server(args.library, args.port, args.overrides)
    try:
        results = asyncio.run(run_phases(f"http://127.0.0.1:{args.port}", args, claims, questions))
        alive = httpx.get(f"http://127.0.0.1:{args.port}/api/health", timeout=5).json()
    finally:
        server.terminate()
        server.wait(timeout=30)
    print(f"cores: {os.cpu_count()}; server alive after the run: {alive['status']}\n")
    print(table(results))
    if args.json:
        print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
