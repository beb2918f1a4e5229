"""Reports: aligned text tables, saving a report with its raw numbers, re-printing a saved run."""

from __future__ import annotations

import json
import sys
from pathlib import Path


def fmt(x, spec: str = ".3g") -> str:
    if x is None:
        return "-"
    if isinstance(x, str):
        return x
    if isinstance(x, float) and x != x:
        return "-"
    return format(x, spec)


def table(rows: list[dict], columns: list[tuple[str, str, str]]) -> str:
    """Aligned text table. ``columns``: (key, heading, format spec) triples."""
    cells = [[head for _, head, _ in columns]]
    for row in rows:
        cells.append([fmt(row.get(key), spec) for key, _, spec in columns])
    widths = [max(len(r[i]) for r in cells) for i in range(len(columns))]
    out = []
    for j, r in enumerate(cells):
        out.append(
            "  ".join(
                c.rjust(w) if j and i else c.ljust(w) for i, (c, w) in enumerate(zip(r, widths, strict=True))
            )
        )
        if j == 0:
            out.append("  ".join("-" * w for w in widths))
    return "\n".join(out)


def save(text: str, data: dict, out: str | None) -> None:
    """Print the report; with ``out``, also write it there and the raw numbers beside it (.json)."""
    print(text)
    if out:
        path = Path(out)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text + "\n")
        path.with_suffix(".json").write_text(json.dumps(data, indent=1, default=str) + "\n")
        print(f"\n# written: {path} and {path.with_suffix('.json')}", file=sys.stderr)


def reprint_saved(path: str, args, report) -> None:
    """Re-print (and re-save) the report of a saved run's JSON, with the options it ran with."""
    saved = json.loads(Path(path).read_text())
    results = {int(t): r for t, r in saved["results"].items()}
    argv_saved = saved.get("argv", [])
    args.quick = "--quick" in argv_saved
    args.full = "--full" in argv_saved
    if "--repeat" in argv_saved:
        args.repeat = int(argv_saved[argv_saved.index("--repeat") + 1])
    if hasattr(args, "table1_threads"):
        args.table1_threads = max(results)
    text = report(saved["machine"], results, args) + f"\n\n(re-printed from {path})"
    save(text, saved, args.out)
