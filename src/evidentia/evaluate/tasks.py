"""The registry behind ``evidentia eval TASK [--data DIR] [--json]``.

Every task reads the shared datasets in place (``--data``, else ``$EVIDENTIA_SHARED_DATA``, else
``../shared/data`` beside the repository) and returns ``{metric: value}``:

==================  ==========================================================================
pubmedqa            stance on the 500 PubMedQA test questions, reasoning-free (conclusion
                    given) and reasoning-required (conclusion withheld): accuracy, macro-F1
stance-scifact      stance on SciFact dev claims against their cited abstracts
pico                token F1 per element on EBM-NLP's 191 expert-labelled test abstracts
outcomes            outcome spans on EvidenceOutcomes (640 abstracts)
roles               sentence roles of held-out structured abstracts read as unstructured
design              text-only design against publication types, MeSH and RCT corpora
sample-size         sample size against the shipped gold files and RCT group sizes
direction           findings' direction (difference / no difference) on Evidence Inference
speed               analyses per second of one core on SciFact abstracts
beir-scifact        retrieval nDCG@10 / recall@100 (``evaluate.beir``, when present)
==================  ==========================================================================
"""

from __future__ import annotations

import importlib
import importlib.util
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ..config import Settings
from ..errors import InputError

Scores = dict[str, float]
REPO = Path(__file__).resolve().parents[3]


@dataclass(frozen=True)
class Task:
    name: str
    description: str
    target: str  # "module:function" inside evidentia.evaluate, imported when the task runs
    data: str = ""  # sub-folder of the data root the task needs (checked before it runs)

    def run(self, data: Path, settings: Settings | None = None, limit: int | None = None) -> Scores:
        module_name, _, function_name = self.target.partition(":")
        module = importlib.import_module(f"{__package__}.{module_name}")
        function: Callable[..., Scores] = getattr(module, function_name)
        if self.name == "beir-scifact":
            return function(data / "beir" / "scifact", settings or Settings())
        return function(data, limit=limit)


TASKS: dict[str, Task] = {
    task.name: task for task in (
        Task("pubmedqa", "PubMedQA test stance, reasoning-free and reasoning-required", "answers:eval_pubmedqa", "pubmedqa"),
        Task("stance-scifact", "SciFact dev claims: support / contradict / not enough info", "answers:eval_scifact", "scifact"),
        Task("pico", "EBM-NLP expert test set: token F1 for participants, interventions, outcomes", "extractors:eval_pico", "ebm_nlp"),
        Task("outcomes", "EvidenceOutcomes: outcome spans (token F1, span overlap)", "extractors:eval_outcomes", "evidence_outcomes_evidencemap"),
        Task("roles", "sentence roles of held-out structured abstracts, labels hidden", "extractors:eval_roles", "evidence_inference"),
        Task("design", "text-only study design against publication types, MeSH, RCT corpora", "design_eval:eval_design", "pubmedqa"),
        Task("sample-size", "sample size against gold counts and RCT group sizes", "design_eval:eval_sample_size", "rct_numeric_results"),
        Task("direction", "Evidence Inference test prompts: finding says no difference vs a difference", "answers:eval_direction", "evidence_inference"),
        Task("speed", "analyse() throughput on SciFact abstracts, one core", "answers:eval_speed", "scifact"),
        Task("beir-scifact", "retrieval on BEIR SciFact (nDCG@10, recall@100)", "beir:evaluate_beir", "beir/scifact"),
    )
}


def available_tasks() -> list[str]:
    """Task names; ``beir-scifact`` only when the retrieval evaluation module is installed."""
    names = []
    for name, task in TASKS.items():
        module = task.target.partition(":")[0]
        if importlib.util.find_spec(f"{__package__}.{module}") is not None:
            names.append(name)
    return names


def default_data_dir() -> Path:
    """``$EVIDENTIA_SHARED_DATA``, else ``../shared/data`` next to the repository."""
    env = os.environ.get("EVIDENTIA_SHARED_DATA")
    return Path(env) if env else REPO.parent / "shared" / "data"


def run_task(name: str, data: Path | None = None, settings: Settings | None = None,
             limit: int | None = None) -> Scores:
    """Run one task on the data root; ``InputError`` when the task or its data is missing."""
    if name not in TASKS:
        raise InputError(f"unknown evaluation task {name!r}", hint=f"choose one of: {', '.join(TASKS)}")
    data = Path(data) if data is not None else default_data_dir()
    if not data.is_dir():
        raise InputError(f"shared data folder not found: {data}",
                         hint="pass --data DIR or set EVIDENTIA_SHARED_DATA")
    task = TASKS[name]
    if task.data and not (data / task.data).exists():
        raise InputError(f"task {name!r} needs {data / task.data}, which is missing",
                         hint="pass --data pointing at the shared data folder")
    return task.run(data, settings, limit)
