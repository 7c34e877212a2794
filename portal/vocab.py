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

    @classmethod
    def list_of(cls, codes: str) -> list["Stage"]:
        """A stored set of stages ("primary,junior") as members."""
        return [cls(code) for code in codes.split(",") if code]

    @classmethod
    def labels_of(cls, codes: str) -> str:
        """A stored set of stages as users read it: 小学、初中."""
        return "、".join(stage.label for stage in cls.list_of(codes))


class Ownership(Vocab):
    PUBLIC = "public", "公办"
    PRIVATE = "private", "民办"


class Category(Vocab):
    """The kinds of special hardship a base-library record may carry (a person may hold several)."""

    POVERTY = "poverty", "建档立卡", "建档立卡贫困户", "建档立卡户"
    DIBAO = "dibao", "低保", "城乡低保", "最低生活保障"
    TEKUN = "tekun", "特困供养", "特困救助供养", "特困人员", "特困"
    ORPHAN = "orphan", "孤儿"
    DISABLED = "disabled", "残疾", "残疾人"
    OUT_OF_PROVINCE = "out_of_province", "外省下发", "全国系统下发"


# Which department supplies which categories; the province may import any of them.
DEPARTMENT_CATEGORIES = {
    "poverty": (Category.POVERTY,),
    "civil": (Category.DIBAO, Category.TEKUN, Category.ORPHAN),
    "disabled": (Category.DISABLED,),
}


class PovertyStatus(Vocab):
    NOT_LIFTED = "not_lifted", "未脱贫"
    LIFTED = "lifted", "已脱贫", "脱贫", "已脱贫（享受政策）"
    RETURNED = "returned", "返贫", "返贫户"


class DibaoType(Vocab):
    URBAN = "urban", "城市", "城市低保", "城镇"
    RURAL = "rural", "农村", "农村低保"


class DisabilityType(Vocab):
    VISUAL = "visual", "视力", "视力残疾"
    HEARING = "hearing", "听力", "听力残疾"
    SPEECH = "speech", "言语", "言语残疾"
    PHYSICAL = "physical", "肢体", "肢体残疾"
    INTELLECTUAL = "intellectual", "智力", "智力残疾"
    MENTAL = "mental", "精神", "精神残疾"
    MULTIPLE = "multiple", "多重", "多重残疾"


class DisabilityGrade(Vocab):
    FIRST = "1", "一级", "1级", "1"
    SECOND = "2", "二级", "2级", "2"
    THIRD = "3", "三级", "3级", "3"
    FOURTH = "4", "四级", "4级", "4"


class Gender(Vocab):
    MALE = "M", "男"
    FEMALE = "F", "女"


class HardshipLevel(Vocab):
    SPECIAL = "special", "特别困难"
    HARDSHIP = "hardship", "困难"
    GENERAL = "general", "一般困难"
    NONE = "none", "不困难"


class HardshipSource(Vocab):
    MATCHED = "matched", "比对"
    MANUAL = "manual", "新增"


class ReviewStatus(Vocab):
    PENDING = "pending", "待审核"
    APPROVED = "approved", "已通过"
    REJECTED = "rejected", "未通过"


class SubmissionKind(Vocab):
    """What a school submits per period for review: one review mechanism for every kind. Funded lists go by
    project level (003's annexes give each its own dates); 学校/社会 lists are final once the school reviews them."""

    FUNDING = "funding", "国家资助名单"
    FUNDING_LOCAL = "funding_local", "地方政府资助名单"
    FUNDING_SCHOOL = "funding_school", "学校和社会资助名单"
    REASONS = "reasons", "未资助原因"


class SubmissionStatus(Vocab):
    NOT_STARTED = "not_started", "未填报"
    IN_PROGRESS = "in_progress", "填报中"
    SUBMITTED = "submitted", "已提交"
    RETURNED = "returned", "已退回"
    APPROVED = "approved", "已审核"


class AuditAction(Vocab):
    LOGIN = "login", "登录"
    LOGIN_FAILED = "login_failed", "登录失败"
    LOGIN_LOCKED = "login_locked", "账号锁定"
    LOGIN_THROTTLED = "login_throttled", "登录地址限流"
    ENROL_SECOND_FACTOR = "enrol_second_factor", "启用双因素认证"
    RESET_SECOND_FACTOR = "reset_second_factor", "重置双因素认证"
    USE_RECOVERY_CODE = "use_recovery_code", "使用恢复码登录"
    RENEW_RECOVERY_CODES = "renew_recovery_codes", "重新生成恢复码"
    REQUIRE_SCHOOL_SECOND_FACTOR = "require_school_second_factor", "要求学校使用双因素认证"
    RELAX_SCHOOL_SECOND_FACTOR = "relax_school_second_factor", "取消学校双因素认证要求"
    END_SESSIONS = "end_sessions", "退出其他登录会话"
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
    SUBMISSION_START = "submission_start", "开始填报"
    SUBMISSION_SUBMIT = "submission_submit", "提交审核"
    SUBMISSION_APPROVE = "submission_approve", "审核通过"
    SUBMISSION_RETURN = "submission_return", "退回修改"
    SUBMISSION_REOPEN = "submission_reopen", "逾期重新开放"
    EDIT_DEADLINE = "edit_deadline", "修改截止日期"
    SEED_DEADLINES = "seed_deadlines", "初始化截止日期"
    SET_UNFUNDED_REASON = "set_unfunded_reason", "填报未资助原因"
    EDIT_REASON_LIST = "edit_reason_list", "维护未资助原因选项"
    CREATE_PROJECT = "create_project", "新增资助项目"
    DEACTIVATE_PROJECT = "deactivate_project", "停用资助项目"
    ACTIVATE_PROJECT = "activate_project", "启用资助项目"
    EDIT_PROJECT = "edit_project", "修改资助项目"
    IMPORT_FUNDING = "import_funding", "导入资助名单"
    ADD_FUNDING_RECORD = "add_funding_record", "录入资助记录"
    DELETE_FUNDING_RECORD = "delete_funding_record", "删除资助记录"
    RECORD_ALLOCATION = "record_allocation", "录入财政资金"
    DELETE_ALLOCATION = "delete_allocation", "删除财政资金记录"
    VIEW_BUDGET_DOCUMENT = "view_budget_document", "查看预算文件"
    UPLOAD_ENROLMENT = "upload_enrolment", "上传学籍"
    MATCH_ENROLMENT = "match_enrolment", "在线比对"
    ADD_STUDENT = "add_student", "新增就学信息库学生"
    REVIEW_STUDENT = "review_student", "审核新增学生"
    VERIFY_STUDENT = "verify_student", "核实学生"
    REVEAL_ID = "reveal_id", "查看完整证件号"
    SEARCH_LIBRARY = "search_library", "查询基础信息库"
    IMPORT_LIBRARY = "import_library", "导入基础信息库"
    CANCEL_LIBRARY_IMPORT = "cancel_library_import", "取消基础信息库导入"
    ISSUE_CIRCULAR = "issue_circular", "印发通报"
    EDIT_NOTICE_TEMPLATE = "edit_notice_template", "修改告知书模板"
    EDIT_NOTICE_SETTINGS = "edit_notice_settings", "修改学校告知书设置"
    PRINT_NOTICES = "print_notices", "打印资助政策告知书"
    RECORD_NOTICE = "record_notice", "登记政策告知"
    SCOPE_REFUSED = "scope_refused", "越权访问被拒绝"
    ROTATE_KEY = "rotate_key", "轮换数据密钥"
    BACKUP = "backup", "备份数据库"
    RESTORE = "restore", "恢复数据库"
    ARCHIVE_AUDIT = "archive_audit", "归档审计日志"
    COPY_DATABASE = "copy_database", "复制到新数据库"


class DeadlineModule(Vocab):
    """The modules of 003's annex tables (业务模块): a project, a group of projects, or a kind of data."""

    STUDENT_INFO = "student_info", "学生信息"
    SCHOLARSHIP = "scholarship", "国家奖学金"
    NATIONAL_GRANT = "national_grant", "国家助学金"
    TUITION_WAIVER = "tuition_waiver", "国家免学费"
    FEE_WAIVER = "fee_waiver", "建档立卡家庭经济困难学生免学杂费"
    LIVING_ALLOWANCE = "living_allowance", "困难生生活补助"
    MILITARY = "military", "服兵役国家资助"
    GRASSROOTS_FIRST = "grassroots_first", "基层就业学费补偿贷款代偿（第一批）"
    GRASSROOTS_SECOND = "grassroots_second", "基层就业学费补偿贷款代偿（第二批）"
    GRASSROOTS_EMPLOYMENT = "grassroots_employment", "基层就业学费补偿贷款代偿（在职在岗确认）"
    LOCAL = "local", "地方政府资助"
    SCHOOL_SOCIAL = "school_social", "学校资助、社会资助"
    POVERTY = "poverty", "建档立卡学生"
    FISCAL = "fiscal", "财政资金"


class DeadlineTask(Vocab):
    """The pieces of work 003's annex tables give a deadline (具体内容)."""

    ENROLMENT_INFO = "enrolment_info", "在校生信息录入"
    IDENTIFY = "identify", "家庭经济信息录入与困难学生认定管理"
    GRADUATE_INFO = "graduate_info", "毕业生信息录入"
    BANK_CARDS = "bank_cards", "学生银行卡号管理"
    PROJECT_SETUP = "project_setup", "资助业务设置"
    TIER_SETUP = "tier_setup", "资助分档设置"
    MAJOR_STANDARDS = "major_standards", "分专业标准填报"
    FUNDING_ENTRY = "funding_entry", "资助名单录入"
    FUNDING_REVIEW = "funding_review", "资助名单审核"
    FUNDING_ENTRY_REVIEW = "funding_entry_review", "资助名单录入及审核"
    PUBLICITY = "publicity", "资助名单公示确认"
    PAYMENT = "payment", "资金发放管理"
    EMPLOYMENT_ENTRY = "employment_entry", "在职在岗信息录入"
    PAYMENT_ENTRY = "payment_entry", "资金发放信息录入"
    PAYMENT_REVIEW = "payment_review", "资金发放信息审核"
    UNFUNDED_REPORT = "unfunded_report", "未资助情况上报"
    FISCAL_CENTRAL = "fiscal_central", "中央级业务操作"
    FISCAL_PROVINCE = "fiscal_province", "省级业务操作"
    FISCAL_CITY = "fiscal_city", "市级业务操作"
    FISCAL_COUNTY = "fiscal_county", "县级业务操作"


class DeadlineCycle(Vocab):
    """Which periods a deadline row covers (填报周期): a term, the school year, or every 中职 month."""

    SPRING = "spring", "春季学期"
    AUTUMN = "autumn", "秋季学期"
    YEAR = "year", "学年"
    MONTHLY = "monthly", "每月"


class DeadlineParty(Vocab):
    """Who must act by a deadline row's date: the school, or its authority (主管部门: one column of the annex;
    where the annex names the tiers apart, 省/市/县)."""

    SCHOOL = "school", "学校"
    AUTHORITY = "authority", "主管部门"
    PROVINCE = "province", "省级"
    CITY = "city", "市级"
    COUNTY = "county", "县级"


class ProjectLevel(Vocab):
    """Who sets up a funding project (003 §二(四)): the state, a local government, the school, or society."""

    NATIONAL = "national", "国家", "国家资助"
    LOCAL = "local", "地方政府", "地方政府资助", "地方"
    SCHOOL = "school", "学校", "学校资助"
    SOCIAL = "social", "社会", "社会资助"


class PeriodType(Vocab):
    """How often a project is paid out, and what its standard amounts are stated per."""

    TERM = "term", "学期", "每学期"
    YEAR = "year", "学年", "每学年", "每年"
    MONTH = "month", "月", "每月"


class FundLevel(Vocab):
    """The tier of government whose budget a fiscal allocation of a national project comes from."""

    CENTRAL = "central", "中央", "中央财政"
    PROVINCE = "province", "省", "省级", "省级财政"
    CITY = "city", "市", "市级", "市级财政"
    COUNTY = "county", "县", "县级", "县级财政"


class FundingImportMode(Vocab):
    """What an imported funded list does to the period's existing records: chosen explicitly every time."""

    REPLACE = "replace", "替换本期名单"
    APPEND = "append", "追加"


class LibraryFlag(Vocab):
    """Marks on a hardship enrolment library student, for the school (and its county) to look at."""

    OUT_OF_PROVINCE = "out_of_province", "外省户籍"
    DUPLICATE = "duplicate", "学籍重复"
    MANUAL = "manual", "新增"
    NAME_MISMATCH = "name_mismatch", "姓名不一致"
    PENDING = "pending", "待审核"
    REJECTED = "rejected", "未通过审核"
    UNVERIFIED = "unverified", "未核实"
    NO_LEVEL = "no_level", "未认定困难等级"


class ImportStatus(Vocab):
    """Where an imported batch stands (base-library batches; the codes of enrolment uploads too)."""

    PENDING = "pending", "待确认"
    CURRENT = "current", "当前使用"
    SUPERSEDED = "superseded", "已被替换"
    DISCARDED = "discarded", "已取消"
