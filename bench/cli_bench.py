"""The command line's cold start: CPU time of `redress case show N --json` and `redress --help`, each a
fresh process, against the import floor of what a command cannot do without
(`python -c "import sqlalchemy.orm, jinja2, transitions, pydantic, yaml"`). CPU time, the median
of several runs, so a busy machine blurs it less than the wall clock would.

Every process runs from bytecode, as an installed Redress does (pip compiles it; a checkout writes
`__pycache__` on its first run): with PYTHONDONTWRITEBYTECODE set, as in some shells and CI, our own modules
would be compiled from source at every start while the floor's come precompiled from site-packages. So
the bench drops that variable for its processes and points PYTHONPYCACHEPREFIX at its temporary folder
(nothing is written beside the sources), and each command runs once unmeasured first."""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RUNS = 7
FLOOR = "import sqlalchemy.orm, jinja2, transitions, pydantic, yaml"
HEAD = "head@bench.example"
ESSENTIALS = "import store, workflows, engine.queries.views, engine.settings, engine.context, click"
"""What any read command needs before it can read (the ORM models, the workflow spec classes, the settings,
the read side's views): how much of `case show` is beyond the floor before a single lazy import could help."""


def _cpu(args: list[str], env: dict[str, str]) -> float:
    subprocess.run(args, check=True, stdout=subprocess.DEVNULL, env=env)  # writes the bytecode it will read
    samples = []
    for _ in range(RUNS):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        subprocess.run(args, check=True, stdout=subprocess.DEVNULL, env=env)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        samples.append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
    return sorted(samples)[RUNS // 2]


def run() -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="redress-bench-") as tmp:
        env = {
            **{name: value for name, value in os.environ.items() if name != "PYTHONDONTWRITEBYTECODE"},
            "PYTHONPYCACHEPREFIX": str(Path(tmp) / "pycache"),
            "REDRESS_DATABASE_URL": f"sqlite:///{Path(tmp) / 'redress.db'}",
            "REDRESS_WORKFLOW": str(ROOT / "workflows.yaml"),
            "REDRESS_DATA_DIR": str(Path(tmp) / "data"),
        }
        redress = [sys.executable, "-m", "redress"]
        for args in (
            ["init"],
            ["people", "add", "--name", "Helen Head", "--email", HEAD, "--role", "headteacher"],
            ["case", "open", "--category", "threat_of_violence", "--summary", "Bench", "--as", HEAD],
        ):
            subprocess.run(redress + args, check=True, stdout=subprocess.DEVNULL, env=env)
        floor = _cpu([sys.executable, "-c", FLOOR], env)
        essentials = _cpu([sys.executable, "-c", f"{FLOOR}; {ESSENTIALS}"], env)
        show = _cpu([*redress, "case", "show", "1", "--as", HEAD, "--json"], env)
        help_ = _cpu([*redress, "--help"], env)
    result = {
        "floor_cpu_s": round(floor, 3),
        "essentials_cpu_s": round(essentials, 3),
        "essentials_ratio": round(essentials / floor, 2),
        "case_show_cpu_s": round(show, 3),
        "case_show_ratio": round(show / floor, 2),
        "help_cpu_s": round(help_, 3),
        "help_ratio": round(help_ / floor, 2),
    }
    print(f"   import floor:            {floor:.3f} s of CPU ({FLOOR}; every process from bytecode)")
    print(f"   the modules a read needs {essentials:.3f} s ({result['essentials_ratio']}x the floor: {ESSENTIALS})")
    print(f"   redress case show --json {show:.3f} s ({result['case_show_ratio']}x the floor; target <= 1.3x)")
    print(f"   redress --help           {help_:.3f} s ({result['help_ratio']}x the floor)")
    return result
