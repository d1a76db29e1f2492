"""The same main path in SpiffWorkflow, a BPMN engine, for scale: each case is a workflow instance
that takes the policy's three actions (bench/policy_main_path.bpmn), serialised to a SQLite file
(synchronous=FULL, one transaction) after every step, as an engine that keeps its state must.
It records no audit chain, outbox or deadlines: a floor for "a workflow engine", not a rival.

SpiffWorkflow is an optional bench dependency (`pip install -e '.[bench]'`); without it this is skipped.
"""

from __future__ import annotations

import sqlite3
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.actions_bench import ACTIONS, CASES

BPMN = Path(__file__).with_name("policy_main_path.bpmn")


def run() -> dict[str, Any]:
    try:
        from SpiffWorkflow.bpmn.parser import BpmnParser
        from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
        from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
        from SpiffWorkflow.util.task import TaskState
    except ImportError:
        print("   SpiffWorkflow is not installed (pip install -e '.[bench]'): skipped")
        return {"skipped": True}
    parser = BpmnParser()
    parser.add_bpmn_file(str(BPMN))
    spec = parser.get_spec("main_path")
    serializer = BpmnWorkflowSerializer()
    with tempfile.TemporaryDirectory(prefix="redress-bench-") as tmp:
        conn = sqlite3.connect(Path(tmp) / "spiff.db", isolation_level=None)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=FULL")
        conn.execute("CREATE TABLE cases (id INTEGER PRIMARY KEY, state TEXT NOT NULL)")
        for case_id in range(1, CASES + 1):
            workflow = BpmnWorkflow(spec)
            workflow.do_engine_steps()
            conn.execute("INSERT INTO cases VALUES (?, ?)", (case_id, serializer.serialize_json(workflow)))
        started = time.perf_counter()
        for action, _fields in ACTIONS:
            for case_id in range(1, CASES + 1):
                conn.execute("BEGIN IMMEDIATE")
                state = conn.execute("SELECT state FROM cases WHERE id = ?", (case_id,)).fetchone()[0]
                workflow = serializer.deserialize_json(state)
                task = next(t for t in workflow.get_tasks(state=TaskState.READY) if t.task_spec.name == action)
                task.run()
                workflow.do_engine_steps()
                conn.execute("UPDATE cases SET state = ? WHERE id = ?", (serializer.serialize_json(workflow), case_id))
                conn.execute("COMMIT")
        seconds = time.perf_counter() - started
        conn.close()
    steps = CASES * len(ACTIONS)
    result = {"steps": steps, "steps_per_second": round(steps / seconds, 1)}
    print(f"   SpiffWorkflow: {result['steps_per_second']:>8} steps/s (the main path, saved to SQLite after each step)")
    return result
