"""What the domains' WTForms forms share: the ID-number field, a form's values or its first refusal, and
filter forms read from a query string."""
from werkzeug.datastructures import MultiDict
from wtforms import Form, StringField
from wtforms.validators import ValidationError

from portal import idcard
from portal.errors import DomainError


def stripped(value):
    """Field filter: surrounding spaces are not part of what was typed."""
    return value.strip() if isinstance(value, str) else value


class IdNumberField(StringField):
    """An ID number, shown back as typed; checked by portal.idcard, whose message the refusal carries.
    After validation `number` is the checked 18-character number."""

    number: str | None = None

    def __init__(self, label="身份证件号", **kwargs):
        kwargs.setdefault("default", "")
        super().__init__(label, **kwargs)

    def pre_validate(self, form) -> None:
        try:
            self.number = idcard.validate(self.data)
        except idcard.IdNumberError as refusal:
            raise ValidationError(f"{self.label.text}：{refusal}") from None


def first_refusal(form: Form) -> str | None:
    """The message of the first field, in the form's order, that refused its value: a page shows one
    message, and the order of the fields is the order a clerk is told about them."""
    for field in form:
        if field.errors:
            return field.errors[0]
    return None


def checked(form: Form, refusal: type[DomainError] = DomainError) -> dict:
    """The form's values for its service (form.values()), or `refusal` raised with its first message, so
    that the view's saving() turns it into a page like any refusal of the service."""
    if not form.validate():
        raise refusal(first_refusal(form))
    return form.values()


def read_filters(form_class: type[Form], args) -> Form:
    """A filter form read from a query string: a value it refuses (an unknown choice) reads as its default,
    since links and bookmarks outlive the choices they name. `args`: the request's, or a plain dict (a job's)."""
    form = form_class(args if hasattr(args, "getlist") else MultiDict(args))
    form.validate()
    for field in form:
        if field.errors:
            field.data = field.default
    return form
