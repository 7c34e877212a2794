"""On CI a browser test can never be skipped silently: with CI set, a missing driver ends the run with a Chinese
message naming what to install; without CI the same tests are only skipped (a developer's machine may lack it).
Runs pytest in a child process on one browser test, with the driver's path pointed at nothing."""
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ABSENT = "/nonexistent/chromedriver"


def run_a_browser_test(ci: bool) -> subprocess.CompletedProcess:
    # the child never reaches a database: SQLite alone, so each case is one test
    environment = {key: value for key, value in os.environ.items() if key not in ("CI", "TEST_DATABASE_URL")}
    environment["PORTAL_CHROMEDRIVER"] = ABSENT
    if ci:
        environment["CI"] = "1"
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-rs", "-p", "no:cacheprovider",
                           "tests/e2e/test_page_layout.py"], cwd=ROOT, env=environment, capture_output=True,
                          text=True, timeout=120)


def test_on_ci_a_missing_driver_fails_the_run_and_says_what_to_install():
    run = run_a_browser_test(ci=True)
    assert run.returncode == 4, run.stdout + run.stderr  # pytest's usage error: nothing ran, nothing passed
    assert f"CI 环境缺少浏览器测试所需：{ABSENT}（apt-get install chromium-driver）" in run.stdout + run.stderr


def test_elsewhere_a_missing_driver_only_skips_the_browser_tests():
    run = run_a_browser_test(ci=False)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "1 skipped" in run.stdout and "浏览器测试需要 Debian 的 chromium 和 chromium-driver" in run.stdout
