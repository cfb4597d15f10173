"""Builds themes_answers.csv: French answers to an ABS's open question (« Quels sont, selon vous,
les besoins prioritaires des habitants ? ») each labelled with ONE human theme, for
benchmarks/themes.py. Written for this project (same licence as the project), by hand, before
the classification was tuned, and never changed to suit it.

Six themes: logement, santé, mobilité, emploi, lien social (isolement), enfance-jeunesse. Each
answer draws one theme, one or two of its phrasings written by hand, an opener and a closer;
phrasings share the vocabulary of daily life across themes (« quartier », « cher », « personnes
âgées », « jeunes », « attendre », « le soir ») so that no single word gives a theme away. Some
answers are in SMS style, without accents, in capitals or with a typo. Seeded: running it again
writes the same file.

    python benchmarks/data/make_themes.py
"""

import csv
import random
import unicodedata
from pathlib import Path

HERE = Path(__file__).resolve().parent
SEED = 7
N_ANSWERS = 420

THEMES = {
    "logement": [
        "les loyers sont beaucoup trop chers pour une famille avec un seul salaire",
        "on attend un logement social depuis quatre ans, le dossier ne bouge pas",
        "notre appartement est humide, il y a de la moisissure dans la chambre des enfants",
        "le propriétaire ne fait aucuns travaux, le chauffage est en panne depuis l'hiver dernier",
        "les personnes âgées ne peuvent pas rester chez elles, les maisons ne sont pas adaptées",
        "il faudrait rénover les immeubles du quartier, l'isolation est catastrophique",
        "les factures d'énergie explosent dans ces vieux logements mal isolés",
        "trop de logements vides en centre-bourg alors que des jeunes cherchent à se loger",
        "impossible de trouver une location pour un jeune qui commence à travailler",
        "l'ascenseur de la résidence est en panne et ma mère ne peut plus sortir de chez elle",
        "des aides pour adapter la salle de bain quand on vieillit",
        "le bailleur ne répond jamais aux demandes de réparation",
        "on vit à cinq dans un deux-pièces, on étouffe",
        "les expulsions font peur, on paie le loyer avant de manger",
    ],
    "sante": [
        "il manque un médecin généraliste, le dernier est parti à la retraite",
        "trois mois d'attente pour un rendez-vous chez l'ophtalmo, c'est pas normal",
        "pas de dentiste à moins de trente kilomètres",
        "les urgences sont loin et saturées, on attend des heures",
        "les soins coûtent cher même avec la mutuelle",
        "ma fille a besoin d'un orthophoniste et il n'y a aucune place",
        "une maison de santé avec plusieurs médecins et une infirmière",
        "les personnes âgées renoncent à se soigner faute de médecin traitant",
        "plus de psychologues pour les jeunes qui vont mal",
        "la pharmacie de garde le dimanche est à l'autre bout du département",
        "le centre médical ne prend plus de nouveaux patients",
        "des consultations le soir pour ceux qui travaillent",
        "on manque de kiné et d'aides à domicile pour les malades",
        "le dépistage et la prévention devraient venir jusqu'au quartier",
    ],
    "mobilite": [
        "le bus passe une fois par heure et pas du tout le dimanche",
        "sans voiture on ne peut rien faire ici, même pas aller travailler",
        "il faudrait une ligne de bus directe vers la gare",
        "les trottoirs sont trop étroits pour une poussette ou un fauteuil",
        "le transport à la demande, il faut réserver la veille, c'est compliqué",
        "le permis de conduire coûte trop cher pour les jeunes",
        "des pistes cyclables sécurisées pour aller au collège à vélo",
        "le dernier bus part à 19h, impossible de rentrer le soir",
        "les personnes âgées ne conduisent plus et restent bloquées au village",
        "le train pour la ville est toujours en retard ou supprimé",
        "un service de covoiturage organisé par la commune",
        "l'essence est trop chère pour faire trente kilomètres tous les jours",
        "la navette vers le marché a été supprimée",
        "des arrêts de bus abrités et accessibles",
    ],
    "emploi": [
        "il n'y a pas de travail pour les jeunes sans diplôme",
        "les offres d'emploi sont toutes en ville, loin d'ici",
        "des formations qualifiantes près de chez nous",
        "je cherche un emploi depuis deux ans, pôle emploi ne propose rien",
        "les contrats courts et l'intérim, on ne peut rien prévoir",
        "aider les femmes seules à reprendre un travail avec une garde pour les enfants",
        "les entreprises du coin devraient embaucher des gens du quartier",
        "un accompagnement pour écrire un CV et passer un entretien",
        "le chômage des plus de cinquante ans, personne ne veut nous embaucher",
        "plus d'apprentissage et de stages pour les jeunes",
        "les salaires sont trop bas, on travaille et on n'arrive pas à finir le mois",
        "une mission locale ouverte plus souvent",
        "la reconversion professionnelle est un parcours du combattant",
        "des chantiers d'insertion pour remettre le pied à l'étrier",
    ],
    "lien_social": [
        "beaucoup de personnes âgées vivent seules et ne voient personne de la semaine",
        "il n'y a plus de lieu pour se retrouver, le café a fermé",
        "des repas partagés et des fêtes de quartier pour se rencontrer",
        "je me sens isolée depuis le décès de mon mari",
        "les voisins ne se parlent plus, chacun reste chez soi",
        "un centre social avec des activités pour tous les âges",
        "des visites à domicile pour les aînés qui ne sortent plus",
        "les nouveaux arrivants ne connaissent personne",
        "des associations qui créent du lien entre les générations",
        "la solitude, surtout l'hiver, c'est dur",
        "un espace de rencontre ouvert le week-end",
        "du bénévolat pour rompre l'isolement des anciens",
        "les clubs du troisième âge ont disparu",
        "il faudrait un lieu convivial où on peut parler autour d'un café",
    ],
    "jeunesse": [
        "les jeunes n'ont rien à faire le soir et traînent dans la rue",
        "pas assez de places en crèche, on attend depuis la naissance",
        "un accueil périscolaire après l'école jusqu'à 19h",
        "des activités sportives et culturelles pour les ados",
        "la cantine scolaire est trop chère pour les familles nombreuses",
        "un skatepark ou un city stade pour les jeunes du quartier",
        "le centre de loisirs est complet pendant les vacances",
        "de l'aide aux devoirs pour les collégiens en difficulté",
        "les assistantes maternelles sont trop peu nombreuses",
        "une maison des jeunes avec des animateurs",
        "les enfants n'ont pas d'aire de jeux sécurisée",
        "des séjours de vacances pour les enfants qui ne partent jamais",
        "les écrans remplacent tout, il faut proposer autre chose aux enfants",
        "le club de foot manque d'éducateurs et de terrains",
    ],
}

OPENERS = [
    "",
    "",
    "",
    "Bonjour, ",
    "Pour moi, ",
    "Franchement, ",
    "À mon avis, ",
    "Le plus urgent : ",
    "Déjà, ",
    "Je pense que ",
    "Surtout, ",
]
CONNECTORS = [". ", ", et ", ". Et aussi ", ". En plus ", " ; ", ". "]
CLOSERS = [
    "",
    "",
    "",
    ".",
    ". Merci.",
    " !",
    ". Voilà.",
    ". C'est le plus important.",
    "...",
    ". Cordialement",
]


def _strip_accents(text: str) -> str:
    return "".join(
        char for char in unicodedata.normalize("NFD", text) if unicodedata.category(char) != "Mn"
    )


def _typo(text: str, rng: random.Random) -> str:
    words = text.split()
    long_words = [i for i, word in enumerate(words) if len(word) > 5]
    if not long_words:
        return text
    index = rng.choice(long_words)
    word = words[index]
    cut = rng.randrange(1, len(word) - 1)
    words[index] = word[:cut] + word[cut + 1] + word[cut] + word[cut + 2 :]
    return " ".join(words)


def make_answer(theme: str, rng: random.Random) -> str:
    phrasings = THEMES[theme]
    count = 1 if rng.random() < 0.6 else 2
    parts = rng.sample(phrasings, count)
    body = parts[0]
    for part in parts[1:]:
        body += rng.choice(CONNECTORS) + part
    text = rng.choice(OPENERS) + body + rng.choice(CLOSERS)
    text = text[0].upper() + text[1:]
    style = rng.random()
    if style < 0.08:
        text = _strip_accents(text).lower()
    elif style < 0.12:
        text = text.upper()
    elif style < 0.2:
        text = _typo(text, rng)
    return text


def main() -> None:
    rng = random.Random(SEED)
    names = sorted(THEMES)
    rows = []
    for number in range(1, N_ANSWERS + 1):
        theme = names[(number - 1) % len(names)]
        rows.append({"id": f"t{number:03d}", "text": make_answer(theme, rng), "theme": theme})
    rng.shuffle(rows)
    with (HERE / "themes_answers.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=["id", "text", "theme"])
        writer.writeheader()
        writer.writerows(rows)


if __name__ == "__main__":
    main()
