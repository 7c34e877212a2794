"""What a base-library file holds, per category: the declared columns the one reader checks."""
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
        sheets.Column("source_province", "来源省份", ("下发省份", "户籍省份"), required=False, optional_value=True,
                      parse=bounded_text(32)),
    ),
}

# Detail columns stored as they are (vocabulary codes); the disability certificate is stored encrypted.
STORED_DETAILS = ("poverty_status", "dibao_type", "disability_type", "disability_grade", "source_province")
DETAIL_VOCABS = {"poverty_status": PovertyStatus, "dibao_type": DibaoType, "disability_type": DisabilityType,
                 "disability_grade": DisabilityGrade}

TEMPLATE_EXAMPLES = {
    Category.POVERTY: ["已脱贫"],
    Category.DIBAO: ["农村"],
    Category.TEKUN: [],
    Category.ORPHAN: [],
    Category.DISABLED: ["肢体", "二级", ""],
    Category.OUT_OF_PROVINCE: ["安徽省"],
}


def columns_for(category: Category) -> tuple[sheets.Column, ...]:
    return COMMON + DETAILS[category]


def detail_label(key: str) -> str:
    return next(column.label for columns in DETAILS.values() for column in columns if column.key == key)


def detail_text(key: str, value: str | None) -> str:
    """A stored detail as users read it (a vocabulary code becomes its label)."""
    vocab = DETAIL_VOCABS.get(key)
    return vocab.label_of(value) if vocab and value else (value or "")
