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
