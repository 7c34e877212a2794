"""Browser tests skip where Debian's chromium is missing, except on CI (CI set): there anything the browser tests
need and do not find fails the run, so the end-to-end set can never be skipped silently where it matters
(.ci/run installs chromium, its driver and the Chinese font)."""
import os

import pytest

from browser_needs import missing


def pytest_collection_modifyitems(config, items):
    """Called whenever this folder is collected (as `make test` does); on CI a missing piece ends the run."""
    if os.environ.get("CI") and (absent := missing()):
        raise pytest.UsageError("CI 环境缺少浏览器测试所需：" + "；".join(absent))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """Each phase's report kept on the test (item.report_call …), so a fixture's teardown can tell a failed test."""
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report
