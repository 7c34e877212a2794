"""`make test`: the whole suite, on SQLite and, when TEST_DATABASE_URL is set, on PostgreSQL, as two pytest
processes side by side (the two halves take about as long as each other and share nothing but the PostgreSQL
server: the SQLite half only touches its own schemas there, see tests/operations/test_copy_to.py).

Each test runs in exactly one half: the PostgreSQL half is `-k postgresql` (the tests whose id names the backend),
the SQLite half its complement. Both halves' progress lines are shown as they come, each line prefixed with its
half; their reports (failures, warnings, durations, summary) follow one after the other, not interleaved. The exit
status is non-zero when either half fails. Extra arguments are passed to both pytest processes."""
import os
import re
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ANSI = re.compile(r"\x1b\[[0-9;]*m")
SESSION_START = re.compile(r"^=+ test session starts =+$")


def screenshots_folder() -> Path:
    """Where the browser tests keep their screenshots (tests/e2e): test-artifacts/e2e, PORTAL_ARTIFACTS moves the
    test-artifacts folder."""
    return Path(os.environ.get("PORTAL_ARTIFACTS") or ROOT / "test-artifacts").resolve() / "e2e"


class Half:
    """One pytest process: its progress lines are printed at once, its report is kept for the end."""

    def __init__(self, label: str, arguments: list[str], lock: threading.Lock):
        self.label, self.lock = label, lock
        self.report: list[str] = []
        self.summary = ""
        self.started = time.monotonic()
        self.elapsed = 0.0
        self.process = subprocess.Popen([sys.executable, "-m", "pytest", *arguments], cwd=ROOT,
                                        stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        in_report, header_seen = False, False
        for raw in self.process.stdout:
            line = raw.decode("utf-8", "replace").rstrip("\n")
            plain = ANSI.sub("", line)
            if SESSION_START.match(plain):
                header_seen = True
            elif header_seen and plain.startswith("=") and plain.endswith("="):
                in_report = True  # FAILURES, warnings summary, slowest durations, short summary, the last line
            if plain.startswith("=") and plain.endswith("=") and not SESSION_START.match(plain):
                self.summary = plain.strip("= ")
            if in_report:
                self.report.append(line)
            elif plain.strip():
                with self.lock:
                    print(f"[{self.label}] {line}", flush=True)

    def wait(self) -> int:
        code = self.process.wait()
        self.reader.join()
        self.elapsed = time.monotonic() - self.started
        return code


def main(extra: list[str]) -> int:
    colour = ["--color=yes"] if sys.stdout.isatty() else []
    lock = threading.Lock()
    if os.environ.get("TEST_DATABASE_URL"):
        halves = [Half("SQLite", [*colour, "-k", "not postgresql", *extra], lock),
                  Half("PostgreSQL", [*colour, "-k", "postgresql", *extra], lock)]
    else:
        print("TEST_DATABASE_URL 未设置：仅 SQLite", flush=True)
        halves = [Half("SQLite", [*colour, *extra], lock)]
    try:
        codes = [half.wait() for half in halves]
    except KeyboardInterrupt:  # Ctrl-C reached the pytest processes too (same process group): let them finish
        codes = [half.wait() for half in halves]
    for half in halves:
        print(f"\n{'#' * 30} {half.label} {'#' * 30}")
        print("\n".join(half.report), flush=True)
    print()
    for half, code in zip(halves, codes):
        verdict = "通过" if code == 0 else f"失败（退出码 {code}）"
        print(f"{half.label:<11} {verdict}：{half.summary}（墙钟 {half.elapsed:.0f} 秒）")
    print(f"浏览器测试截图：{screenshots_folder()}")
    return next((code for code in codes if code != 0), 0)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
