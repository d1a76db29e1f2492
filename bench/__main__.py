"""`make bench`: every benchmark, one after the other, each printing its figures.

`python -m bench NAME...` runs only those (actions, cli, worker, email, report, web, signin, dashboard, verify).
"""

from __future__ import annotations

import importlib
import json
import sys
import time

BENCHES = ["actions", "cli", "worker", "email", "report", "web", "signin", "dashboard", "verify"]


def main(names: list[str]) -> None:
    results = {}
    for name in names or BENCHES:
        try:
            module = importlib.import_module(f"bench.{name}_bench")
        except ModuleNotFoundError as exc:
            if exc.name != f"bench.{name}_bench":
                raise
            print(f"== {name}: no benchmark module yet, skipped")
            continue
        print(f"== {name}")
        started = time.perf_counter()
        results[name] = module.run()
        print(f"   ({time.perf_counter() - started:.1f} s)")
    print(json.dumps(results, indent=2, default=str))


if __name__ == "__main__":
    main(sys.argv[1:])
