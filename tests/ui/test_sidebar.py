"""End to end in a real browser: lo-server and `jupyter lab` on loopback, Debian's Chromium
driven by Playwright. A notebook runs `%%lo_function` cells; the Orchestra sidebar shows the
jobs appear, finish or fail with their error, live from the event stream without a reload."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from lo_jupyter import embedded
from tests.server_process import stop_process

pytestmark = pytest.mark.slow

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu",
                  "--disable-background-networking", "--disable-component-update",
                  "--disable-sync", "--no-first-run"]
JUPYTER_TOKEN = "ui-test-token"
SIDEBAR = "#lo-jupyter-orchestra"
CELLS = [
    "%load_ext lo_jupyter",
    "%%lo_function ui_ok\nimport time\nprogress(0.5, 'half way')\ntime.sleep(2)\n"
    "print('hello from the sidebar test')\nresponse = 42",
    "%%lo_function ui_broken\nraise ValueError('broken on purpose')",
    "%%lo_function ui_child -p x=$ui_ok\nresponse = x + 1",
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def write_notebook(path: Path) -> None:
    path.write_text(json.dumps({
        "cells": [{"cell_type": "code", "execution_count": None, "id": f"c{i}",
                   "metadata": {}, "outputs": [], "source": source}
                  for i, source in enumerate(CELLS)],
        "metadata": {"kernelspec": {"display_name": "Python 3 (ipykernel)",
                                    "language": "python", "name": "python3"}},
        "nbformat": 4, "nbformat_minor": 5}))


@pytest.fixture
def orchestra(tmp_path):
    server = embedded.start(tmp_path / "lo-data", workers=1)
    yield server
    server.stop()


@pytest.fixture
def lab(tmp_path, orchestra):
    """`jupyter lab` on loopback with the installed extension, isolated config and state."""
    root = tmp_path / "root"
    root.mkdir()
    write_notebook(root / "ui.ipynb")
    config = tmp_path / "jupyter-config"
    (config / "labconfig").mkdir(parents=True)
    (config / "labconfig" / "page_config.json").write_text(json.dumps(
        {"disabledExtensions": {"@jupyterlab/apputils-extension:announcements": True}}))
    port = free_port()
    env = {**os.environ, "LO_URL": orchestra.url, "LO_TOKEN": orchestra.token,
           "JUPYTER_CONFIG_DIR": str(config), "JUPYTER_RUNTIME_DIR": str(tmp_path / "rt")}
    log = (tmp_path / "lab.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "jupyterlab", "--allow-root", "--no-browser",
         f"--port={port}", "--ip=127.0.0.1", f"--IdentityProvider.token={JUPYTER_TOKEN}",
         "--ServerApp.open_browser=False", f"--ServerApp.root_dir={root}",
         f"--LabApp.workspaces_dir={tmp_path / 'workspaces'}",
         f"--LabApp.user_settings_dir={tmp_path / 'settings'}"],
        stdout=log, stderr=subprocess.STDOUT, env=env)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while True:
        try:
            if httpx.get(f"{url}/api/status", params={"token": JUPYTER_TOKEN},
                         timeout=5).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            pytest.fail("jupyter lab did not start:\n" + (tmp_path / "lab.log").read_text())
        time.sleep(0.5)
    page_config = httpx.get(f"{url}/lab", params={"token": JUPYTER_TOKEN}, timeout=30).text
    if '"lo-jupyter"' not in page_config:
        process.kill()
        pytest.fail("the lo-jupyter labextension is not installed in this environment: "
                    "`make install` (pip install -e .) builds and installs it")
    yield url
    stop_process(process, 30)
    log.close()


@pytest.fixture
def page(lab, tmp_path):
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"{CHROMIUM} is missing: `apt-get install -y chromium` (make test does)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        page.set_default_timeout(90_000)
        yield page
        page.screenshot(path=str(tmp_path / "last.png"))  # what the page showed at the end
        browser.close()


def run_cell(page, index: int) -> None:
    page.locator(".jp-Notebook .jp-Cell").nth(index).click()
    page.keyboard.press("Shift+Enter")


def row(page, name: str):
    return page.locator(f'{SIDEBAR} .lo-Row[data-name="{name}"]')


def test_sidebar_follows_jobs_live(page, lab, orchestra, tmp_path):
    page.goto(f"{lab}/lab/tree/ui.ipynb?token={JUPYTER_TOKEN}")
    # the kernel is connected (not just starting) once the status bar says so
    page.locator("#jp-main-statusbar").get_by_text("Python 3 (ipykernel) | Idle").wait_for()

    # the command palette opens the sidebar
    page.keyboard.press("Control+Shift+C")
    page.keyboard.type("Open the Orchestra sidebar")
    page.keyboard.press("Enter")
    sidebar = page.locator(SIDEBAR)
    sidebar.wait_for(state="visible")
    header = sidebar.locator(".lo-Orchestra-header")
    header.get_by_text("Connected", exact=True).wait_for()
    assert orchestra.url in header.inner_text()
    assert orchestra.token not in page.content()

    run_cell(page, 0)
    run_cell(page, 1)
    row(page, "ui_ok").wait_for()  # created after the page loaded: it came by the stream
    page.locator(f'{SIDEBAR} .lo-Row[data-name="ui_ok"][data-status="finished"]').wait_for()
    assert row(page, "ui_ok").locator(".lo-Badge").inner_text() == "finished"
    row(page, "ui_ok").locator(".lo-Duration", has_text=re.compile(r"^\d+(\.\d)? s$")).wait_for()

    run_cell(page, 2)
    failed = page.locator(f'{SIDEBAR} .lo-Row[data-name="ui_broken"][data-status="failed"]')
    failed.wait_for()
    failed.click()
    details = sidebar.locator(".lo-Details")
    assert details.locator(".lo-Details-errorMessage").inner_text() == \
        "ValueError: broken on purpose"
    assert "raise ValueError" in details.locator(".lo-Details-traceback").inner_text()

    # lineage: a job built from ui_ok sits under it, in the same group
    run_cell(page, 3)
    page.locator(f'{SIDEBAR} .lo-Row[data-name="ui_child"][data-status="finished"]'
                 '[data-depth="1"]').wait_for()  # depth once its metadata (parents) arrived
    group = sidebar.locator(".lo-Group", has=page.locator('.lo-Row[data-name="ui_ok"]'))
    assert group.locator(".lo-Row").evaluate_all("rows => rows.map(r => r.dataset.name)") == \
        ["ui_ok", "ui_child"]

    row(page, "ui_ok").click()
    details.locator(".lo-Details-message").get_by_text("hello from the sidebar test").wait_for()
    details.locator(".lo-Action-insert").click()  # adds a loading cell to the notebook
    page.locator(".jp-Notebook .jp-Cell").get_by_text("%lo_get ui_ok --out ui_ok").wait_for()

    shot = tmp_path / "sidebar.png"
    sidebar.screenshot(path=str(shot))
    page.screenshot(path=str(tmp_path / "lab.png"))
    assert shot.stat().st_size > 1000

    # re-run goes through queued/running again and ends finished with a second execution
    details.locator(".lo-Action-re-run").click()
    page.locator(f'{SIDEBAR} .lo-Row[data-name="ui_ok"][data-status="running"]').wait_for()
    page.locator(f'{SIDEBAR} .lo-Row[data-name="ui_ok"][data-status="finished"]').wait_for()
    runs = httpx.get(f"{orchestra.api}/function/python/ui_ok", params={"skip": 1},
                     headers={"Authorization": f"Bearer {orchestra.token}"}).json()["result"]
    assert len(runs) == 2

    # delete asks first, then the row goes away
    failed.click()
    details.locator(".lo-Action-delete").click()
    page.locator(".jp-Dialog .jp-mod-accept").click()
    row(page, "ui_broken").wait_for(state="detached")

    # shared notebooks: publish the open notebook, then open a copy of it
    notebooks = sidebar.locator(".lo-Notebooks")
    if notebooks.get_by_text("not available on this server").count() == 0:
        page.locator(".jp-NotebookPanel").click()  # the notebook is the current widget
        notebooks.locator(".lo-Action-publish").click()
        shared = notebooks.locator('.lo-Notebook[data-name="ui"]')
        shared.get_by_role("button", name="Open copy").click()
        page.locator(".lm-TabBar-tab", has_text="ui-copy.ipynb").wait_for()
        assert (tmp_path / "root" / "ui-copy.ipynb").exists()

    # a stopped orchestration server is a clear message, not a blank panel
    orchestra.stop()
    sidebar.locator(".lo-Orchestra-refresh").click()
    header.get_by_text("Not connected", exact=True).wait_for()
    # the stream reports the loss first; its reconnection attempts then say why
    header.locator(".lo-Orchestra-reason", has_text="is not reachable").wait_for()
    sidebar.screenshot(path=str(tmp_path / "sidebar-disconnected.png"))
