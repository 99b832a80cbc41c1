"""Extraction metrics, the eval task registry and ``evidentia eval`` (small slices of the data)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from evidentia.cli import main
from evidentia.errors import InputError
from evidentia.evaluate.extraction import (
    classification,
    confusion,
    span_match,
    token_f1,
)
from evidentia.evaluate.tasks import TASKS, available_tasks, run_task


@pytest.mark.parametrize(
    "gold, guess, label, f1",
    [
        (["PAR", "PAR", "O"], ["PAR", "PAR", "O"], "PAR", 1.0),
        (["PAR", "PAR", "O"], ["PAR", "O", "O"], "PAR", 0.6667),
        (["PAR", "O", "O"], ["O", "O", "PAR"], "PAR", 0.0),
        (["O", "O"], ["O", "O"], "PAR", 0.0),
    ],
)
def test_token_f1(gold: list[str], guess: list[str], label: str, f1: float) -> None:
    assert token_f1(gold, guess, [label])[f"{label}.f1"] == f1


def test_classification_accuracy_and_macro_f1() -> None:
    scores = classification(["yes", "yes", "no", "possibly"], ["yes", "no", "no", "yes"], ["yes", "no", "possibly"])
    assert scores["accuracy"] == 0.5
    assert scores["possibly.f1"] == 0.0
    assert scores["macro_f1"] == round((0.5 + 0.6667 + 0.0) / 3, 4)
    assert confusion(["yes", "no"], ["yes", "yes"]) == {"no->yes": 1, "yes->yes": 1}


def test_span_match_counts_overlaps() -> None:
    assert span_match([(0, 5), (10, 15)], [(3, 8), (20, 25)]) == (1, 2, 1, 2)


def test_registry_has_the_issue_tasks() -> None:
    assert {"pubmedqa", "pico", "design", "sample-size", "stance-scifact", "beir-scifact", "roles",
            "outcomes", "direction", "speed"} <= set(TASKS)
    assert "pico" in available_tasks()


def test_unknown_task_and_missing_data_are_input_errors(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="unknown evaluation task"):
        run_task("nope", tmp_path)
    with pytest.raises(InputError, match="not found"):
        run_task("pico", tmp_path / "missing")
    with pytest.raises(InputError, match="needs"):
        run_task("pico", tmp_path)


def test_cli_eval_with_missing_data_is_a_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["eval", "pico", "--data", str(tmp_path / "nowhere")])
    assert exit_info.value.code == 2
    assert "shared data folder not found" in capsys.readouterr().err


@pytest.mark.parametrize(
    "task, limit, keys",
    [
        ("pico", 4, {"participants.f1", "interventions.f1", "outcomes.f1", "macro_f1"}),
        ("pubmedqa", 6, {"reasoning_free.accuracy", "reasoning_required.macro_f1"}),
        ("sample-size", 6, {"dev.exact"}),
        ("stance-scifact", 6, {"all.accuracy", "evidence.accuracy"}),
        ("outcomes", 3, {"token.f1", "span_overlap.f1"}),
        ("roles", 5, {"accuracy", "macro_f1", "rules.accuracy"}),
        ("design", 5, {"overall.accuracy", "rct.accuracy"}),
        ("direction", 5, {"accuracy"}),
    ],
)
def test_tasks_on_small_slices(shared_data: Path, task: str, limit: int, keys: set[str]) -> None:
    scores = run_task(task, shared_data, limit=limit)
    assert keys <= set(scores)
    assert all(isinstance(v, float) for v in scores.values())
    assert all(0.0 <= scores[k] <= 1.0 for k in keys)


def test_cli_eval_json(shared_data: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    from evidentia.evaluate import tasks

    monkeypatch.setattr(tasks.Task, "run", lambda self, data, settings=None, limit=None: {"metric": 0.5})
    main(["eval", "roles", "--data", str(shared_data), "--json"])
    assert json.loads(capsys.readouterr().out) == {"metric": 0.5}
