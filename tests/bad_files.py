"""Hostile files every import must refuse: a PDF renamed, a zip bomb, a sheet filled down to Excel's last row."""
import io
import zipfile
from functools import cache

PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\n"
EXCEL_LAST_ROW = 1_048_576


@cache  # built once per test session: every backend refuses the same bytes
def zip_bomb(megabytes: int = 110) -> bytes:
    """An .xlsx-looking archive whose sheet is `megabytes` MB of spaces, a hundred kilobytes once compressed."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        with archive.open("xl/worksheets/sheet1.xml", "w") as member:
            chunk = b" " * 2**20
            for _ in range(megabytes):
                member.write(chunk)
    return buffer.getvalue()


@cache
def full_sheet_xlsx(header: tuple[str, ...], rows: int = EXCEL_LAST_ROW) -> bytes:
    """A sheet filled down to Excel's last row under `header`, written as raw XML (openpyxl would take a minute)."""
    main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    package = "http://schemas.openxmlformats.org/package/2006"
    office = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    columns = [chr(ord("A") + position) for position in range(len(header))]
    head = "".join(f'<c r="{column}1" t="inlineStr"><is><t>{label}</t></is></c>' for column, label in zip(columns, header))
    sheet = (f'<?xml version="1.0"?><worksheet xmlns="{main}"><sheetData><row r="1">{head}</row>'
             + "".join(f'<row r="{n}"><c r="A{n}"><v>1</v></c></row>' for n in range(2, rows + 1))
             + "</sheetData></worksheet>")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        archive.writestr("[Content_Types].xml", f'<?xml version="1.0"?><Types xmlns="{package}/content-types">'
                         '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships'
                         '+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/'
                         'workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.'
                         'sheet.main+xml"/></Types>')
        archive.writestr("_rels/.rels", f'<?xml version="1.0"?><Relationships xmlns="{package}/relationships">'
                         f'<Relationship Id="rId1" Type="{office}/officeDocument" Target="xl/workbook.xml"/>'
                         '</Relationships>')
        archive.writestr("xl/workbook.xml", f'<?xml version="1.0"?><workbook xmlns="{main}" xmlns:r="{office}">'
                         '<sheets><sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>')
        archive.writestr("xl/_rels/workbook.xml.rels", f'<?xml version="1.0"?><Relationships xmlns="{package}/'
                         f'relationships"><Relationship Id="rId1" Type="{office}/worksheet" '
                         'Target="worksheets/sheet1.xml"/></Relationships>')
        archive.writestr("xl/worksheets/sheet1.xml", sheet)
    return buffer.getvalue()
