"""The notices as one PDF, one A4 page per student, drawn by fpdf2 (pure Python, from PyPI) with the Noto Sans SC
subset shipped beside this file (fonts/, SIL OFL 1.1): it works on a machine with only Python and pip.

render_notices_pdf() is the one entry point for the command line and the web (and, later, a background job):
it takes the batch, writes the file and reports progress(done, total) after every chunk of students."""
from collections.abc import Callable, Iterable
from pathlib import Path

from fpdf import FPDF

from portal.notices.services import POLICY_MARK, Notice, Selection, iter_notice_chunks, received_text

FONT = Path(__file__).resolve().parent / "fonts" / "NotoSansSC-GB2312.otf"
PAGE_W, PAGE_H, MARGIN = 210, 297, 18
WIDTH = PAGE_W - 2 * MARGIN
SLIP_TOP = PAGE_H - 70  # the tear-off return slip's cut line (mm from the top)
SIZES = (12, 11.5, 11, 10.5, 10, 9.5, 9, 8.5, 8, 7.5)  # the body shrinks until the notice fits above the slip


def new_document() -> FPDF:
    pdf = FPDF(format="A4", unit="mm")
    pdf.set_auto_page_break(False)
    pdf.set_margins(MARGIN, MARGIN, MARGIN)
    pdf.add_font("noto", fname=str(FONT))
    pdf.set_title("学生资助政策告知书")
    pdf.set_creator("特殊困难学生就学信息库")
    return pdf


def _line_height(size: float) -> float:
    return size * 0.3528 * 1.6  # pt → mm, with 1.6 leading


class _Page:
    """Draws one notice; measure=True only adds up the heights (fpdf2's dry runs), so the size can be chosen."""

    def __init__(self, pdf: FPDF, size: float, measure: bool):
        self.pdf, self.size, self.measure, self.height = pdf, size, measure, 0.0

    def text(self, content: str, size: float | None = None, align: str = "L", gap: float = 2.5) -> None:
        size = size or self.size
        self.pdf.set_font("noto", size=size)
        if self.measure:
            lines = self.pdf.multi_cell(WIDTH, _line_height(size), content, align=align, dry_run=True,
                                        output="LINES")
            self.height += len(lines) * _line_height(size) + gap
            return
        self.pdf.multi_cell(WIDTH, _line_height(size), content, align=align, new_x="LMARGIN", new_y="NEXT")
        self.pdf.ln(gap)

    def table(self, header: list[str], rows: list[list[str]], widths: list[float]) -> None:
        size = self.size - 1
        height = _line_height(size)
        for index, row in enumerate([header, *rows]):
            self.pdf.set_font("noto", size=size)
            lines = max(len(self.pdf.multi_cell(width - 1, height, cell, dry_run=True, output="LINES"))
                        for width, cell in zip(widths, row))
            row_height = lines * height
            if not self.measure:
                x, y = self.pdf.get_x(), self.pdf.get_y()
                for width, cell in zip(widths, row):
                    self.pdf.rect(x, y, width, row_height + 1)
                    if index == 0:
                        self.pdf.set_fill_color(238, 238, 238)
                        self.pdf.rect(x, y, width, row_height + 1, style="DF")
                    self.pdf.set_xy(x + 0.5, y + 0.5)
                    self.pdf.multi_cell(width - 1, height, cell)
                    x += width
                self.pdf.set_xy(MARGIN, y + row_height + 1)
            self.height += row_height + 1
        if not self.measure:
            self.pdf.ln(2)
        self.height += 2


def _body(page: _Page, notice: Notice) -> None:
    page.text(notice.title, size=page.size + 7, align="C", gap=3)
    page.text(f"学校：{notice.school_name}　学生：{notice.student_name}　班级：{notice.class_name or '—'}"
              f"　学段：{notice.stage or '—'}　学期：{notice.term_label}")
    for paragraph in notice.paragraphs:
        if paragraph == POLICY_MARK:
            _policies(page, notice)
        else:
            page.text(paragraph)
    if notice.school_paragraph:
        page.text(notice.school_paragraph)
    if notice.contact not in "".join(notice.paragraphs):
        page.text(f"学校资助办联系方式：{notice.contact}")


def _policies(page: _Page, notice: Notice) -> None:
    page.text(f"孩子所在学段（{notice.stage or '—'}）可以申请的资助项目：", gap=1)
    rows = [[p.name, p.level, p.standard, p.period] for p in notice.policies] or [["（学校尚未登记资助项目）", "", "", ""]]
    page.table(["资助项目", "类别", "资助标准", "发放周期"], rows, [WIDTH * 0.34, WIDTH * 0.14, WIDTH * 0.36, WIDTH * 0.16])
    page.text(received_text(notice))


def _slip(pdf: FPDF, notice: Notice) -> None:
    pdf.set_draw_color(120, 120, 120)
    pdf.set_dash_pattern(dash=2, gap=1.5)
    pdf.line(MARGIN - 8, SLIP_TOP, PAGE_W - MARGIN + 8, SLIP_TOP)
    pdf.set_dash_pattern()
    pdf.set_draw_color(0, 0, 0)
    pdf.set_font("noto", size=8)
    pdf.set_xy(MARGIN, SLIP_TOP - 4)
    pdf.cell(WIDTH, 3, "沿此线剪下，回执交回班主任", align="C")
    pdf.set_xy(MARGIN, SLIP_TOP + 6)
    pdf.set_font("noto", size=15)
    pdf.cell(WIDTH, 8, "回　执", align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    pdf.set_font("noto", size=11)
    pdf.multi_cell(WIDTH, 7, f"{notice.school_name}：\n　　我已收到{notice.student_name}同学（{notice.class_name or '—'}）"
                             f"的《{notice.title}》，已知晓相关学生资助政策和申请方法。", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(8)
    pdf.cell(WIDTH, 8, "家长签名：________________　　联系电话：________________　　日期：______年____月____日")


def draw_notice(pdf: FPDF, notice: Notice) -> None:
    """One A4 page: the notice at the largest size that fits above the return slip, then the slip."""
    room = SLIP_TOP - 8 - MARGIN
    pdf.add_page()  # fpdf2 measures on a page (its dry runs write nothing)
    size = next((size for size in SIZES if _measure(pdf, notice, size) <= room), SIZES[-1])
    _body(_Page(pdf, size, measure=False), notice)
    _slip(pdf, notice)


def _measure(pdf: FPDF, notice: Notice, size: float) -> float:
    page = _Page(pdf, size, measure=True)
    _body(page, notice)
    return page.height


def write_notices(notices: Iterable[Notice], out) -> int:
    """Notices already built → a PDF written to a path or a binary file; the number of pages."""
    pdf = new_document()
    for notice in notices:
        draw_notice(pdf, notice)
    pdf.output(out)
    return pdf.page_no()


def render_notices_pdf(school, term, selection: Selection, out_path,
                       progress: Callable[[int, int], None] | None = None) -> int:
    """The batch's notices (a Selection of the school's library for the term) into one PDF at out_path (a path
    or a binary file),
    a chunk of students at a time; progress(done, total) after each chunk. Returns the number of pages."""
    pdf = new_document()
    done = 0
    for total, notices in iter_notice_chunks(school, term, selection):
        for notice in notices:
            draw_notice(pdf, notice)
        done += len(notices)
        if progress:
            progress(done, total)
    if done == 0:
        pdf.add_page()
        pdf.set_font("noto", size=12)
        pdf.cell(WIDTH, 10, "所选范围内没有学生")
    if hasattr(out_path, "write"):
        out_path.write(pdf.output())
    else:
        pdf.output(str(out_path))
    return done
