"""The pipeline that runs grants: the scheduled reconcile expires them, every 5 minutes, with full history."""

from __future__ import annotations

from typing import Any

import yaml

from support import ROOT


def workflow(name: str) -> dict[Any, Any]:
    return yaml.safe_load((ROOT / ".github" / "workflows" / name).read_text(encoding="utf-8"))


def checkouts(job: dict[str, Any]) -> list[dict[str, Any]]:
    return [step for step in job["steps"] if str(step.get("uses", "")).startswith("actions/checkout@")]


def test_the_reconcile_runs_every_five_minutes_on_main_with_full_history() -> None:
    reconcile = workflow("reconcile.yml")
    assert reconcile[True]["schedule"] == [{"cron": "*/5 * * * *"}]  # YAML 1.1 reads the key `on` as True
    job = reconcile["jobs"]["reconcile"]
    assert [step["with"]["fetch-depth"] for step in checkouts(job)] == [0]
    run = "\n".join(step.get("run", "") for step in job["steps"])
    assert "consolezero plan " in run and "--detailed-exitcode --out plan.json" in run  # changes found: applied
    assert "consolezero apply --plan plan.json --auto-approve" in run


def test_every_job_that_reads_grants_or_request_history_checks_out_full_history() -> None:
    deploy = workflow("deploy.yml")
    pull_request = workflow("pull-request.yml")
    jobs = [*deploy["jobs"].values(), pull_request["jobs"]["lint"]]
    for job in jobs:
        assert [step.get("with", {}).get("fetch-depth") for step in checkouts(job)] == [0], job.get("name")
