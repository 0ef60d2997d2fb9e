"""What Qt computes with ICU, as JSON (run by test_bundle.py, not collected by pytest).

Collation in several locales (the file dialog sorts with QCollator), locale case mapping,
time-zone display names, dates, and ICU's converters. The bundle's trimmed ICU data
(packaging/build.py, shrink_icu_data) must give exactly what the full data gives:
test_bundle runs this with the build venv's PySide6 twice, once with the bundle's ICU
libraries first on LD_LIBRARY_PATH, and compares.
"""

import ctypes
import functools
import json

from PySide6.QtCore import (
    QCollator,
    QCoreApplication,
    QDateTime,
    QLocale,
    QStringDecoder,
    QStringEncoder,
    Qt,
    QTimeZone,
)

WORDS = ["Äpfel", "apfel", "Zebra", "zebra", "Ölberg", "ober", "file10", "file9", "ch", "cz"]
WORDS += ["ñu", "nz", "İstanbul", "ıslak", "中文", "日本", "Привет", "ελλάδα"]
LOCALES = ["C", "en_US", "de_DE", "sv_SE", "cs_CZ", "es_ES", "tr_TR", "zh_CN", "ja_JP", "ru_RU"]
ENCODINGS = ["Shift_JIS", "EUC-JP", "GBK", "GB18030", "Big5", "EUC-KR", "windows-1251"]
ENCODINGS += ["KOI8-R", "ISO-8859-7", "IBM037", "UTF-16"]
ZONES = [b"Europe/Berlin", b"America/New_York", b"Asia/Tokyo", b"Australia/Sydney"]


def mapped(part: str) -> list[str]:
    with open("/proc/self/maps") as maps:
        return sorted({line.split()[-1] for line in maps if part in line})


def main() -> None:
    QCoreApplication([])
    out = {}
    for loc in LOCALES:
        c = QCollator(QLocale(loc))
        c.setNumericMode(True)
        out[f"sort {loc}"] = sorted(WORDS, key=functools.cmp_to_key(c.compare))
        ci = QCollator(QLocale(loc))
        ci.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        out[f"ci {loc}"] = [ci.compare("abc", "ABC"), ci.compare("straße", "STRASSE")]
        out[f"upper {loc}"] = QLocale(loc).toUpper("iıßfiﬁ")
        out[f"lower {loc}"] = QLocale(loc).toLower("IİΣΑΣ")
    icuuc = ctypes.CDLL(mapped("libicuuc")[0])
    convert = next(
        getattr(icuuc, f"ucnv_convert_{v}")
        for v in range(60, 100)
        if hasattr(icuuc, f"ucnv_convert_{v}")
    )
    source = "Grüße 日本 Привет".encode()
    for enc in ENCODINGS:
        buf, err = ctypes.create_string_buffer(256), ctypes.c_int(0)
        n = convert(enc.encode(), b"UTF-8", buf, 256, source, len(source), ctypes.byref(err))
        valid = [QStringDecoder(enc).isValid(), QStringEncoder(enc).isValid()]
        out[f"convert {enc}"] = valid + [err.value, buf.raw[:n].hex()]
    out["codecs"] = len(QStringDecoder.availableCodecs())
    for zone in ZONES:
        z = QTimeZone(zone)
        for loc in ("en_US", "de_DE", "ja_JP"):
            out[f"tz {zone.decode()} {loc}"] = [
                z.displayName(QTimeZone.TimeType(t), QTimeZone.NameType(n), QLocale(loc))
                for t in (0, 1, 2)
                for n in (0, 1, 2, 3)
            ]
    dt = QDateTime.fromSecsSinceEpoch(1700000000, QTimeZone(b"Europe/Berlin"))
    out["dt"] = [
        dt.toString("yyyy-MM-dd HH:mm t"),
        QLocale("de_DE").toString(dt, QLocale.FormatType.LongFormat),
    ]
    print(json.dumps({"icudata": mapped("libicudata"), "out": out}, ensure_ascii=False))


if __name__ == "__main__":
    main()
