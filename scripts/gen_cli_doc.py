"""Write docs/cli.md from the CLI's own help, so the reference cannot drift from the code.

    python scripts/gen_cli_doc.py > docs/cli.md
"""

from __future__ import annotations

import click

from evidentia.cli import cli

INTRO = """# CLI reference

`evidentia` is a thin layer over the Python API (`evidentia.add`, `evidentia.search`,
`evidentia.ask`, ...): each command is one call. Every command accepts `--library PATH`,
`--settings FILE`, `--set stage.field=value` (repeatable) and `--debug`, before or after its name.

Exit codes: 0 success; 1 a general error; 2 bad input, settings or arguments; 3 the library cannot
be opened or written; 4 a live source failed; 5 a paper id is not in the library; 70 an internal
error (run again with `--debug` and report the traceback); 130 interrupted. Errors print as one
line on stderr, `evidentia: error: ...`.

This page is generated: `python scripts/gen_cli_doc.py > docs/cli.md`.
"""


def command_help(name: str, command: click.Command, parent: click.Context) -> list[str]:
    ctx = click.Context(command, info_name=name, parent=parent, terminal_width=100, max_content_width=100)
    lines = [f"## `{ctx.command_path}`", "", "```text", command.get_help(ctx), "```", ""]
    if isinstance(command, click.Group):
        for sub_name in sorted(command.list_commands(ctx)):
            lines += command_help(sub_name, command.get_command(ctx, sub_name), ctx)
    return lines


def main() -> None:
    root = click.Context(cli, info_name="evidentia", terminal_width=100, max_content_width=100)
    lines = [INTRO, "```text", cli.get_help(root), "```", ""]
    for name in sorted(cli.list_commands(root)):
        lines += command_help(name, cli.get_command(root, name), root)
    print("\n".join(lines).rstrip() + "\n", end="")


if __name__ == "__main__":
    main()
