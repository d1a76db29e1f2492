"""HTML to PDF with whatever renderer the machine has: Chromium (headless) or wkhtmltopdf.

Neither is a dependency of Redress. Without one, or when it fails, the caller gets a sentence to
show, never a traceback: the HTML is already written and a browser can print it.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

CHROMIUMS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
TIMEOUT = 120


@dataclass(frozen=True)
class PdfResult:
    ok: bool
    message: str


def find_renderer() -> tuple[str, str] | None:
    """('chromium', path) or ('wkhtmltopdf', path), whichever is on PATH first; None when neither is."""
    for name in CHROMIUMS:
        found = shutil.which(name)
        if found:
            return "chromium", found
    found = shutil.which("wkhtmltopdf")
    return ("wkhtmltopdf", found) if found else None


def _command(kind: str, exe: str, html: Path, pdf: Path, profile: str) -> list[str]:
    if kind == "chromium":
        return [
            exe,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            f"--user-data-dir={profile}",
            "--no-pdf-header-footer",
            f"--print-to-pdf={pdf}",
            html.resolve().as_uri(),
        ]
    return [exe, "--quiet", "--enable-local-file-access", str(html), str(pdf)]


def html_to_pdf(html: Path, pdf: Path) -> PdfResult:
    renderer = find_renderer()
    fallback = f"open {html} in a browser and print it to PDF"
    if renderer is None:
        return PdfResult(
            False, f"HTML written to {html}; no PDF renderer (chromium or wkhtmltopdf) is installed: install one, or {fallback}"
        )
    kind, exe = renderer
    if pdf.resolve() == html.resolve():
        return PdfResult(False, f"the PDF would overwrite its own HTML ({html}): name the PDF file differently")
    pdf.unlink(missing_ok=True)
    with tempfile.TemporaryDirectory(prefix="redress-pdf-") as profile:
        try:
            done = subprocess.run(_command(kind, exe, html, pdf, profile), capture_output=True, text=True, timeout=TIMEOUT)
        except (OSError, subprocess.TimeoutExpired) as exc:
            return PdfResult(
                False, f"HTML written to {html}; {kind} could not make the PDF ({exc.__class__.__name__}): {fallback}"
            )
    if done.returncode != 0 or not pdf.exists() or pdf.stat().st_size == 0:
        return PdfResult(False, f"HTML written to {html}; {kind} could not make the PDF (exit {done.returncode}): {fallback}")
    return PdfResult(True, f"PDF written to {pdf} (with {kind})")
