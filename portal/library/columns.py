"""What a base-library file holds, per category: the declared columns the one reader checks."""
import functools
import re

from portal import sheets
from portal.sheet_values import ID_NUMBER_LABEL, ID_NUMBER_SYNONYMS, CellError, id_number, text
from portal.vocab import Category, DibaoType, DisabilityGrade, DisabilityType, PovertyStatus, Vocab


def bounded_text(limit: int):
    """Trimmed text of at most `limit` characters (the database column's width)."""

    def parse(value: object) -> str:
        found = text(value)
        if len(found) > limit:
            raise CellError(f"不能超过 {limit} 个字")
        return found

    def bulk(cells) -> list | None:
        found = text.bulk(cells)  # blank cells come back as None: the reader decides whether the column allows them
        if found is None or max((len(value) for value in found if value), default=0) > limit:
            return None
        return found

    parse.bulk = bulk
    return parse


def vocab_choice(vocab: type[Vocab]):
    """One of a vocabulary's labels (or synonyms); the stored code comes back."""
    return sheets.choice(vocab.labels(), {word: member.value for word, member in vocab.by_label().items()})


# 外省下发 people are 外省户籍特殊困难学生 (002): each of one or more of the five categories the departments supply.
HARDSHIP_TYPES = tuple(category for category in Category if category is not Category.OUT_OF_PROVINCE)
_TYPE_SEPARATORS = re.compile(r"[、,，;；/／\s]+")
# Labels and synonyms, bare or as the national system words them (建档立卡学生, 低保家庭学生): each gives its Category.
_one_type = sheets.choice([category.label for category in HARDSHIP_TYPES], {
    word + suffix: category for word, category in Category.by_label().items() if category in HARDSHIP_TYPES
    for suffix in ("", "学生", "家庭学生", "家庭经济困难学生")})
_TYPES_SHOWN = "、".join(category.label for category in HARDSHIP_TYPES)


@functools.lru_cache(maxsize=512)
def _types_of(cell: str) -> str:
    found = set()
    for word in filter(None, _TYPE_SEPARATORS.split(cell)):
        try:
            found.add(_one_type(word))
        except CellError:
            raise CellError(f"“{word}”不是困难类型，应为以下之一：{_TYPES_SHOWN}（一人有多种时写在同一格，用“、”分隔）") from None
    if not found:
        raise CellError(f"不能为空，请填写{_TYPES_SHOWN}中的一种或几种")
    return ",".join(category.value for category in HARDSHIP_TYPES if category in found)


def hardship_types(value: object) -> str:
    """One or more of the five types in one cell ("建档立卡、低保"): their codes joined by "," in the vocabulary's order."""
    return _types_of(text(value))


def _hardship_types_bulk(cells) -> list | None:
    try:
        return [_types_of(cell) if cell.__class__ is str else hardship_types(cell) for cell in cells]
    except (CellError, TypeError):  # a blank or unknown cell: the careful path names it
        return None


hardship_types.bulk = _hardship_types_bulk


def types_text(codes: str | None) -> str:
    """Stored hardship types as users read them: 建档立卡、低保."""
    return "、".join(Category.label_of(code) for code in (codes or "").split(",") if code)


NAME = sheets.Column("name", "姓名", ("人员姓名", "学生姓名", "户主姓名"), parse=bounded_text(64))
ID_NUMBER = sheets.Column("id_number", ID_NUMBER_LABEL, ID_NUMBER_SYNONYMS, parse=id_number)
HUKOU = sheets.Column("hukou_code", "户籍地区划代码", ("户籍地代码", "户籍区划代码", "户籍所在地区划代码"),
                      required=False, optional_value=True, parse=sheets.code(6))
COMMON = (NAME, ID_NUMBER, HUKOU)

DETAILS: dict[Category, tuple[sheets.Column, ...]] = {
    Category.POVERTY: (
        sheets.Column("poverty_status", "脱贫状态", ("贫困户状态", "是否脱贫"), parse=vocab_choice(PovertyStatus)),
    ),
    Category.DIBAO: (
        sheets.Column("dibao_type", "低保类型", ("低保类别", "城乡类别"), parse=vocab_choice(DibaoType)),
    ),
    Category.TEKUN: (),
    Category.ORPHAN: (),
    Category.DISABLED: (
        sheets.Column("disability_type", "残疾类别", ("残疾类型",), parse=vocab_choice(DisabilityType)),
        sheets.Column("disability_grade", "残疾等级", ("残疾级别",), parse=vocab_choice(DisabilityGrade)),
        sheets.Column("disability_cert", "残疾人证号", ("残疾证号", "残疾人证号码"), required=False,
                      optional_value=True, parse=bounded_text(32)),
    ),
    Category.OUT_OF_PROVINCE: (
        sheets.Column("hardship_types", "困难类型", ("人员类别", "困难类别", "学生类别", "特殊困难类型", "困难学生类型"),
                      parse=hardship_types),
        sheets.Column("source_province", "来源省份", ("下发省份", "户籍省份"), required=False, optional_value=True,
                      parse=bounded_text(32)),
    ),
}

# Detail columns stored as they are (vocabulary codes); the disability certificate is stored encrypted.
STORED_DETAILS = ("poverty_status", "dibao_type", "disability_type", "disability_grade", "source_province",
                  "hardship_types")
DETAIL_VOCABS = {"poverty_status": PovertyStatus, "dibao_type": DibaoType, "disability_type": DisabilityType,
                 "disability_grade": DisabilityGrade}

TEMPLATE_EXAMPLES = {
    Category.POVERTY: ["已脱贫"],
    Category.DIBAO: ["农村"],
    Category.TEKUN: [],
    Category.ORPHAN: [],
    Category.DISABLED: ["肢体", "二级", ""],
    Category.OUT_OF_PROVINCE: ["建档立卡、低保", "安徽省"],
}


# Said under a category's column list on its import page.
IMPORT_HINTS = {
    Category.OUT_OF_PROVINCE: f"困难类型填写{_TYPES_SHOWN}中的一种或几种；同一人有多种时写在同一格，用“、”分隔"
                              "（如“建档立卡、低保”），每人一行。",
}


def columns_for(category: Category) -> tuple[sheets.Column, ...]:
    return COMMON + DETAILS[category]


def detail_label(key: str) -> str:
    return next(column.label for columns in DETAILS.values() for column in columns if column.key == key)


def detail_text(key: str, value: str | None) -> str:
    """A stored detail as users read it (a vocabulary code becomes its label)."""
    if key == "hardship_types":
        return types_text(value)
    vocab = DETAIL_VOCABS.get(key)
    return vocab.label_of(value) if vocab and value else (value or "")
