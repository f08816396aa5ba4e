"""The district's figures as CSV (semicolon-separated, UTF-8 with BOM, as Norwegian Excel opens it) and XLSX."""

import csv
import io

from django.utils.translation import gettext as _
from openpyxl import Workbook

from oversight.figures import KommuneFigures


def _headers() -> list[str]:
    return [
        _("Kommunenummer"),
        _("Kommune"),
        _("Avtalestatus"),
        _("Signert"),
        _("Periode"),
        _("Møter holdt i år"),
        _("Minste antall møter"),
        _("Innkallinger i år"),
        _("Innkalling i tide (%)"),
        _("Siste årsevaluering"),
        _("Oppfølging over frist"),
        _("Tiltak over frist"),
    ]


def _values(row: KommuneFigures) -> list:
    council = row.council
    return [
        row.kommune.number,
        row.kommune.name,
        str(row.status.label),
        row.signed_on,
        row.period,
        council.meetings_held if council else None,
        council.meetings_min if council else None,
        council.innkallinger if council else None,
        council.on_time_percent if council else None,
        council.last_evaluation if council else None,
        council.overdue_follow_ups if council else None,
        row.overdue_tiltak,
    ]


def figures_csv(rows: list[KommuneFigures]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow(_headers())
    for row in rows:
        values = _values(row)
        values[3] = values[3].strftime("%d.%m.%Y") if values[3] else ""
        writer.writerow(["" if value is None else value for value in values])
    return out.getvalue().encode("utf-8-sig")


def figures_xlsx(rows: list[KommuneFigures], *, title: str) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = title[:31]  # Excel's limit
    sheet.append(_headers())
    for row in rows:
        sheet.append(_values(row))
    for cell in sheet["D"][1:]:
        cell.number_format = "DD.MM.YYYY"
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
