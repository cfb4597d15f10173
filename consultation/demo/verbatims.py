"""Free-text answers for the demo, composed from what residents typically say in ABS interviews.

Each answer picks an opening, one or two remarks and sometimes a closing, so that 300 respondents
do not repeat one sentence; {quartier} and {commune} are filled with the respondent's own."""

import random

from questionnaires.messages import as_sentence

OPENINGS = {
    "jeune": [
        "",
        "",
        "Franchement, ",
        "Bah ",
        "Honnêtement, ",
        "Pour moi ",
        "Perso, ",
        "Je dirais que ",
    ],
    "age": [
        "",
        "",
        "Vous savez, ",
        "Eh bien, ",
        "À mon âge, ",
        "Depuis que mon mari est parti, ",
        "Ma foi, ",
        "Il faut dire que ",
    ],
}

# Answers that are noun phrases or requests need openings of their own.
QUESTION_OPENINGS = {
    "manque_quartier": ["", "", "Surtout ", "Il faudrait ", "Ce qui manque, c'est ", "Je dirais "],
    "message_elus": ["", "", "Je leur dirais : ", "Simplement : ", "S'il vous plaît, "],
    "sante_precisions": ["", "", "Surtout ", "Par exemple "],
    "demarches_difficultes": ["", "", "Surtout ", "Par exemple ", "Tout, mais surtout "],
    "raison_renoncement": ["", "Parce que ", "Franchement, ", "En fait "],
}

CLOSINGS = {
    "jeune": [
        "",
        "",
        "",
        " C'est relou.",
        " Voilà.",
        " Et on n'est pas les seuls.",
        " Ça serait bien que ça change.",
        " Mes potes disent pareil.",
    ],
    "age": [
        "",
        "",
        "",
        " Enfin, on fait avec.",
        " Je ne suis pas la seule dans ce cas.",
        " Ça me pèse, je ne vous le cache pas.",
        " Voilà ce que je peux vous dire.",
        " Les voisins pensent pareil.",
    ],
}

REMARKS = {
    "logement_precisions": {
        "jeune": [
            "le loyer me prend presque la moitié de ce que je gagne en alternance",
            "je vis encore chez ma mère parce que je ne trouve rien à moins de 500 euros",
            "le studio est humide, il y a de la moisissure dans la salle de bain",
            "on est quatre dans un T2, je n'ai pas de chambre à moi pour réviser",
            "les agences demandent des garants que je n'ai pas",
            "j'ai fait une demande de logement social il y a deux ans et toujours rien",
            "le chauffage électrique coûte une fortune l'hiver",
            "le propriétaire ne fait jamais les réparations, la fenêtre ferme mal",
            "en colocation c'est compliqué, ça change tout le temps",
            "les voisins font du bruit tard le soir et je commence tôt",
        ],
        "age": [
            "je suis au troisième sans ascenseur et mes genoux ne suivent plus",
            "la baignoire est devenue dangereuse, j'aimerais une douche à l'italienne",
            "les charges ont beaucoup augmenté avec le prix du gaz",
            "la maison est trop grande depuis que je suis seule, et trop dure à entretenir",
            "il fait froid dans l'appartement, les fenêtres sont d'origine",
            "j'ai demandé un logement plus petit au bailleur mais on ne me répond pas",
            "il y a de l'humidité dans la chambre, ça me fait tousser",
            "je ne sais pas à qui m'adresser pour adapter le logement",
            "le loyer augmente tous les ans et ma retraite, elle, ne bouge pas",
            "les escaliers de la cave sont glissants et l'éclairage est en panne",
        ],
    },
    "mobilite_difficultes": {
        "jeune": [
            "le bus passe toutes les demi-heures et pas du tout le dimanche",
            "je n'ai pas le permis, ça coûte trop cher, donc pour les entretiens d'embauche c'est galère",
            "le dernier tram est trop tôt quand on travaille en restauration",
            "il n'y a pas de piste cyclable sécurisée jusqu'à la zone d'activités",
            "pour aller à la mission locale il me faut une heure de trajet",
            "l'abonnement Fil Bleu est cher même avec la réduction",
            "je dépends de mes parents pour aller partout",
            "mon scooter est en panne et je n'ai pas les moyens de le réparer",
            "les horaires des bus ne collent pas avec mes horaires de travail en intérim",
        ],
        "age": [
            "je ne conduis plus depuis mon opération de la hanche",
            "l'arrêt de bus est trop loin avec mes courses",
            "il n'y a pas de banc pour se reposer sur le chemin du marché",
            "les trottoirs sont encombrés de trottinettes et j'ai peur de tomber",
            "le transport à la demande, il faut réserver la veille et ce n'est pas toujours possible",
            "pour aller chez le spécialiste à l'hôpital, c'est toute une expédition",
            "je dépends de ma fille qui travaille, alors je sors peu",
            "les marches du bus sont hautes pour moi avec ma canne",
            "le taxi coûte trop cher pour ma petite retraite",
        ],
    },
    "raison_renoncement": {
        "jeune": [
            "je ne savais pas que j'y avais droit",
            "le dossier était trop compliqué, il fallait plein de papiers",
            "tout se fait sur internet et le site plantait",
            "j'ai eu peur de devoir rembourser après, comme ma sœur",
            "on m'a dit que je gagnais trop, alors que non",
            "je n'ai pas eu de réponse de la CAF après trois mois",
            "j'avais honte de demander",
            "personne ne m'a expliqué, j'ai découvert l'aide après la date limite",
            "il fallait un avis d'imposition de mes parents et on ne se parle plus",
            "le rendez-vous à la mission locale était pendant mes heures de boulot",
            "j'ai commencé le dossier mais il manquait toujours une pièce",
            "on m'a demandé un RIB alors que mon compte était bloqué",
        ],
        "age": [
            "les papiers, je n'y comprends plus rien",
            "je n'ai pas d'ordinateur et on me dit de tout faire en ligne",
            "je ne voulais pas que mes enfants soient mis à contribution",
            "on m'a renvoyée d'un guichet à l'autre",
            "j'ai peur de perdre ma petite pension si je demande",
            "je n'ai pas osé, je ne veux pas être assistée",
            "le rendez-vous était trop loin et je n'avais personne pour m'emmener",
            "l'assistante sociale ne reçoit plus qu'une matinée par semaine",
            "on m'a dit que ça serait récupéré sur la succession, alors non",
            "j'entends mal au téléphone et tout se fait par téléphone",
            "le formulaire de l'APA faisait douze pages",
            "ma fille habite loin et c'est elle qui s'occupe de mes papiers d'habitude",
        ],
    },
    "sante_precisions": {
        "jeune": [
            "le dentiste, c'est trop cher même avec la mutuelle",
            "pas de médecin traitant, ils ne prennent plus de nouveaux patients",
            "j'aurais besoin de voir un psy mais les délais sont énormes",
            "des lunettes, j'attends d'avoir l'argent",
            "je n'ai pas de mutuelle depuis que je ne suis plus sur celle de mes parents",
            "une IRM, trois mois d'attente alors j'ai laissé tomber",
            "le gynéco, il n'y en a plus qui prend la carte Vitale sans dépassement",
            "un suivi pour mon asthme, je fais avec la Ventoline de ma mère",
            "les urgences, six heures d'attente pour une entorse, je suis reparti",
            "l'orthodontiste pour mon petit frère, la mutuelle ne rembourse presque rien",
            "j'ai mal au dos depuis le boulot à l'entrepôt mais je ne peux pas m'arrêter",
            "un dermato, le premier rendez-vous c'était en septembre",
            "je devais refaire une couronne, 400 euros de reste à charge",
            "voir quelqu'un pour le stress des examens, mais le CMP a une liste d'attente",
        ],
        "age": [
            "des appareils auditifs, le reste à charge est trop important",
            "mon médecin est parti à la retraite et personne ne l'a remplacé",
            "le kiné ne se déplace pas à domicile",
            "six mois d'attente pour l'ophtalmologue",
            "je n'ai pas pu aller chez le cardiologue, c'est à Tours et je ne conduis plus",
            "ma prothèse dentaire est cassée et le devis est à 1 200 euros",
            "les soins infirmiers à domicile, ils ne viennent plus que deux fois par semaine",
            "l'opération de la cataracte, on me l'a repoussée deux fois",
            "les semelles orthopédiques ne sont presque pas remboursées",
            "le podologue, j'en aurais besoin pour mes pieds mais c'est trop cher",
            "la kiné après ma chute, le cabinet ne prend plus personne",
            "mon mari a Alzheimer et je n'ai pas le temps de me soigner moi-même",
            "la téléconsultation, je ne sais pas faire et la pharmacie n'a pas de cabine",
            "les examens à l'hôpital, il faut un VSL et on me l'a refusé",
        ],
    },
    "demarches_difficultes": {
        "jeune": [
            "Parcoursup et les dossiers de bourse, c'est un enfer",
            "la déclaration trimestrielle à la CAF, je me trompe à chaque fois",
            "créer un compte Ameli sans France Connect",
            "ça va, sauf quand il faut scanner des documents sans imprimante",
            "les sites ne marchent pas bien sur téléphone",
            "France Travail, on ne comprend pas les messages",
            "la demande de logement social, je ne sais même pas où elle en est",
            "le titre de séjour, les rendez-vous en préfecture sont introuvables",
            "ma première déclaration d'impôts, j'ai eu peur de me tromper",
            "la complémentaire santé solidaire, on m'a demandé trois fois les mêmes papiers",
            "les mails de l'université partent dans les spams",
            "changer d'adresse partout quand on déménage, c'est interminable",
        ],
        "age": [
            "la déclaration d'impôts en ligne, c'est mon petit-fils qui la fait",
            "prendre rendez-vous chez le médecin sur Doctolib",
            "tous ces mots de passe, je les perds",
            "les codes qu'on reçoit par SMS, le temps que je les trouve c'est expiré",
            "le dossier de retraite complémentaire en ligne",
            "je ne sais pas me servir d'un ordinateur, on ne m'a jamais appris",
            "la carte Vitale à refaire, il faut une photo numérique",
            "la demande d'aide-ménagère, on attend la visite depuis deux mois",
            "résilier un contrat d'électricité, ils ne répondent qu'en ligne",
            "le renouvellement de la carte d'invalidité de mon mari",
            "tout ce qui concerne la succession depuis le décès de mon époux",
            "la banque a fermé l'agence, je dois tout faire sur l'application",
        ],
    },
    "manque_quartier": {
        "jeune": [
            "un lieu pour se retrouver entre jeunes, le soir on traîne en bas des immeubles",
            "des terrains de sport en bon état, le city stade est cassé",
            "une salle pour réviser au calme, la médiathèque ferme trop tôt",
            "des petits boulots ou des stages près de chez nous",
            "un vrai bus le soir et le week-end à {quartier}",
            "des animateurs, depuis que la maison des jeunes a fermé il n'y a plus rien",
            "des commerces, il n'y a qu'une supérette hors de prix",
            "un endroit pour faire de la musique",
            "plus de sécurité, il y a du deal devant l'entrée",
            "un médecin, on doit aller jusqu'au centre de {commune}",
            "une laverie et une boulangerie à {quartier}",
            "des espaces verts propres, le parc est plein de déchets",
        ],
        "age": [
            "un commerce de proximité, depuis la fermeture de la boulangerie je dois prendre le bus",
            "des bancs et des toilettes publiques",
            "un médecin qui se déplace à domicile",
            "du lien, on ne se parle plus entre voisins à {quartier}",
            "un club pour les anciens, avec des jeux et des sorties",
            "un distributeur de billets, le plus proche est à deux kilomètres",
            "de l'éclairage le soir, je n'ose plus sortir après 18 heures",
            "quelqu'un pour aider aux démarches administratives",
            "une navette pour le marché de {commune}",
            "des trottoirs réparés, c'est dangereux avec un déambulateur",
            "la poste a fermé, il faut aller à l'autre bout de {commune}",
            "des activités l'après-midi, les journées sont longues",
        ],
    },
    "message_elus": {
        "jeune": [
            "écoutez les jeunes avant de décider pour nous",
            "aidez-nous à passer le permis, c'est la clé pour trouver du travail",
            "rouvrez la maison des jeunes",
            "il faut des logements abordables pour qu'on puisse partir de chez nos parents",
            "venez voir comment on vit à {quartier}",
            "mettez des bus le soir",
            "on veut des formations qui mènent à un emploi",
            "faites des permanences dans les quartiers, pas seulement à la mairie",
            "des jobs d'été pour les jeunes de la commune",
            "le sport devrait être gratuit pour les moins de 25 ans",
            "on a des idées, donnez-nous un budget et on vous montre",
            "aidez les étudiants pour le logement, on dort parfois chez des potes",
        ],
        "age": [
            "n'oubliez pas les personnes âgées qui n'ont pas internet",
            "gardez des guichets avec de vraies personnes",
            "pensez à ceux qui vivent seuls, un coup de fil ça fait du bien",
            "il faut des logements adaptés dans le quartier pour y vieillir",
            "réparez les trottoirs, on tombe",
            "remettez un commerce à {quartier}",
            "merci pour le portage des repas, continuez",
            "venez nous voir, les élus on ne les voit qu'aux élections",
            "un minibus pour aller au cimetière et au marché, ce serait bien",
            "que quelqu'un passe voir les personnes seules l'hiver",
            "gardez le bureau de poste, c'est notre lien",
            "des toilettes publiques, à nos âges ça compte",
        ],
    },
}

# A few answers name people or give a phone number, as residents do: pseudonymisation must catch them.
IDENTIFYING_REMARKS = {
    "jeune": [
        "j'en ai parlé à Mme Leroy à la mission locale, elle m'a dit de rappeler au 06 12 45 78 90",
        "mon conseiller, M. Haddad, m'a aidé mais il est parti",
        "vous pouvez me recontacter à lucas.martin37@gmail.com",
    ],
    "age": [
        "Mme Dupuis du CCAS est venue une fois, c'était bien",
        "ma voisine Josiane Moreau m'aide pour les courses, sinon je ne sais pas comment je ferais",
        "j'habite au 14 rue des Tanneurs, venez voir l'état de l'escalier",
    ],
}


def verbatim(question: str, public: str, rng: random.Random, *, commune: str, quartier: str) -> str:
    """One answer to `question` in the spoken style of a `public` respondent ("jeune" or "age")."""
    public = "jeune" if public == "jeune" else "age"
    remarks = REMARKS[question][public]
    count = 1 if rng.random() < 0.6 else 2
    chosen = rng.sample(remarks, count)
    if rng.random() < 0.04:
        chosen.append(rng.choice(IDENTIFYING_REMARKS[public]))
    opening = rng.choice(QUESTION_OPENINGS.get(question) or OPENINGS[public])
    text = opening + _join(chosen, rng) + "." + rng.choice(CLOSINGS[public])
    text = text.format(commune=commune, quartier=quartier)
    return as_sentence(text)


def _join(remarks: list[str], rng: random.Random) -> str:
    if len(remarks) == 1:
        return remarks[0]
    connector = rng.choice(
        [", et puis ", ". Et aussi ", ", sans parler du fait que ", ". En plus, ", ", et "]
    )
    rest = connector.join(remarks[1:])
    return remarks[0] + connector + rest
