"""Killing ``evidentia add`` at any moment and running it again loses nothing and duplicates nothing.

The reference is one uninterrupted run. Each trial SIGKILLs a run after a different delay (so
kills land in parsing, mid-transaction, between batches and during analysis), kills the rerun
again, and finally lets it finish: the library's logical content must equal the reference.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from evidentia.store.library import Library

RECORDS = 6000


def write_records(path: Path) -> None:
    words = "trial cohort placebo dose outcome fracture pain sleep blood pressure anxiety".split()
    with path.open("w", encoding="utf-8") as out:
        for i in range(RECORDS):
            topic = " ".join(words[(i * k) % len(words)] for k in (1, 3, 7))
            record = {
                "pmid": str(100000 + i) if i % 3 else None,
                "doi": f"10.5555/test.{i}" if i % 3 == 0 and i % 2 else None,
                "title": f"A study {i} of {topic}",
                "abstract": f"We enrolled {20 + i % 300} patients. The {topic} improved (p < 0.05).",
                "year": 1990 + i % 30,
            }
            out.write(json.dumps(record) + "\n")
        out.write('{"title": broken json\n')


def run_add(library: Path, files: list[Path]) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "evidentia", "add", *map(str, files), "--library", str(library),
               "--no-progress", "--set", "ingest.batch_size=250"]
    return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def digest(library: Path) -> tuple[int, str]:
    with Library.open(library, create=False) as lib:
        return lib.count(), lib.content_digest()


@pytest.fixture(scope="module")
def inputs(tmp_path_factory: pytest.TempPathFactory, formats: Path) -> list[Path]:
    folder = tmp_path_factory.mktemp("kill-inputs")
    jsonl = folder / "records.jsonl"
    write_records(jsonl)
    baseline = formats / "pubmed_xml" / "baseline_style"
    # The update file deletes PMIDs: order of files matters and must be replayed faithfully.
    return [
        jsonl,
        baseline / "pmparser_baseline_pubmed26n1334_sample.xml.gz",
        baseline / "pmparser_updatefile_pubmed26n1335_sample.xml.gz",
    ]


@pytest.fixture(scope="module")
def reference(inputs: list[Path], tmp_path_factory: pytest.TempPathFactory) -> tuple[tuple[int, str], float]:
    library = tmp_path_factory.mktemp("kill-ref") / "ref.sqlite"
    started = time.monotonic()
    proc = run_add(library, inputs)
    out, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err.decode()
    assert b"skipped 1" in out  # the broken JSON line is reported, the rest lands
    return digest(library), time.monotonic() - started


def test_kill_at_many_points_then_rerun_equals_uninterrupted(
    inputs: list[Path], reference: tuple[tuple[int, str], float], tmp_path: Path
) -> None:
    expected, duration = reference
    fractions = [0.15, 0.3, 0.45, 0.55, 0.65, 0.75, 0.85, 0.95]
    for trial, fraction in enumerate(fractions):
        library = tmp_path / f"lib{trial}.sqlite"
        for kill_at in (fraction, fraction / 2):  # kill the first run, then kill the rerun too
            proc = run_add(library, inputs)
            time.sleep(duration * kill_at)
            proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=60)
        proc = run_add(library, inputs)
        _, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err.decode()
        assert digest(library) == expected, f"trial {trial}: killed at {fraction:.0%} differs"


def test_rerun_is_idempotent(inputs: list[Path], reference: tuple[tuple[int, str], float],
                             tmp_path: Path) -> None:
    library = tmp_path / "twice.sqlite"
    for _ in range(2):
        proc = run_add(library, inputs)
        out, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err.decode()
    assert digest(library) == reference[0]
    counts = dict(part.split(" ") for part in out.decode().splitlines()[0].split(", "))
    # The second run re-adds only what the update file deletes again; the JSONL is unchanged.
    assert counts["added"] == counts["deleted"]
    assert int(counts["unchanged"]) >= RECORDS - 10


def test_a_killed_add_leaves_no_worker_processes(inputs: list[Path], tmp_path: Path) -> None:
    proc = run_add(tmp_path / "orphans.sqlite", inputs[:1])
    deadline = time.monotonic() + 60
    while not _children(proc.pid) and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.05)
    workers = _children(proc.pid)
    if not workers:
        pytest.skip("add finished before starting analysis workers")
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=60)
    deadline = time.monotonic() + 10
    while any(_alive(pid) for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not [pid for pid in workers if _alive(pid)], "analysis workers outlived a killed add"


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.append(int(entry.name))
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"
