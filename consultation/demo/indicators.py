"""Demo indicators: a small file shaped like INSEE's and the CAF's publications for the demo's
communes, Tours Métropole, Indre-et-Loire, Centre-Val de Loire and France (illustrative figures,
as the file says), imported through the import of real files, described in the glossary, linked
to the codebook's themes, and the ABS study's territory and comparison levels."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from sqlalchemy import select

from analyse.indicator_files import read_indicator_file

from ..extensions import db
from ..indicators.models import Indicator
from ..indicators.services import import_indicator_table
from ..indicators.theme_links import set_theme_keys
from ..territory.models import Territory

DATA = Path(__file__).parent / "data" / "indicateurs_tours_metropole.csv"
CONTOURS = Path(__file__).parent / "data" / "contours_tours_metropole.geojson"
CONTOURS_SOURCE = "IGN, ADMIN EXPRESS (Licence Ouverte 2.0), simplifié"
LEVELS = {
    "COM": "commune",
    "EPCI": "epci",
    "DEP": "departement",
    "REG": "region",
    "FRANCE": "france",
}
EPCI_CODE = "243700754"
# code → glossary entry; each publication has its millésime.
GLOSSARY = {
    "PART_MEN_SANS_VOIT": {
        "label": "Part des ménages sans voiture",
        "definition": "Ménages ne disposant d'aucune voiture, rapportés à l'ensemble des ménages.",
        "numerator_label": "Ménages sans voiture",
        "denominator_label": "Ménages",
        "unit": "%",
        "source": "insee",
        "year": 2023,
        "update_frequency": "annuelle",
        "notes": "Recensement de la population (exploitation principale), publié trois ans après.",
        "themes": ["mobilite"],
    },
    "PART_75P_SEULS": {
        "label": "Part des personnes de 75 ans ou plus vivant seules",
        "definition": "Personnes de 75 ans ou plus vivant seules dans leur logement, rapportées "
        "aux personnes de 75 ans ou plus vivant en ménage.",
        "numerator_label": "Personnes de 75 ans ou plus vivant seules",
        "denominator_label": "Personnes de 75 ans ou plus en ménage",
        "unit": "%",
        "source": "insee",
        "year": 2023,
        "update_frequency": "annuelle",
        "notes": "Recensement de la population ; les personnes en EHPAD ne vivent pas en ménage.",
        "themes": ["isolement", "vieillissement"],
    },
    "PART_HLM": {
        "label": "Part des résidences principales HLM louées vides",
        "definition": "Résidences principales louées vides par un organisme HLM.",
        "unit": "%",
        "source": "insee",
        "year": 2023,
        "update_frequency": "annuelle",
        "themes": ["logement"],
    },
    "TX_PAUVRETE": {
        "label": "Taux de pauvreté au seuil de 60 %",
        "definition": "Part des personnes dont le niveau de vie est inférieur à 60 % du niveau "
        "de vie médian de France métropolitaine.",
        "unit": "%",
        "source": "insee",
        "year": 2021,
        "update_frequency": "annuelle",
        "notes": "Filosofi ; secret statistique sous 1 000 ménages fiscaux.",
        "themes": ["acces-droits", "alimentation", "logement"],
    },
    "NB_ALLOC_CAF": {
        "label": "Allocataires de la CAF",
        "definition": "Foyers percevant au moins une prestation de la CAF au 31 décembre.",
        "unit": "allocataires",
        "source": "caf",
        "year": 2024,
        "update_frequency": "annuelle",
        "themes": ["acces-droits"],
    },
    "PART_POP_COUV_RSA": {
        "label": "Part de la population couverte par le RSA",
        "definition": "Allocataires du RSA et leurs ayants droit, rapportés à la population.",
        "unit": "%",
        "source": "caf",
        "year": 2024,
        "update_frequency": "annuelle",
        "notes": "Valeur secrète sous 5 allocataires.",
        "themes": ["acces-droits", "emploi"],
    },
    "DENS_MED_GEN": {
        "label": "Médecins généralistes pour 10 000 habitants",
        "definition": "Médecins généralistes libéraux en activité, pour 10 000 habitants.",
        "unit": "pour 10 000 hab.",
        "source": "cpam",
        "year": 2024,
        "update_frequency": "annuelle",
        "themes": ["sante"],
    },
}


def seed_indicators() -> int:
    """Imports the demo file unless its indicators are there; returns the values imported."""
    if db.session.scalar(select(Indicator.id).where(Indicator.code.in_(GLOSSARY)).limit(1)):
        return 0
    lines = [line for line in DATA.read_text("utf-8").splitlines() if not line.startswith("#")]
    records = list(csv.DictReader(lines, delimiter=";"))
    imported = 0
    for nivgeo, level in LEVELS.items():
        rows = [record for record in records if record["NIVGEO"] == nivgeo]
        for year in sorted({entry["year"] for entry in GLOSSARY.values()}):
            columns = [code for code, entry in GLOSSARY.items() if entry["year"] == year]
            # One table per level and millésime, as INSEE and the CAF publish them.
            buffer = io.StringIO()
            writer = csv.writer(buffer, delimiter=";")
            writer.writerow(["CODGEO", "LIBGEO", *columns])
            for record in rows:
                writer.writerow([record["CODGEO"], record["LIBGEO"], *(record[c] for c in columns)])
            table = read_indicator_file(
                buffer.getvalue().encode("utf-8"),
                f"{nivgeo}-{year}.csv",
                "CODGEO",
                year=year,
                sep=";",
                level=level,
            )
            report = import_indicator_table(table)
            imported += sum(sum(count.counts.values()) for count in report.indicators)
    for code, entry in GLOSSARY.items():
        indicator = db.session.scalar(select(Indicator).where(Indicator.code == code))
        for field in ("label", "definition", "numerator_label", "denominator_label", "unit"):
            if field in entry:
                setattr(indicator, field, entry[field])
        indicator.source = entry["source"]
        indicator.update_frequency = entry["update_frequency"]
        indicator.notes = entry.get("notes", "")
        indicator.level = "commune"
        set_theme_keys(indicator, entry["themes"])
    _nest()
    _contours()
    db.session.flush()
    return imported


def _contours() -> None:
    """The outlines of Tours Métropole's communes, for the maps (imported as anyone would)."""
    from analyse.maps import read_contours

    from ..territory.contours import import_contours

    contours = read_contours(CONTOURS.read_bytes(), "commune")
    import_contours(contours, "commune", CONTOURS_SOURCE)


def _territory(level: str, code: str) -> Territory | None:
    return db.session.scalar(
        select(Territory).where(Territory.level == level, Territory.code == code)
    )


def _nest() -> None:
    """Communes in Tours Métropole, in Indre-et-Loire, in Centre-Val de Loire, in France."""
    epci = _territory("epci", EPCI_CODE)
    departement = _territory("departement", "37")
    region = _territory("region", "24")
    france = _territory("france", "FR")
    for commune in db.session.scalars(select(Territory).where(Territory.level == "commune")):
        if commune.code.startswith("37") and commune.parent_id is None:
            commune.parent = epci
    epci.parent, departement.parent, region.parent = departement, region, france


def set_study_territory(study) -> None:
    """The ABS study describes Tours Métropole, compared with the département, the région and
    France; left as it is when already chosen."""
    if study.territory_id is None:
        study.territory = _territory("epci", EPCI_CODE)
        study.comparison_levels = ["departement", "region", "france"]
        db.session.flush()
