"""A form whose calculations read others written below them, as real forms do (a summary above
its inputs): chains of calculates in reverse document order, relevance reading a later calculate,
and a group shown by a total computed after it. The right values are known by construction."""

from questionnaires import Group, Question, Questionnaire

CHAINS, LENGTH = 6, 30


def chained_form() -> Questionnaire:
    children = [
        Group(
            "suite",
            {"fr": "Suite"},
            relevant="${total} > 10",
            children=[Question("calculate", "double", {}, calculation="${total} * 2")],
        ),
        Question("integer", "x", {"fr": "Valeur de départ"}),
    ]
    for chain in range(CHAINS):
        links = []
        for step in range(LENGTH):
            previous = "${x}" if step == 0 else f"${{c{chain}_{step - 1}}}"
            relevant = f"${{c{chain}_{step - 1}}} >= 0" if chain % 3 == 0 and step else ""
            links.append(
                Question(
                    "calculate",
                    f"c{chain}_{step}",
                    {},
                    calculation=f"{previous} + 1",
                    relevant=relevant,
                )
            )
        if chain % 2:
            links.reverse()
        children += links
    children.append(Question("calculate", "total", {}, calculation=f"${{c0_{LENGTH - 1}}}"))
    return Questionnaire(title="Chaînes", form_id="chaines", children=children)


def expected(x: int) -> dict:
    """Every calculate's value for a start value x. In the chains with relevance, a link whose
    previous link is negative (or has no value) is not relevant: it has no value either."""
    values = {}
    for chain in range(CHAINS):
        for step in range(LENGTH):
            previous = values.get(f"c{chain}_{step - 1}") if step else x
            if chain % 3 == 0 and step and (previous is None or previous < 0):
                continue
            values[f"c{chain}_{step}"] = previous + 1
    if f"c0_{LENGTH - 1}" in values:
        values["total"] = values[f"c0_{LENGTH - 1}"]
        if values["total"] > 10:
            values["double"] = 2 * values["total"]
    return values


def choice_name_form():
    """A calculate that reads a choice's label with jr:choice-name, in two languages."""
    from questionnaires.model import Choice, ChoiceList

    return Questionnaire(
        title="Logement",
        form_id="logement",
        languages=["fr", "en"],
        children=[
            Question(
                "select_one",
                "logement",
                {"fr": "Logement", "en": "Housing"},
                choice_list="statuts",
            ),
            Question(
                "calculate",
                "libelle",
                {},
                calculation="jr:choice-name(${logement}, '${logement}')",
            ),
        ],
        choice_lists={
            "statuts": ChoiceList(
                "statuts",
                [
                    Choice("hlm", {"fr": "Locataire HLM", "en": "Social tenant"}),
                    Choice("proprio", {"fr": "Propriétaire", "en": "Owner"}),
                ],
            )
        },
    )


LONG_CHAINS, LONG_LENGTH = 20, 50


def long_chains_form() -> Questionnaire:
    """The benchmark's shape, smaller around the chains: 20 chains of 50 calculates reading x, every
    other one written in reverse order (each link reads the one below it); a label, a relevance,
    a sum over a repeat and an indexed-repeat reading calculates written below them; a repeat
    whose calculate reads x; and questions that read none of it (autre, commentaire, and
    identifiant = uuid())."""
    first_page = Group(
        "debut",
        {"fr": "Début"},
        children=[
            Question("integer", "x", {"fr": "Valeur de départ"}),
            Question("note", "resume", {"fr": f"Fin de la chaîne 2 : ${{c1_{LONG_LENGTH - 1}}}"}),
            Question(
                "integer",
                "seuil",
                {"fr": "Seuil"},
                relevant=f"${{c0_{LONG_LENGTH - 1}}} > 100",
            ),
            Question("integer", "autre", {"fr": "Autre valeur"}),
            Question(
                "text",
                "commentaire",
                {"fr": "Commentaire sur ${autre}"},
                relevant="${autre} != 3",
            ),
            Question("calculate", "identifiant", {}, calculation="uuid()"),
        ],
    )
    children = [first_page]
    for chain in range(LONG_CHAINS):
        links = [
            Question(
                "calculate",
                f"c{chain}_{step}",
                {},
                calculation=("${x}" if step == 0 else f"${{c{chain}_{step - 1}}}") + " + 1",
            )
            for step in range(LONG_LENGTH)
        ]
        if chain % 2:
            links.reverse()
        children += links
    children.append(Question("calculate", "total_ages", {}, calculation="sum(${age_plus})"))
    children.append(
        Question(
            "calculate", "premier", {}, calculation="indexed-repeat(${age_plus}, ${membres}, 1)"
        )
    )
    children.append(
        Group(
            "membres",
            {"fr": "Membre"},
            repeat=True,
            children=[
                Question("integer", "age_membre", {"fr": "Âge"}),
                Question("calculate", "age_plus", {}, calculation="${age_membre} + ${x}"),
            ],
        )
    )
    return Questionnaire(title="Longues chaînes", form_id="longues_chaines", children=children)


def long_chain_ends(x: int) -> dict:
    """The last link of every chain for a start value x."""
    return {f"c{chain}_{LONG_LENGTH - 1}": x + LONG_LENGTH for chain in range(LONG_CHAINS)}
