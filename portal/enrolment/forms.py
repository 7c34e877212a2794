"""Forms of the enrolment area: a student added by hand (新增) and the library table's filters."""
from flask_wtf import FlaskForm
from wtforms import BooleanField, Form, SelectMultipleField, StringField
from wtforms.validators import AnyOf, DataRequired, Length, ValidationError

from portal.enrolment.library import NOTIFIED_FILTERS, SORTS, LibraryFilter
from portal.enrolment.manual import DETAILS
from portal.forms import IdNumberField, read_filters, stripped
from portal.vocab import Category, LibraryFlag

# detail field → (the category it describes, its vocabulary)
DETAIL_FIELDS = {name: (category, vocabulary) for category, pairs in DETAILS.items() for name, vocabulary in pairs}


class Ticked(BooleanField):
    """The form's checkbox, which sends "1": ticked only then."""

    def process_formdata(self, valuelist) -> None:
        self.data = bool(valuelist) and valuelist[0] == "1"


def _known_detail(form, field) -> None:
    """A detail is read only for a chosen category, and must then be one of its vocabulary."""
    category, vocabulary = DETAIL_FIELDS[field.name]
    if category.value in form.categories.data and field.data and field.data not in vocabulary._value2member_map_:
        raise ValidationError(f"{category.label}的详细信息无法识别")


def _chosen_categories(form, field) -> None:
    if not field.data or any(code not in Category._value2member_map_ for code in field.data):
        raise ValidationError("请至少选择一个困难类别")


class AdditionForm(FlaskForm):
    """A student the match missed, as the school types them in; checked in this order, the first refusal shown."""

    id_number = IdNumberField()
    name = StringField("姓名", default="", filters=[stripped],
                       validators=[DataRequired("请填写学生姓名"), Length(max=64, message="姓名过长")])
    student_no = StringField("学籍号", default="", filters=[stripped])
    stage = StringField("学段", default="")
    grade = StringField("年级", default="", filters=[stripped])
    class_name = StringField("班级", default="", filters=[stripped])
    categories = SelectMultipleField("困难类别", default=(), validate_choice=False, validators=[_chosen_categories])
    poverty_status = StringField(default="", validators=[_known_detail])
    dibao_type = StringField(default="", validators=[_known_detail])
    disability_type = StringField(default="", validators=[_known_detail])
    disability_grade = StringField(default="", validators=[_known_detail])
    note = StringField("说明", default="", filters=[stripped], validators=[
        DataRequired("请填写说明：学生的困难情况、信息来源（如扶贫、民政、残联部门的证明）")])
    not_enrolled_confirmed = Ticked()  # told the ID is not in the school's 学籍, the school adds the student still

    def values(self) -> dict:
        """The keyword arguments of manual.add_student()."""
        return {"number": self.id_number.number, "name": self.name.data, "student_no": self.student_no.data,
                "stage": self.stage.data, "grade": self.grade.data, "class_name": self.class_name.data,
                "categories": [category for category in Category if category.value in self.categories.data],
                "details": {name: self[name].data for name in DETAIL_FIELDS}, "note": self.note.data,
                "not_enrolled_confirmed": self.not_enrolled_confirmed.data}


class LibraryFilterForm(Form):
    """The library table's filters in the query string (?class=…&category=…&q=…&sort=…&order=desc)."""

    class_name = StringField(name="class", default="", filters=[stripped])
    category = StringField(default="", validators=[AnyOf(["", *Category._value2member_map_])])
    flag = StringField(default="", validators=[AnyOf(["", *LibraryFlag._value2member_map_])])
    search = StringField(name="q", default="", filters=[stripped])
    sort = StringField(default="class", validators=[AnyOf(list(SORTS))])
    order = StringField(default="asc")
    grade = StringField(default="", filters=[stripped])
    notified = StringField(default="", validators=[AnyOf(["", *NOTIFIED_FILTERS])])

    @classmethod
    def read(cls, args) -> LibraryFilter:
        """The filters the query string asks for (what it names that the table does not know is left out)."""
        form = read_filters(cls, args)
        return LibraryFilter(class_name=form.class_name.data, category=form.category.data, flag=form.flag.data,
                             search=form.search.data, sort=form.sort.data, descending=form.order.data == "desc",
                             grade=form.grade.data, notified=form.notified.data)
