"""Screenshot of a class-site page at 1280x720, from the real generated page, for docs/.

Usage: python tools/site_screenshot.py [NAME] [OUT.png] [--scroll verdict|replay|top] [--frame K]

Builds the site page of NAME (default table-wiper) into a temporary folder with
``pseudoalign site``, opens it in headless Chromium (Debian's chromium and chromedriver,
through Selenium, the network off), chooses a prediction, scrolls to the part asked for,
steps the replay to frame K and saves the screenshot (default docs/site-NAME.png).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("name", nargs="?", default="table-wiper")
    ap.add_argument("out", nargs="?", default=None)
    ap.add_argument("--scroll", choices=["top", "verdict", "replay", "deploy"], default="deploy")
    ap.add_argument("--frame", type=int, default=12)
    ap.add_argument("--guess", default="robust", help="the label the class predicts before the reveal")
    a = ap.parse_args()
    out = Path(a.out or f"docs/site-{a.name}.png")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By

    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([sys.executable, "-m", "pseudoalign.cli.main", "site", tmp, a.name], check=True)
        opts = webdriver.ChromeOptions()
        opts.binary_location = "/usr/bin/chromium"
        for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
                     "--disable-background-networking", "--disable-component-update", "--disable-sync",
                     "--hide-scrollbars", f"--user-data-dir={tmp}/profile"):
            opts.add_argument(flag)
        driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=opts)
        try:
            driver.execute_cdp_cmd("Network.enable", {})
            driver.execute_cdp_cmd("Network.emulateNetworkConditions", {"offline": True, "latency": 0,
                                                                        "downloadThroughput": 0,
                                                                        "uploadThroughput": 0})
            # the viewport, not the window, is 1280x720
            driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {"width": 1280, "height": 720,
                                                                          "deviceScaleFactor": 1, "mobile": False})
            driver.get((Path(tmp) / f"{a.name}.html").as_uri())
            if a.scroll != "top":
                next(b for b in driver.find_elements(By.CSS_SELECTOR, ".predict .choices button")
                     if b.get_attribute("data-label") == a.guess).click()
                for _ in range(a.frame):
                    driver.find_element(By.ID, "step").click()
                target = {"verdict": "#you-said", "replay": ".replay",
                          "deploy": ".replay g.episode:nth-of-type(3)"}[a.scroll]
                driver.execute_script("document.querySelector(arguments[0]).scrollIntoView({block: 'start'});"
                                      "window.scrollBy(0, arguments[1]);", target, -20 if a.scroll == "verdict" else -90)
            out.parent.mkdir(parents=True, exist_ok=True)
            driver.save_screenshot(str(out))
        finally:
            driver.quit()
    print(f"wrote {out}", file=sys.stderr)


if __name__ == "__main__":
    main()
