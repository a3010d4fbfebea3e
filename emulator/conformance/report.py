"""A run's results as a table for a terminal and as a JSON report for CI."""

from __future__ import annotations

from typing import Any

from emulator.conformance.runner import Options, Run

DETAIL_WIDTH = 100


def table(run: Run) -> str:
    """One row per check: name, result, detail (shortened); then a summary line."""
    width = max(len(result["name"]) for result in run.results)
    rows = [f"{'check':<{width}}  result  detail", f"{'-' * width}  ------  {'-' * 40}"]
    for result in run.results:
        detail = result["detail"]
        if len(detail) > DETAIL_WIDTH:
            detail = detail[: DETAIL_WIDTH - 3] + "..."
        rows.append(f"{result['name']:<{width}}  {result['result'].upper():<6}  {detail}")
    counts = summary(run)
    rows.append("")
    rows.append(
        f"{len(run.results)} checks: {counts['pass']} pass, {counts['fail']} fail, {counts['skip']} skip "
        f"(OpenAPI {run.spec['title']} {run.spec['version']}; time: {run.waiting})"
    )
    return "\n".join(rows)


def summary(run: Run) -> dict[str, int]:
    counts = {"pass": 0, "fail": 0, "skip": 0}
    for result in run.results:
        counts[result["result"]] += 1
    return counts


def json_report(run: Run, options: Options) -> dict[str, Any]:
    """Everything the table says, in full: the target, the document, each check and the verdict."""
    return {
        "base_url": options.base_url,
        "admin_url": options.admin_url,
        "spec": run.spec,
        "waiting": run.waiting,
        "passed": run.passed,
        "summary": summary(run),
        "checks": run.results,
    }
