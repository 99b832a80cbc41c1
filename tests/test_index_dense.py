"""The dense index: incremental, resumable, keyed by embedder, exact or HNSW (hash embedder)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from evidentia.errors import LibraryError
from evidentia.index.dense import DenseIndex, _Lock, index_folder
from evidentia.index.embedders import HashEmbedder
from evidentia.models import Deletion, Paper
from evidentia.store.library import Library

TOPICS = [
    ("Aspirin and colorectal cancer", "Daily aspirin lowered colorectal adenoma recurrence."),
    ("Exercise and blood pressure", "Aerobic exercise reduced systolic blood pressure."),
    ("Melatonin for jet lag", "Melatonin shortened jet lag symptoms after flights."),
    ("Statins and muscle pain", "Statin users reported myalgia more often than placebo."),
    ("Zinc and the common cold", "Zinc lozenges shortened the duration of colds."),
    ("Acupuncture for back pain", "Acupuncture eased chronic low back pain at eight weeks."),
]


def make_papers(count: int, start: int = 1) -> list[Paper]:
    papers = []
    for number in range(start, start + count):
        title, abstract = TOPICS[number % len(TOPICS)]
        papers.append(Paper(
            id=f"pmid:{number}", pmid=str(number), title=f"{title} ({number})",
            abstract=f"{abstract} Cohort {number} of patients was followed.",
        ))
    return papers


@pytest.fixture
def library(tmp_path: Path) -> Library:
    lib = Library.open(tmp_path / "library.sqlite")
    lib.write_batch(make_papers(12))
    yield lib
    lib.close()


def open_index(library: Library, **options) -> DenseIndex:
    return DenseIndex.open(library.path, HashEmbedder(), chunk=5, **options)


def test_index_lives_beside_the_library_in_a_folder_per_embedder(library: Library) -> None:
    index = open_index(library)
    assert index.folder == Path(f"{library.path}.faiss") / "hash-v1-d256"
    assert index_folder(library.path) == index.folder.parent
    assert not index.exists()


def test_sync_embeds_every_paper_then_nothing_the_second_time(library: Library) -> None:
    index = open_index(library)
    first = index.sync(library)
    assert (first.embedded, first.total) == (12, 12)
    assert index.exists() and index.count() == 12
    second = index.sync(library)
    assert (second.embedded, second.removed, second.total) == (0, 0, 12)


def test_sync_embeds_only_new_and_changed_papers_and_forgets_deleted(library: Library) -> None:
    index = open_index(library)
    index.sync(library)
    changed = make_papers(1, start=3)[0].model_copy(update={"abstract": "A rewritten abstract."})
    library.write_batch([*make_papers(3, start=13), changed, Deletion(pmid="5")])
    summary = index.sync(library)
    assert (summary.embedded, summary.removed, summary.total) == (4, 1, 14)
    assert "pmid:5" not in {paper_id for paper_id, _ in index.search("Zinc lozenges colds", 14)}


def test_search_finds_the_paper_about_the_question(library: Library) -> None:
    index = open_index(library)
    index.sync(library)
    top = index.search("melatonin jet lag flights", 3)
    assert top[0][0] in {"pmid:2", "pmid:8"}
    assert [score for _, score in top] == sorted((score for _, score in top), reverse=True)
    vector = HashEmbedder().embed_query("melatonin jet lag flights")
    assert index.search(vector, 3) == top
    assert index.search("anything", 0) == []


def test_scores_for_gives_exact_cosines_of_listed_papers(library: Library) -> None:
    index = open_index(library)
    index.sync(library)
    vector = HashEmbedder().embed_query("aspirin colorectal adenoma")
    scores = index.scores_for(vector, ["pmid:6", "pmid:7", "pmid:404"])
    assert set(scores) == {"pmid:6", "pmid:7"}
    assert scores["pmid:6"] > scores["pmid:7"]
    expected = HashEmbedder().embed(["Aspirin and colorectal cancer (6). Daily aspirin lowered "
                                     "colorectal adenoma recurrence. Cohort 6 of patients was "
                                     "followed."])[0] @ vector
    assert scores["pmid:6"] == pytest.approx(float(expected), abs=2e-3)  # float16 storage


def test_another_embedder_gets_its_own_index(library: Library) -> None:
    open_index(library).sync(library)
    other = DenseIndex.open(library.path, HashEmbedder(dim=64))
    assert not other.exists()
    assert other.sync(library).embedded == 12
    assert open_index(library).count() == 12


class FailingEmbedder(HashEmbedder):
    """Raises on the n-th call, like a Ctrl-C in the middle of a long build."""

    def __init__(self, fail_on_call: int) -> None:
        super().__init__()
        self.calls = 0
        self.fail_on_call = fail_on_call

    def embed(self, texts):
        self.calls += 1
        if self.calls == self.fail_on_call:
            raise KeyboardInterrupt
        return super().embed(texts)


def test_interrupted_sync_keeps_committed_chunks_and_resumes(library: Library) -> None:
    index = DenseIndex.open(library.path, FailingEmbedder(fail_on_call=2), chunk=5)
    with pytest.raises(KeyboardInterrupt):
        index.sync(library)
    assert index.count() == 5  # the first chunk was committed
    resumed = open_index(library).sync(library)
    assert (resumed.embedded, resumed.total) == (7, 12)


def test_rows_written_after_the_last_commit_are_cut(library: Library) -> None:
    index = open_index(library)
    index.sync(library)
    vectors = index.folder / "vectors.f16"
    size = vectors.stat().st_size
    with vectors.open("ab") as handle:
        handle.write(b"\0" * 1000)  # a chunk whose ids never committed
    index.sync(library)
    assert vectors.stat().st_size == size
    assert index.search("statin myalgia", 1)[0][0] in {"pmid:3", "pmid:9"}


def test_above_exact_max_an_hnsw_graph_is_saved_and_extended(library: Library) -> None:
    index = open_index(library, exact_max=4)
    index.sync(library)
    assert (index.folder / "index.faiss").is_file()
    library.write_batch(make_papers(4, start=13))
    assert index.sync(library).embedded == 4
    reopened = open_index(library, exact_max=4)
    hits = reopened.search("acupuncture chronic low back pain", 5)
    assert hits[0][0] in {"pmid:5", "pmid:11", "pmid:17"}
    assert len({paper_id for paper_id, _ in hits}) == 5


def test_below_exact_max_no_graph_file_is_kept(library: Library) -> None:
    index = open_index(library)
    index.sync(library)
    assert not (index.folder / "index.faiss").exists()


def test_many_replaced_papers_trigger_compaction(library: Library) -> None:
    index = open_index(library)
    index.sync(library)
    rewritten = [p.model_copy(update={"abstract": f"{p.abstract} New."}) for p in make_papers(8)]
    library.write_batch(rewritten)
    assert index.sync(library).embedded == 8
    assert index.stored() == 12  # dead rows were compacted away
    assert index.count() == 12


def test_progress_reports_papers_checked_out_of_the_total(library: Library) -> None:
    events = []
    open_index(library).sync(library, progress=lambda event, **info: events.append((event, info)))
    assert events[-1] == ("embed", {"done": 12, "total": 12, "embedded": 12})


def test_a_second_concurrent_sync_is_refused(library: Library) -> None:
    index = open_index(library)
    index.folder.parent.mkdir(parents=True, exist_ok=True)
    lock = _Lock(index.folder.with_name(index.folder.name + ".lock"))
    with lock, pytest.raises(LibraryError, match="another evidentia process"):
        index.sync(library)


def test_papers_without_text_get_no_vector(tmp_path: Path) -> None:
    lib = Library.open(tmp_path / "lib.sqlite")
    lib.write_batch([Paper(id="pmid:1", pmid="1", title="", abstract=""), *make_papers(2, 2)])
    index = DenseIndex.open(lib.path, HashEmbedder())
    assert index.sync(lib).total == 2
    assert np.isfinite([score for _, score in index.search("aspirin", 2)]).all()
    lib.close()


def test_shared_index_sees_a_sync_made_by_another_process(library: Library) -> None:
    shared = DenseIndex.shared(library.path, HashEmbedder(), chunk=5)
    assert not shared.exists()
    open_index(library).sync(library)
    assert shared.exists() and shared.search("melatonin jet lag", 1)
    library.write_batch(make_papers(1, start=40))
    open_index(library).sync(library)  # another connection, as another process would
    assert shared.search("Zinc lozenges colds cohort 40", 1)[0][0] == "pmid:40"
    assert DenseIndex.shared(library.path, HashEmbedder(), chunk=5) is shared


def test_build_index_follows_the_settings_and_reports_progress(library: Library) -> None:
    from evidentia.config import Settings
    from evidentia.index import EmbedProgress, build_index

    settings = Settings().with_overrides(["index.embedder=hash", "index.embed_chunk=4"])
    with EmbedProgress() as bar:
        summary = build_index(library, settings, progress=bar)
    assert (summary.embedded, summary.total) == (12, 12)
    assert DenseIndex.open(library.path, HashEmbedder()).count() == 12
