"""Twelve XLSForms written the way field teams write them, built in memory (see README.md).

Each function returns the sheets of one workbook as rows (the header row first), laid out as they
are in the spreadsheet: a diff of this file reads like a diff of the forms. `form_bytes(name)`
turns them into an .xlsx; the same name always gives the same workbook.

What they cover, between them: a French household survey (groups, a repeat of the members,
chained calculations, `indexed-repeat`, `position(..)`, `once(today())`), nested repeats (members
→ their jobs, `count(${membre}[travaille = 'oui'])`), cascading selects through `choice_filter`,
`select_one_external` with an `external_choices` sheet, choice names with spaces, Excel formula
cells saved with their value, four languages (`label::Français (fr)`…, hints and messages), the
`settings` sheet, constraints with messages, relevance on groups, `or_other`, notes, the ODK types
we only keep (geopoint, image, barcode, trigger…), `required_message`, appearances (field-list,
minimal, likert, table-list), the `trigger` column, `jr:choice-name`, an ODK Central `entities` sheet, and one form of more than
500 rows.
`select_one_from_file` is left to its own tests.

Run as a script (`.venv/bin/python tests/data/xlsforms/real_forms.py DESTINATION`) it writes the
.xlsx files, to open them in Excel, LibreOffice or pyxform by hand.
"""

from __future__ import annotations

import datetime
import io
import re
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape

from openpyxl import Workbook

FR = "Français (fr)"
EN = "English (en)"
ES = "Español (es)"
AR = "العربية (ar)"


@dataclass(frozen=True)
class Formula:
    """An Excel formula and the value Excel saved with it (openpyxl writes formulas without)."""

    text: str
    cached: str | int


# One spreadsheet row per line, as in Excel: the formatter would fold them one cell per line.
# fmt: off

# --- 1. Household survey of a CCAS, in French ------------------------------------------------


def menage_fr():
    survey = [
        ["type", "name", "label", "hint", "required", "required_message", "constraint", "constraint_message", "relevant", "calculation", "choice_filter", "appearance", "repeat_count", "default"],
        ["start", "debut"],
        ["end", "fin_saisie"],
        ["deviceid", "tablette"],
        ["calculate", "date_enquete", None, None, None, None, None, None, None, "once(today())"],
        ["note", "intro", "Bonjour, je travaille pour le CCAS de Joué-lès-Tours. Nous réalisons l'analyse des besoins sociaux : vos réponses restent anonymes."],
        ["begin group", "identification", "Identification du logement", None, None, None, None, None, None, None, None, "field-list"],
        ["text", "code_logement", "Code du logement", "Deux lettres puis quatre chiffres, sur la fiche adresse (ex. : JT0412)", "yes", "Le code du logement permet de ne pas interroger deux fois le même ménage.", "regex(., '^[A-Z]{2}[0-9]{4}$')", "Le code a deux lettres majuscules puis quatre chiffres."],
        ["select_one quartiers", "quartier", "Quartier", None, "yes", None, None, None, None, None, None, "minimal"],
        ["geopoint", "position_logement", "Position du logement", "Attendez que la précision soit inférieure à 10 m."],
        ["end group"],
        ["integer", "nb_personnes", "Combien de personnes vivent habituellement dans ce logement, vous compris ?", None, "yes", "Sans le nombre de personnes, la liste des membres ne peut pas être remplie.", ". >= 1 and . <= 15", "Entre 1 et 15 personnes : au-delà, remplissez une fiche papier."],
        ["begin repeat", "membres", "Membre du ménage", None, None, None, None, None, None, None, None, "field-list", "${nb_personnes}"],
        ["calculate", "rang", None, None, None, None, None, None, None, "position(..)"],
        ["text", "prenom", "Prénom de la personne n° ${rang}", "Un prénom ou des initiales suffisent.", "yes"],
        ["select_one lien", "lien", "Lien avec la personne de référence", None, "yes", None, None, None, "${rang} > 1"],
        ["select_one sexe", "sexe", "Sexe", None, None, None, None, None, None, None, None, "minimal"],
        ["integer", "age", "Âge de ${prenom}", "En années révolues", "yes", None, ". >= 0 and . <= 110", "Un âge entre 0 et 110 ans."],
        ["select_one activite", "activite", "Situation de ${prenom}", None, None, None, None, None, "${age} >= 16"],
        ["calculate", "est_enfant", None, None, None, None, None, None, None, "if(${age} < 14, 1, 0)"],
        ["end repeat"],
        ["calculate", "nb_enfants", None, None, None, None, None, None, None, "sum(${est_enfant})"],
        ["calculate", "nb_adultes", None, None, None, None, None, None, None, "${nb_personnes} - ${nb_enfants}"],
        ["calculate", "unites_conso", None, None, None, None, None, None, None, "1 + 0.5 * (${nb_adultes} - 1) + 0.3 * ${nb_enfants}"],
        ["calculate", "prenom_reference", None, None, None, None, None, None, None, "indexed-repeat(${prenom}, ${membres}, 1)"],
        ["calculate", "age_reference", None, None, None, None, None, None, None, "indexed-repeat(${age}, ${membres}, 1)"],
        ["begin repeat", "sante", "Santé de ${prenom_membre}", None, None, None, None, None, None, None, None, None, "count(${membres})"],
        ["calculate", "prenom_membre", None, None, None, None, None, None, None, "indexed-repeat(${prenom}, ${membres}, position(..))"],
        ["select_one oui_non", "renoncement", "${prenom_membre} a-t-il ou elle renoncé à des soins cette année ?"],
        ["end repeat"],
        ["begin group", "logement", "Le logement", None, None, None, None, None, "${nb_personnes} >= 1"],
        ["select_one statut", "statut", "Le ménage est…", None, "yes"],
        ["decimal", "loyer", "Loyer mensuel, charges comprises (€)", None, None, None, ". > 0 and . < 5000", "Un loyer entre 0 et 5 000 €.", "${statut} = 'locataire_hlm' or ${statut} = 'locataire_prive'"],
        ["decimal", "revenus", "Revenus mensuels du ménage (€)", "Salaires, pensions et prestations, avant impôt", None, None, ". >= 0", "Les revenus ne peuvent pas être négatifs."],
        ["calculate", "reste_par_uc", None, None, None, None, None, None, None, "round((${revenus} - coalesce(${loyer}, 0)) div ${unites_conso}, 2)"],
        ["note", "note_reste", "Reste à vivre par unité de consommation : ${reste_par_uc} €", None, None, None, None, None, "${revenus} != ''"],
        ["end group"],
        ["begin group", "quartier_vie", "Vivre dans le quartier", None, None, None, None, None, None, None, None, "field-list"],
        ["select_one satisfaction", "proprete", "Propreté des rues", None, None, None, None, None, None, None, None, "likert"],
        ["select_one satisfaction", "securite", "Sentiment de sécurité", None, None, None, None, None, None, None, None, "likert"],
        ["select_one satisfaction", "transports", "Desserte en transports", None, None, None, None, None, None, None, None, "likert"],
        ["end group"],
        ["date", "arrivee", "Depuis quand habitez-vous ce logement ?", None, None, None, ". <= today()", "La date ne peut pas être dans le futur."],
        ["text", "commentaire", "Souhaitez-vous ajouter quelque chose ?", None, None, None, None, None, None, None, None, "multiline"],
        ["note", "merci", "Merci ${prenom_reference} pour votre temps."],
    ]
    choices = [
        ["list_name", "name", "label"],
        ["quartiers", "centre", "Centre-ville"],
        ["quartiers", "rabiere", "La Rabière"],
        ["quartiers", "morier", "Le Morier"],
        ["quartiers", "alouette", "L'Alouette"],
        ["lien", "conjoint", "Conjoint·e"],
        ["lien", "enfant", "Enfant"],
        ["lien", "parent", "Parent"],
        ["lien", "autre", "Autre lien"],
        ["sexe", "f", "Femme"],
        ["sexe", "h", "Homme"],
        ["activite", "emploi", "En emploi"],
        ["activite", "chomage", "Au chômage"],
        ["activite", "etudes", "En études"],
        ["activite", "retraite", "À la retraite"],
        ["activite", "foyer", "Au foyer"],
        ["oui_non", "oui", "Oui"],
        ["oui_non", "non", "Non"],
        ["statut", "proprietaire", "Propriétaire"],
        ["statut", "locataire_hlm", "Locataire HLM"],
        ["statut", "locataire_prive", "Locataire du parc privé"],
        ["statut", "heberge", "Hébergé"],
        ["satisfaction", 1, "Très insatisfait"],
        ["satisfaction", 2, "Insatisfait"],
        ["satisfaction", 3, "Satisfait"],
        ["satisfaction", 4, "Très satisfait"],
    ]
    settings = [
        ["form_title", "form_id", "version", "style", "instance_name"],
        ["Enquête ménages — ABS 2026 Joué-lès-Tours", "abs_menages_2026", "2026031501", "pages", "concat('menage-', ${code_logement})"],
    ]
    return {"survey": survey, "choices": choices, "settings": settings}


# --- 2. Nested repeats: the members, then each member's jobs --------------------------------


def emplois_imbriques():
    survey = [
        ["type", "name", "label", "hint", "required", "constraint", "constraint_message", "relevant", "calculation", "repeat_count", "appearance"],
        ["integer", "nb_membres", "Nombre de personnes de 14 ans et plus dans le ménage", None, "yes", ". > 0 and . < 12", "Entre 1 et 11 personnes."],
        ["begin repeat", "membre", "Personne", None, None, None, None, None, None, "${nb_membres}"],
        ["text", "nom_membre", "Prénom", None, "yes"],
        ["integer", "age_membre", "Âge de ${nom_membre}", None, "yes", ". >= 14", "Seules les personnes de 14 ans et plus sont interrogées."],
        ["select_one oui_non", "travaille", "${nom_membre} a-t-il ou elle travaillé la semaine dernière, ne serait-ce qu'une heure ?"],
        ["integer", "nb_emplois", "Combien d'emplois ${nom_membre} occupe-t-il ou elle ?", None, None, ". >= 1 and . <= 5", "Entre 1 et 5 emplois.", "${travaille} = 'oui'"],
        ["begin repeat", "emploi", "Emploi", None, None, None, None, "${travaille} = 'oui'", None, "${nb_emplois}", "field-list"],
        ["calculate", "rang_emploi", None, None, None, None, None, None, "position(..)"],
        ["text", "employeur", "Employeur de l'emploi n° ${rang_emploi} de ${nom_membre}"],
        ["select_one contrat", "contrat", "Type de contrat", None, "yes", None, None, None, None, None, "minimal"],
        ["decimal", "heures", "Heures travaillées par semaine", "Heures habituelles, pas celles de la semaine dernière", None, ". > 0 and . <= 70", "Entre 0 et 70 heures par semaine."],
        ["decimal", "salaire", "Salaire net mensuel de cet emploi (€)", None, None, ". >= 0", "Un salaire ne peut pas être négatif.", "${contrat} != 'benevole'"],
        ["end repeat"],
        ["calculate", "heures_membre", None, None, None, None, None, None, "sum(${heures})"],
        ["calculate", "nb_emplois_saisis", None, None, None, None, None, None, "count(${emploi})"],
        ["note", "recap_membre", "${nom_membre} : ${nb_emplois_saisis} emploi(s), ${heures_membre} h par semaine", None, None, None, None, "${travaille} = 'oui'"],
        ["end repeat"],
        ["calculate", "total_heures", None, None, None, None, None, None, "sum(${heures_membre})"],
        ["calculate", "nb_actifs", None, None, None, None, None, None, "count(${membre}[travaille = 'oui'])"],
        ["calculate", "premier_employeur", None, None, None, None, None, None, "indexed-repeat(${employeur}, ${membre}, 1, ${emploi}, 1)"],
        ["calculate", "salaire_max", None, None, None, None, None, None, "max(${salaire})"],
        ["note", "recap", "Le ménage travaille ${total_heures} h par semaine ; premier employeur cité : ${premier_employeur}."],
    ]
    choices = [
        ["list_name", "name", "label"],
        ["oui_non", "oui", "Oui"],
        ["oui_non", "non", "Non"],
        ["contrat", "cdi", "CDI"],
        ["contrat", "cdd", "CDD"],
        ["contrat", "interim", "Intérim"],
        ["contrat", "independant", "Indépendant"],
        ["contrat", "benevole", "Bénévole"],
    ]
    settings = [["form_title", "form_id", "version"], ["Emplois des membres du ménage", "emplois_menage", "3"]]
    return {"survey": survey, "choices": choices, "settings": settings}


# --- 3. Cascading selects: région → département → commune -----------------------------------


def cascade_territoire():
    survey = [
        ["type", "name", "label", "required", "choice_filter", "relevant", "calculation", "appearance", "$kuid"],
        ["begin_group", "territoire", "Où habitez-vous ?", None, None, None, None, "field-list", "a1b2"],
        ["select_one region", "region", "Région", "true", None, None, None, "minimal", "c3d4"],
        ["select_one departement", "departement", "Département", "true", "region=${region}", None, None, "minimal", "e5f6"],
        ["select_one commune", "commune", "Commune", "true", "departement=${departement} and taille != 'hameau'", None, None, "minimal", "g7h8"],
        ["select_multiple equipement", "equipements", "Équipements utilisés", "false", "selected(${commune}, commune) or commune = 'toutes'", None, None, None, "i9j0"],
        ["end_group", None, None, None, None, None, None, None, "k1l2"],
        ["calculate", "nom_commune", None, None, None, None, "jr:choice-name(${commune}, '${commune}')", None, "m3n4"],
        ["note", "confirmation", "Vous habitez ${nom_commune} (${departement}).", None, None, "${commune} != ''", None, None, "o5p6"],
    ]
    choices = [
        ["list_name", "name", "label", "region", "departement", "taille", "commune"],
        ["region", "cvl", "Centre-Val de Loire"],
        ["region", "pdl", "Pays de la Loire"],
        ["departement", 37, "Indre-et-Loire", "cvl"],
        ["departement", 41, "Loir-et-Cher", "cvl"],
        ["departement", 49, "Maine-et-Loire", "pdl"],
        ["commune", 37261, "Tours", None, 37, "ville"],
        ["commune", 37122, "Joué-lès-Tours", None, 37, "ville"],
        ["commune", 37233, "Saint-Pierre-des-Corps", None, 37, "ville"],
        ["commune", 37047, "Cangey", None, 37, "hameau"],
        ["commune", 41018, "Blois", None, 41, "ville"],
        ["commune", 41269, "Vendôme", None, 41, "ville"],
        ["commune", 49007, "Angers", None, 49, "ville"],
        ["commune", 49328, "Saumur", None, 49, "ville"],
        ["equipement", "mediatheque_tours", "Médiathèque François-Mitterrand", None, None, None, "37261"],
        ["equipement", "piscine_joue", "Piscine Bulle d'O", None, None, None, "37122"],
        ["equipement", "centre_social", "Centre social", None, None, None, "toutes"],
        ["equipement", "ccas", "CCAS", None, None, None, "toutes"],
    ]
    settings = [["form_title", "form_id", "version", "default_language"], ["Cascade territoire", "cascade_territoire", "2026-02", "French (fr)"]]
    return {"survey": survey, "choices": choices, "settings": settings}


# --- 4. select_one_external with an external_choices sheet -----------------------------------


def communes_externes():
    survey = [
        ["type", "name", "label::French (fr)", "label::English (en)", "required", "choice_filter", "relevant", "calculation"],
        ["select_one departements", "departement", "Département de résidence", "County of residence", "yes"],
        ["select_one_external communes", "commune", "Commune de résidence", "Town of residence", "yes", "departement=${departement}"],
        ["select_one_external iris", "iris", "Quartier (IRIS)", "Neighbourhood (IRIS)", "no", "commune=${commune}", "${departement} = '37'"],
        ["calculate", "libelle_commune", None, None, None, None, None, "jr:choice-name(${commune}, '${commune}')"],
        ["text", "precision", "Précisez votre adresse si besoin", "Add your address if needed", "no", None, "${iris} = ''"],
    ]
    choices = [
        ["list_name", "name", "label::French (fr)", "label::English (en)"],
        ["departements", "37", "Indre-et-Loire", "Indre-et-Loire"],
        ["departements", "41", "Loir-et-Cher", "Loir-et-Cher"],
    ]
    external = [
        ["list_name", "name", "label::French (fr)", "label::English (en)", "departement", "commune"],
        ["communes", "37261", "Tours", "Tours", "37"],
        ["communes", "37122", "Joué-lès-Tours", "Joué-lès-Tours", "37"],
        ["communes", "37195", "La Riche", "La Riche", "37"],
        ["communes", "41018", "Blois", "Blois", "41"],
        ["iris", "372610101", "Tours Centre", "Tours Centre", None, "37261"],
        ["iris", "372610102", "Tours Sanitas", "Tours Sanitas", None, "37261"],
        ["iris", "371220101", "Joué Rabière", "Joué Rabière", None, "37122"],
    ]
    settings = [["form_title", "form_id", "default_language", "version"], ["Lieu de résidence", "lieu_residence", "French (fr)", "1"]]
    return {"survey": survey, "choices": choices, "external_choices": external, "settings": settings}


# --- 5. Choice names with spaces, as Kobo users type them ------------------------------------


def choix_avec_espaces():
    survey = [
        ["type", "name", "label", "required", "relevant", "calculation", "constraint", "constraint_message"],
        ["select_one quartier", "quartier", "Dans quel quartier habitez-vous ?", "yes"],
        ["text", "rue", "Nom de votre rue", None, "${quartier} = 'centre ville'"],
        ["select_one frequence", "frequence", "À quelle fréquence venez-vous au centre social ?", "yes", "not(selected(${quartier}, 'hors commune'))"],
        ["select_multiple activites", "activites", "Quelles activités pratiquez-vous ?", None, "${frequence} != 'jamais'", None, "not(selected(., 'aucune') and count-selected(.) > 1)", "« Aucune » ne se coche pas avec une autre activité."],
        ["calculate", "premiere_activite", None, None, None, "selected-at(${activites}, 0)"],
        ["text", "pourquoi_pas", "Qu'est-ce qui vous empêche de venir ?", None, "${frequence} = 'jamais' or ${quartier} = 'hors commune'"],
    ]
    choices = [
        ["list_name", "name", "label"],
        ["quartier", "centre ville", "Centre-ville"],
        ["quartier", "la riche plage", "La Riche Plage"],
        ["quartier", "saint cosme", "Saint-Cosme"],
        ["quartier", "hors commune", "Hors de la commune"],
        ["frequence", "chaque semaine", "Chaque semaine"],
        ["frequence", "chaque mois", "Chaque mois"],
        ["frequence", "jamais", "Jamais"],
        ["activites", "couture", "Atelier couture"],
        ["activites", "francais", "Cours de français"],
        ["activites", "aide_devoirs", "Aide aux devoirs"],
        ["activites", "aucune", "Aucune"],
    ]
    settings = [["form_title", "form_id"], ["Fréquentation du centre social", "centre_social_frequentation"]]
    return {"survey": survey, "choices": choices, "settings": settings}


# --- 6. Excel formula cells, saved with their value ------------------------------------------


def formules_excel():
    """Teams build long lists with formulas: choice names numbered by ROW(), labels made with
    CONCATENATE, names cleaned with LOWER/SUBSTITUTE, the version stamped by TEXT(NOW())."""
    survey = [
        ["type", "name", "label", "hint", "relevant"],
        ["text", Formula('=LOWER(SUBSTITUTE("Nom Enqueteur"," ","_"))', "nom_enqueteur"), "Nom de l'enquêteur ou de l'enquêtrice"],
        ["select_one tranche", "tranche_age", Formula('=CONCATENATE("Tranche d","\'","âge")', "Tranche d'âge"), Formula('=CONCATENATE("Choisir ",5," tranches au plus")', "Choisir 5 tranches au plus")],
        ["integer", "nb_visites", "Nombre de visites au CCAS cette année", None, Formula('="${tranche_age} != "&"\'"&"1"&"\'"', "${tranche_age} != '1'")],
    ]
    choices = [
        ["list_name", "name", "label"],
        ["tranche", Formula("=ROW()-1", 1), Formula('=CONCATENATE("Moins de ",25," ans")', "Moins de 25 ans")],
        [Formula("=A2", "tranche"), Formula("=ROW()-1", 2), "25 à 39 ans"],
        [Formula("=A3", "tranche"), Formula("=ROW()-1", 3), "40 à 59 ans"],
        [Formula("=A4", "tranche"), Formula("=ROW()-1", 4), "60 à 74 ans"],
        [Formula("=A5", "tranche"), Formula("=ROW()-1", 5), "75 ans et plus"],
    ]
    settings = [
        ["form_title", "form_id", "version"],
        ["Accueil du CCAS", "accueil_ccas", Formula('=TEXT(NOW(),"yyyymmddhhmm")', "202603151030")],
    ]
    return {"survey": survey, "choices": choices, "settings": settings}


# --- 7. Four languages, hints and messages in each -------------------------------------------


def quatre_langues():
    survey = [
        ["type", "name", f"label::{FR}", f"label::{EN}", f"label::{ES}", f"label::{AR}", f"hint::{FR}", f"hint::{EN}", "required", f"required_message::{FR}", f"required_message::{EN}", "constraint", f"constraint_message::{FR}", f"constraint_message::{EN}", f"constraint_message::{AR}", "relevant", f"guidance_hint::{FR}", f"media::image::{FR}"],
        ["note", "bienvenue", "Bienvenue au point d'accueil des droits.", "Welcome to the rights desk.", "Bienvenido al punto de acceso a los derechos.", "مرحبا بكم في مكتب الحقوق.", None, None, None, None, None, None, None, None, None, None, None, "accueil.png"],
        ["select_one langue", "langue_entretien", "Langue de l'entretien", "Interview language", "Idioma de la entrevista", "لغة المقابلة", None, None, "yes", "Choisissez la langue de l'entretien.", "Choose the interview language."],
        ["integer", "age", "Quel âge avez-vous ?", "How old are you?", "¿Qué edad tiene?", "كم عمرك؟", "En années", "In years", "yes", "L'âge est obligatoire.", "Age is required.", ". >= 16 and . < 120", "Au moins 16 ans.", "At least 16.", "16 سنة على الأقل.", None, "Demandez l'année de naissance si la personne hésite."],
        ["select_multiple droits", "droits", "Quelles aides avez-vous demandées ?", "Which benefits have you applied for?", "¿Qué ayudas ha solicitado?", "ما هي المساعدات التي طلبتها؟", "Plusieurs réponses possibles", "Several answers possible"],
        ["text", "difficulte", "Qu'est-ce qui a été difficile ?", "What was difficult?", "¿Qué fue difícil?", None, None, None, None, None, None, None, None, None, None, "count-selected(${droits}) > 0"],
    ]
    choices = [
        ["list_name", "name", f"label::{FR}", f"label::{EN}", f"label::{ES}", f"label::{AR}"],
        ["langue", "fr", "Français", "French", "Francés", "الفرنسية"],
        ["langue", "en", "Anglais", "English", "Inglés", "الإنجليزية"],
        ["langue", "es", "Espagnol", "Spanish", "Español", "الإسبانية"],
        ["langue", "ar", "Arabe", "Arabic", "Árabe", "العربية"],
        ["droits", "rsa", "RSA", "Minimum income (RSA)", "Renta mínima (RSA)", "الحد الأدنى للدخل"],
        ["droits", "apl", "Aide au logement", "Housing benefit", "Ayuda a la vivienda", "مساعدة السكن"],
        ["droits", "css", "Complémentaire santé solidaire", "Health insurance top-up", "Seguro médico complementario", "التأمين الصحي التكميلي"],
        ["droits", "aucune", "Aucune", "None", "Ninguna", "لا شيء"],
    ]
    settings = [
        ["form_title", "form_id", "version", "default_language", "style"],
        ["Accès aux droits — accueil multilingue", "acces_droits_multilingue", "2026040101", FR, "pages"],
    ]
    return {"survey": survey, "choices": choices, "settings": settings}


# --- 8. The ODK types, or_other, appearances and the trigger column --------------------------


def types_odk():
    survey = [
        ["type", "name", "label", "hint", "required", "required_message", "constraint", "constraint_message", "relevant", "calculation", "appearance", "parameters", "trigger", "default"],
        ["today", "jour"],
        ["username", "enqueteur"],
        ["audit", "audit", None, None, None, None, None, None, None, None, None, "location-priority=balanced location-min-interval=60 location-max-age=120"],
        ["begin group", "visite", "La visite", None, None, None, None, None, None, None, "field-list"],
        ["date", "date_visite", "Date de la visite", None, "yes", "Indiquez la date de la visite.", ". <= today()", "Pas de visite dans le futur.", None, None, None, None, None, datetime.date(2026, 3, 15)],
        ["time", "heure_visite", "Heure d'arrivée"],
        ["datetime", "rendez_vous", "Prochain rendez-vous", None, None, None, None, None, None, None, None, None, None],
        ["end group"],
        ["integer", "age", "Âge de la personne", None, "yes", "L'âge est nécessaire pour les statistiques.", ". >= 0 and . <= 120", "Âge entre 0 et 120 ans."],
        ["calculate", "date_maj_age", None, None, None, None, None, None, None, "today()", None, None, "${age}"],
        ["decimal", "poids", "Poids (kg)", None, None, None, ". > 2 and . < 250", "Poids entre 2 et 250 kg.", "${age} >= 65", None, None, None, None, None],
        ["geopoint", "lieu", "Lieu de la visite", "Attendez une précision de 10 m", None, None, None, None, None, None, "maps"],
        ["image", "photo_facade", "Photo de la façade", None, None, None, None, None, None, None, None, "max-pixels=1024"],
        ["image", "signature", "Signature de la personne", None, None, None, None, None, None, None, "signature"],
        ["barcode", "carte_vitale", "Scannez le code de la carte", None, None, None, None, None, "${age} >= 16"],
        ["trigger", "lu_consignes", "J'ai lu les consignes de sécurité à la personne", None, "yes"],
        ["acknowledge", "accord_photo", "La personne accepte la photo"],
        ["select_one logement or_other", "logement", "Type de logement", None, "yes", None, None, None, None, None, "minimal"],
        ["select_multiple besoins", "besoins", "Besoins exprimés", None, None, None, "count-selected(.) <= 3", "Trois besoins au plus.", None, None, "minimal"],
        ["range", "douleur", "Niveau de douleur", "0 : aucune, 10 : insupportable", None, None, None, None, "${age} >= 18", None, "vertical", "start=0 end=10 step=1"],
        ["text", "telephone", "Numéro de téléphone", None, None, None, "regex(., '^0[1-9][0-9]{8}$')", "Dix chiffres commençant par 0.", None, None, "numbers"],
        ["note", "resume", "Visite du ${date_visite} : ${age} ans, besoins : ${besoins}."],
        ["text", "observations", "Observations", None, None, None, None, None, None, None, "multiline", None, None, "RAS"],
    ]
    choices = [
        ["list_name", "name", "label"],
        ["logement", "maison", "Maison"],
        ["logement", "appartement", "Appartement"],
        ["logement", "foyer", "Foyer, résidence"],
        ["besoins", "aide_menagere", "Aide ménagère"],
        ["besoins", "portage_repas", "Portage de repas"],
        ["besoins", "teleassistance", "Téléassistance"],
        ["besoins", "transport", "Transport accompagné"],
    ]
    settings = [["form_title", "form_id", "version", "default_language"], ["Visites à domicile", "visites_domicile", "2026.1", "fr"]]
    return {"survey": survey, "choices": choices, "settings": settings}


# --- 9. Health follow-up: table-list grid, dates, text functions -----------------------------


def suivi_sante():
    survey = [
        ["type", "name", "label", "hint", "required", "constraint", "constraint_message", "relevant", "calculation", "appearance", "read_only", "default"],
        ["date", "naissance", "Date de naissance", None, "yes", ". < today() and . > date('1900-01-01')", "Date de naissance invalide."],
        ["calculate", "age_ans", None, None, None, None, None, None, "int((today() - ${naissance}) div 365.25)"],
        ["calculate", "tranche", None, None, None, None, None, None, "if(${age_ans} < 60, 'moins_60', if(${age_ans} < 75, '60_74', '75_plus'))"],
        ["note", "age_note", "La personne a ${age_ans} ans.", None, None, None, None, "${naissance} != ''"],
        ["text", "nom", "Nom de famille", None, "yes", "string-length(.) >= 2", "Au moins deux lettres."],
        ["calculate", "initiales", None, None, None, None, None, None, "concat(substr(${nom}, 0, 1), '.')"],
        ["begin group", "autonomie", "Autonomie au quotidien", None, None, None, None, "${age_ans} >= 60", None, "table-list"],
        ["select_one difficulte", "toilette", "Faire sa toilette"],
        ["select_one difficulte", "repas", "Préparer ses repas"],
        ["select_one difficulte", "courses", "Faire ses courses"],
        ["select_one difficulte", "demarches", "Faire ses démarches administratives"],
        ["end group"],
        ["calculate", "score_autonomie", None, None, None, None, None, None, "coalesce(${toilette}, 0) + coalesce(${repas}, 0) + coalesce(${courses}, 0) + coalesce(${demarches}, 0)"],
        ["calculate", "niveau", None, None, None, None, None, None, "if(${score_autonomie} >= 6, 'fort', if(${score_autonomie} >= 3, 'modere', 'faible'))"],
        ["begin group", "aidant", "Aidant", None, None, None, None, "${niveau} = 'fort' or ${niveau} = 'modere'"],
        ["select_one oui_non", "a_aidant", "Quelqu'un vous aide-t-il régulièrement ?", None, "yes"],
        ["text", "telephone_aidant", "Téléphone de l'aidant", "10 chiffres", None, "regex(., '^0[1-9]([ .]?[0-9]{2}){4}$')", "Un numéro français à 10 chiffres.", "${a_aidant} = 'oui'", None, "numbers"],
        ["end group"],
        ["date", "prochaine_visite", "Date de la prochaine visite", None, None, "decimal-date-time(.) > decimal-date-time(today())", "La prochaine visite est après aujourd'hui."],
        ["calculate", "prochaine_visite_texte", None, None, None, None, None, None, "format-date(${prochaine_visite}, '%d/%m/%Y')"],
        ["text", "code_dossier", "Code du dossier", None, None, None, None, None, None, None, "yes", "CCAS-2026"],
        ["note", "fin", "Dossier ${initiales} : niveau de difficulté ${niveau}, prochaine visite le ${prochaine_visite_texte}."],
    ]
    choices = [
        ["list_name", "name", "label"],
        ["difficulte", 0, "Sans difficulté"],
        ["difficulte", 1, "Avec difficulté"],
        ["difficulte", 2, "Impossible seul"],
        ["oui_non", "oui", "Oui"],
        ["oui_non", "non", "Non"],
    ]
    settings = [["form_title", "form_id", "version", "instance_name"], ["Suivi des personnes âgées", "suivi_seniors", "7", "concat(${initiales}, '-', ${age_ans})"]]
    return {"survey": survey, "choices": choices, "settings": settings}


# --- 10. Edge cases of the format, from pyxform's own test forms -----------------------------


def cas_limites_pyxform():
    """Spellings pyxform accepts: headers in capitals and with spaces, `select one` in words,
    `begin_repeat`, `required` as TRUE, names with dots and hyphens, an `end group` row that repeats
    the group's name, a label with markdown, jr:choice-name of a choice in a repeat."""
    survey = [
        ["Type", "Name", "Label", "Required", "Relevance", "Constraint", "Constraint Message", "Calculation", "Appearance", "Repeat Count"],
        ["begin group", "q1.info", "**Informations**"],
        ["text", "q1.nom-usage", "Nom d'usage", "TRUE"],
        ["select one sexe", "q1.sexe", "Sexe", False],
        ["end group", "q1.info"],
        ["integer", "q2_nb", "Nombre d'enfants à charge", True, None, ". >= 0", "Zéro ou plus."],
        ["text", "q2_remarque", "Remarque", "true()"],
        ["begin_repeat", "q3_enfant", "Enfant", None, "${q2_nb} > 0", None, None, None, None, "${q2_nb}"],
        ["select_one sexe", "q3_sexe", "Sexe de l'enfant n° ${q3_rang}"],
        ["calculate", "q3_rang", None, None, None, None, None, "position(..)"],
        ["calculate", "q3_sexe_libelle", None, None, None, None, None, "jr:choice-name(${q3_sexe}, '${q3_sexe}')"],
        ["integer", "q3_age", "Âge de l'enfant", None, None, ". < 26", "Moins de 26 ans."],
        ["end_repeat"],
        ["calculate", "q4_filles", None, None, None, None, None, "count(${q3_enfant}[q3_sexe = 'f'])"],
        ["calculate", "q4_sexes", None, None, None, None, None, "join(', ', ${q3_sexe_libelle})"],
        ["calculate", "q4_age_moyen", None, None, None, None, None, "if(count(${q3_age}) > 0, sum(${q3_age}) div count(${q3_age}), '')"],
        ["note", "q5_resume", "<span style=\"color:green\">${q2_nb} enfant(s)</span>, âge moyen ${q4_age_moyen}"],
    ]
    choices = [
        ["List Name", "Name", "Label"],
        ["sexe", "f", "Fille ou femme"],
        ["sexe", "m", "Garçon ou homme"],
    ]
    settings = [["form_title", "form_id"], ["Cas limites", "cas_limites"]]
    return {"survey": survey, "choices": choices, "settings": settings}


# --- 11. ODK Central entities: the form registers the places that welcome people ----------------


def structures_entites():
    survey = [
        ["type", "name", "label", "hint", "required", "constraint", "constraint_message", "appearance", "save_to"],
        ["text", "nom_structure", "Nom de la structure", None, "yes", None, None, None, "nom"],
        ["select_one type_structure", "type_structure", "Type de structure", None, "yes", None, None, "minimal", "type"],
        ["geopoint", "position", "Position de l'entrée", "Devant la porte d'entrée", None, None, None, None, "geometry"],
        ["integer", "capacite", "Capacité d'accueil (places)", None, None, ". >= 0", "Une capacité ne peut pas être négative.", None, "capacite"],
        ["text", "telephone", "Téléphone de l'accueil", None, None, "regex(., '^0[1-9][0-9]{8}$')", "Dix chiffres commençant par 0.", "numbers"],
    ]
    choices = [
        ["list_name", "name", "label"],
        ["type_structure", "ccas", "CCAS"],
        ["type_structure", "centre_social", "Centre social"],
        ["type_structure", "epicerie", "Épicerie solidaire"],
        ["type_structure", "accueil_jour", "Accueil de jour"],
    ]
    entities = [["dataset", "label"], ["structures", "concat(${nom_structure}, ' (', ${capacite}, ' places)')"]]
    settings = [["form_title", "form_id", "version"], ["Recensement des structures d'accueil", "structures_accueil", "2026041501"]]
    return {"survey": survey, "choices": choices, "entities": entities, "settings": settings}


# --- 12. A big diagnostic of the territory, 500+ rows ----------------------------------------

_THEMES = {
    "logement": ("Logement", ["le coût du logement", "l'état du logement", "le chauffage", "l'humidité", "le bruit", "la taille du logement", "l'accès aux étages", "les charges", "le voisinage", "les réparations"]),
    "mobilite": ("Mobilité", ["les bus", "le tramway", "les pistes cyclables", "les trottoirs", "le stationnement", "le transport à la demande", "les horaires de nuit", "les tarifs", "l'accès aux gares", "le covoiturage"]),
    "sante": ("Santé", ["les médecins généralistes", "les spécialistes", "les urgences", "la pharmacie", "les dentistes", "la santé mentale", "les infirmiers", "la PMI", "le dépistage", "la téléconsultation"]),
    "droits": ("Accès aux droits", ["la CAF", "la CPAM", "France Travail", "les impôts", "la préfecture", "le CCAS", "les permanences juridiques", "les démarches en ligne", "les délais", "l'accueil"]),
    "emploi": ("Emploi et formation", ["les offres d'emploi", "la formation", "l'apprentissage", "la garde d'enfants", "les transports vers l'emploi", "l'insertion", "les salaires", "les horaires", "la reconversion", "le permis de conduire"]),
    "enfance": ("Enfance et jeunesse", ["les crèches", "les écoles", "le périscolaire", "les centres de loisirs", "les espaces jeunes", "les aires de jeux", "le soutien scolaire", "les colonies", "le sport", "la prévention"]),
    "seniors": ("Personnes âgées", ["l'aide à domicile", "le portage de repas", "les clubs", "l'isolement", "les EHPAD", "l'adaptation du logement", "la téléassistance", "les aidants", "les loisirs", "la mobilité"]),
    "numerique": ("Numérique", ["l'équipement", "la connexion", "l'aide aux démarches", "les conseillers numériques", "les ateliers", "les arnaques", "les mots de passe", "l'impression", "les smartphones", "la fibre"]),
    "alimentation": ("Alimentation", ["l'épicerie solidaire", "les colis", "les marchés", "les prix", "la cantine", "les jardins partagés", "la qualité", "les commerces", "le gaspillage", "les restaurants sociaux"]),
    "culture": ("Culture et loisirs", ["la médiathèque", "le cinéma", "les spectacles", "les associations", "les fêtes de quartier", "les musées", "les tarifs réduits", "les pratiques artistiques", "les équipements sportifs", "les parcs"]),
    "securite": ("Tranquillité publique", ["l'éclairage", "les incivilités", "la police municipale", "les médiateurs", "les squats", "les rodéos", "la propreté", "les dépôts sauvages", "les caméras", "les nuisances nocturnes"]),
    "environnement": ("Cadre de vie", ["les espaces verts", "la propreté", "le tri", "la pollution", "les arbres", "les bancs", "les toilettes publiques", "les fontaines", "les îlots de fraîcheur", "le bruit"]),
    "handicap": ("Handicap", ["l'accessibilité des bâtiments", "la MDPH", "les transports adaptés", "l'école inclusive", "l'emploi", "les loisirs adaptés", "l'accueil", "les aides techniques", "le répit des aidants", "l'information"]),
    "solidarite": ("Solidarités", ["le bénévolat", "l'entraide entre voisins", "les associations caritatives", "les maraudes", "l'hébergement d'urgence", "les vestiaires", "les épiceries", "les dons", "les collectes", "l'écoute"]),
    "energie": ("Énergie", ["les factures", "le chèque énergie", "l'isolation", "les impayés", "les coupures", "les conseils", "les aides à la rénovation", "le chauffage collectif", "l'eau chaude", "les compteurs"]),
    "jeunesse": ("Jeunes adultes", ["le logement des jeunes", "les missions locales", "les bourses", "les stages", "les sorties", "le service civique", "la santé des jeunes", "les transports de nuit", "les lieux pour se retrouver", "l'accompagnement"]),
    "familles": ("Familles", ["la parentalité", "les allocations", "la médiation familiale", "les vacances", "les modes de garde", "les familles monoparentales", "le soutien aux parents", "les lieux d'accueil enfants-parents", "les activités en famille", "les conflits"]),
    "commerces": ("Commerces et services", ["la boulangerie", "la poste", "la banque", "les distributeurs", "le médecin de quartier", "les supérettes", "les horaires", "les livraisons", "les marchés", "les services publics"]),
    "violences": ("Violences et discriminations", ["l'écoute des victimes", "les violences conjugales", "le harcèlement", "les discriminations au logement", "les discriminations à l'emploi", "l'accueil au commissariat", "les associations d'aide", "l'hébergement des victimes", "la prévention à l'école", "l'information"]),
    "participation": ("Participation", ["les conseils citoyens", "les réunions publiques", "le budget participatif", "les consultations en ligne", "les élus", "les comités de quartier", "la concertation", "l'information municipale", "les pétitions", "les référendums locaux"]),
}


def grand_diagnostic():
    """The whole social diagnostic of a town, one group per theme: ten likert items, a priority,
    what is missing, a follow-up relevant on a low score, a free text. Names and labels are built
    from the theme lists, as teams fill such forms by copying a block per theme."""
    survey = [["type", "name", "label", "hint", "required", "relevant", "constraint", "constraint_message", "calculation", "appearance", "choice_filter"]]
    survey += [
        ["start", "debut"],
        ["end", "fin"],
        ["select_one commune", "commune", "Commune", None, "yes", None, None, None, None, "minimal"],
        ["select_one quartier", "quartier", "Quartier", None, None, "${commune} != ''", None, None, None, "minimal", "commune=${commune}"],
        ["integer", "age", "Âge", None, "yes", None, ". >= 16 and . <= 110", "De 16 à 110 ans."],
        ["select_multiple themes", "themes_choisis", "Sur quels thèmes voulez-vous répondre ?", "Cochez-en au moins un.", "yes", None, "count-selected(.) >= 1", "Cochez au moins un thème."],
    ]
    scores = []
    for theme, (title, items) in _THEMES.items():
        survey.append(["begin group", theme, title, None, None, f"selected(${{themes_choisis}}, '{theme}')", None, None, None, "field-list"])
        survey.append(["note", f"{theme}_intro", f"{title} : dites-nous ce que vous pensez de chaque point."])
        for number, item in enumerate(items, start=1):
            survey.append(["select_one accord", f"{theme}_q{number:02d}", f"Je suis satisfait·e de {item}", None, None, None, None, None, None, "likert"])
        survey.append(["calculate", f"{theme}_score", None, None, None, None, None, None, " + ".join(f"coalesce(${{{theme}_q{number:02d}}}, 0)" for number in range(1, len(items) + 1))])
        survey.append(["calculate", f"{theme}_moyenne", None, None, None, None, None, None, f"round(${{{theme}_score}} div {len(items)}, 1)"])
        survey.append(["select_one priorite", f"{theme}_priorite", f"Pour vous, {title.lower()} est une priorité…", None, "yes"])
        survey.append(["select_multiple manques_{0}".format(theme), f"{theme}_manques", "Qu'est-ce qui manque le plus ?", "Trois réponses au plus", None, None, "count-selected(.) <= 3", "Trois réponses au plus."])
        survey.append(["text", f"{theme}_pourquoi", "Pourquoi êtes-vous peu satisfait·e ?", None, None, f"${{{theme}_moyenne}} < 2", None, None, None, "multiline"])
        survey.append(["integer", f"{theme}_note", f"Quelle note donnez-vous à {title.lower()} dans votre quartier, de 0 à 20 ?", None, None, None, ". >= 0 and . <= 20", "Une note de 0 à 20."])
        survey.append(["select_one oui_non", f"{theme}_connait", f"Connaissez-vous les services de la commune pour {title.lower()} ?"])
        survey.append(["select_one frequence", f"{theme}_frequence", "À quelle fréquence les utilisez-vous ?", None, None, f"${{{theme}_connait}} = 'oui'"])
        survey.append(["text", f"{theme}_pourquoi_pas", "Pourquoi ne les utilisez-vous pas ?", None, None, f"${{{theme}_frequence}} = 'jamais'"])
        survey.append(["begin group", f"{theme}_propositions", "Vos propositions", None, None, f"${{{theme}_priorite}} = 'haute'"])
        survey.append(["text", f"{theme}_idee", "Une idée pour améliorer les choses ?", None, None, None, None, None, None, "multiline"])
        survey.append(["select_one oui_non", f"{theme}_atelier", "Accepteriez-vous d'en parler lors d'un atelier ?"])
        survey.append(["text", f"{theme}_contact", "Comment vous joindre ?", "Téléphone ou courriel", None, f"${{{theme}_atelier}} = 'oui'", "string-length(.) >= 6", "Au moins six caractères."])
        survey.append(["end group"])
        survey.append(["end group"])
        scores.append(f"${{{theme}_moyenne}}")
    survey.append(["calculate", "moyenne_generale", None, None, None, None, None, None, f"round(({' + '.join(scores)}) div {len(scores)}, 2)"])
    survey.append(["note", "merci", "Merci ! Votre satisfaction moyenne : ${moyenne_generale} sur 3."])
    choices = [["list_name", "name", "label", "commune"]]
    choices += [["commune", "37261", "Tours"], ["commune", "37122", "Joué-lès-Tours"], ["commune", "37195", "La Riche"]]
    quartiers = {"37261": ["Centre", "Sanitas", "Rives du Cher", "Europe", "Fontaines"], "37122": ["Rabière", "Morier", "Alouette"], "37195": ["Bourg", "Plessis", "Saint-Cosme"]}
    for commune, names in quartiers.items():
        choices += [["quartier", f"{commune}_{index}", name, commune] for index, name in enumerate(names, 1)]
    choices += [["themes", theme, title] for theme, (title, _) in _THEMES.items()]
    choices += [["accord", "0", "Pas du tout"], ["accord", "1", "Plutôt non"], ["accord", "2", "Plutôt oui"], ["accord", "3", "Tout à fait"]]
    choices += [["oui_non", "oui", "Oui"], ["oui_non", "non", "Non"]]
    choices += [["frequence", "souvent", "Souvent"], ["frequence", "parfois", "Parfois"], ["frequence", "jamais", "Jamais"]]
    choices += [["priorite", "haute", "haute"], ["priorite", "moyenne", "moyenne"], ["priorite", "faible", "faible"]]
    for theme, (_, items) in _THEMES.items():
        choices += [[f"manques_{theme}", f"m{number:02d}", item.capitalize()] for number, item in enumerate(items, 1)]
    settings = [["form_title", "form_id", "version", "style"], ["Diagnostic social de territoire 2026", "diagnostic_territoire_2026", "2026050101", "pages"]]
    return {"survey": survey, "choices": choices, "settings": settings}


# fmt: on

FORMS = {
    "menage_fr": menage_fr,
    "emplois_imbriques": emplois_imbriques,
    "cascade_territoire": cascade_territoire,
    "communes_externes": communes_externes,
    "choix_avec_espaces": choix_avec_espaces,
    "formules_excel": formules_excel,
    "quatre_langues": quatre_langues,
    "types_odk": types_odk,
    "suivi_sante": suivi_sante,
    "cas_limites_pyxform": cas_limites_pyxform,
    "structures_entites": structures_entites,
    "grand_diagnostic": grand_diagnostic,
}

# --- writing the workbook --------------------------------------------------------------------

_SAVED = datetime.datetime(2026, 3, 15, 10, 30)


def form_bytes(name: str) -> bytes:
    """The .xlsx of form `name`, formula cells saved with their value as Excel does."""
    sheets = FORMS[name]()
    workbook = Workbook()
    workbook.remove(workbook.active)
    workbook.properties.created = workbook.properties.modified = _SAVED
    cached: dict[str, dict[str, str | int]] = {}
    for number, (title, rows) in enumerate(sheets.items(), start=1):
        sheet = workbook.create_sheet(title)
        for row_number, row in enumerate(rows, start=1):
            for column, value in enumerate(row, start=1):
                if value is None:
                    continue
                cell = sheet.cell(row_number, column)
                if isinstance(value, Formula):
                    cell.value = value.text
                    cached.setdefault(f"xl/worksheets/sheet{number}.xml", {})[cell.coordinate] = (
                        value.cached
                    )
                else:
                    cell.value = value
    buffer = io.BytesIO()
    workbook.save(buffer)
    return _with_cached_values(buffer.getvalue(), cached) if cached else buffer.getvalue()


def _with_cached_values(payload: bytes, cached: dict[str, dict[str, str | int]]) -> bytes:
    """Writes beside each formula the value Excel saves with it (text, or a number)."""
    source = zipfile.ZipFile(io.BytesIO(payload))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            content = source.read(item.filename)
            if item.filename in cached:
                text = content.decode()
                for reference, value in cached[item.filename].items():
                    kind = "" if isinstance(value, int) else ' t="str"'
                    saved = escape(str(value)).replace("\\", "\\\\")
                    text, count = re.subn(
                        rf'<c r="{reference}"([^>]*)><f>(.*?)</f><v\s*/?>(?:</v>)?',
                        rf'<c r="{reference}"\1{kind}><f>\2</f><v>{saved}</v>',
                        text,
                    )
                    if count != 1:
                        raise ValueError(f"formula cell {reference} not found in {item.filename}")
                content = text.encode()
            target.writestr(item, content)
    return buffer.getvalue()


if __name__ == "__main__":
    destination = Path(sys.argv[1] if len(sys.argv) > 1 else ".")
    destination.mkdir(parents=True, exist_ok=True)
    for form_name in FORMS:
        (destination / f"{form_name}.xlsx").write_bytes(form_bytes(form_name))
        print(destination / f"{form_name}.xlsx")
