"""Analysis is safe to run from several threads at once (the web app does)."""

from __future__ import annotations

import threading

from evidentia.analyse import analyse
from evidentia.models import Paper

ABSTRACT = (
    "We randomly assigned 120 adults with chronic insomnia to melatonin 5 mg or placebo. "
    "Sleep onset latency on a visual analogue scale improved by 32% with melatonin (p = 0.003). "
    "Daytime sleepiness was reported by 8 participants. Melatonin improved sleep onset."
)


def test_concurrent_analyses_match_a_single_thread() -> None:
    papers = [Paper(id=f"doc:{i}", title=f"Trial {i} of melatonin for insomnia", abstract=ABSTRACT)
              for i in range(60)]
    expected = [analyse(paper).model_dump() for paper in papers]
    results: dict[int, dict] = {}
    errors: list[str] = []

    def work(offset: int) -> None:
        try:
            for i in range(offset, len(papers), 4):
                results[i] = analyse(papers[i]).model_dump()
        except Exception as exc:  # noqa: BLE001 - any failure in a thread is the finding
            errors.append(repr(exc))

    threads = [threading.Thread(target=work, args=(offset,)) for offset in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert [results[i] for i in range(len(papers))] == expected
