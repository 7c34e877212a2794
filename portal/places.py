"""Place names for any six-digit division code, current or abolished (the national table under seed/data),
so that an ID number's region prefix or a 户籍地 code can be named."""
import csv
import os
from functools import cache

TABLE = os.path.join(os.path.dirname(os.path.dirname(__file__)), "seed", "data", "county_codes.csv")


@cache
def _names() -> dict[str, str]:
    with open(TABLE, encoding="utf-8") as handle:
        return {row["区划代码"]: row["省"] + row["市"] + row["名称"] for row in csv.DictReader(handle)}


def place_name(code: str | None) -> str:
    """"江苏省南京市玄武区" for 320102; the nearest known enclosing name for an unknown county code."""
    if not code:
        return ""
    names = _names()
    for candidate in (code, code[:4] + "00", code[:2] + "0000"):
        if candidate in names:
            return names[candidate]
    return code


def province_name(code: str | None) -> str:
    return place_name((code or "")[:2] + "0000") if code else ""
