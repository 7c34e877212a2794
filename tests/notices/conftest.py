"""Notice tests run on a fixed day of the 2026 autumn term, whatever the real date; a class helper."""
from datetime import date

import pytest

TODAY = date(2026, 11, 22)
TERM = "2026-autumn"


@pytest.fixture(autouse=True)
def fixed_today(monkeypatch):
    monkeypatch.setattr("portal.deadlines.services.today", lambda: TODAY)
    return TODAY
