"""What the funding route modules share: the school and period a request names, and the context of a school's
funding pages."""
from flask import request
from flask_login import current_user

from portal import web
from portal.funding import records
from portal.vocab import Role


def school_and_period(school_id: int):
    """The school (404 outside the scope) and the period the request names (the current one by default)."""
    return web.school_and_period(school_id, request.values.get("period"), records.period_for)


def school_context(school, period) -> dict:
    lists = records.list_states(school, period)
    return {"school": school, "period": period, "periods": records.periods(school), "lists": lists,
            "editable": any(state.editable for state in lists) and current_user.role == Role.SCHOOL.value}
