"""Everything the CLI does is one call in `evidentia`: each command has its function."""

from __future__ import annotations

import inspect

import click
import pytest

import evidentia
from evidentia.cli import cli

# CLI command path -> the evidentia function that does its work
COMMAND_TO_CALL = {
    "add": "add",
    "search": "search",            # --batch: search_batch
    "ask": "ask",                  # --format: render; --check: check
    "index": "build_index",
    "info": "info",
    "eval": "run_eval",
    "serve": "serve",
    "bulk build": "bulk_build",
    "bulk load": "bulk_load",
}


def _command_paths(group: click.Group, prefix: str = "") -> list[str]:
    paths = []
    for name, command in group.commands.items():
        if isinstance(command, click.Group):
            paths += _command_paths(command, f"{prefix}{name} ")
        else:
            paths.append(f"{prefix}{name}")
    return paths


def test_every_cli_command_has_a_python_call() -> None:
    assert sorted(_command_paths(cli)) == sorted(COMMAND_TO_CALL)


@pytest.mark.parametrize("name", sorted({*COMMAND_TO_CALL.values(), "render", "search_batch", "check"}))
def test_the_call_exists_and_is_public(name: str) -> None:
    function = getattr(evidentia, name)
    assert callable(function)
    assert name in evidentia.__all__
    assert inspect.signature(function).parameters  # a real function, not a placeholder


def test_every_lazy_name_is_exported() -> None:
    assert set(evidentia._LAZY) <= set(evidentia.__all__)


def test_an_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no attribute 'nonsense'"):
        evidentia.nonsense  # noqa: B018


def test_the_api_answers_like_the_cli(tmp_path, monkeypatch) -> None:
    library = tmp_path / "lib.sqlite"
    settings = evidentia.Settings().with_overrides([f'library.path="{library}"'])
    record = ('{"pmid": "1", "title": "Exercise and blood pressure: a randomised trial", '
              '"abstract": "In 120 adults, exercise lowered systolic blood pressure by 5 mmHg (p<0.01)."}\n')
    (tmp_path / "one.jsonl").write_text(record)
    summary = evidentia.add([tmp_path / "one.jsonl"], settings)
    assert summary.added == 1
    report = evidentia.ask("Does exercise lower blood pressure?", settings, offline=True)
    assert [source.id for source in report.sources] == ["pmid:1"]
    assert {verdict["verdict"] for verdict in evidentia.check(report, settings)} == {"pass"}
    assert evidentia.info(settings)["papers"] == 1
