"""The charts of a drill-down level: hardship students by category, coverage and completion by child region, and
the term's progress over time. Each is a plain dict the page carries as JSON (a `<script type="application/json">`
data block that static/js/charts.js draws with ECharts) and prints as a table beside the chart — the same numbers,
taken from the level's figures (progress rows rolled up in SQL) and the region's daily snapshots."""
from datetime import date

from portal.deadlines import services as deadlines
from portal.org.models import Region
from portal.oversight.services import Level, Row
from portal.progress.history import series
from portal.progress.models import CATEGORY_FIGURES
from portal.terms import Term, current_term
from portal.vocab import Category

# (key, label, part, whole): a rate of a row's figures, in per cent
RATES = (
    ("upload_rate", "学籍上传率", "uploaded", "schools"),
    ("verified_rate", "核实率", "verified", "hardship"),
    ("funded_rate", "资助率", "funded", "hardship"),
    ("submitted_rate", "上报完成率", "submitted", "schools"),
)
HISTORY_FIGURES = {"uploaded": "uploaded", "verified": "verified", "funded": "funded", "submitted": "submitted",
                   "schools": "schools", "hardship": "hardship"}


def _percent(part, whole) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def _row_figures(row: Row) -> dict:
    figures = dict(row.figures)
    figures["submitted"] = figures.get("status_submitted", 0) + figures.get("status_approved", 0)
    return figures


def category_chart(level: Level) -> dict:
    total = level.total.figures
    return {"labels": [Category(category).label for category in CATEGORY_FIGURES.values()],
            "values": [int(total[column]) for column in CATEGORY_FIGURES],
            "hardship": int(total["hardship"])}


def region_chart(level: Level) -> dict:
    """A row per child region (or, in a county, per school): its rates and the figures they are made of."""
    rows = level.regions or level.schools
    chart = {"names": [row.name for row in rows], "series": [label for _, label, _, _ in RATES], "rows": []}
    for row in rows:
        figures = _row_figures(row)
        chart["rows"].append({
            "name": row.name,
            **{key: int(figures[key]) for key in ("schools", "uploaded", "hardship", "verified", "funded", "submitted")},
            **{key: _percent(figures[part], figures[whole]) for key, _, part, whole in RATES},
        })
    return chart


def history_chart(region: Region, term: Term, level: Level, today: date) -> dict:
    """The region's daily snapshots of the term (each the figures as the day began: the cron's or the day's first
    refresh), and for the current term today's point from the figures on the page, so the line ends where the
    table stands."""
    rows = [{"day": point.day, **{key: getattr(point, key) for key in HISTORY_FIGURES}}
            for point in series(region.code, term) if point.day < today]
    if term == current_term(today):
        figures = _row_figures(level.total)
        rows.append({"day": today, **{key: int(figures[key]) for key in HISTORY_FIGURES}})
    for row in rows:
        row.update({key: _percent(row[part], row[whole]) for key, _, part, whole in RATES}, day=row["day"].isoformat())
    return {"series": [label for _, label, _, _ in RATES], "rows": rows}


def charts(level: Level, region: Region, term: Term, today: date | None = None) -> dict:
    today = today or deadlines.today()
    return {"categories": category_chart(level), "regions": region_chart(level),
            "history": history_chart(region, term, level, today),
            "rates": [{"key": key, "label": label} for key, label, _, _ in RATES]}
