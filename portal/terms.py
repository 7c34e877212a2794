"""School terms and months: 2026秋 runs September to January, 2027春 February to July; 中职 also works by
month (2026-10), except February and August. A term's code is "2026-autumn"; its label is "2026秋"."""
import re
from dataclasses import dataclass
from datetime import date

from portal.errors import DomainError

SEASON_LABELS = {"autumn": "秋", "spring": "春"}
LABEL_PATTERN = re.compile(r"^\s*(\d{4})\s*(?:年)?\s*(秋|春)(?:季)?(?:学期)?\s*$")
CODE_PATTERN = re.compile(r"^(\d{4})-(autumn|spring)$")
MONTH_PATTERN = re.compile(r"^(\d{4})-(\d{1,2})$")
NO_VOCATIONAL_MONTHS = (2, 8)
# Years a term or month may name: wide enough for any record, narrow enough that a term's dates (and the next
# term's) exist: "9999-autumn" would end in the year 10000, which Python's dates do not have.
FIRST_YEAR, LAST_YEAR = 1990, 2199


class TermError(DomainError, ValueError):
    """An unreadable term, with a Chinese message."""


@dataclass(frozen=True, order=True)
class Term:
    year: int
    season: str  # "spring" sorts before "autumn" within a year: see order_key

    @property
    def code(self) -> str:
        return f"{self.year}-{self.season}"

    @property
    def label(self) -> str:
        return f"{self.year}{SEASON_LABELS[self.season]}"

    @property
    def starts(self) -> date:
        return date(self.year, 9, 1) if self.season == "autumn" else date(self.year, 2, 1)

    @property
    def ends(self) -> date:
        return date(self.year + 1, 1, 31) if self.season == "autumn" else date(self.year, 7, 31)

    @property
    def order_key(self) -> tuple[int, int]:
        return (self.year, 1 if self.season == "autumn" else 0)

    def previous(self) -> "Term":
        return Term(self.year, "spring") if self.season == "autumn" else Term(self.year - 1, "autumn")

    def following(self) -> "Term":
        return Term(self.year + 1, "spring") if self.season == "autumn" else Term(self.year, "autumn")

    def months(self) -> list[str]:
        """The 中职 months of this term, as "2026-10" codes (February and August have none)."""
        first = self.starts
        months = []
        year, month = first.year, first.month
        while date(year, month, 1) <= self.ends:
            if month not in NO_VOCATIONAL_MONTHS:
                months.append(f"{year}-{month:02d}")
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        return months

    def __str__(self) -> str:
        return self.label


def term_of(day: date) -> Term:
    """The term a date falls in: August counts toward the coming autumn term."""
    if day.month >= 8:
        return Term(day.year, "autumn")
    if day.month == 1:
        return Term(day.year - 1, "autumn")
    return Term(day.year, "spring")


def current_term(today: date | None = None) -> Term:
    return term_of(today or date.today())


def _year(value: str, text: str) -> int:
    year = int(value)
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise TermError(f"学期“{text}”的年份超出范围（{FIRST_YEAR}—{LAST_YEAR}）")
    return year


def parse_term(text: str) -> Term:
    """Accepts "2026秋", "2026年秋季学期" or the code "2026-autumn"."""
    value = (text or "").strip()
    if match := CODE_PATTERN.match(value):
        return Term(_year(match.group(1), value), match.group(2))
    if match := LABEL_PATTERN.match(value):
        return Term(_year(match.group(1), value), "autumn" if match.group(2) == "秋" else "spring")
    raise TermError(f"无法识别的学期“{value}”，应写作 2026秋 或 2027春")


def recent_terms(today: date | None = None, count: int = 4) -> list[Term]:
    """The current term first, then earlier ones (which stay readable)."""
    terms = [current_term(today)]
    while len(terms) < count:
        terms.append(terms[-1].previous())
    return terms


@dataclass(frozen=True)
class Period:
    """What funding and unfunded reasons are reported for: a term, or a month for 中职 ("2026-10")."""

    code: str  # "2026-autumn" or "2026-10"
    label: str  # "2026秋" or "2026年10月"
    term: Term  # the term a month belongs to

    @property
    def is_month(self) -> bool:
        return not self.code.endswith(("autumn", "spring"))

    @property
    def starts(self) -> date:
        if self.is_month:
            year, month = map(int, self.code.split("-"))
            return date(year, month, 1)
        return self.term.starts

    @property
    def ends(self) -> date:
        if self.is_month:
            year, month = map(int, self.code.split("-"))
            following = date(year + (month == 12), month % 12 + 1, 1)
            return date.fromordinal(following.toordinal() - 1)
        return self.term.ends


def term_period(term: Term) -> Period:
    return Period(term.code, term.label, term)


def month_period(year: int, month: int) -> Period:
    if month in NO_VOCATIONAL_MONTHS:
        raise TermError(f"{month}月不是中职的上报月份（2月、8月除外）")
    return Period(f"{year}-{month:02d}", f"{year}年{month}月", term_of(date(year, month, 1)))


MONTH_LABEL_PATTERN = re.compile(r"^\s*(\d{4})\s*(?:年|-|/|\.)\s*(\d{1,2})\s*月?\s*$")


def parse_period(text: str) -> Period:
    """A term ("2026秋", "2026-autumn") or a 中职 month ("2026-10", "2026年10月")."""
    value = (text or "").strip()
    if match := MONTH_LABEL_PATTERN.match(value):
        year, month = _year(match.group(1), value), int(match.group(2))
        if not 1 <= month <= 12:
            raise TermError(f"无法识别的月份“{value}”")
        return month_period(year, month)
    return term_period(parse_term(value))


def periods_of(term: Term, monthly: bool) -> list[Period]:
    """A term's reporting periods: the term itself, or its 中职 months."""
    if not monthly:
        return [term_period(term)]
    return [parse_period(code) for code in term.months()]
