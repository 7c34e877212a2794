"""Reading spreadsheets that the portal hands back, the way a user's Excel would."""
import io

from python_calamine import CalamineWorkbook


def read_xlsx(content: bytes, sheet: int = 0) -> list[list]:
    workbook = CalamineWorkbook.from_filelike(io.BytesIO(content))
    return workbook.get_sheet_by_index(sheet).to_python()
