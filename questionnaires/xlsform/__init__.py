"""XLSForm import and export: the spreadsheet format of ODK, KoboToolbox and SurveyCTO.

`load_xlsform(source)` reads an .xlsx (path, bytes or binary stream) into the questionnaire model
and returns an `ImportResult`: the questionnaire when the file has no error, and every error and
warning as a `SheetIssue(sheet, row, column, message)` in French. It never raises for a bad file.
`to_xlsform(questionnaire, destination)` and `xlsform_bytes(questionnaire)` write it back.

What the model does not interpret is kept, so that import → export → import gives an equal model:

- `Question.extra` / `Group.extra`: cells of columns we do not read (`$kuid`, `media::image`,
  `guidance_hint::English (en)`…), under their header; `extra["type"]` is the original type of a
  question we only stand in for (metadata `start`, `geopoint`…, whose `Question.type` is the
  nearest type of ours); `extra["required"]` a `required` expression;
  `extra["parameters"]` parameters other than a range's start/end/step; `Group.extra["end_row:…"]`
  the cells of the group's `end group` row.
- `Choice.properties`: the other columns of the choices sheet (used by `choice_filter`).
- `Questionnaire.entities`: the rows of the `entities` sheet (ODK Central), as they are.
- `ChoiceList.file`: a list read from a file attached to the form (`select_one_from_file
  communes.csv`, see attachments.py); `choice_files`/`xlsform_archive` write the file back.
- Names: an XLSForm name used in several groups (`menage/age`, `repondant/age`) is qualified
  in the model (`menage:age`) and written back as `age` (see questionnaires/names.py).
- `Questionnaire.settings`: settings columns other than form_title, form_id, version and
  default_language; `settings["language::fr"]` is the header suffix written for a language when it
  differs from the one the export would make up ("Français (fr)"; "" for no suffix).
"""

from .issues import ImportResult, SheetIssue
from .reader import load_xlsform
from .writer import choice_files, to_xlsform, xlsform_archive, xlsform_bytes

__all__ = [
    "ImportResult",
    "SheetIssue",
    "choice_files",
    "load_xlsform",
    "to_xlsform",
    "xlsform_archive",
    "xlsform_bytes",
]
