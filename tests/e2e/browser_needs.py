"""What the browser tests need, in one place: Debian's chromium and its driver (paths overridable for a browser kept
elsewhere), selenium, and a Chinese font so that screenshots show words instead of boxes."""
import importlib.util
import os

CHROMIUM = os.environ.get("PORTAL_CHROMIUM", "/usr/bin/chromium")
DRIVER = os.environ.get("PORTAL_CHROMEDRIVER", "/usr/bin/chromedriver")
CJK_FONTS = os.environ.get("PORTAL_CJK_FONTS", "/usr/share/fonts/opentype/noto")  # Debian's fonts-noto-cjk


def missing() -> list[str]:
    """What is absent, each named with the package that brings it; empty when the browser tests can run."""
    needs = [(os.path.exists(CHROMIUM), f"{CHROMIUM}（apt-get install chromium）"),
             (os.path.exists(DRIVER), f"{DRIVER}（apt-get install chromium-driver）"),
             (importlib.util.find_spec("selenium") is not None, "selenium（pip install -e '.[test]'）"),
             (os.path.isdir(CJK_FONTS), f"中文字体 {CJK_FONTS}（apt-get install fonts-noto-cjk）")]
    return [what for present, what in needs if not present]
