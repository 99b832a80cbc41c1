"""evidentia: answer research questions from the scientific literature with cited evidence reports.

The Python API is the CLI's API; each command is one call::

    import evidentia
    summary = evidentia.add(["records.xml.gz"])                 # evidentia add
    hits = evidentia.search("vitamin D fractures", k=10)         # evidentia search
    report = evidentia.ask("Does vitamin D reduce fractures?")   # evidentia ask
    print(evidentia.render(report, "md"))                        # --format md|json|html
"""

from __future__ import annotations

__version__ = "0.1.0"

from .config import Settings  # noqa: E402
from .errors import EvidentiaError  # noqa: E402
from .models import Filters, Report  # noqa: E402


def __getattr__(name: str):  # lazy, so `import evidentia` stays cheap for the CLI
    if name in {"add", "ask", "search", "search_batch", "info", "open_library"}:
        from . import pipeline

        return getattr(pipeline, name)
    if name == "render":
        from .render import render

        return render
    raise AttributeError(f"module 'evidentia' has no attribute {name!r}")


__all__ = [
    "EvidentiaError", "Filters", "Report", "Settings", "__version__",
    "add", "ask", "info", "open_library", "render", "search", "search_batch",
]
