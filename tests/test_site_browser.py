"""The class site in a real browser: headless Chromium driven by Selenium through Debian's
chromedriver, the network switched off.

For every bundled robot the test opens its page from file://, checks the answer is hidden,
chooses a label, checks the revealed verdict equals ``run --json``'s, drives the replay
(play, pause, step, the slider) and checks the frame shown follows, saves a screenshot in the
test's temporary folder, and checks that no request other than file: or data: was made.

Selenium rather than raw DevTools: its element API makes the clicks read like what a
student does, and ``execute_cdp_cmd`` still reaches DevTools for the offline switch. It is
given Debian's chromedriver and chromium, so Selenium Manager downloads nothing. When they
are missing the test fails (CI installs them; .ci/run does it when they are absent).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from pseudoalign import bundled_names
from pseudoalign.cli.main import cli

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
INSTALL = ("headless Chromium is needed for this test: install it with "
           "'sudo apt-get install -y chromium chromium-driver' (Debian; /usr/bin/chromium and /usr/bin/chromedriver), "
           "or run .ci/run, which installs them when missing")

pytestmark = pytest.mark.slow


def browser(profile: Path):  # -> selenium WebDriver
    if not (os.access(CHROMIUM, os.X_OK) and os.access(CHROMEDRIVER, os.X_OK)):
        pytest.fail(INSTALL)
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        pytest.fail("selenium is needed for this test: pip install '.[test]'")
    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-default-apps", "--disable-extensions", "--window-size=1280,720",
                 f"--user-data-dir={profile}"):
        opts.add_argument(flag)
    opts.set_capability("goog:loggingPrefs", {"performance": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=opts)
    driver.execute_cdp_cmd("Network.enable", {})
    driver.execute_cdp_cmd("Network.emulateNetworkConditions", {"offline": True, "latency": 0,
                                                                "downloadThroughput": 0, "uploadThroughput": 0})
    return driver


NETWORK = ("http:", "https:", "ws:", "wss:", "ftp:")


def requested(driver) -> list[str]:
    """Every URL the browser asked for since the last call (the performance log)."""
    urls = []
    for entry in driver.get_log("performance"):
        msg = json.loads(entry["message"])["message"]
        if msg.get("method") == "Network.requestWillBeSent":
            urls.append(msg["params"]["request"]["url"])
    return urls


def shown_frame(driver) -> list[int]:
    """The frame each replay panel shows now."""
    return driver.execute_script(
        "return Array.prototype.map.call(document.querySelectorAll('.replay g.episode'), function (g) {"
        "  var f = g.querySelectorAll('.frame:not(.off)'); return f.length === 1 ? +f[0].getAttribute('data-frame')"
        "  : -1; });")


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    folder = tmp_path_factory.mktemp("site")
    r = CliRunner().invoke(cli, ["site", str(folder)], catch_exceptions=False)
    assert r.exit_code == 0, r.output
    return folder


@pytest.fixture(scope="module")
def verdicts():
    r = CliRunner().invoke(cli, ["run", "--bundled", "--json"], catch_exceptions=False)
    return {d["scenario"]: d["verdict"]["label"] for d in json.loads(r.stdout)}


def test_every_page_in_headless_chromium(site, verdicts, tmp_path):
    from selenium.webdriver.common.by import By

    driver = browser(tmp_path / "profile")
    shots = tmp_path / "screenshots"
    shots.mkdir()
    try:
        driver.set_window_size(1280, 720)
        requested(driver)  # the browser's own start (its new-tab page) is not the site's
        driver.get((site / "index.html").as_uri())
        loads = requested(driver)
        assert any(u.startswith("file:") for u in loads)  # the log does see the page's loads
        assert not [u for u in loads if u.startswith(NETWORK)]
        assert "robots for a class" in driver.title
        links = [a.get_attribute("href") for a in driver.find_elements(By.CSS_SELECTOR, "table.gallery a")]
        names = sorted(bundled_names())
        assert sorted({Path(u).stem for u in links}) == names
        answers = driver.find_element(By.CSS_SELECTOR, ".hidden-until")
        assert not answers.is_displayed()
        driver.find_element(By.ID, "reveal-kinds").click()
        assert answers.is_displayed()
        driver.save_screenshot(str(shots / "index.png"))
        bad = [u for u in requested(driver) if u.startswith(NETWORK)]
        assert not bad, bad

        for name in names:
            driver.get((site / f"{name}.html").as_uri())
            label = driver.find_element(By.ID, "verdict-label")
            assert not label.is_displayed(), f"{name}: the verdict shows before the prediction"
            reveal = driver.find_element(By.ID, "reveal")
            assert not reveal.is_displayed()
            wrong = next(b for b in driver.find_elements(By.CSS_SELECTOR, ".predict .choices button")
                         if b.get_attribute("data-label") != verdicts[name])
            wrong.click()
            assert reveal.is_displayed() and label.is_displayed()
            assert label.text == verdicts[name], name
            said = driver.find_element(By.ID, "you-said").text
            assert said.startswith(f"You predicted {wrong.get_attribute('data-label')}.") and verdicts[name] in said

            steps = [int(g.get_attribute("data-steps"))
                     for g in driver.find_elements(By.CSS_SELECTOR, ".replay g.episode")]
            assert len(steps) == 4  # train and deploy, the robot and the base optimum
            assert shown_frame(driver) == [0, 0, 0, 0]
            driver.find_element(By.ID, "step").click()
            driver.find_element(By.ID, "step").click()
            assert shown_frame(driver) == [min(2, n) for n in steps]
            slider = driver.find_element(By.ID, "slider")
            driver.execute_script("arguments[0].value = arguments[1];"
                                  "arguments[0].dispatchEvent(new Event('input'));", slider, max(steps))
            assert shown_frame(driver) == steps  # the end of every episode
            later = driver.find_elements(By.CSS_SELECTOR, ".replay .trail.later")
            assert not later  # the whole trail drawn at the end
            driver.find_element(By.ID, "back").click()
            assert shown_frame(driver) == [min(max(steps) - 1, n) for n in steps]
            driver.find_element(By.ID, "start").click()
            driver.find_element(By.ID, "play").click()
            driver.implicitly_wait(0)
            from selenium.webdriver.support.ui import WebDriverWait

            WebDriverWait(driver, 10).until(lambda d: max(shown_frame(d)) >= 1)
            driver.find_element(By.ID, "pause").click()
            paused = shown_frame(driver)
            assert max(paused) >= 1
            driver.execute_script("return new Promise(function (r) { setTimeout(r, 1600); });")
            assert shown_frame(driver) == paused  # pause stopped it
            driver.save_screenshot(str(shots / f"{name}.png"))
            bad = [u for u in requested(driver) if u.startswith(NETWORK)]
            assert not bad, f"{name} asked the network for {bad}"
    finally:
        driver.quit()
    assert len(list(shots.glob("*.png"))) == len(names) + 1


def test_the_browser_is_told_how_to_install_when_missing(monkeypatch, tmp_path):
    """The message the test fails with when Chromium is absent says how to install it."""
    monkeypatch.setattr(os, "access", lambda path, mode: False)
    with pytest.raises(pytest.fail.Exception, match="apt-get install -y chromium chromium-driver"):
        browser(tmp_path / "p")
