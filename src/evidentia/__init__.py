"""evidentia: answer research questions from the scientific literature with cited evidence reports.

The Python API is the CLI's API; each command is one call::

    import evidentia
    summary = evidentia.add(["records.xml.gz"])                 # evidentia add
    hits = evidentia.search("vitamin D fractures", k=10)         # evidentia search
    report = evidentia.ask("Does vitamin D reduce fractures?")   # evidentia ask
    print(evidentia.render(report, "md"))                        # --format md|json|html|bibtex|...
    verdicts = evidentia.check(report)                           # evidentia ask --check
    evidentia.build_index()                                      # evidentia index
    scores = evidentia.run_eval("pubmedqa")                      # evidentia eval pubmedqa
    evidentia.bulk_build(["baseline/"], "out/", settings)        # evidentia bulk build
    evidentia.bulk_load("out/", settings)                        # evidentia bulk load
    evidentia.serve(settings)                                    # evidentia serve
"""

from __future__ import annotations

__version__ = "0.1.0"

from .config import Settings
from .errors import EvidentiaError
from .models import Filters, Report
from .render import (
    render,  # eager: the `render` subpackage would otherwise shadow the function
)

# name -> (module, attribute); imported on first use so `import evidentia` stays cheap for the CLI
_LAZY = {
    **{name: ("pipeline", name) for name in
       ("add", "ask", "check", "info", "open_library", "search", "search_batch")},
    # `index` and `evaluate` are subpackages, so their commands take verbs as names
    "build_index": ("pipeline", "index"),
    "run_eval": ("evaluate.tasks", "run_task"),
    "bulk_build": ("bulk", "build"),
    "bulk_load": ("bulk", "load"),
    "serve": ("web.server", "serve"),
}


def __getattr__(name: str):
    if name not in _LAZY:
        raise AttributeError(f"module 'evidentia' has no attribute {name!r}")
    from importlib import import_module

    module, attribute = _LAZY[name]
    return getattr(import_module(f".{module}", __name__), attribute)


__all__ = [
    "EvidentiaError", "Filters", "Report", "Settings", "__version__",
    "add", "ask", "build_index", "bulk_build", "bulk_load", "check", "info", "open_library",
    "render", "run_eval", "search", "search_batch", "serve",
]
