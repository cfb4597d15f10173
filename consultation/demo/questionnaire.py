"""The demo ABS questionnaire, as a CCAS would build it for jeunes (16–25) and aînés (60+)."""

from questionnaires import Choice, ChoiceList, Group, Question, Questionnaire


def _choices(name: str, *pairs: tuple[str, str]) -> ChoiceList:
    return ChoiceList(name, [Choice(code, {"fr": label}) for code, label in pairs])


def _q(type_: str, name: str, label: str, **kwargs) -> Question:
    return Question(
        type=type_,
        name=name,
        label={"fr": label},
        **{
            key: ({"fr": value} if key in ("hint", "constraint_message") else value)
            for key, value in kwargs.items()
        },
    )


def abs_questionnaire() -> Questionnaire:
    choice_lists = [
        _choices("oui_non", ("oui", "Oui"), ("non", "Non")),
        _choices("oui_non_nsp", ("oui", "Oui"), ("non", "Non"), ("nsp", "Ne sait pas")),
        _choices(
            "statut_logement",
            ("locataire_social", "Locataire d'un logement social"),
            ("locataire_prive", "Locataire dans le privé"),
            ("proprietaire", "Propriétaire"),
            ("heberge", "Hébergé(e) chez un proche"),
            ("foyer", "Foyer, résidence autonomie ou EHPAD"),
            ("sans_logement", "Sans logement stable"),
        ),
        _choices(
            "difficultes_logement",
            ("loyer", "Loyer ou charges trop élevés"),
            ("humidite", "Humidité, froid, mauvaise isolation"),
            ("taille", "Logement trop petit ou trop grand"),
            ("accessibilite", "Escaliers, pas d'ascenseur, logement inadapté"),
            ("voisinage", "Problèmes de voisinage"),
            ("aucune", "Aucune difficulté"),
        ),
        _choices(
            "transports",
            ("voiture", "Voiture"),
            ("bus_tram", "Bus ou tram"),
            ("velo", "Vélo ou trottinette"),
            ("marche", "À pied"),
            ("proches", "Des proches m'emmènent"),
            ("tad", "Transport à la demande"),
        ),
        _choices(
            "aides",
            ("apl", "Aide au logement (APL)"),
            ("rsa", "RSA"),
            ("prime_activite", "Prime d'activité"),
            ("aah", "AAH"),
            ("apa", "APA"),
            ("css", "Complémentaire santé solidaire"),
            ("aucune", "Aucune"),
        ),
        _choices(
            "frequence",
            ("jour", "Tous les jours ou presque"),
            ("semaine", "Au moins une fois par semaine"),
            ("mois", "Au moins une fois par mois"),
            ("rarement", "Plus rarement"),
            ("jamais", "Jamais"),
        ),
        _choices(
            "activites",
            ("sport", "Sport"),
            ("culture", "Cinéma, musée, spectacles"),
            ("association", "Vie associative, bénévolat"),
            ("club", "Club ou activités seniors"),
            ("aucune", "Aucune activité"),
        ),
        _choices(
            "internet",
            ("smartphone", "Oui, sur un smartphone"),
            ("ordinateur", "Oui, sur un ordinateur ou une tablette"),
            ("aide", "Seulement avec l'aide de quelqu'un"),
            ("non", "Non"),
        ),
        _choices(
            "lien",
            ("conjoint", "Conjoint(e)"),
            ("enfant", "Enfant"),
            ("parent", "Parent"),
            ("frere_soeur", "Frère ou sœur"),
            ("autre", "Autre"),
        ),
    ]
    children = [
        Group(
            "logement",
            {"fr": "Logement"},
            children=[
                _q(
                    "select_one",
                    "statut_logement",
                    "Quelle est votre situation de logement ?",
                    choice_list="statut_logement",
                    required=True,
                ),
                _q(
                    "rating",
                    "satisfaction_logement",
                    "Êtes-vous satisfait(e) de votre logement ?",
                    hint="1 : pas du tout, 5 : tout à fait",
                    start=1,
                    end=5,
                    required=True,
                ),
                _q(
                    "select_multiple",
                    "difficultes_logement",
                    "Rencontrez-vous des difficultés avec votre logement ?",
                    choice_list="difficultes_logement",
                    constraint="not(selected(., 'aucune') and count-selected(.) > 1)",
                    constraint_message="« Aucune difficulté » ne peut pas être cochée avec une autre réponse.",
                ),
                _q(
                    "paragraph",
                    "logement_precisions",
                    "Pouvez-vous préciser ces difficultés ?",
                    relevant="count-selected(${difficultes_logement}) > 0 and not(selected(${difficultes_logement}, 'aucune'))",
                ),
            ],
        ),
        Group(
            "menage_groupe",
            {"fr": "Votre foyer"},
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
                    "vit_seul",
                    "Vivez-vous seul(e) ?",
                    choice_list="oui_non",
                    required=True,
                ),
                Group(
                    "menage",
                    {"fr": "Personnes vivant avec vous"},
                    repeat=True,
                    relevant="${vit_seul} = 'non'",
                    children=[
                        _q(
                            "select_one",
                            "lien",
                            "Lien avec vous",
                            choice_list="lien",
                            required=True,
                        ),
                        _q(
                            "integer",
                            "age_membre",
                            "Âge de cette personne",
                            constraint=". >= 0 and . <= 110",
                            constraint_message="Indiquez un âge entre 0 et 110 ans.",
                        ),
                    ],
                ),
                _q(
                    "calculate",
                    "taille_foyer",
                    "Nombre de personnes dans le foyer",
                    calculation="if(${vit_seul} = 'oui', 1, count(${menage}) + 1)",
                ),
            ],
        ),
        Group(
            "mobilite",
            {"fr": "Mobilité"},
            children=[
                _q(
                    "select_multiple",
                    "transports",
                    "Comment vous déplacez-vous le plus souvent ?",
                    choice_list="transports",
                    required=True,
                ),
                _q(
                    "select_one",
                    "permis",
                    "Avez-vous le permis de conduire ?",
                    choice_list="oui_non",
                    relevant="${age} <= 30",
                ),
                _q(
                    "paragraph",
                    "mobilite_difficultes",
                    "Qu'est-ce qui vous gêne pour vous déplacer ?",
                ),
            ],
        ),
        Group(
            "droits",
            {"fr": "Accès aux droits"},
            children=[
                _q(
                    "select_one",
                    "connait_ccas",
                    "Connaissez-vous le CCAS de votre commune ?",
                    choice_list="oui_non",
                    required=True,
                ),
                _q(
                    "select_multiple",
                    "aides",
                    "Percevez-vous l'une de ces aides ?",
                    choice_list="aides",
                ),
                _q(
                    "select_one",
                    "renoncement_droits",
                    "Avez-vous déjà renoncé à une aide à laquelle vous aviez droit ?",
                    choice_list="oui_non_nsp",
                ),
                _q(
                    "paragraph",
                    "raison_renoncement",
                    "Pour quelle raison ?",
                    relevant="${renoncement_droits} = 'oui'",
                ),
            ],
        ),
        Group(
            "sante",
            {"fr": "Santé"},
            children=[
                _q(
                    "select_one",
                    "medecin_traitant",
                    "Avez-vous un médecin traitant ?",
                    choice_list="oui_non",
                    required=True,
                ),
                _q(
                    "select_one",
                    "renoncement_soins",
                    "Avez-vous renoncé à des soins cette année ?",
                    choice_list="oui_non",
                ),
                _q(
                    "paragraph",
                    "sante_precisions",
                    "Quels soins, et pourquoi ?",
                    relevant="${renoncement_soins} = 'oui'",
                ),
            ],
        ),
        Group(
            "lien_social",
            {"fr": "Lien social et loisirs"},
            children=[
                _q(
                    "select_one",
                    "frequence_contacts",
                    "À quelle fréquence voyez-vous vos proches ?",
                    choice_list="frequence",
                    required=True,
                ),
                _q(
                    "rating",
                    "solitude",
                    "Vous sentez-vous seul(e) ?",
                    hint="1 : jamais, 5 : très souvent",
                    start=1,
                    end=5,
                ),
                _q(
                    "select_multiple",
                    "activites",
                    "Quelles activités pratiquez-vous ?",
                    choice_list="activites",
                ),
            ],
        ),
        Group(
            "numerique",
            {"fr": "Numérique"},
            children=[
                _q(
                    "select_one",
                    "internet",
                    "Utilisez-vous internet ?",
                    choice_list="internet",
                    required=True,
                ),
                _q(
                    "paragraph",
                    "demarches_difficultes",
                    "Quelles démarches en ligne vous posent problème ?",
                    relevant="${internet} != 'non'",
                ),
            ],
        ),
        Group(
            "quartier",
            {"fr": "Votre quartier"},
            children=[
                _q(
                    "paragraph",
                    "manque_quartier",
                    "Qu'est-ce qui manque le plus dans votre quartier ?",
                    required=True,
                ),
                _q(
                    "paragraph",
                    "message_elus",
                    "Si vous pouviez dire une chose aux élus, ce serait quoi ?",
                ),
                _q(
                    "note",
                    "fin",
                    "Merci pour votre participation. Gardez votre code de récépissé : il vous permet de voir, télécharger ou effacer vos réponses.",
                ),
            ],
        ),
    ]
    return Questionnaire(
        title="Analyse des besoins sociaux 2026 — jeunes et aînés",
        form_id="abs_2026",
        version="1",
        children=children,
        choice_lists={choice_list.name: choice_list for choice_list in choice_lists},
    )
