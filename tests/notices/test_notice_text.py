"""The template text on its own: placeholders checked by name, filled as plain text, the policy table's place."""
import pytest

from portal.notices import text
from portal.notices.errors import NoticeError


def test_unknown_placeholders_are_named_once_each():
    with pytest.raises(NoticeError) as refused:
        text.check("{学生}{身份证号}{身份证号}{家长}", "正文")
    assert str(refused.value).startswith("正文中有不存在的占位符：{身份证号}、{家长}。")


def test_the_default_template_passes_its_own_check():
    text.check(text.DEFAULT_BODY)
    text.check(text.DEFAULT_TITLE)


def test_blocks_put_the_policy_table_where_it_stands_alone_or_after_the_text():
    filled = text.fill("甲\n\n{资助项目}\n\n乙", {"资助项目": text.POLICY_MARK})
    assert text.blocks(filled) == ["甲", text.POLICY_MARK, "乙"]
    inline = text.fill("申请{资助项目}。\n\n乙", {"资助项目": text.POLICY_MARK})
    assert text.blocks(inline) == ["申请下表所列资助项目。", "乙", text.POLICY_MARK]


def test_lines_of_one_paragraph_join_without_spaces_and_markup_stays_text():
    assert text.paragraphs("第一行\n第二行<b>\n\n\n第二段") == ["第一行第二行<b>", "第二段"]
