"""Peak memory for the benchmarks' *_peak_mb figures: of this process, or of it and the processes it starts.

Not getrusage(): Linux carries ru_maxrss across exec, so a child started by a benchmark that has just read
a large file itself would report the parent's peak. VmHWM is the high-water mark of this process's own
address space, which exec starts afresh."""
import os
import threading


def _status_kib(pid: int | str, field: str) -> int:
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as status:
            for line in status:
                if line.startswith(field):
                    return int(line.split()[1])
    except OSError:  # the process has just ended
        return 0
    return 0


def peak_mb() -> float:
    peak = _status_kib("self", "VmHWM:")
    if not peak:
        raise RuntimeError("VmHWM not found in /proc/self/status")
    return peak / 1024


def _children() -> list[str]:
    found = []
    for task in os.listdir("/proc/self/task"):
        try:
            with open(f"/proc/self/task/{task}/children", encoding="ascii") as children:
                found += children.read().split()
        except OSError:
            pass
    return found


class FamilyPeak:
    """`with FamilyPeak() as family:` … `family.mb`: the peak of this process and its children together
    (the library import stores its rows from a writing process of its own). Sampled every 50 ms: this
    process's resident size plus each child's own high-water mark, so the figure errs high, never low."""

    def __init__(self, every: float = 0.05):
        self._every, self._stop, self._peak_kib = every, threading.Event(), 0

    def __enter__(self) -> "FamilyPeak":
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()

    def _sample(self) -> None:
        while not self._stop.wait(self._every):
            family = _status_kib("self", "VmRSS:") + sum(_status_kib(pid, "VmHWM:") for pid in _children())
            self._peak_kib = max(self._peak_kib, family)

    @property
    def mb(self) -> float:
        return max(self._peak_kib / 1024, peak_mb())
