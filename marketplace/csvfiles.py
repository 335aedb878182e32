"""CSV files the portal writes, safe to open in a spreadsheet.

A cell that starts with "=", "+", "-", "@" (and "|" or "%") can run as a formula when a
commissioner opens the file in Excel or LibreOffice (CSV injection). defusedcsv, a
drop-in for the csv module, prefixes such a cell with an apostrophe. OWASP lists tab and
carriage return among the characters that start a formula too, which defusedcsv leaves
alone: those cells get the same apostrophe here. Numbers are written as they are.
"""

import io

from defusedcsv import csv

FORMULA_STARTS_DEFUSEDCSV_LEAVES = ("\t", "\r")


class _Writer:
    def __init__(self, out):
        self._writer = csv.writer(out)

    def writerow(self, row) -> None:
        self._writer.writerow(
            "'" + cell if isinstance(cell, str) and cell.startswith(FORMULA_STARTS_DEFUSEDCSV_LEAVES) else cell
            for cell in row
        )


def writer(out: io.StringIO) -> _Writer:
    """A csv.writer whose cells cannot start a formula."""
    return _Writer(out)
