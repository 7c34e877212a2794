"""Forms of the accounts area."""
from flask_wtf import FlaskForm
from wtforms import PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional


class LoginForm(FlaskForm):
    username = StringField("用户名", validators=[DataRequired("请输入用户名")])
    password = PasswordField("密码", validators=[DataRequired("请输入密码")])


class CodeForm(FlaskForm):
    code = StringField("验证码", validators=[DataRequired("请输入验证码"), Length(max=32, message="验证码过长")])


class ChangePasswordForm(FlaskForm):
    current = PasswordField("当前密码", validators=[DataRequired("请输入当前密码")])
    new = PasswordField("新密码", validators=[DataRequired("请输入新密码")])
    confirm = PasswordField("再次输入新密码", validators=[DataRequired("请再次输入新密码")])


class CreateUserForm(FlaskForm):
    username = StringField("用户名", validators=[DataRequired("请输入用户名")])
    display_name = StringField("姓名或单位", validators=[DataRequired("请输入姓名或单位"), Length(max=64)])
    role = SelectField("账号类型", validate_choice=False)
    region_code = SelectField("所属区划", validate_choice=False, validators=[Optional()])
    school_code = StringField("学校标识码", validators=[Optional(), Length(max=10)])
    department = SelectField("部门", validate_choice=False, validators=[Optional()])
