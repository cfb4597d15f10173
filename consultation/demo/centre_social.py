"""The second demo study's questionnaire: what the users of La Riche's centre social think of its
activities and opening hours, and what they miss there; and answers in their own words."""

import random

from questionnaires import Group, Questionnaire
from questionnaires.messages import as_sentence

from .questionnaire import _choices, _q

FORM_ID = "centre_social_la_riche_2026"


def centre_social_questionnaire() -> Questionnaire:
    choice_lists = [
        _choices("oui_non", ("oui", "Oui"), ("non", "Non")),
        _choices("oui_non_nsp", ("oui", "Oui"), ("non", "Non"), ("nsp", "Ne sait pas")),
        _choices(
            "frequentation",
            ("semaine", "Au moins une fois par semaine"),
            ("mois", "Une ou deux fois par mois"),
            ("rarement", "Quelques fois par an"),
            ("jamais", "Jamais encore"),
        ),
        _choices(
            "activites",
            ("accueil_loisirs", "Accueil de loisirs des enfants"),
            ("scolarite", "Accompagnement à la scolarité"),
            ("francais", "Ateliers de français"),
            ("cuisine", "Ateliers cuisine"),
            ("sorties", "Sorties et week-ends en famille"),
            ("numerique", "Aide aux démarches en ligne"),
            ("jardin", "Jardin partagé"),
            ("aucune", "Aucune"),
        ),
        _choices(
            "creneaux",
            ("soir", "Le soir après 18 h"),
            ("samedi", "Le samedi"),
            ("midi", "Entre midi et deux"),
            ("mercredi", "Le mercredi matin"),
            ("vacances", "Pendant les vacances scolaires"),
        ),
    ]
    children = [
        Group(
            "frequentation_groupe",
            {"fr": "Vous et le centre social"},
            children=[
                _q(
                    "select_one",
                    "frequentation",
                    "À quelle fréquence venez-vous au centre social ?",
                    choice_list="frequentation",
                    required=True,
                ),
                _q(
                    "select_multiple",
                    "activites",
                    "À quelles activités avez-vous participé cette année ?",
                    choice_list="activites",
                    constraint="not(selected(., 'aucune') and count-selected(.) > 1)",
                    constraint_message="« Aucune » ne peut pas être cochée avec une activité.",
                ),
                _q(
                    "rating",
                    "satisfaction",
                    "Dans l'ensemble, êtes-vous satisfait(e) du centre social ?",
                    hint="1 : pas du tout, 5 : tout à fait",
                    start=1,
                    end=5,
                    relevant="${frequentation} != 'jamais'",
                ),
            ],
        ),
        Group(
            "horaires_groupe",
            {"fr": "Horaires d'ouverture"},
            children=[
                _q(
                    "select_one",
                    "horaires_adaptes",
                    "Les horaires d'ouverture vous conviennent-ils ?",
                    choice_list="oui_non_nsp",
                    required=True,
                ),
                _q(
                    "select_multiple",
                    "creneaux_souhaites",
                    "Quand aimeriez-vous que le centre soit ouvert ?",
                    choice_list="creneaux",
                    relevant="${horaires_adaptes} = 'non'",
                    required=True,
                ),
            ],
        ),
        Group(
            "attentes",
            {"fr": "Vos attentes"},
            children=[
                _q(
                    "paragraph",
                    "manque",
                    "Qu'est-ce qui manque au centre social aujourd'hui ?",
                    required=True,
                ),
                _q(
                    "paragraph",
                    "idee",
                    "Avez-vous une idée ou une envie à proposer ?",
                ),
            ],
        ),
        Group(
            "vous",
            {"fr": "Pour mieux vous connaître"},
            children=[
                _q(
                    "integer",
                    "age",
                    "Quel âge avez-vous ?",
                    required=True,
                    constraint=". >= 14 and . <= 110",
                    constraint_message="L'âge doit être compris entre 14 et 110 ans.",
                ),
                _q(
                    "select_one",
                    "enfants",
                    "Avez-vous des enfants de moins de 18 ans ?",
                    choice_list="oui_non",
                ),
                _q(
                    "note",
                    "fin",
                    "Merci ! L'équipe du centre social vous présentera les résultats.",
                ),
            ],
        ),
    ]
    return Questionnaire(
        title="Le centre social et vous — La Riche 2026",
        form_id=FORM_ID,
        version="1",
        children=children,
        choice_lists={choice_list.name: choice_list for choice_list in choice_lists},
    )


# What users of a centre social say they miss, and what they propose; {quartier} is their own.
MISSING = [
    "des horaires le soir, je travaille jusqu'à 18 h et tout est fermé quand je rentre",
    "une garderie pendant les ateliers, sinon je ne peux pas venir avec mes deux petits",
    "plus de places à l'accueil de loisirs le mercredi, on est sur liste d'attente depuis septembre",
    "quelqu'un pour m'aider avec les papiers de la CAF, je ne comprends rien au site",
    "un endroit pour les ados, ils traînent en bas de l'immeuble à {quartier}",
    "des cours de français le samedi, en semaine je fais des ménages",
    "une salle plus grande, on est serrés pendant les ateliers cuisine",
    "des sorties pas chères pour les familles pendant l'été",
    "un café où on peut juste s'asseoir et discuter sans s'inscrire à une activité",
    "l'information, je ne savais même pas qu'il y avait un jardin partagé",
    "un bus direct depuis {quartier}, à pied avec la poussette c'est long",
    "de l'aide aux devoirs pour les collégiens, pas seulement pour le primaire",
    "des activités pour les personnes âgées, on se sent un peu oubliés",
    "un accueil ouvert pendant les vacances scolaires, c'est là qu'on en a le plus besoin",
    "des ordinateurs en accès libre avec quelqu'un pour montrer",
    "une permanence pour le logement, on attend un logement social depuis trois ans",
    "plus de monde à l'accueil, il faut souvent attendre longtemps",
    "des ateliers parents-enfants le samedi matin",
    "du sport pour les femmes, avec des horaires qui nous arrangent",
    "un programme affiché dans le quartier, tout passe par Facebook et je n'y suis pas",
]
IDEAS = [
    "une fête de quartier à {quartier} avec les habitants qui cuisinent",
    "un atelier de réparation de vélos",
    "un repas partagé une fois par mois",
    "une bourse aux vêtements d'enfants",
    "des cours d'informatique pour les seniors",
    "des lectures avec la médiathèque au centre social",
    "un groupe de parole pour les parents d'ados",
    "des sorties à la Loire avec les enfants le dimanche",
    "un potager pour les familles de l'immeuble",
    "une navette le samedi vers le centre social",
    "un tournoi de foot entre les quartiers",
    "un atelier couture, plusieurs voisines savent coudre",
]
OPENINGS = ["", "", "", "Franchement, ", "Pour moi, ", "Surtout ", "Il faudrait ", "Je dirais "]
IDEA_OPENINGS = [
    "",
    "",
    "Pourquoi pas ",
    "J'aimerais bien ",
    "On pourrait faire ",
    "Moi je propose ",
]
CLOSINGS = ["", "", "", " Merci à l'équipe.", " Ça aiderait beaucoup de familles.", " Voilà."]


def _text(rng: random.Random, remarks: list[str], openings: list[str], quartier: str) -> str:
    chosen = rng.sample(remarks, 1 if rng.random() < 0.65 else 2)
    body = chosen[0] if len(chosen) == 1 else f"{chosen[0]}, et aussi {chosen[1]}"
    text = rng.choice(openings) + body + "." + rng.choice(CLOSINGS)
    return as_sentence(text.format(quartier=quartier))


def centre_social_answers(rng: random.Random, age: int, quartier: str) -> dict:
    """One respondent's answers, valid against centre_social_questionnaire()."""
    answers: dict = {}
    answers["frequentation"] = rng.choices(
        ["semaine", "mois", "rarement", "jamais"], weights=[40, 30, 20, 10]
    )[0]
    if answers["frequentation"] == "jamais":
        answers["activites"] = ["aucune"]
    else:
        pool = ["accueil_loisirs", "scolarite", "cuisine", "sorties", "numerique", "jardin"]
        if age >= 60:
            pool = ["cuisine", "numerique", "jardin", "sorties"]
        answers["activites"] = rng.sample(pool, rng.randint(1, 3))
        if rng.random() < 0.15:
            answers["activites"].append("francais")
        answers["satisfaction"] = rng.choices([2, 3, 4, 5], weights=[10, 25, 40, 25])[0]
    answers["horaires_adaptes"] = rng.choices(["oui", "non", "nsp"], weights=[45, 45, 10])[0]
    if answers["horaires_adaptes"] == "non":
        answers["creneaux_souhaites"] = rng.sample(
            ["soir", "samedi", "midi", "mercredi", "vacances"], rng.randint(1, 2)
        )
    answers["manque"] = _text(rng, MISSING, OPENINGS, quartier)
    if rng.random() < 0.5:
        answers["idee"] = _text(rng, IDEAS, IDEA_OPENINGS, quartier)
    answers["age"] = age
    answers["enfants"] = "non" if age >= 60 else rng.choice(["oui", "oui", "non"])
    return answers
