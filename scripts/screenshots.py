"""Screenshots of the case page for the README, desktop and phone: `make screenshots`.

A demo school (`redress init --demo`) in a throwaway folder, `redress serve` on a free port, and Debian's
chromium driven by Playwright: the headteacher signs in (setting up two-factor sign-in as a person would),
opens the demo case that reached the chair, and the pages are saved into docs/screenshots/.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import pyotp
from playwright.sync_api import FloatRect, Page, ViewportSize, sync_playwright

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "screenshots"
CHROMIUM = "/usr/bin/chromium"
DESKTOP: ViewportSize = {"width": 1280, "height": 900}
PHONE: ViewportSize = {"width": 360, "height": 780}
CASE = "Repeated defamatory posts"
"""The demo case that reached the chair: the fullest story so far."""


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="redress-shots-") as folder:
        env = {k: v for k, v in os.environ.items() if not k.startswith("REDRESS_")}
        env |= {"REDRESS_SECRET_KEY": "screenshots-only-secret-0123456789-0123456789"}
        redress = [sys.executable, "-m", "redress"]
        done = subprocess.run([*redress, "init", "--demo"], cwd=folder, env=env, capture_output=True, text=True, check=True)
        head = re.search(r"(head@\S+)\s+(\S+)", done.stdout)
        if head is None:
            raise SystemExit(f"no headteacher in the demo school's logins:\n{done.stdout}")
        port = _free_port()
        server = subprocess.Popen([*redress, "serve", "--port", str(port)], cwd=folder, env=env, stderr=subprocess.DEVNULL)
        try:
            url = f"http://127.0.0.1:{port}"
            _wait_until_up(url + "/sign-in")
            _shoot(url, head[1], head[2])
        finally:
            server.terminate()
            server.wait(timeout=60)


def _shoot(url: str, email: str, password: str) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--headless", "--no-sandbox", "--disable-gpu"])
        desktop = browser.new_context(viewport=DESKTOP)
        page = desktop.new_page()
        _sign_in(page, url, email, password)
        _save(page, "dashboard")
        page.goto(f"{url}/log")
        page.get_by_role("row").filter(has_text=CASE).get_by_role("link").first.click()
        case_url = page.url
        _save(page, "case", 1600)
        phone = browser.new_context(viewport=PHONE, storage_state=desktop.storage_state(), is_mobile=True)
        small = phone.new_page()
        small.goto(case_url)
        _save(small, "phone-case", 2 * PHONE["height"])
        browser.close()


def _sign_in(page: Page, url: str, email: str, password: str) -> None:
    page.goto(f"{url}/sign-in")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()
    if "/two-factor/enrol" in page.url:
        secret = page.locator("code.secret").inner_text()
        page.get_by_label("Code from the app").fill(pyotp.TOTP(secret).now())
        page.get_by_role("button", name="Turn on two-factor sign-in").click()
        page.get_by_role("link", name="I have kept them: continue").click()
    page.wait_for_url(f"{url}/")


def _save(page: Page, name: str, top: int | None = None) -> None:
    """The whole page, or its first `top` pixels (a case page's story so far and next step lead it)."""
    path = OUT / f"{name}.png"
    size = page.viewport_size or DESKTOP
    height = int(page.evaluate("document.documentElement.scrollHeight"))
    clip: FloatRect = {"x": 0, "y": 0, "width": size["width"], "height": min(height, top or height)}
    page.screenshot(path=str(path), full_page=True, clip=clip)
    print(f"saved {path.relative_to(ROOT)}")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait_until_up(url: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"redress serve did not answer at {url}")


if __name__ == "__main__":
    main()
