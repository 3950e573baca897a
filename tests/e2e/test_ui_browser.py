"""The admin pages in a real headless Chromium (Debian's ``chromium`` and ``chromedriver``,
driven by Selenium), against ``pagerduty-actions serve`` in its own process with the sandbox
playing PagerDuty and catalog files in git checkouts whose remotes are bare repositories.

A person signs in, filters the mappings, accepts two auto-match suggestions of one repository
(-> one pull-request branch in the bare remote holding both annotations), starts a dry run
and reads its report, and opens a graph. Each page is saved as a screenshot, at 1280 px and the
mappings also at phone width: in ``out/ui-screenshots/`` (ignored by git) on a plain run, so a
run leaves the checkout as it was; in the folder ``PAGERDUTY_ACTIONS_SCREENSHOTS`` names
otherwise (``make ui-screenshots`` names docs/ui/, the pictures of docs/ui.md).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from ruamel.yaml import YAML

sys.path.insert(0, str(Path(__file__).parents[1] / "ui"))

from selenium import webdriver
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import Select, WebDriverWait
from ui_world import ADMIN_TOKEN, World, config_data, make_world, seed

from pagerduty_actions.sandbox import SandboxServer, sandbox_server
from pagerduty_actions.store.database import Database
from pagerduty_actions.store.settings import MappingStore

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
REPO = Path(__file__).parents[2]
SHOTS = REPO / os.environ.get("PAGERDUTY_ACTIONS_SCREENSHOTS", "out/ui-screenshots")

pytestmark = pytest.mark.skipif(
    not (shutil.which(CHROMIUM) and shutil.which(CHROMEDRIVER)),
    reason="Debian's chromium and chromium-driver are missing: `make e2e` installs them",
)


@pytest.fixture(scope="module")
def pd() -> Iterator[SandboxServer]:
    with sandbox_server(seed()) as server:
        yield server


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> World:
    return make_world(tmp_path_factory.mktemp("ui-world"))


@pytest.fixture(scope="module")
def server(pd: SandboxServer, world: World) -> Iterator[str]:
    """``pagerduty-actions serve`` on a free port; yields its base URL."""
    config = config_data(pd, world, f"sqlite:///{world.root / 'ui.db'}")
    config["server"] = {"host": "127.0.0.1", "port": 0}
    path = world.root / "config.json"
    path.write_text(json.dumps(config))
    env = {k: v for k, v in os.environ.items() if k != "PAGERDUTY_ACTIONS_CONFIG"}
    log = world.root / "serve.log"
    with log.open("w") as stderr:
        process = subprocess.Popen(
            [sys.executable, "-m", "pagerduty_actions", "serve", "--config", str(path)],
            stdout=subprocess.PIPE,
            stderr=stderr,
            text=True,
            env=env,
        )
    assert process.stdout is not None
    line = process.stdout.readline()
    assert " listening on " in line, log.read_text()
    # search is mapped only by a stored override (serve has migrated the database by now)
    database = Database(config["database"]["url"])
    MappingStore(database).put("component:default/search", "PSEARCH", None, by="e2e")
    database.dispose()
    try:
        yield line.split(" listening on ")[1].split()[0].rstrip("/")
    finally:
        process.terminate()
        process.wait(timeout=30)


@pytest.fixture(scope="module")
def browser() -> Iterator[WebDriver]:
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1280,900"):
        options.add_argument(argument)
    os.environ["SE_OFFLINE"] = "true"  # never let Selenium Manager fetch a browser or driver
    driver = webdriver.Chrome(options=options, service=Service(executable_path=CHROMEDRIVER))
    driver.set_page_load_timeout(60)
    try:
        yield driver
    finally:
        driver.quit()


def shot(browser: WebDriver, name: str, width: int = 1280) -> None:
    """A full-page screenshot of what the browser shows, at ``width`` CSS pixels."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    height = browser.execute_script("return document.documentElement.scrollHeight")
    browser.set_window_size(width, min(max(int(height) + 120, 600), 4000))
    browser.save_screenshot(str(SHOTS / f"{name}.png"))
    browser.set_window_size(1280, 900)


def click_and_wait(browser: WebDriver, by: str, selector: str) -> None:
    """Click what submits a form and wait until the next page has replaced this one."""
    page = browser.find_element(By.TAG_NAME, "html")
    browser.find_element(by, selector).click()
    WebDriverWait(browser, 60).until(expected_conditions.staleness_of(page))


def rows(browser: WebDriver) -> list[str]:
    return [
        r.get_attribute("data-row") or ""
        for r in browser.find_elements(By.CSS_SELECTOR, "tr[data-row]")
    ]


def test_a_person_maps_syncs_and_looks_at_the_graph(
    browser: WebDriver, server: str, world: World
) -> None:
    # Sign in (the first page sends the browser to the form, then back)
    browser.get(f"{server}/ui/mappings")
    assert "/ui/sign-in" in browser.current_url
    shot(browser, "sign-in")
    browser.find_element(By.ID, "token").send_keys(ADMIN_TOKEN)
    click_and_wait(browser, By.CSS_SELECTOR, "form.stack button[type=submit]")
    assert browser.current_url.endswith("/ui/mappings")
    cookie = browser.get_cookie("pda_ui_session")
    assert cookie is not None and cookie["httpOnly"] and cookie["sameSite"] == "Strict"
    assert browser.execute_script("return document.cookie").find("pda_ui_session") == -1

    # Filter: conflicts, then the rows with a suggestion
    Select(browser.find_element(By.ID, "f-state")).select_by_value("conflict")
    click_and_wait(browser, By.CSS_SELECTOR, "form.filters button[type=submit]")
    assert set(rows(browser)) == {
        "component:default/legacy-ui",
        "component:default/reports-a",
        "component:default/reports-b",
    }
    Select(browser.find_element(By.ID, "f-state")).select_by_value("")
    browser.find_element(By.CSS_SELECTOR, "input[name=suggested]").click()
    click_and_wait(browser, By.CSS_SELECTOR, "form.filters button[type=submit]")
    assert set(rows(browser)) == {"component:default/inventory", "component:default/billing"}
    shot(browser, "mappings")
    shot(browser, "mappings-phone", width=390)

    # Accept both suggestions (one repository): one pull-request branch with both annotations
    for ref in ("inventory", "billing"):
        row = browser.find_element(By.CSS_SELECTOR, f'tr[data-row="component:default/{ref}"]')
        row.find_element(By.CSS_SELECTOR, "input[name=pair]").click()
    click_and_wait(browser, By.ID, "accept")
    assert "Suggestions accepted" in browser.title
    assert "pagerduty/map-services" in browser.find_element(By.CSS_SELECTOR, "li.outcome").text
    shot(browser, "accepted")
    assert world.branches("shop") == ["main", "pagerduty/map-services"]
    assert world.branches("tools") == ["main"]
    assert len(world.commits("shop", "pagerduty/map-services")) == 2  # seed + one commit
    for path, service in (
        ("inventory/catalog-info.yaml", "PINVTRY"),
        ("billing/catalog-info.yaml", "PBILLNG"),
    ):
        document = YAML(typ="safe").load(world.show("shop", "pagerduty/map-services", path))
        assert document["metadata"]["annotations"]["pagerduty.com/service-id"] == service
    browser.get(f"{server}/ui/mappings?q=billing")
    assert "pull request open" in browser.find_element(By.CSS_SELECTOR, "tr[data-row]").text

    # Sync: choose the backstage strategy (with the warning), start a dry run, read its report
    browser.get(f"{server}/ui/sync")
    browser.find_element(By.CSS_SELECTOR, "input[name=strategy][value=backstage]").click()
    browser.find_element(By.CSS_SELECTOR, "input[name=confirm]").click()
    click_and_wait(browser, By.XPATH, "//button[text()='Save the strategy']")
    assert browser.find_element(By.ID, "strategy").text == "backstage"
    shot(browser, "sync")
    click_and_wait(browser, By.ID, "start-dry-run")
    WebDriverWait(
        browser, 90, poll_frequency=1, ignored_exceptions=[StaleElementReferenceException]
    ).until(
        lambda b: b.find_element(By.ID, "run-status").text != "running"
    )  # the page refreshes itself (meta refresh) until the run ends
    assert browser.find_element(By.ID, "run-status").text == "succeeded"
    report = browser.find_element(By.ID, "report").text
    # checkout -> search: both mapped, not in the catalog: the backstage strategy removes it;
    # checkout -> orphan queue: an end is not mapped: kept
    assert "PagerDuty: remove PCHKOUT → PSEARCH" in report
    assert "PCHKOUT → PORPHAN" in report
    shot(browser, "sync-run")

    # Graph: checkout's neighbourhood on both sides
    browser.get(f"{server}/ui/graph")
    browser.find_element(By.ID, "g-entity").send_keys("checkout")
    click_and_wait(browser, By.CSS_SELECTOR, "form.filters button[type=submit]")
    svg = browser.find_element(By.ID, "pagerduty-graph")
    assert svg.find_elements(By.CSS_SELECTOR, "path.edge-kept")
    assert svg.find_elements(By.CSS_SELECTOR, "path.edge-removed")
    assert browser.find_element(By.ID, "catalog-graph").find_elements(By.CSS_SELECTOR, "g.node")
    shot(browser, "graph")
