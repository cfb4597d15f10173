"""Write the XLSForm fixtures of tests/data/ (run from the repository root:
`.venv/bin/python tests/data/xlsforms/make_fixtures.py`).

The forms are written the way their users write them: KoboToolbox exports (`$kuid`, `begin_group`,
`true`/`false()`), ODK templates (`begin_group`, nested groups, `selected()`), and an ABS
questionnaire of a CCAS in French and English. Files too big to commit (20 MB, zip bomb) are made
by the tests themselves.
"""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook

DATA = Path(__file__).resolve().parent.parent
FR = "Français (fr)"
EN = "English (en)"


def write(name: str, sheets: dict[str, list[list]]) -> Path:
    workbook = Workbook()
    workbook.remove(workbook.active)
    for title, rows in sheets.items():
        sheet = workbook.create_sheet(title)
        for row in rows:
            sheet.append(row)
    path = DATA / name
    workbook.save(path)
    return path


def table(headers: list[str], *rows: dict) -> list[list]:
    """Rows given as {header: value}: easier to read than positional lists."""
    return [headers] + [[row.get(header) for header in headers] for row in rows]


# --- 1. ABS questionnaire, French and English ---------------------------------------------------

ABS_SURVEY_HEADERS = [
    "type",
    "name",
    f"label::{FR}",
    f"label::{EN}",
    f"hint::{FR}",
    f"hint::{EN}",
    "required",
    f"required_message::{FR}",
    f"required_message::{EN}",
    "constraint",
    f"constraint_message::{FR}",
    f"constraint_message::{EN}",
    "relevant",
    "calculation",
    "choice_filter",
    "appearance",
    "default",
    "read_only",
    "parameters",
    "repeat_count",
]


def abs_questionnaire():
    def q(**cells):
        return {
            (
                "label::" + FR
                if key == "fr"
                else "label::" + EN
                if key == "en"
                else "hint::" + FR
                if key == "hint_fr"
                else "hint::" + EN
                if key == "hint_en"
                else "required_message::" + FR
                if key == "req_fr"
                else "required_message::" + EN
                if key == "req_en"
                else "constraint_message::" + FR
                if key == "cmsg_fr"
                else "constraint_message::" + EN
                if key == "cmsg_en"
                else key
            ): value
            for key, value in cells.items()
        }

    survey = table(
        ABS_SURVEY_HEADERS,
        q(
            type="note",
            name="intro",
            fr="Bonjour, le CCAS réalise l'analyse des besoins sociaux de la commune. Vos réponses sont anonymes.",
            en="Hello, the CCAS is surveying the social needs of the town. Your answers are anonymous.",
        ),
        q(
            type="begin group",
            name="profil",
            fr="Votre profil",
            en="Your profile",
            appearance="field-list",
        ),
        q(
            type="date",
            name="date_entretien",
            fr="Date de l'entretien",
            en="Interview date",
            required="yes",
            default="2025-03-18",
        ),
        q(
            type="integer",
            name="age",
            fr="Quel âge avez-vous ?",
            en="How old are you?",
            hint_fr="En années révolues",
            hint_en="In completed years",
            required="yes",
            req_fr="L'âge est nécessaire pour situer votre réponse.",
            req_en="Your age is needed to place your answer.",
            constraint=". >= 16 and . <= 110",
            cmsg_fr="L'enquête s'adresse aux personnes de 16 ans et plus.",
            cmsg_en="The survey is for people aged 16 and over.",
        ),
        q(
            type="calculate",
            name="public",
            calculation="if(${age} <= 25, 'jeune', if(${age} >= 60, 'age', 'autre'))",
        ),
        q(
            type="select_one commune",
            name="commune",
            fr="Commune de résidence",
            en="Town of residence",
            required="yes",
            appearance="minimal",
        ),
        q(
            type="select_one quartier",
            name="quartier",
            fr="Quartier",
            en="Neighbourhood",
            choice_filter="commune = ${commune}",
            relevant="${commune} != ''",
            hint_fr="Les quartiers proposés dépendent de la commune choisie.",
            hint_en="The neighbourhoods offered depend on the town.",
        ),
        q(
            type="text",
            name="code_postal",
            fr="Code postal",
            en="Postcode",
            read_only="yes",
            default="37000",
        ),
        q(
            type="select_one logement",
            name="logement",
            fr="Vous êtes…",
            en="You are…",
            required="yes",
        ),
        q(type="end group", name="profil"),
        q(type="begin group", name="foyer", fr="Votre foyer", en="Your household"),
        q(
            type="integer",
            name="nb_personnes",
            fr="Combien de personnes vivent dans votre foyer ?",
            en="How many people live in your household?",
            default="1",
            constraint=". >= 1 and . <= 15",
            cmsg_fr="Entre 1 et 15 personnes.",
            cmsg_en="Between 1 and 15 people.",
        ),
        q(
            type="begin repeat",
            name="membre",
            fr="Membre du foyer",
            en="Household member",
            repeat_count="${nb_personnes}",
        ),
        q(
            type="text",
            name="prenom_membre",
            fr="Prénom",
            en="First name",
            hint_fr="Un prénom ou une initiale suffit.",
            hint_en="A first name or initial is enough.",
        ),
        q(
            type="integer",
            name="age_membre",
            fr="Âge",
            en="Age",
            constraint=". >= 0 and . <= 120",
            cmsg_fr="Âge entre 0 et 120 ans.",
            cmsg_en="Age between 0 and 120.",
        ),
        q(type="select_one lien", name="lien", fr="Lien avec vous", en="Relationship to you"),
        q(type="end repeat"),
        q(type="calculate", name="nb_autres", calculation="${nb_personnes} - 1"),
        q(type="end group"),
        q(type="begin group", name="besoins", fr="Vos besoins", en="Your needs"),
        q(
            type="select_multiple aides",
            name="aides",
            fr="Quelles aides percevez-vous ?",
            en="Which benefits do you receive?",
            appearance="minimal",
            constraint="not(selected(., 'aucune') and count-selected(.) > 1)",
            cmsg_fr="« Aucune » ne peut pas être cochée avec une autre aide.",
            cmsg_en="“None” cannot be ticked with another benefit.",
        ),
        q(
            type="decimal",
            name="loyer",
            fr="Montant du loyer mensuel (€)",
            en="Monthly rent (€)",
            relevant="${logement} = 'locataire'",
            constraint=". >= 0",
            cmsg_fr="Le loyer ne peut pas être négatif.",
            cmsg_en="Rent cannot be negative.",
        ),
        q(
            type="range",
            name="satisfaction_services",
            fr="Êtes-vous satisfait des services du CCAS ? (1 : pas du tout, 5 : tout à fait)",
            en="Are you satisfied with the CCAS services? (1: not at all, 5: completely)",
            appearance="likert",
            parameters="start=1 end=5 step=1",
            required="yes",
        ),
        q(
            type="text",
            name="difficultes",
            fr="Quelles difficultés rencontrez-vous ?",
            en="What difficulties do you face?",
            appearance="multiline",
            relevant="${satisfaction_services} <= 2",
        ),
        q(
            type="text",
            name="suggestions",
            fr="Que faudrait-il améliorer dans votre quartier ?",
            en="What should be improved in your neighbourhood?",
            appearance="multiline",
        ),
        q(type="end group"),
        q(
            type="note",
            name="fin",
            fr="Merci pour votre participation.",
            en="Thank you for taking part.",
        ),
    )
    choices = table(
        ["list_name", "name", f"label::{FR}", f"label::{EN}", "commune"],
        {"list_name": "commune", "name": "37261", f"label::{FR}": "Tours", f"label::{EN}": "Tours"},
        {
            "list_name": "commune",
            "name": "37122",
            f"label::{FR}": "Joué-lès-Tours",
            f"label::{EN}": "Joué-lès-Tours",
        },
        {
            "list_name": "commune",
            "name": "37214",
            f"label::{FR}": "Saint-Cyr-sur-Loire",
            f"label::{EN}": "Saint-Cyr-sur-Loire",
        },
        *[
            {
                "list_name": "quartier",
                "name": name,
                f"label::{FR}": label,
                f"label::{EN}": label,
                "commune": commune,
            }
            for name, label, commune in [
                ("sanitas", "Sanitas", "37261"),
                ("rives_du_cher", "Rives du Cher", "37261"),
                ("europe", "Europe", "37261"),
                ("la_rabiere", "La Rabière", "37122"),
                ("morier", "Morier", "37122"),
                ("centre_saint_cyr", "Centre", "37214"),
            ]
        ],
        *[
            {"list_name": "logement", "name": name, f"label::{FR}": fr, f"label::{EN}": en}
            for name, fr, en in [
                ("proprietaire", "Propriétaire", "Owner"),
                ("locataire", "Locataire", "Tenant"),
                ("heberge", "Hébergé(e) par un proche", "Staying with family or friends"),
                ("sans_logement", "Sans logement", "Homeless"),
            ]
        ],
        *[
            {"list_name": "lien", "name": name, f"label::{FR}": fr, f"label::{EN}": en}
            for name, fr, en in [
                ("conjoint", "Conjoint(e)", "Partner"),
                ("enfant", "Enfant", "Child"),
                ("parent", "Parent", "Parent"),
                ("autre", "Autre", "Other"),
            ]
        ],
        *[
            {"list_name": "aides", "name": name, f"label::{FR}": fr, f"label::{EN}": en}
            for name, fr, en in [
                ("apl", "Aide au logement (APL)", "Housing benefit"),
                ("rsa", "RSA", "Minimum income (RSA)"),
                ("aah", "AAH", "Disability allowance (AAH)"),
                ("apa", "APA", "Personal autonomy allowance (APA)"),
                ("aucune", "Aucune", "None"),
            ]
        ],
    )
    settings = table(
        ["form_title", "form_id", "version", "default_language", "style", "instance_name"],
        {
            "form_title": "Analyse des besoins sociaux 2025 — habitants",
            "form_id": "abs_2025_habitants",
            "version": 2025031801,
            "default_language": FR,
            "style": "pages",
            "instance_name": "concat(${commune}, '-', ${age})",
        },
    )
    return write("abs_bilingue.xlsx", {"survey": survey, "choices": choices, "settings": settings})


# --- 2. KoboToolbox export -----------------------------------------------------------------------


def kobo_export():
    headers = [
        "type",
        "name",
        "label",
        "hint",
        "required",
        "relevant",
        "calculation",
        "appearance",
        "$kuid",
        "$autoname",
    ]
    rows = [
        {"type": "start", "name": "start", "$kuid": "a1b2c3", "$autoname": "start"},
        {"type": "end", "name": "end", "$kuid": "d4e5f6", "$autoname": "end"},
        {"type": "today", "name": "today", "$kuid": "g7h8i9", "$autoname": "today"},
        {"type": "deviceid", "name": "deviceid", "$kuid": "j0k1l2", "$autoname": "deviceid"},
        {
            "type": "note",
            "name": None,
            "label": "Enquête seniors 60 ans et plus — CCAS",
            "$kuid": "m3n4o5",
            "$autoname": "Enqu_te_seniors",
        },
        {
            "type": "begin_group",
            "name": "isolement",
            "label": "Isolement",
            "$kuid": "p6q7r8",
            "$autoname": "isolement",
        },
        {
            "type": "select_one yes_no",
            "name": "vit_seul",
            "label": "Vivez-vous seul(e) ?",
            "required": "true",
            "$kuid": "s9t0u1",
            "$autoname": "vit_seul",
        },
        {
            "type": "integer",
            "name": "visites_semaine",
            "label": "Combien de visites recevez-vous par semaine ?",
            "required": "false()",
            "relevant": "${vit_seul} = 'yes'",
            "hint": "Famille, amis, voisins, aides à domicile",
            "$kuid": "v2w3x4",
            "$autoname": "visites_semaine",
        },
        {
            "type": "select_multiple activites",
            "name": "activites",
            "label": "Quelles activités pratiquez-vous ?",
            "required": "false",
            "appearance": "minimal",
            "$kuid": "y5z6a7",
            "$autoname": "activites",
        },
        {
            "type": "calculate",
            "name": "isole",
            "calculation": "if(${vit_seul} = 'yes' and ${visites_semaine} < 2, 1, 0)",
            "$kuid": "b8c9d0",
            "$autoname": "isole",
        },
        {"type": "end_group", "$kuid": "e1f2g3"},
        {
            "type": "text",
            "name": "commentaire",
            "label": "Souhaitez-vous ajouter quelque chose ?",
            "appearance": "multiline",
            "required": "false",
            "$kuid": "h4i5j6",
            "$autoname": "commentaire",
        },
    ]
    choices = table(
        ["list_name", "name", "label", "$kuid", "$autovalue"],
        {
            "list_name": "yes_no",
            "name": "yes",
            "label": "Oui",
            "$kuid": "k7l8",
            "$autovalue": "yes",
        },
        {"list_name": "yes_no", "name": "no", "label": "Non", "$kuid": "m9n0", "$autovalue": "no"},
        {
            "list_name": "activites",
            "name": "club",
            "label": "Club des aînés",
            "$kuid": "o1p2",
            "$autovalue": "club",
        },
        {
            "list_name": "activites",
            "name": "sport",
            "label": "Activité physique adaptée",
            "$kuid": "q3r4",
            "$autovalue": "sport",
        },
        {
            "list_name": "activites",
            "name": "benevolat",
            "label": "Bénévolat",
            "$kuid": "s5t6",
            "$autovalue": "benevolat",
        },
    )
    settings = table(
        ["form_title", "version"],
        {"form_title": "Seniors — isolement", "version": "vQx3bLk9rT2aHcP5"},
    )
    return write(
        "kobo_seniors.xlsx",
        {"survey": table(headers, *rows), "choices": choices, "settings": settings},
    )


# --- 3. ODK template ------------------------------------------------------------------------------


def odk_form():
    headers = [
        "type",
        "name",
        f"label::{EN}",
        f"label::{FR}",
        f"hint::{EN}",
        f"hint::{FR}",
        "relevant",
        "constraint",
        "calculation",
        "appearance",
        f"guidance_hint::{EN}",
        "required",
    ]
    rows = [
        {
            "type": "begin_group",
            "name": "jeunes",
            f"label::{EN}": "Young people (16-25)",
            f"label::{FR}": "Jeunes (16-25 ans)",
            "appearance": "field-list",
        },
        {
            "type": "select_multiple situation",
            "name": "situation",
            f"label::{EN}": "What is your situation?",
            f"label::{FR}": "Quelle est votre situation ?",
            f"hint::{EN}": "Tick all that apply",
            f"hint::{FR}": "Cochez tout ce qui s'applique",
            "required": "yes",
        },
        {
            "type": "begin_group",
            "name": "etudes",
            f"label::{EN}": "Studies",
            f"label::{FR}": "Études",
            "relevant": "selected(${situation}, 'etudiant')",
        },
        {
            "type": "select_one niveau",
            "name": "niveau",
            f"label::{EN}": "Level of study",
            f"label::{FR}": "Niveau d'études",
            f"guidance_hint::{EN}": "Read the options aloud",
        },
        {
            "type": "select_one yes_no",
            "name": "bourse",
            f"label::{EN}": "Do you have a grant?",
            f"label::{FR}": "Avez-vous une bourse ?",
        },
        {"type": "end_group"},
        {
            "type": "integer",
            "name": "nb_situations",
            f"label::{EN}": "Number of situations",
            f"label::{FR}": "Nombre de situations",
            "calculation": None,
            "constraint": ". = count-selected(${situation})",
            "relevant": "count-selected(${situation}) > 1",
        },
        {
            "type": "geopoint",
            "name": "lieu",
            f"label::{EN}": "Where are you?",
            f"label::{FR}": "Où êtes-vous ?",
        },
        {
            "type": "select_one_from_file quartiers.csv",
            "name": "quartier_csv",
            f"label::{EN}": "Neighbourhood",
            f"label::{FR}": "Quartier",
        },
        {
            "type": "calculate",
            "name": "emploi",
            "calculation": "if(selected(${situation}, 'emploi'), 'oui', 'non')",
        },
        {"type": "end_group"},
    ]
    choices = table(
        ["list_name", "name", f"label::{EN}", f"label::{FR}"],
        *[
            {"list_name": list_name, "name": name, f"label::{EN}": en, f"label::{FR}": fr}
            for list_name, name, en, fr in [
                ("situation", "etudiant", "Student", "Étudiant(e)"),
                ("situation", "emploi", "In work", "En emploi"),
                ("situation", "recherche", "Looking for work", "En recherche d'emploi"),
                ("situation", "autre", "Other", "Autre"),
                ("niveau", "lycee", "Secondary school", "Lycée"),
                ("niveau", "bts", "Vocational (BTS, BUT)", "BTS, BUT"),
                ("niveau", "licence", "Bachelor", "Licence"),
                ("niveau", "master", "Master or more", "Master ou plus"),
                ("yes_no", "yes", "Yes", "Oui"),
                ("yes_no", "no", "No", "Non"),
            ]
        ],
    )
    settings = table(
        ["form_title", "form_id", "default_language"],
        {"form_title": "Youth survey", "form_id": "jeunes_odk", "default_language": EN},
    )
    return write(
        "odk_jeunes.xlsx",
        {"survey": table(headers, *rows), "choices": choices, "settings": settings},
    )


# --- 4. Bad input, one file per case --------------------------------------------------------------

SMALL_HEADERS = ["type", "name", "label", "relevant", "constraint", "calculation", "default"]


def small(name: str, rows: list[dict], choices: list[dict] | None = None, survey_title="survey"):
    sheets = {survey_title: table(SMALL_HEADERS, *rows)}
    if choices is not None:
        sheets["choices"] = table(["list_name", "name", "label"], *choices)
    return write(name, sheets)


YES_NO = [
    {"list_name": "oui_non", "name": "oui", "label": "Oui"},
    {"list_name": "oui_non", "name": "non", "label": "Non"},
]


def bad_inputs():
    small(
        "bad_missing_survey.xlsx",
        [{"type": "integer", "name": "age", "label": "Âge"}],
        YES_NO,
        survey_title="questions",
    )
    small(
        "bad_unknown_type.xlsx",
        [
            {"type": "integer", "name": "age", "label": "Âge"},
            {"type": "intger", "name": "enfants", "label": "Nombre d'enfants"},
            {"type": "photo_booth", "name": "portrait", "label": "Portrait"},
        ],
    )
    small(
        "bad_duplicate_names.xlsx",
        [
            {"type": "integer", "name": "age", "label": "Votre âge"},
            {"type": "begin group", "name": "conjoint", "label": "Votre conjoint"},
            {"type": "integer", "name": "age", "label": "Âge du conjoint"},
            {"type": "end group"},
        ],
    )
    small(
        "bad_invalid_names.xlsx",
        [
            {"type": "integer", "name": "1age", "label": "Âge"},
            {"type": "text", "name": "nom prénom", "label": "Nom"},
            {"type": "text", "name": None, "label": "Commentaire"},
        ],
    )
    small(
        "bad_unbalanced_groups.xlsx",
        [
            {"type": "begin group", "name": "profil", "label": "Profil"},
            {"type": "integer", "name": "age", "label": "Âge"},
            {"type": "end repeat"},
            {"type": "begin repeat", "name": "enfants", "label": "Enfants"},
            {"type": "text", "name": "prenom", "label": "Prénom"},
        ],
    )
    small(
        "bad_relevance_cycle.xlsx",
        [
            {"type": "integer", "name": "age", "label": "Âge", "relevant": "${revenu} > 0"},
            {"type": "decimal", "name": "revenu", "label": "Revenu", "relevant": "${age} >= 18"},
        ],
    )
    small(
        "bad_unknown_reference.xlsx",
        [
            {"type": "integer", "name": "age", "label": "Âge"},
            {"type": "text", "name": "metier", "label": "Métier", "relevant": "${agee} >= 18"},
        ],
    )
    small(
        "bad_expression_syntax.xlsx",
        [
            {"type": "integer", "name": "age", "label": "Âge", "constraint": ". >= and . < 120"},
        ],
    )
    small(
        "bad_formula_label.xlsx",
        [
            {
                "type": "note",
                "name": "site",
                "label": '=HYPERLINK("https://www.ccas-exemple.fr", "Site du CCAS")',
            },
            {"type": "integer", "name": "age", "label": "Âge", "default": "=1+1"},
        ],
    )
    small(
        "bad_missing_list.xlsx",
        [
            {"type": "select_one oui_non", "name": "seul", "label": "Vivez-vous seul ?"},
            {"type": "select_one frequence", "name": "sorties", "label": "Sortez-vous souvent ?"},
        ],
        YES_NO,
    )
    small(
        "bad_missing_choices_sheet.xlsx",
        [
            {"type": "select_one oui_non", "name": "seul", "label": "Vivez-vous seul ?"},
        ],
    )
    valid = (DATA / "abs_bilingue.xlsx").read_bytes()
    (DATA / "bad_corrupt.xlsx").write_bytes(valid[: len(valid) // 2])
    (DATA / "bad_not_xlsx.xlsx").write_text("type;name;label\ninteger;age;Âge\n", encoding="utf-8")


if __name__ == "__main__":
    abs_questionnaire()
    kobo_export()
    odk_form()
    bad_inputs()
