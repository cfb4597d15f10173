"""XLSForm import and export: the spreadsheet format of ODK, KoboToolbox and SurveyCTO."""
from .issues import ImportResult, SheetIssue
from .reader import load_xlsform
from .writer import to_xlsform, xlsform_bytes

__all__ = ["ImportResult", "SheetIssue", "load_xlsform", "to_xlsform", "xlsform_bytes"]
