"""Studies: the unit of work (members and their roles, audit log, editions) and their pages.

Models and services are imported by the other domain packages (their tables belong to a study), so
this package imports nothing on load; the blueprint lives in views.py."""
