"""Who may do what with the base library: the province everything, a department its own categories
and its own batches, nobody else anything. The one place these rules live."""
from sqlalchemy import ColumnElement, false, true

from portal.audit.services import Actor
from portal.errors import DomainError
from portal.extensions import db
from portal.library.models import LibraryBatch
from portal.scope import missing_or_refused
from portal.vocab import DEPARTMENT_CATEGORIES, Category, Role


class LibraryError(DomainError):
    """A refusal with a Chinese message for the user; nothing was written."""


def importable_categories(user) -> list[Category]:
    """Categories this account may import (the command line, user None, acts for the province)."""
    if user is None or user.role == Role.PROVINCE.value:
        return list(Category)
    if user.role == Role.DEPARTMENT.value:
        return list(DEPARTMENT_CATEGORIES.get(user.department, ()))
    return []


def require_category(actor: Actor, category: Category) -> None:
    if category not in importable_categories(actor.user):
        raise LibraryError(f"您的账号不能导入“{category.label}”数据，只能导入本部门负责的类别")


def batch_condition(user) -> ColumnElement[bool]:
    """The batches an account may see: all for the province, its own department's for a department."""
    if user is None or user.role == Role.PROVINCE.value:
        return true()
    if user.role == Role.DEPARTMENT.value and user.department:
        return LibraryBatch.department == user.department
    return false()


def visible_batch(user, batch_id: int) -> LibraryBatch:
    """A batch the account may see, or 404 as if it did not exist (another department's is recorded)."""
    batch = db.session.scalar(db.select(LibraryBatch).where(LibraryBatch.id == batch_id, batch_condition(user)))
    if batch is None:
        missing_or_refused(user, LibraryBatch, batch_id, "library_batch")
    return batch
