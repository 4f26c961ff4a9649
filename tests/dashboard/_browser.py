"""Headless Chromium from the system's packages (chromium, chromium-driver), driven by Selenium.

scripts/test.sh installs the packages when they are missing and it runs as root on Debian (as CI does). Elsewhere a
test that needs the browser is skipped with the command that installs it, except under CI, where it fails.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",  # containers give /dev/shm 64 MB: Chromium would crash on a large page
    "--window-size=1600,1100",
]


def require_browser() -> None:
    missing = [str(p) for p in (CHROMIUM, CHROMEDRIVER) if not (p.exists() and os.access(p, os.X_OK))]
    if missing:
        message = f"{', '.join(missing)} missing: apt-get install -y chromium chromium-driver"
        if os.environ.get("CI"):
            pytest.fail(message, pytrace=False)
        pytest.skip(message)


def start_chromium(profile: Path) -> Any:
    """A headless Chromium with a fresh profile in ``profile``; quit() it when done."""
    require_browser()
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in [*FLAGS, f"--user-data-dir={profile}"]:
        options.add_argument(flag)
    # Both paths given: Selenium uses them as they are and never looks for (or downloads) a driver of its own.
    return webdriver.Chrome(service=Service(executable_path=str(CHROMEDRIVER)), options=options)


def keep_screenshot(path: Path) -> None:
    """Copy a screenshot to $DASHBOARD_SCREENSHOTS too, when set (to keep it after pytest cleans its temp dirs)."""
    target = os.environ.get("DASHBOARD_SCREENSHOTS")
    if target:
        Path(target).mkdir(parents=True, exist_ok=True)
        shutil.copy(path, Path(target) / path.name)
