"""Peak memory of this process, for the benchmarks' *_peak_mb figures.

Not getrusage(): Linux carries ru_maxrss across exec, so a child started by a benchmark that has just read
a large file itself would report the parent's peak. VmHWM is the high-water mark of this process's own
address space, which exec starts afresh."""


def peak_mb() -> float:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024  # kB
    raise RuntimeError("VmHWM not found in /proc/self/status")
