"""Run benchmark groups and print one figure per line as `name value`.

Each module bench/<group>.py defines run() -> dict[str, float]. Benchmarks make their own data under
bench/data/ and compare side by side in one run (ratios), because these machines are shared and noisy."""
import argparse
import importlib
import pkgutil
import sys

import bench


def groups() -> list[str]:
    return sorted(info.name for info in pkgutil.iter_modules(bench.__path__) if not info.name.startswith("_"))


def main() -> int:
    parser = argparse.ArgumentParser(description="portal benchmarks")
    parser.add_argument("--only", help="run one group: " + ", ".join(groups()))
    args = parser.parse_args()
    selected = [args.only] if args.only else groups()
    unknown = [name for name in selected if name not in groups()]
    if unknown:
        print(f"unknown group {unknown[0]}; groups: {', '.join(groups())}", file=sys.stderr)
        return 2
    for name in selected:
        figures = importlib.import_module(f"bench.{name}").run()
        for figure, value in figures.items():
            print(f"{figure} {value:.3f}" if isinstance(value, float) else f"{figure} {value}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
