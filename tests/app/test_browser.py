"""The app in a real browser: `streamlit run app.py` on 127.0.0.1, driven by Debian's chromium through
Playwright (no `playwright install`: the system browser is used). Every page must draw its charts
without an error box. A full-page screenshot of each goes to the test's temporary folder, or to
$RELUFAST_SCREENSHOTS/<page>.png when that is set (scripts/screenshots.sh refreshes the README's
docs/screenshots that way), so a test run never rewrites tracked files.

Needs ``apt-get install chromium`` and ``pip install playwright``; skipped (with the reason) when
either is missing.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from .conftest import PAGES, ROOT

pytestmark = pytest.mark.browser

CHROMIUM = os.environ.get("RELUFAST_CHROMIUM", "/usr/bin/chromium")
ERROR_BOXES = "[data-testid='stException'], .stException, [data-testid='stAlertContentError']"
CHARTS = ".vega-embed canvas, .vega-embed svg"


def _chromium() -> str:
    if Path(CHROMIUM).is_file():
        return CHROMIUM
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if not found:
        pytest.skip(f"chromium not found at {CHROMIUM} (apt-get install -y chromium)")
    return found


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    pytest.importorskip("playwright.sync_api", reason="playwright is not installed (pip install playwright)")
    _chromium()
    port = _free_port()
    log = tmp_path_factory.mktemp("streamlit") / "server.log"
    with open(log, "w") as out:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "streamlit",
                "run",
                "app.py",
                "--server.headless",
                "true",
                "--server.address",
                "127.0.0.1",
                "--server.port",
                str(port),
                "--browser.gatherUsageStats",
                "false",
                "--server.fileWatcherType",
                "none",
            ],
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"streamlit did not start:\n{log.read_text()[-3000:]}")
            time.sleep(0.3)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.fixture(scope="module")
def browser(server):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=_chromium(), args=["--no-sandbox", "--disable-gpu"])
        try:
            yield b
        finally:
            b.close()


def _wait_idle(page, timeout_s: float = 90.0) -> None:
    """Wait until the script run is over (no 'Running...' widget) and the charts have drawn."""
    page.wait_for_selector("[data-testid='stApp']", timeout=timeout_s * 1000)
    page.wait_for_selector(CHARTS, state="attached", timeout=timeout_s * 1000)
    deadline = time.monotonic() + timeout_s
    quiet = 0
    while time.monotonic() < deadline:
        running = page.locator("[data-testid='stStatusWidget']").count() > 0
        quiet = 0 if running else quiet + 1
        if quiet >= 4:
            break
        time.sleep(0.5)
    page.wait_for_timeout(1500)  # let Vega finish drawing


def _full_page_screenshot(page, path: Path) -> None:
    """Streamlit scrolls inside its main block, so grow the viewport to the content first."""
    width = 1400
    for _ in range(3):
        h = page.evaluate(
            "() => Math.max(...[...document.querySelectorAll("
            "'[data-testid=stMain], [data-testid=stMainBlockContainer], [data-testid=stSidebarContent]')]"
            ".map(e => e.scrollHeight), 800)"
        )
        page.set_viewport_size({"width": width, "height": min(int(h) + 60, 8000)})
        page.wait_for_timeout(800)
    path.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(path), full_page=True)


@pytest.fixture
def shots(tmp_path) -> Path:
    """Where the screenshots go: $RELUFAST_SCREENSHOTS when set, else this test's temporary folder."""
    chosen = os.environ.get("RELUFAST_SCREENSHOTS")
    return Path(chosen).resolve() if chosen else tmp_path


@pytest.mark.parametrize("name", list(PAGES))
def test_page_in_browser(server, browser, shots, name):
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    try:
        page.goto(f"{server}/{name}")  # every page at its own URL, the first one included
        _wait_idle(page)
        assert page.get_by_text("Page not found").count() == 0
        assert page.locator(CHARTS).count() >= 1, f"no chart drawn on {name}"
        errors = page.locator(ERROR_BOXES)
        assert errors.count() == 0, errors.first.inner_text()
        assert page.locator("h1").first.inner_text().strip()
        _full_page_screenshot(page, shots / f"{name}.png")
        assert errors.count() == 0
    finally:
        page.close()


def test_root_url_opens_the_first_page(server, browser):
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    try:
        page.goto(server + "/")
        _wait_idle(page)
        assert page.get_by_text("Page not found").count() == 0
        assert page.url.rstrip("/").endswith("/five_points"), page.url
        assert "Five points" in page.locator("h1").first.inner_text()
    finally:
        page.close()


def _download_button(page, label: str):
    """One of our st.download_button's (not the chart's own hover toolbar, which also says PNG)."""
    return page.locator("[data-testid='stDownloadButton'] button").filter(has_text=label).first


def test_chart_downloads_render(server, browser):
    """The PNG and SVG buttons render the chart on click (vl-convert, offline) and download it."""
    # a tall window: the buttons are on screen, not under Streamlit's sticky header
    page = browser.new_page(viewport={"width": 1400, "height": 3000}, accept_downloads=True)
    try:
        page.goto(server + "/engine")
        _wait_idle(page)
        for label, magic in (("PNG", b"\x89PNG"), ("SVG", b"<svg")):
            with page.expect_download(timeout=60_000) as info:
                _download_button(page, label).click()
            data = Path(info.value.path()).read_bytes()
            assert data.startswith(magic), data[:40]
        with page.expect_download(timeout=30_000) as info:
            _download_button(page, "CSV").click()
        assert b"backend" in Path(info.value.path()).read_bytes().splitlines()[0]
    finally:
        page.close()


def test_live_run_and_cached_replay(server, browser):
    """Run on request shows a progress bar, then the live result; the same inputs again come from
    st.cache_data (its element replay must not break on the progress bar made inside it)."""
    page = browser.new_page(viewport={"width": 1400, "height": 3000})
    try:
        page.goto(server + "/engine")
        _wait_idle(page)
        run = page.get_by_role("button", name="Time the kernels here")
        for _ in range(2):  # the second click is a cache hit
            run.click()
            page.get_by_text("Live run").first.wait_for(timeout=120_000)
            _wait_idle(page)
            errors = page.locator(ERROR_BOXES)
            assert errors.count() == 0, errors.first.inner_text()
        assert page.locator(CHARTS).count() >= 1
        page.get_by_role("button", name="Show reference").click()
        page.get_by_text("Shipped reference result").first.wait_for(timeout=60_000)
    finally:
        page.close()
