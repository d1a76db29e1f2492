"""Access custody and the bundle: a case's access log (the headteacher), and its export as one ZIP
(the headteacher; the chair once the case is escalated to them)."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi import Path as PathParam
from fastapi.responses import Response
from starlette.background import BackgroundTask
from starlette.responses import FileResponse

from engine import (
    Redress,
    Sight,
    Viewer,
    case_access,
    case_access_log,
    export_case,
    may_export,
    may_read_access_log,
    record_access,
)
from web.errors import Denied
from web.session import RedressDep, ViewerDep
from web.templating import page
from web.views import seen_case

router = APIRouter(include_in_schema=False)
CaseId = Annotated[int, PathParam(ge=1, le=2_147_483_647)]


def custody_doors(app: Redress, viewer: Viewer, case_id: int, sight: Sight) -> dict[str, bool]:
    """Which of the custody doors the case page offers this viewer (each route checks again). The owner of
    every case needs no read; anyone else's export door depends on the stages the case reached."""
    reads_log = may_read_access_log(viewer, sight)
    if sight is not Sight.FULL or reads_log:
        return {"export": reads_log, "access_log": reads_log}
    facts, sight = case_access(app, viewer, case_id)
    return {"export": may_export(viewer, facts, app.compiled(facts.workflow_id).spec, sight), "access_log": False}


@router.get("/cases/{case_id}/access")
def access_log_page(request: Request, case_id: CaseId, app: RedressDep, viewer: ViewerDep) -> Response:
    _, sight = seen_case(app, viewer, case_id)
    if not may_read_access_log(viewer, sight):
        raise Denied("only the headteacher reads who has seen a case")
    record_access(app, viewer.email, viewer.id, case_id, "access_log")
    lines = case_access_log(app, case_id)
    return page(request, "access_log.html", viewer, {"case_id": case_id, "lines": lines, "local": app.local})


@router.get("/cases/{case_id}/export")
def export_bundle(case_id: CaseId, app: RedressDep, viewer: ViewerDep, redacted: bool = Query(False)) -> Response:
    facts, sight = seen_case(app, viewer, case_id)
    if not may_export(viewer, facts, app.compiled(facts.workflow_id).spec, sight):
        raise Denied("only the headteacher, or the chair once a case is escalated to them, may export a case")
    folder = Path(tempfile.mkdtemp(prefix="redress-bundle-", dir=app.data_dir))
    name = f"case-{case_id}{'-redacted' if redacted else ''}.zip"
    result = export_case(app, case_id, viewer.email, folder / name, redacted=redacted)
    return FileResponse(result.path, media_type="application/zip", filename=name, background=BackgroundTask(_remove, folder))


def _remove(folder: Path) -> None:
    for child in folder.iterdir():
        child.unlink(missing_ok=True)
    folder.rmdir()
