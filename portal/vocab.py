"""The portal's fixed Chinese vocabularies: each term has a stable code (stored) and a label (shown)."""
from enum import Enum


class Vocab(str, Enum):
    """A code stored in the database, with the Chinese label users see."""

    def __new__(cls, code: str, label: str, *synonyms: str):
        member = str.__new__(cls, code)
        member._value_ = code
        member.label = label
        member.synonyms = synonyms
        return member

    def __str__(self) -> str:
        return self.value

    @classmethod
    def by_label(cls) -> dict[str, "Vocab"]:
        """Label (and synonym) → member, for reading Chinese spreadsheets and forms."""
        table = {}
        for member in cls:
            table[member.label] = member
            for synonym in member.synonyms:
                table[synonym] = member
        return table

    @classmethod
    def labels(cls) -> list[str]:
        return [member.label for member in cls]

    @classmethod
    def choices(cls) -> list[tuple[str, str]]:
        return [(member.value, member.label) for member in cls]

    @classmethod
    def label_of(cls, code: str | None) -> str:
        try:
            return cls(code).label
        except ValueError:
            return code or ""


class Role(Vocab):
    PROVINCE = "province", "省级"
    CITY = "city", "市级"
    COUNTY = "county", "县级"
    SCHOOL = "school", "学校"
    DEPARTMENT = "department", "部门"


class RegionLevel(Vocab):
    PROVINCE = "province", "省"
    CITY = "city", "市"
    COUNTY = "county", "县"


class Department(Vocab):
    POVERTY = "poverty", "扶贫", "扶贫办", "乡村振兴局"
    CIVIL = "civil", "民政", "民政厅", "民政局"
    DISABLED = "disabled", "残联", "残疾人联合会"


class Stage(Vocab):
    PRESCHOOL = "preschool", "学前", "学前教育", "幼儿园"
    PRIMARY = "primary", "小学"
    JUNIOR = "junior", "初中"
    SENIOR = "senior", "普通高中", "高中"
    VOCATIONAL = "vocational", "中职", "中等职业教育"
    UNDERGRADUATE = "undergraduate", "本专科", "高等教育", "本科", "专科", "高职"
    GRADUATE = "graduate", "研究生"


class Ownership(Vocab):
    PUBLIC = "public", "公办"
    PRIVATE = "private", "民办"


class AuditAction(Vocab):
    LOGIN = "login", "登录"
    LOGIN_FAILED = "login_failed", "登录失败"
    LOGOUT = "logout", "退出"
    CHANGE_PASSWORD = "change_password", "修改密码"
    CREATE_USER = "create_user", "创建账号"
    DISABLE_USER = "disable_user", "停用账号"
    ENABLE_USER = "enable_user", "启用账号"
    RESET_PASSWORD = "reset_password", "重置密码"
    IMPORT_REGIONS = "import_regions", "导入行政区划"
    IMPORT_SCHOOLS = "import_schools", "导入学校"
    INVALIDATE_SCHOOL = "invalidate_school", "标记学校无效"
    RESTORE_SCHOOL = "restore_school", "恢复学校"
    MOVE_SCHOOL = "move_school", "调整学校隶属"
    EXPORT = "export", "导出"
    SEED_DEMO = "seed_demo", "生成演示数据"
