"""Routes of the oversight reports: data quality (3个100%、3个零误差) and next year's budget estimate, drillable
like the progress table, and the 通报 (draft, issue, the stored snapshots, print and xlsx)."""
from flask import redirect, request, url_for

from portal.errors import saving
from portal.oversight import bp, budget, circulars, quality
from portal.oversight.figures import TermReading
from portal.oversight.services import trail
from portal.terms import recent_terms
from portal.vocab import Role
from portal.web import UPPER_TIERS, acting, download, render, roles_required, scope, selected_term

ISSUERS = (Role.PROVINCE, Role.CITY)


# -- data quality ---------------------------------------------------------------------------------
@bp.get("/quality")
@roles_required(*UPPER_TIERS)
def quality_index():
    return quality_page(scope().root_code)


@bp.get("/quality/regions/<code>")
@roles_required(*UPPER_TIERS)
def quality_page(code: str):
    region = scope().region(code)
    reading = TermReading(scope(), selected_term())
    return render("oversight/quality.html", "oversight/_quality.html", term=reading.term, recent_terms=recent_terms(),
                  table=quality.quality_level(reading, region), trail=trail(scope(), region), region=region,
                  groups=quality.MEASURE_GROUPS, value=quality.value)


@bp.get("/quality/regions/<code>/export.xlsx")
@roles_required(*UPPER_TIERS)
def export_quality(code: str):
    region = scope().region(code)
    reading = TermReading(scope(), selected_term())
    with saving():
        content = quality.quality_xlsx(acting(), reading, region, quality.quality_level(reading, region))
    return download(content, f"{region.name}{reading.term.label}数据质量.xlsx")


# -- budget estimate ------------------------------------------------------------------------------
@bp.get("/budget")
@roles_required(*UPPER_TIERS)
def budget_index():
    return budget_page(scope().root_code)


@bp.get("/budget/regions/<code>")
@roles_required(*UPPER_TIERS)
def budget_page(code: str):
    region = scope().region(code)
    reading = TermReading(scope(), selected_term())
    projects = budget.catalogue(reading, scope().region(scope().root_code))
    context = {"term": reading.term, "recent_terms": recent_terms(), "region": region, "projects": projects,
               "trail": trail(scope(), region), "tiers": budget.TIERS, "args": request.args}
    with saving() as saved:
        assumptions = budget.assumptions_from(projects, request.args)
    if saved.refusal:
        return render("oversight/budget.html", "oversight/_budget.html", saved.status, error=saved.message,
                      estimate=None, ticked={project.id for project in budget.ticked_projects(projects, request.args)},
                      **context)
    estimate = budget.estimate(reading, region, assumptions)
    return render("oversight/budget.html", "oversight/_budget.html", estimate=estimate,
                  ticked={project.id for project in assumptions.projects}, assumptions=assumptions,
                  lines=budget.assumption_lines(estimate), **context)


@bp.get("/budget/regions/<code>/export.xlsx")
@roles_required(*UPPER_TIERS)
def export_budget(code: str):
    region = scope().region(code)
    reading = TermReading(scope(), selected_term())
    projects = budget.catalogue(reading, scope().region(scope().root_code))
    with saving() as saved:
        estimate = budget.estimate(reading, region, budget.assumptions_from(projects, request.args))
        content = budget.budget_xlsx(acting(), reading, estimate)
    if saved.refusal:
        return budget_page(code)
    return download(content, f"{region.name}{estimate.year}年度资助经费测算.xlsx")


# -- 通报 ------------------------------------------------------------------------------------------
def _circular_list(error: str | None = None, status: int = 200):
    return render("oversight/circulars.html", status=status, circulars=circulars.past(scope()), error=error,
                  term=selected_term(), recent_terms=recent_terms(), as_of=request.values.get("as_of", ""),
                  region=scope().region(scope().root_code))


@bp.get("/circulars")
@roles_required(*ISSUERS)
def circular_list():
    return _circular_list()


def _reading_as_of() -> TermReading:
    term = selected_term()
    as_of = circulars.parse_as_of(request.values.get("as_of"), term)
    return TermReading(scope(), term, today=as_of)


@bp.get("/circulars/draft")
@roles_required(*ISSUERS)
def circular_draft():
    with saving() as saved:
        reading = _reading_as_of()
        region = circulars.issuable_region(scope())
        figures = circulars.draft(reading, region)
    if saved.refusal:
        return _circular_list(saved.message, saved.status)
    return render("oversight/circular_draft.html", figures=figures, printed=circulars.LAGGARDS_PRINTED, summary=circulars.summary(figures),
                  term=reading.term, as_of=reading.today, region=region)


@bp.post("/circulars")
@roles_required(*ISSUERS)
def issue_circular():
    with saving() as saved:
        reading = _reading_as_of()
        circular = circulars.issue(acting(), reading, circulars.issuable_region(scope()), request.form.get("summary", ""))
    if saved.refusal:
        return _circular_list(saved.message, saved.status)
    return redirect(url_for("oversight.circular_page", circular_id=circular.id), 303)


@bp.get("/circulars/<int:circular_id>")
@roles_required(*ISSUERS)
def circular_page(circular_id: int):
    circular = circulars.circular_of(scope(), circular_id)
    return render("oversight/circular.html", circular=circular, figures=circular.figures,
                  printed=circulars.LAGGARDS_PRINTED)


@bp.get("/circulars/<int:circular_id>/export.xlsx")
@roles_required(*ISSUERS)
def export_circular(circular_id: int):
    circular = circulars.circular_of(scope(), circular_id)
    with saving():
        content = circulars.circular_xlsx(acting(), circular)
    return download(content, f"{circular.title}.xlsx")
