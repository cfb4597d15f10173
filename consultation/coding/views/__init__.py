"""The pages of the coding feature, one module per thing they serve, all on the `coding` blueprint
with their historical endpoint names (coding.workspace, coding.results_page, ...).

Views parse, call a service and render; they never commit (one transaction per request, see
consultation/transaction.py) and call `abandon()` when they report a domain error after writing.
workspace_api.py holds the JSON endpoints internal to the workspace page, not the documented
/api/v1."""

from . import (  # noqa: F401  (each module registers its routes on the blueprint)
    agreement,
    classes,
    codebook,
    exports,
    home,
    pseudonymisation,
    results,
    survey,
    themes,
    workspace,
    workspace_api,
)
