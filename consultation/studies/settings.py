"""A study's settings: its name, kind, year, state, description, RGPD notice and territory. The
slug never changes: it is in every address of the study (bookmarks, tablets, exports)."""

from sqlalchemy import select

from ..extensions import db
from ..territory import services as territory
from ..territory.comparison import COMPARISON_LEVELS
from ..territory.models import Territory
from .audit import record
from .models import KIND_LABELS, NOTICE_FIELDS, STATE_LABELS, Study

# The fields a chargé d'étude may change, in the order of the page.
EDITABLE = (
    "name",
    "kind",
    "year",
    "state",
    "description",
    *NOTICE_FIELDS,
    "territory_id",
    "comparison_levels",
    "retention_months",
    "targets",
)
MAX_RETENTION_MONTHS = 240
TARGET_PUBLICS = ("jeune", "age", "autre")  # the keys of submissions.models.PUBLICS


def commune_targets(text: str) -> tuple[dict[str, int], list[str]]:
    """Lines « Tours : 200 » or « 37261 : 200 » as {insee_code: 200}, and every problem with its
    line number, in French. A commune is found by its INSEE code or its name (any case)."""
    from ..territory.models import Commune

    targets, errors = {}, []
    by_name = {}
    lines = [(number, line.strip()) for number, line in enumerate((text or "").splitlines(), 1)]
    if any(line for _, line in lines):
        for commune in db.session.scalars(select(Commune)):
            by_name[commune.name.casefold()] = commune.insee_code
            by_name[commune.insee_code] = commune.insee_code
    for number, line in lines:
        if not line:
            continue
        place, separator, count = line.rpartition(":")
        place, count = place.strip(), count.strip()
        if not separator or not place:
            errors.append(
                f"Ligne {number} : écrivez « commune : nombre », par exemple « Tours : 200 »."
            )
        elif place.casefold() not in by_name:
            errors.append(f"Ligne {number} : commune « {place} » inconnue.")
        elif not count.isdigit() or len(count) > 6:
            errors.append(f"Ligne {number} : « {count} » n'est pas un nombre de réponses.")
        else:
            targets[by_name[place.casefold()]] = int(count)
    return targets, errors


def commune_targets_text(study: Study) -> str:
    """The targets per commune as the settings page shows them, by name."""
    wanted = (study.targets or {}).get("communes", {})
    names = {
        commune.insee_code: commune.name for commune in territory.communes_by_code(wanted).values()
    }
    return "\n".join(f"{names.get(code, code)} : {count}" for code, count in wanted.items())


class SettingsInvalid(ValueError):
    """Every problem of a change, by field name, in French; nothing was changed."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(errors.values()))
        self.errors = errors


def notice_missing(study: Study) -> list[str]:
    """The headings of the RGPD notice left empty: each must be written before collecting."""
    return [label for name, label in NOTICE_FIELDS.items() if not getattr(study, name).strip()]


def _territory_state(study: Study) -> dict:
    return {
        "communes": sorted(commune.insee_code for commune in study.communes),
        "quartiers": sorted(quartier.id for quartier in study.quartiers),
    }


def check_settings(values: dict, commune_codes=(), quartier_ids=()) -> dict[str, str]:
    """Every problem of `values` (a subset of EDITABLE) and of the territory, by field name, in
    French: an empty name, an unknown kind or state, a year out of range, an unknown commune or
    quartier, a quartier whose commune is not in the territory."""
    errors = {}
    if "name" in values and not (values["name"] or "").strip():
        errors["name"] = "Indiquez le nom de l'étude."
    if "kind" in values and values["kind"] not in KIND_LABELS:
        errors["kind"] = "Type d'étude inconnu : choisissez-en un dans la liste."
    if "state" in values and values["state"] not in STATE_LABELS:
        errors["state"] = "État inconnu : choisissez-en un dans la liste."
    if "year" in values:
        year = values["year"]
        if not isinstance(year, int) or not 1900 <= year <= 2200:
            errors["year"] = "Indiquez l'année d'édition : un nombre entre 1900 et 2200."

    if values.get("territory_id") is not None and (
        db.session.get(Territory, values["territory_id"]) is None
    ):
        errors["territory_id"] = "Territoire inconnu : rechargez la page et choisissez à nouveau."
    if "comparison_levels" in values:
        wrong = [
            level for level in values["comparison_levels"] or [] if level not in COMPARISON_LEVELS
        ]
        if wrong:
            errors["comparison_levels"] = (
                "Niveau de comparaison inconnu : " + ", ".join(wrong) + "."
            )
    if values.get("retention_months") is not None:
        months = values["retention_months"]
        if not isinstance(months, int) or not 1 <= months <= MAX_RETENTION_MONTHS:
            errors["retention_months"] = (
                f"Indiquez une durée de conservation entre 1 et {MAX_RETENTION_MONTHS} mois."
            )
    targets = values.get("targets") or {}
    if any(
        not isinstance(count, int) or count < 0
        for group in ("publics", "communes")
        for count in (targets.get(group) or {}).values()
    ):
        errors["targets"] = "Un objectif est un nombre de réponses, 0 ou plus."

    communes = territory.communes_by_code(commune_codes)
    unknown = sorted(set(commune_codes) - set(communes))
    if unknown:
        errors["communes"] = "Commune inconnue : " + ", ".join(unknown) + "."
    quartiers = territory.quartiers_by_id(quartier_ids)
    outside = sorted(
        f"{quartier.name} ({quartier.commune.name})"
        for quartier in quartiers.values()
        if quartier.commune_code not in communes
    )
    if set(quartier_ids) - set(quartiers):
        errors["quartiers"] = "Quartier inconnu : rechargez la page et choisissez à nouveau."
    elif outside:
        errors["quartiers"] = (
            "Ces quartiers sont dans une commune hors du territoire de l'étude : "
            + ", ".join(outside)
            + ". Cochez aussi leur commune, ou décochez-les."
        )
    return errors


def update_settings(study: Study, values: dict, commune_codes=(), quartier_ids=(), by=None) -> dict:
    """Applies `values` (a subset of EDITABLE) and the territory. Returns the changed fields as
    {field: (before, after)} and writes one audit line with them; no change, no line. Raises
    SettingsInvalid (nothing changed) with every problem check_settings finds."""
    errors = check_settings(values, commune_codes, quartier_ids)
    if errors:
        raise SettingsInvalid(errors)
    communes = territory.communes_by_code(commune_codes)
    quartiers = territory.quartiers_by_id(quartier_ids)

    cleaned = {field: values[field] for field in EDITABLE if field in values}
    for field in ("name", "description", *NOTICE_FIELDS):
        if field in cleaned:
            cleaned[field] = (cleaned[field] or "").strip()
    if "comparison_levels" in cleaned:
        chosen = set(cleaned["comparison_levels"] or [])
        cleaned["comparison_levels"] = [level for level in COMPARISON_LEVELS if level in chosen]
    changes = {
        field: (getattr(study, field), value)
        for field, value in cleaned.items()
        if getattr(study, field) != value
    }
    before_territory = _territory_state(study)
    for field, (_, value) in changes.items():
        setattr(study, field, value)
    study.communes = sorted(communes.values(), key=lambda commune: commune.name)
    study.quartiers = sorted(quartiers.values(), key=lambda quartier: quartier.name)
    after_territory = _territory_state(study)
    for key in ("communes", "quartiers"):
        if before_territory[key] != after_territory[key]:
            changes[key] = (before_territory[key], after_territory[key])
    db.session.flush()
    if changes:
        record(
            "study",
            study.id,
            "settings",
            study=study,
            by=by,
            before={field: before for field, (before, _) in changes.items()},
            after={field: after for field, (_, after) in changes.items()},
        )
    return changes
