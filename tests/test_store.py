"""The SQLite library: opening, migrations, batch writes (dedup, merge, deletions), caches.

Every test uses a real SQLite file in a tmp dir.
"""

from __future__ import annotations

import sqlite3
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from evidentia.errors import LibraryError, QueryError
from evidentia.models import (
    AbstractSection,
    BatchCounts,
    Deletion,
    Paper,
    StudyFacts,
    make_paper_id,
)
from evidentia.store import Library, schema, writer


def make(
    pmid: str | None = None, doi: str | None = None, ext_id: str | None = None,
    title: str = "A title", abstract: str = "", **fields: object,
) -> Paper:
    paper_id = make_paper_id(pmid=pmid, doi=doi, ext_id=ext_id, title=title, abstract=abstract)
    return Paper(id=paper_id, pmid=pmid, doi=doi, ext_id=ext_id, title=title, abstract=abstract,
                 **fields)


def counts(added: int = 0, updated: int = 0, unchanged: int = 0, deleted: int = 0) -> BatchCounts:
    return BatchCounts(added=added, updated=updated, unchanged=unchanged, deleted=deleted)


@pytest.fixture
def library(tmp_path: Path) -> Library:
    with Library.open(tmp_path / "lib.sqlite") as lib:
        yield lib


def ids(library: Library, fts_query: str) -> list[str]:
    return [paper_id for paper_id, _ in library.bm25(fts_query, limit=50)]


# --------------------------------------------------------------------------- opening


def test_open_creates_parent_folders_in_wal_mode_at_current_version(tmp_path: Path) -> None:
    path = tmp_path / "deep" / "er" / "lib.sqlite"
    with Library.open(path) as lib:
        conn = lib._conn
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
        assert conn.execute("PRAGMA synchronous").fetchone()[0] == 1  # NORMAL
        assert conn.execute("PRAGMA busy_timeout").fetchone()[0] > 0
        assert schema.schema_version(conn) == schema.SCHEMA_VERSION
        assert lib.count() == 0
    assert path.is_file()


def test_open_without_create_on_missing_file_says_how_to_add(tmp_path: Path) -> None:
    path = tmp_path / "missing.sqlite"
    with pytest.raises(LibraryError) as err:
        Library.open(path, create=False)
    assert str(path) in str(err.value) and "evidentia add" in str(err.value)
    assert not path.exists()


@pytest.mark.parametrize("content", [b"this is not a database at all\n" * 200, b"\x00\xff" * 4096])
def test_a_file_that_is_not_sqlite_is_refused_with_its_path(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "notes.sqlite"
    path.write_bytes(content)
    with pytest.raises(LibraryError) as err:
        Library.open(path)
    assert str(path) in str(err.value) and "not an evidentia library" in str(err.value)
    assert path.read_bytes() == content  # left untouched


def test_another_programs_sqlite_database_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "other.sqlite"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE orders (id INTEGER)")
    with pytest.raises(LibraryError, match="not an evidentia library"):
        Library.open(path)


def test_a_newer_schema_is_refused_with_upgrade_advice(tmp_path: Path) -> None:
    path = tmp_path / "lib.sqlite"
    Library.open(path).close()
    with sqlite3.connect(path) as conn:
        conn.execute(f"PRAGMA user_version = {schema.SCHEMA_VERSION + 1}")
    with pytest.raises(LibraryError) as err:
        Library.open(path)
    assert "newer" in str(err.value) and "upgrade evidentia" in str(err.value)


def test_a_folder_is_not_a_library(tmp_path: Path) -> None:
    with pytest.raises(LibraryError, match="is a folder"):
        Library.open(tmp_path)


def test_an_older_file_is_migrated_and_keeps_its_papers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "lib.sqlite"
    with Library.open(path) as lib:
        lib.write_batch([make(pmid="1", title="Kept across migrations")])
    monkeypatch.setattr(schema, "MIGRATIONS", [*schema.MIGRATIONS, "CREATE TABLE extra (x);"])
    monkeypatch.setattr(schema, "SCHEMA_VERSION", len(schema.MIGRATIONS))
    with Library.open(path) as lib:
        assert schema.schema_version(lib._conn) == schema.SCHEMA_VERSION
        assert "extra" in schema.user_tables(lib._conn)
        assert lib.get("pmid:1").title == "Kept across migrations"


def test_many_processes_may_create_the_same_library_at_once(tmp_path: Path) -> None:
    path = tmp_path / "shared.sqlite"

    def open_and_close(_: int) -> None:
        Library.open(path).close()

    with ThreadPoolExecutor(max_workers=6) as pool:
        list(pool.map(open_and_close, range(6)))
    with Library.open(path, create=False) as lib:
        assert schema.schema_version(lib._conn) == schema.SCHEMA_VERSION


def test_readonly_reads_but_refuses_writes(tmp_path: Path) -> None:
    path = tmp_path / "lib.sqlite"
    with Library.open(path) as lib:
        lib.write_batch([make(pmid="1")])
    with Library.open(path, readonly=True) as lib:
        assert lib.count() == 1
        with pytest.raises(LibraryError, match="read-only"):
            lib.write_batch([make(pmid="2")])
    with pytest.raises(LibraryError, match="no library"):
        Library.open(tmp_path / "absent.sqlite", readonly=True)


# --------------------------------------------------------------------------- dedup


DEDUP_CASES = [
    # (name, stored first, incoming, stored id afterwards, counts of the second write, rows)
    ("same id", make(pmid="1", title="Old"), make(pmid="1", title="New"),
     "pmid:1", counts(updated=1), 1),
    ("pmid of a record stored under its DOI",
     make(doi="10.1001/a", title="T", abstract="x", pmid="7").model_copy(update={"id": "doi:10.1001/a"}),
     make(pmid="7", title="T", abstract="y"), "doi:10.1001/a", counts(updated=1), 1),
    ("DOI, any spelling", make(doi="10.1001/a", abstract="x"),
     make(pmid="8", doi="https://doi.org/10.1001/A", abstract="x"), "doi:10.1001/a", counts(updated=1), 1),
    ("source id with the same source", make(ext_id="77", abstract="x", source="scifact"),
     make(pmid="9", ext_id="77", abstract="x", source="scifact"), "doc:77", counts(updated=1), 1),
    ("source id from another source is another paper", make(ext_id="77", abstract="x", source="a"),
     make(pmid="9", ext_id="77", abstract="z", source="b"), "pmid:9", counts(added=1), 2),
    ("content fingerprint", make(title="Same", abstract="Same words."),
     make(pmid="3", title="SAME", abstract="same  words"), make_paper_id(title="Same", abstract="Same words."),
     counts(updated=1), 1),
    ("fingerprint needs an abstract (titles like Erratum repeat)", make(pmid="4", title="Erratum"),
     make(pmid="5", title="Erratum"), "pmid:5", counts(added=1), 2),
    ("fingerprint never joins two PMIDs", make(pmid="4", title="T", abstract="same"),
     make(pmid="5", title="T", abstract="same"), "pmid:5", counts(added=1), 2),
    ("DOI never joins two PMIDs", make(pmid="4", doi="10.1001/shared"),
     make(pmid="5", doi="10.1001/shared"), "pmid:5", counts(added=1), 2),
]


@pytest.mark.parametrize(("first", "second", "stored_id", "expected", "rows"),
                         [case[1:] for case in DEDUP_CASES], ids=[case[0] for case in DEDUP_CASES])
def test_incoming_records_match_stored_papers(
    library: Library, first: Paper, second: Paper, stored_id: str, expected: BatchCounts, rows: int
) -> None:
    assert library.write_batch([first]) == counts(added=1)
    assert library.write_batch([second]) == expected
    assert library.count() == rows
    assert library.get(stored_id) is not None
    assert library.resolve(second.id) == stored_id
    assert library.check_index()


def test_a_doi_held_by_another_pmid_stays_with_its_first_owner(library: Library) -> None:
    library.write_batch([make(pmid="4", doi="10.1001/shared"), make(pmid="5", doi="10.1001/shared")])
    assert library.resolve("10.1001/shared") == "pmid:4"
    assert library.get("pmid:5").doi == "10.1001/shared"  # kept in the record itself


def test_a_paper_stored_twice_is_folded_when_a_record_links_both(library: Library) -> None:
    library.write_batch([make(pmid="1", title="T", abstract="a"), make(doi="10.1001/b", title="T2")])
    result = library.write_batch([make(pmid="1", doi="10.1001/b", title="T", abstract="a")])
    assert result == counts(updated=1)
    assert library.count() == 1
    assert library.resolve("10.1001/b") == library.resolve("pmid:1") == "pmid:1"
    assert library.check_index()


# --------------------------------------------------------------------------- update merge


def full_record(**fields: object) -> Paper:
    values: dict[str, object] = {
        "pmid": "10", "doi": "10.1009/full", "title": "Exercise and sleep",
        "abstract": "Old abstract about sleep.", "authors": ["Ann Lee"],
        "sections": [AbstractSection(label="METHODS", start=0, end=3)],
        "year": 2001, "journal": "J Sleep", "publication_types": ["Randomized Controlled Trial"],
        "mesh_terms": ["Sleep", "Exercise"], "keywords": ["insomnia"], "language": "eng",
    }
    values.update(fields)
    return make(**values)


def test_an_update_keeps_fields_the_incoming_record_lacks(library: Library) -> None:
    library.write_batch([full_record()])
    incoming = make(pmid="10", title="Exercise and sleep", abstract="New abstract on walking.")
    assert library.write_batch([incoming]) == counts(updated=1)
    stored = library.get("pmid:10")
    assert stored.abstract == "New abstract on walking."
    assert stored.sections == []  # they indexed the old abstract
    assert stored.mesh_terms == ["Sleep", "Exercise"] and stored.year == 2001
    assert stored.doi == "10.1009/full" and stored.journal == "J Sleep"
    assert ids(library, '"walking"') == ["pmid:10"]
    assert ids(library, '"old"') == []  # the old abstract left the index
    assert ids(library, '"insomnia"') == ["pmid:10"]  # terms column still indexed
    assert library.check_index()


def test_a_record_with_less_information_counts_unchanged(library: Library) -> None:
    library.write_batch([full_record()])
    sparse = make(pmid="10", title="Exercise and sleep", source="jsonl")
    assert library.write_batch([sparse]) == counts(unchanged=1)
    assert library.get("pmid:10").mesh_terms == ["Sleep", "Exercise"]


def test_a_retraction_is_not_undone_by_a_record_that_does_not_mention_it(library: Library) -> None:
    library.write_batch([make(pmid="1", retracted=True)])
    assert library.write_batch([make(pmid="1", abstract="now with abstract")]) == counts(updated=1)
    assert library.get("pmid:1").retracted is True


def test_where_a_record_came_from_is_not_content(library: Library) -> None:
    library.write_batch([make(pmid="1", source="pubmed_xml")])
    assert library.write_batch([make(pmid="1", source="jsonl", fetched_at="2024-01-01")]) == counts(
        unchanged=1
    )


# --------------------------------------------------------------------------- deletions


def test_a_deletion_removes_the_paper_its_index_entry_and_analyses(library: Library) -> None:
    library.write_batch([make(pmid="1", title="Zebrafish"), make(pmid="2", title="Other")])
    library.put_facts([StudyFacts(paper_id="pmid:1", analyser_version="v1")],
                      {"pmid:1": library.get("pmid:1").content_hash()})
    assert library.write_batch([Deletion(pmid="1"), Deletion(pmid="999")]) == counts(deleted=1)
    assert library.get("pmid:1") is None
    assert ids(library, '"zebrafish"') == []
    assert library.stats()["analyses"] == 0
    assert library.count() == 1 and library.check_index()


def test_a_deletion_accepts_the_usual_pmid_spellings(library: Library) -> None:
    library.write_batch([make(pmid="1"), make(pmid="2")])
    assert library.write_batch([Deletion(pmid=" 1 "), Deletion(pmid="pmid:2")]) == counts(deleted=2)
    assert library.count() == 0


def test_items_apply_in_order_within_a_batch(library: Library) -> None:
    batch = [
        make(pmid="1", title="First"), make(pmid="1", title="Second"), Deletion(pmid="1"),
        make(pmid="1", title="Third"), make(pmid="2", title="Kept"), make(pmid="2", title="Kept"),
    ]
    assert library.write_batch(batch) == counts(added=3, updated=1, unchanged=1, deleted=1)
    assert library.get("pmid:1").title == "Third"
    assert ids(library, '"third"') == ["pmid:1"] and ids(library, '"second"') == []
    assert library.check_index()


def test_writing_the_same_batch_twice_changes_nothing(library: Library, tmp_path: Path) -> None:
    batch = [make(pmid="1", title="A"), make(doi="10.1001/x", title="B"), Deletion(pmid="1"),
             make(ext_id="e1", title="C", abstract="c"), make(title="D", abstract="d")]
    first = library.write_batch(batch)
    assert first == counts(added=4, deleted=1)
    before = rows_without_times(library)
    digest = library.content_digest()
    assert library.write_batch(batch) == counts(added=1, unchanged=3, deleted=1)  # pmid:1 again
    assert library.write_batch(batch) == counts(added=1, unchanged=3, deleted=1)
    assert rows_without_times(library) == before and library.content_digest() == digest


def rows_without_times(library: Library) -> list[tuple]:
    return library._conn.execute(
        "SELECT id, pmid, doi, ext_id, fingerprint, content_hash, json FROM papers ORDER BY id"
    ).fetchall()


def test_a_failed_batch_writes_nothing(library: Library, monkeypatch: pytest.MonkeyPatch) -> None:
    library.write_batch([make(pmid="1")])

    def fail(conn: sqlite3.Connection, rows: list) -> None:
        raise sqlite3.OperationalError("disk I/O error")

    monkeypatch.setitem(writer._EXECUTORS, "delete", fail)
    with pytest.raises(LibraryError, match="nothing from this batch was written"):
        library.write_batch([make(pmid="2"), make(pmid="3"), Deletion(pmid="1")])
    assert library.count() == 1 and library.check_index()


def test_content_digest_depends_on_content_not_on_batching(tmp_path: Path) -> None:
    papers = [make(pmid=str(i), title=f"Paper {i}") for i in range(1, 8)]
    with Library.open(tmp_path / "a.sqlite") as one, Library.open(tmp_path / "b.sqlite") as two:
        one.write_batch(papers)
        for paper in reversed(papers):
            two.write_batch([paper])
        assert one.content_digest() == two.content_digest()
        two.write_batch([make(pmid="3", title="Changed")])
        assert one.content_digest() != two.content_digest()


# --------------------------------------------------------------------------- reading


@pytest.mark.parametrize(
    ("ref", "expected"),
    [
        ("pmid:123", "pmid:123"), ("123", "pmid:123"), (" 123 ", "pmid:123"),
        ("doi:10.1000/xyz", "doi:10.1000/xyz"), ("10.1000/XYZ", "doi:10.1000/xyz"),
        ("https://doi.org/10.1000/xyz", "doi:10.1000/xyz"), ("doi: 10.1000/xyz", "doi:10.1000/xyz"),
        ("doc:abc-1", "doc:abc-1"), ("10.1005/with-pmid", "pmid:55"),
        (make_paper_id(title="Hashed", abstract="only"), make_paper_id(title="Hashed", abstract="only")),
        ("pmid:999", None), ("999", None), ("10.1001/unknown", None), ("", None), ("nonsense", None),
    ],
)
def test_resolve_accepts_every_usual_reference(library: Library, ref: str, expected: str | None) -> None:
    library.write_batch([
        make(pmid="123"), make(doi="10.1000/xyz"), make(ext_id="abc-1"),
        make(pmid="55", doi="10.1005/with-pmid"), make(title="Hashed", abstract="only"),
    ])
    assert library.resolve(ref) == expected


def test_get_many_iter_papers_and_stats(library: Library) -> None:
    papers = [make(pmid=str(i), title=f"P{i}", abstract="x" if i % 2 else "", year=2000 + i,
                   retracted=i == 3) for i in range(1, 6)]
    library.write_batch(papers)
    assert list(library.get_many(["pmid:5", "pmid:404", "pmid:1"])) == ["pmid:5", "pmid:1"]
    assert [paper.id for paper in library.iter_papers(batch=2)] == [p.id for p in papers]
    stats = library.stats()
    assert (stats["papers"], stats["with_abstract"], stats["retracted"]) == (5, 3, 1)
    assert (stats["year_min"], stats["year_max"]) == (2001, 2005)
    assert stats["file_bytes"] > 0 and stats["analyses"] == 0


def test_stored_papers_returns_the_merged_version_under_the_stored_id(library: Library) -> None:
    library.write_batch([make(doi="10.1001/a", title="T", mesh_terms=["Sleep"])])
    incoming = make(pmid="1", doi="10.1001/a", title="T")
    library.write_batch([incoming])
    (stored,) = library.stored_papers([incoming])
    assert stored.id == "doi:10.1001/a" and stored.pmid == "1" and stored.mesh_terms == ["Sleep"]


def test_an_invalid_fts_expression_is_a_query_error(library: Library) -> None:
    with pytest.raises(QueryError):
        library.bm25('"unterminated', limit=5)
    assert library.bm25("", limit=5) == [] and library.bm25('"x"', limit=0) == []


# --------------------------------------------------------------------------- analyses cache


def test_cached_facts_follow_the_papers_content(library: Library) -> None:
    paper = make(pmid="1", abstract="first")
    library.write_batch([paper])
    facts = StudyFacts(paper_id="pmid:1", analyser_version="v1", design="rct")
    library.put_facts([facts, StudyFacts(paper_id="pmid:404", analyser_version="v1")],
                      {"pmid:1": paper.content_hash(), "pmid:404": "x"})
    assert library.get_facts(["pmid:1", "pmid:404"], "v1") == {"pmid:1": facts}
    assert library.get_facts(["pmid:1"], "v2") == {}
    library.write_batch([paper])  # unchanged: the cache stays
    assert library.get_facts(["pmid:1"], "v1") == {"pmid:1": facts}
    library.write_batch([make(pmid="1", abstract="second")])
    assert library.get_facts(["pmid:1"], "v1") == {}
    assert library.stats()["analyses"] == 0


def test_facts_made_from_stale_content_are_not_served(library: Library) -> None:
    library.write_batch([make(pmid="1", abstract="now")])
    library.put_facts([StudyFacts(paper_id="pmid:1", analyser_version="v1")], {"pmid:1": "stale"})
    assert library.get_facts(["pmid:1"], "v1") == {}


# --------------------------------------------------------------------------- fetch cache


def test_recent_fetch_honours_the_ttl_and_drops_deleted_papers(library: Library) -> None:
    library.write_batch([make(pmid="1"), make(pmid="2")])
    library.record_fetch("pubmed:sleep", ["pmid:2", "pmid:1"], fetched_at=1000.0)
    assert library.recent_fetch("pubmed:sleep", ttl_s=60, now=1030.0) == ["pmid:2", "pmid:1"]
    assert library.recent_fetch("pubmed:sleep", ttl_s=60, now=1061.0) is None
    assert library.recent_fetch("pubmed:other", ttl_s=60, now=1030.0) is None
    library.write_batch([Deletion(pmid="2")])
    assert library.recent_fetch("pubmed:sleep", ttl_s=60, now=1030.0) == ["pmid:1"]


def test_a_second_connection_sees_only_committed_batches(tmp_path: Path) -> None:
    path = tmp_path / "lib.sqlite"
    with Library.open(path) as writer_lib, Library.open(path) as reader_lib:
        writer_lib.write_batch([make(pmid="1")])
        assert reader_lib.count() == 1
        assert reader_lib.get("pmid:1") is not None
