"""Build the GB/T 2260 division tables in seed/data/ from python-stdnum's data.

One-off generator, NOT needed at runtime and NOT a project dependency.
It needs the python-stdnum package installed temporarily, outside the
project, e.g.:

    pip install --target /tmp/stdnum-tmp python-stdnum==2.2
    PYTHONPATH=/tmp/stdnum-tmp python seed/data/build_division_tables.py

(or pass the data file directly: ``--loc-dat /path/to/stdnum/cn/loc.dat``).

Source: ``stdnum/cn/loc.dat`` of python-stdnum 2.2 (LGPL-2.1-or-later; the
table itself was compiled by stdnum from the Chinese Wikipedia lists
"中华人民共和国行政区划代码 (1区..8区)", CC BY-SA).  Each code carries its
names with year ranges, e.g. ``[1983-1990]城区,[1991-2019]崇川区``; a code
whose last range is open-ended (``[1991-]``) or has no range at all is
treated as current.

Writes (UTF-8, sorted by code):
  provinces.csv          代码,名称                      the 34 province-level codes
  county_codes.csv       区划代码,名称,省,市            every code in the table,
                         current and abolished (last name used); 省/市 are the
                         names of the enclosing province / prefecture, empty where
                         there is none or it is only a placeholder (市辖区, 县,
                         省直辖县级行政单位, ...), so 省+市+名称 is the full place name
  jiangsu_regions.csv    区划代码,名称,上级区划代码     current Jiangsu province,
                         its prefecture-level cities and county-level divisions
                         (without the 市辖区 placeholder rows)
"""

from __future__ import annotations

import argparse
import csv
import re
from pathlib import Path

HERE = Path(__file__).resolve().parent

# Prefecture-level rows that are only groupings, not part of a place name.
PLACEHOLDERS = {
    "市辖区",
    "县",
    "省直辖县级行政单位",
    "省直辖县级行政区划",
    "省直辖行政单位",
    "自治区直辖县级行政单位",
    "自治区直辖县级行政区划",
}

SEGMENT = re.compile(r"^(?:\[(\d{4})?-(\d{4})?\])?(.+)$")
LINE = re.compile(r'^\s+(\d{4}) county="([^"]*)"$')


def default_loc_dat() -> Path:
    import stdnum  # only available while python-stdnum is installed temporarily

    return Path(stdnum.__file__).resolve().parent / "cn" / "loc.dat"


def parse(loc_dat: Path) -> dict[str, tuple[str, bool]]:
    """Return {6-digit code: (last name, is_current)}."""
    result: dict[str, tuple[str, bool]] = {}
    prefix = None
    for raw in loc_dat.read_text(encoding="utf-8").splitlines():
        if not raw.strip() or raw.startswith("#"):
            continue
        if not raw.startswith(" "):
            prefix = raw.split()[0]
            continue
        m = LINE.match(raw)
        if not m or prefix is None:
            raise ValueError(f"unexpected line: {raw!r}")
        code = prefix + m.group(1)
        start, end, name = SEGMENT.match(m.group(2).split(",")[-1]).groups()
        name = name.strip()
        result[code] = (name, end is None)
    return result


def write_csv(path: Path, header: list[str], rows: list[list[str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)
    print(f"{path.name}: {len(rows)} rows")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--loc-dat", type=Path, help="path to stdnum/cn/loc.dat")
    ap.add_argument("--out", type=Path, default=HERE, help="output directory")
    args = ap.parse_args()
    codes = parse(args.loc_dat or default_loc_dat())

    def name_of(code: str) -> str:
        return codes[code][0] if code in codes else ""

    # provinces.csv
    provinces = sorted(c for c in codes if c.endswith("0000"))
    write_csv(
        args.out / "provinces.csv",
        ["代码", "名称"],
        [[c[:2], name_of(c)] for c in provinces],
    )

    # county_codes.csv
    rows = []
    for code in sorted(codes):
        name = codes[code][0]
        prov_code, pref_code = code[:2] + "0000", code[:4] + "00"
        if code == prov_code:
            prov, pref = "", ""
        elif code == pref_code:
            prov, pref = name_of(prov_code), ""
        else:
            prov = name_of(prov_code)
            pref = "" if pref_code == prov_code else name_of(pref_code)
            if pref in PLACEHOLDERS:
                pref = ""
        rows.append([code, name, prov, pref])
    write_csv(args.out / "county_codes.csv", ["区划代码", "名称", "省", "市"], rows)

    # jiangsu_regions.csv
    rows = []
    for code in sorted(c for c in codes if c.startswith("32")):
        name, current = codes[code]
        if not current or name in PLACEHOLDERS:
            continue
        if code == "320000":
            parent = ""
        elif code.endswith("00"):
            parent = "320000"
        else:
            parent = code[:4] + "00"
            if not codes.get(parent, ("", False))[1]:
                raise ValueError(f"{code} {name}: parent {parent} is not current")
        rows.append([code, name, parent])
    write_csv(
        args.out / "jiangsu_regions.csv", ["区划代码", "名称", "上级区划代码"], rows
    )


if __name__ == "__main__":
    main()
