"""The README's page-weight table from the JSON that tests/browser/test_budgets.py
keeps when PAMOJA_PAGECHECK_RESULTS names a directory (pagecheck's reports, one
file per budget and role, and the quiz result's own measurement)."""

import json
import sys
from pathlib import Path
from urllib.parse import urlsplit


def kib(size: float) -> str:
    return f"{size / 1024:.1f}"


def seconds(ms: float) -> str:
    return f"{ms / 1000:.2f}"


def rows(directory: Path):
    for report in sorted(directory.glob("*.json")):
        budget, _, role = report.stem.rpartition("-")
        data = json.loads(report.read_text())
        if "results" not in data:  # the quiz result, measured from the tap
            yield (
                f"quiz result ({role}; after the quiz page)",
                f"{budget}.json",
                str(data["requests"]),
                f"{kib(data['transfer'])} (after the quiz)",
                f"{seconds(data['fcp'])} / {seconds(data['load'])} from the tap",
                str(len(data["axe"])),
                "—",
            )
            continue
        for result in data["results"]:
            cold, warm = result["cold"]["totals"], result["warm"]["totals"]
            timing = result["timings"]["2G"]["cold"]
            axe = sum(v["rules"] for v in result["axe"]["byImpact"].values())
            lighthouse = next(iter(result.get("lighthouse") or []), None)
            scores = lighthouse["scores"] if lighthouse else None
            yield (
                f"`{urlsplit(result['url']).path}` ({role})",
                f"{budget}.json",
                f"{cold['requests']} / {warm['downloaded']}",
                f"{kib(cold['transferBytes'])} / {kib(warm['transferBytes'])}",
                f"{seconds(timing['fcp'])} / {seconds(timing['load'])}",
                str(axe),
                f"{scores['performance']} / {scores['accessibility']}"
                if scores
                else "—",
            )


def main(directory: str) -> None:
    header = (
        "page (who)",
        "budget",
        "requests first / downloads repeat",
        "KiB first / repeat",
        "2G FCP / load, s",
        "axe violations",
        "Lighthouse perf / a11y",
    )
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for row in rows(Path(directory)):
        print("| " + " | ".join(row) + " |")


if __name__ == "__main__":
    main(sys.argv[1])
