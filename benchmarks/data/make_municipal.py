"""Builds municipal_answers.csv and municipal_codebook.json: a second coded set for
benchmarks/quality.py, built apart from the ABS answers and from any codebook rule.

The consultation: a town asks its residents what they think of the project to redo its market
square and main street. 34 codes (one of them « Sans réponse / hors sujet ») of very unequal
frequency (drawn from a Zipf-like law: the most frequent about 40 times the rarest). Each answer
draws 1 to 3 codes, then for each code one of several phrasings written by hand for it; phrasings
share the vocabulary of the place (« place », « rue », « voiture », « marché ») across codes so
that no single word gives a code away. Openers, connectors, closers, a few answers in SMS style,
without accents, in capitals or with a typo, and sentences about a theme that is NOT the code
(« le stationnement ça va, par contre… ») make them less trivially separable. Seeded: running it
again writes the same files.

    python benchmarks/data/make_municipal.py
"""

import csv
import json
import random
import unicodedata
from pathlib import Path

HERE = Path(__file__).resolve().parent
SEED = 21
N_ANSWERS = 640

# code id, name, phrasings ({x} slots filled from FILL)
CODES = [
    (
        "stationnement",
        "Stationnement",
        [
            "on ne trouve déjà plus de place pour se garer le samedi",
            "si vous supprimez le parking de la place, où vont se garer les gens qui viennent au marché ?",
            "il faut garder des places de stationnement devant les commerces",
            "le parking souterrain promis depuis dix ans, il est où ?",
            "les places de parking vont disparaître, c'est ça le vrai problème",
            "je tourne vingt minutes pour me garer quand je viens chercher mon pain",
            "prévoir un parking relais à l'entrée du bourg",
            "stationnement payant = plus personne en centre-ville",
        ],
    ),
    (
        "circulation",
        "Circulation et sens de circulation",
        [
            "la rue principale en sens unique va reporter tous les camions sur les petites rues",
            "ça bouchonne déjà à 8h devant l'école, avec les travaux ce sera pire",
            "le nouveau sens de circulation est incompréhensible",
            "les poids lourds doivent passer par la déviation, pas par le centre",
            "trop de voitures traversent le bourg à toute vitesse",
            "il faudrait limiter la traversée du centre aux riverains",
            "le carrefour de la pharmacie est dangereux, personne ne sait qui a la priorité",
        ],
    ),
    (
        "commerces",
        "Commerces de proximité",
        [
            "les commerçants vont souffrir pendant les travaux, il faut les aider",
            "sans voitures devant la boulangerie, le boulanger va fermer",
            "une place agréable attirera de nouveaux commerces, il y a trop de vitrines vides",
            "il faut garder la boucherie et la presse, ce sont les derniers commerces de la rue",
            "indemniser les commerces pendant le chantier",
            "on veut des boutiques, pas des agences immobilières",
        ],
    ),
    (
        "marche",
        "Marché hebdomadaire",
        [
            "où ira le marché du jeudi pendant les travaux ?",
            "le marché doit rester sur la place, c'est le cœur du village",
            "prévoir des bornes électriques et un point d'eau pour les forains",
            "un marché couvert serait bien pour l'hiver",
            "les étals du marché débordent sur la route, c'est dangereux",
            "le marché du dimanche matin attire du monde, ne le cassez pas",
        ],
    ),
    (
        "pietons",
        "Piétons et trottoirs",
        [
            "les trottoirs sont trop étroits, on marche sur la route avec la poussette",
            "une rue piétonne le week-end, ce serait génial",
            "il manque des passages piétons devant l'école",
            "enfin pouvoir marcher tranquillement en centre-ville",
            "les voitures garées sur le trottoir obligent les piétons à descendre sur la chaussée",
            "élargir les trottoirs de la rue principale",
        ],
    ),
    (
        "velo",
        "Vélo",
        [
            "une piste cyclable sécurisée jusqu'au collège",
            "des arceaux pour attacher les vélos devant la mairie",
            "à vélo la rue principale est un enfer, les voitures frôlent",
            "pensez aux vélos cargo des familles",
            "un garage à vélos couvert près de l'arrêt de car",
        ],
    ),
    (
        "arbres",
        "Arbres et végétalisation",
        [
            "surtout ne coupez pas les platanes de la place",
            "plus d'arbres et moins de béton",
            "il faut de l'ombre l'été, la place est un four",
            "planter des haies et des massifs fleuris",
            "des arbres qui ne font pas tomber des fruits partout sur les voitures",
            "végétaliser les pieds de murs et les façades",
            "les tilleuls sont malades, il faudra les remplacer",
        ],
    ),
    (
        "cout",
        "Coût et impôts",
        [
            "combien ça va coûter ? on va encore payer avec nos impôts",
            "le budget est trop élevé pour une commune comme la nôtre",
            "la taxe foncière a déjà augmenté, ce projet n'est pas une priorité",
            "dépenser des millions pour des pavés, non merci",
            "quel est le montant exact et qui paie, la région ou nous ?",
        ],
    ),
    (
        "travaux",
        "Durée et nuisances des travaux",
        [
            "deux ans de chantier, c'est beaucoup trop long",
            "le bruit des travaux dès 7h du matin, pensez aux riverains",
            "faites les travaux pendant les vacances d'été",
            "la poussière du chantier partout dans les maisons",
            "phaser les travaux rue par rue pour que ça reste accessible",
            "j'espère que le chantier ne va pas durer comme celui de la gare",
        ],
    ),
    (
        "concertation",
        "Concertation et information",
        [
            "on n'a pas été consultés, tout était déjà décidé",
            "une seule réunion publique un mardi à 18h, ce n'est pas de la concertation",
            "merci de demander l'avis des habitants, c'est rare",
            "il faudrait afficher les plans en mairie et sur le site",
            "la mairie communique mal, on apprend les choses par la presse",
            "associer les jeunes et les anciens aux décisions",
        ],
    ),
    (
        "securite-routiere",
        "Sécurité routière et vitesse",
        [
            "les voitures roulent à 70 dans la rue principale",
            "des ralentisseurs devant l'école, vite",
            "mettre toute la traversée en zone 30",
            "un radar pédagogique ne suffira pas, il faut des contrôles",
            "mon fils a failli se faire renverser au passage piéton",
        ],
    ),
    (
        "accessibilite",
        "Accessibilité handicap et mobilité réduite",
        [
            "en fauteuil roulant impossible de monter sur les trottoirs",
            "des bateaux pavés pour les poussettes et les fauteuils",
            "pensez aux personnes âgées qui marchent avec une canne, les pavés glissent",
            "des places réservées aux personnes handicapées près de la pharmacie",
            "les malvoyants ont besoin de bandes podotactiles",
        ],
    ),
    (
        "bancs",
        "Bancs et mobilier urbain",
        [
            "il manque des bancs pour s'asseoir à l'ombre",
            "des poubelles en nombre suffisant sur la place",
            "le mobilier en métal est brûlant l'été",
            "des bancs avec dossier pour les anciens",
            "des tables de pique-nique près de la fontaine",
        ],
    ),
    (
        "eclairage",
        "Éclairage public",
        [
            "la place est trop sombre le soir",
            "des lampadaires à led qui éclairent vers le bas",
            "éteindre l'éclairage après minuit pour les économies",
            "la rue principale mal éclairée, on ne se sent pas en sécurité en rentrant",
        ],
    ),
    (
        "proprete",
        "Propreté",
        [
            "les déjections canines partout sur la place",
            "les poubelles débordent le lundi après le marché",
            "des canisettes et des sacs pour les chiens",
            "les mégots jetés partout devant le bar",
            "nettoyer la place après le marché, ça sent mauvais",
        ],
    ),
    (
        "bruit",
        "Bruit et tranquillité",
        [
            "la terrasse du bar fait du bruit jusqu'à 2h du matin",
            "les motos qui pétaradent le soir",
            "une place plus animée c'est bien mais pensez aux riverains qui dorment",
            "trop de nuisances sonores les soirs d'été",
        ],
    ),
    (
        "jeux-enfants",
        "Jeux pour enfants",
        [
            "une aire de jeux pour les petits sur la place",
            "les enfants n'ont nulle part où jouer en centre-bourg",
            "des jeux d'eau pour l'été",
            "une aire de jeux clôturée, loin de la route",
        ],
    ),
    (
        "jeunes",
        "Jeunes et adolescents",
        [
            "rien pour les ados, ils traînent à l'abribus",
            "un skatepark ou un city stade",
            "un lieu pour les jeunes le soir, sinon ils partent en ville",
            "les jeunes du village n'ont pas été écoutés",
        ],
    ),
    (
        "animation",
        "Animation et événements",
        [
            "une place libre pour les fêtes, les concerts et la brocante",
            "des animations l'été, un cinéma en plein air",
            "garder la fête du village sur la place",
            "le marché de Noël pourrait revenir sur la place rénovée",
        ],
    ),
    (
        "patrimoine",
        "Patrimoine et caractère du bourg",
        [
            "respecter le caractère ancien du bourg, pas de béton moderne",
            "garder les vieux pavés et la fontaine",
            "l'église et la halle doivent être mises en valeur",
            "le projet ressemble à n'importe quelle zone commerciale, on perd notre identité",
            "des matériaux en pierre locale",
        ],
    ),
    (
        "transports-commun",
        "Transports en commun",
        [
            "l'arrêt de car doit rester sur la place",
            "plus de cars vers la ville, surtout le soir",
            "une navette gratuite les jours de marché",
            "l'abribus est trop petit et sans banc",
        ],
    ),
    (
        "eau-pluie",
        "Eaux pluviales et inondations",
        [
            "la rue est inondée à chaque orage, refaites les évacuations",
            "des sols perméables pour que l'eau s'infiltre",
            "les caniveaux débordent devant chez moi",
            "récupérer l'eau de pluie pour arroser les massifs",
        ],
    ),
    (
        "toilettes",
        "Toilettes publiques",
        [
            "des toilettes publiques ouvertes, surtout les jours de marché",
            "les WC de la place sont fermés depuis des années",
            "des sanitaires accessibles aux personnes handicapées",
        ],
    ),
    (
        "terrasses",
        "Terrasses de cafés et restaurants",
        [
            "laisser les cafés agrandir leurs terrasses",
            "des terrasses au soleil, comme dans le sud",
            "les terrasses prennent tout le trottoir, on ne passe plus",
        ],
    ),
    (
        "recharge",
        "Bornes de recharge électrique",
        [
            "des bornes de recharge pour les voitures électriques",
            "une borne pour recharger les vélos électriques",
            "aucune borne électrique dans le village, c'est dommage",
        ],
    ),
    (
        "livraisons",
        "Livraisons",
        [
            "où vont se garer les camions de livraison des commerces ?",
            "des aires de livraison avec des horaires",
            "les livreurs bloquent la rue tous les matins",
        ],
    ),
    (
        "securite-delinquance",
        "Sécurité et incivilités",
        [
            "des caméras de surveillance sur la place",
            "les dégradations la nuit, les vitrines cassées",
            "des rodéos de scooters le soir",
            "plus de présence de la police municipale",
        ],
    ),
    (
        "ecoles",
        "Abords des écoles",
        [
            "sécuriser la sortie de l'école à 16h30",
            "un parvis devant l'école sans voitures",
            "les parents se garent en double file devant l'école",
        ],
    ),
    (
        "favorable",
        "Avis favorable au projet",
        [
            "très bon projet, enfin !",
            "j'approuve totalement, ça va embellir le bourg",
            "bravo à la mairie pour ce projet",
            "c'est une bonne idée, il était temps",
            "le projet me plaît beaucoup",
        ],
    ),
    (
        "defavorable",
        "Avis défavorable au projet",
        [
            "je suis contre ce projet",
            "projet inutile, laissez la place comme elle est",
            "non à ce projet qui va tuer le village",
            "ce projet ne répond à aucun besoin",
        ],
    ),
    (
        "habitat",
        "Logements du centre",
        [
            "des logements vides au-dessus des commerces à rénover",
            "les loyers vont augmenter si le centre devient chic",
            "réhabiliter les maisons abandonnées de la rue principale",
        ],
    ),
    (
        "numerique",
        "Wifi et services numériques",
        [
            "un wifi public gratuit sur la place",
            "un panneau numérique pour les informations de la mairie",
        ],
    ),
    (
        "sante-centre",
        "Santé et services en centre-bourg",
        [
            "garder la pharmacie et le médecin en centre-bourg",
            "une maison de santé sur la place, ce serait utile",
        ],
    ),
    (
        "hors-sujet",
        "Sans réponse / hors sujet",
        [
            "je ne sais pas",
            "pas d'avis",
            "rien à dire",
            "aucune idée",
            "je ne suis pas concerné, j'habite à l'autre bout de la commune",
            "le ramassage des encombrants ne passe plus dans mon hameau",
            "quand est-ce que la fibre arrive dans mon lotissement ?",
            "je voudrais savoir pourquoi ma demande de permis de construire traîne",
            "la cantine est trop chère",
            "ok",
            "...",
            "je repasserai plus tard",
            "les impôts des autres communes sont moins chers",
        ],
    ),
]

OPENERS = [
    "",
    "",
    "",
    "",
    "Franchement, ",
    "Pour moi, ",
    "Alors ",
    "Bonjour, ",
    "À mon avis ",
    "Je pense que ",
    "Habitante du centre : ",
    "Comme riverain, ",
    "Bof, ",
    "Surtout, ",
]
CONNECTORS = [". ", ", et ", ". Aussi, ", " ; ", ". Par ailleurs ", " et puis ", ". Autre chose : "]
CLOSERS = [
    "",
    "",
    "",
    "",
    ".",
    " !",
    "...",
    ". Merci.",
    ". Cordialement.",
    " merci de nous écouter",
    ". Voilà.",
    " svp",
]
# Sentences about a theme that deny or set it aside: the words are there, the code is not.
ASIDES = [
    "le stationnement ça va, par contre",
    "pas de souci pour le marché, mais",
    "je n'ai rien contre les vélos, mais",
    "les arbres c'est secondaire,",
    "le coût on verra,",
    "la circulation n'est pas mon sujet,",
]


def zipf_weights(n: int, exponent: float = 1.1) -> list[float]:
    return [1 / (rank + 1) ** exponent for rank in range(n)]


def strip_accents(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFD", text) if unicodedata.category(c) != "Mn")


def typo(text: str, rng: random.Random) -> str:
    words = text.split()
    candidates = [i for i, word in enumerate(words) if len(word) > 5]
    if not candidates:
        return text
    i = rng.choice(candidates)
    word = words[i]
    k = rng.randrange(1, len(word) - 1)
    words[i] = word[:k] + word[k + 1 :] if rng.random() < 0.5 else word[:k] + word[k] + word[k:]
    return " ".join(words)


def style(text: str, rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.12:
        text = strip_accents(text).lower()
    elif roll < 0.16:
        text = text.upper()
    elif roll < 0.24:
        text = text.lower().replace("qu'", "k'").replace("c'est", "c").replace("pour", "pr")
    if rng.random() < 0.2:
        text = typo(text, rng)
    return text


def answer(rng: random.Random, weights: list[float]) -> tuple[str, list[str]]:
    topical = CODES[:-1]
    none_code = CODES[-1]
    if rng.random() < 0.06:
        return style(rng.choice(none_code[2]), rng), [none_code[0]]
    n_codes = rng.choices([1, 2, 3], weights=[0.55, 0.33, 0.12])[0]
    chosen = []
    while len(chosen) < n_codes:
        code = rng.choices(topical, weights=weights)[0]
        if code not in chosen:
            chosen.append(code)
    parts = [rng.choice(code[2]) for code in chosen]
    if rng.random() < 0.12:
        parts[0] = rng.choice(ASIDES) + " " + parts[0]
    text = rng.choice(OPENERS) + parts[0]
    for part in parts[1:]:
        text += rng.choice(CONNECTORS) + part
    text += rng.choice(CLOSERS)
    text = text[0].upper() + text[1:]
    return style(text, rng), [code[0] for code in chosen]


def main() -> None:
    rng = random.Random(SEED)
    topical = CODES[:-1]
    order = list(range(len(topical)))
    rng.shuffle(order)  # which code is frequent owes nothing to the order above
    weights = [0.0] * len(topical)
    for rank, index in enumerate(order):
        weights[index] = zipf_weights(len(topical))[rank]
    rows, seen = [], set()
    while len(rows) < N_ANSWERS:
        text, codes = answer(rng, weights)
        if text in seen:
            continue
        seen.add(text)
        rows.append({"id": f"m{len(rows) + 1:03d}", "text": text, "codes": "|".join(codes)})
    with (HERE / "municipal_answers.csv").open("w", encoding="utf-8", newline="") as out:
        writer = csv.DictWriter(out, ["id", "text", "codes"])
        writer.writeheader()
        writer.writerows(rows)
    codebook = {
        "format": 1,
        "name": "Consultation : réaménagement de la place du marché et de la rue principale",
        "codes": [{"id": code_id, "name": name} for code_id, name, _phrasings in CODES],
    }
    (HERE / "municipal_codebook.json").write_text(
        json.dumps(codebook, ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
    )


if __name__ == "__main__":
    main()
