"""Makes portal/notices/fonts/NotoSansSC-GB2312.otf, the font of the notices' PDF: Noto Sans CJK SC (SIL Open
Font License 1.1, licence beside the font) cut down with fontTools to ASCII, the GB 2312 character set and a
few characters frequent in names that GB 2312 lacks, so that the repository carries ~2 MB instead of ~20.

Run once by hand where Noto Sans CJK is installed (Debian: fonts-noto-cjk), then commit the result:
    .venv/bin/python tools/subset_notice_font.py /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc
"""
import sys
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTCollection

OUT = Path(__file__).resolve().parent.parent / "portal" / "notices" / "fonts" / "NotoSansSC-GB2312.otf"
# frequent in given names but outside GB 2312 (GBK / GB 18030 only)
NAME_EXTRAS = "喆堃玥珺琍昇淏晞琰婧璟瑀琦玙翀珩璠赟旸镕烜祎槿垚焱鑫犇淼喆頔昕玮晗煜昊琪瑾瑜"


def gb2312_text() -> str:
    found = []
    for high in range(0xA1, 0xF8):
        for low in range(0xA1, 0xFF):
            try:
                found.append(bytes([high, low]).decode("gb2312"))
            except UnicodeDecodeError:
                pass
    return "".join(found)


def main(source: str) -> None:
    collection = TTCollection(source)
    font = next(f for f in collection.fonts if f["name"].getDebugName(4) == "Noto Sans CJK SC")
    text = "".join(chr(code) for code in range(0x20, 0x7F)) + gb2312_text() + NAME_EXTRAS + "￥－～·—…“”‘’　"
    options = subset.Options()
    options.layout_features = []
    options.name_IDs = ["*"]
    options.notdef_outline = True
    options.hinting = False
    subsetter = subset.Subsetter(options)
    subsetter.populate(text=text)
    subsetter.subset(font)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    font.save(OUT)
    print(OUT, OUT.stat().st_size)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
