"""The demo territory: five communes of Tours Métropole Val de Loire and some of their quartiers."""

COMMUNES = {
    "37261": (
        "Tours",
        ["Centre-ville", "Les Fontaines", "Sanitas", "Europe", "Rives du Cher", "Tours-Nord"],
    ),
    "37122": ("Joué-lès-Tours", ["La Rabière", "Centre", "Morier", "Alouette"]),
    "37233": ("Saint-Pierre-des-Corps", ["Rabaterie", "Centre", "Quartier de la Gare"]),
    "37214": ("Saint-Cyr-sur-Loire", ["Centre", "La Ménardière"]),
    "37195": ("La Riche", ["Centre", "Plaine de la Gloriette"]),
}
# Quartiers the centre social's consultation (the second demo study) adds; kept apart so that
# the ABS demo's answers stay as they were.
MORE_QUARTIERS = {"37195": ["Niqueux-Bruère", "Saint-Cosme"]}

PLACES = [
    "Domicile",
    "Résidence autonomie",
    "Marché",
    "Mission locale",
    "Centre social",
    "Espace jeunes",
    "Hall de la mairie",
    "Permanence du CCAS",
]
