"""A profile that an answer contradicts: the age band chosen on the profile screen, and the age
the person gave to the questionnaire's own question (« 75–84 ans » on the profile, 67 answered).

The age question is found by its form, not by a fixed name, so that any questionnaire can have
one: an integer question outside any repeat (a repeat's ages are the household's, not the
respondent's) whose name, accents and case aside, is « age » or starts with « age_ » and whose
label mentions « âge » (« age_repondant », « Quel âge avez-vous ? »). The first such question in
form order is taken; a questionnaire without one is never flagged."""

from __future__ import annotations

import unicodedata

from questionnaires import Questionnaire, label_in
from questionnaires.answers import repeat_chain

from .models import AGE_BAND_BOUNDS, AGE_BANDS


def _plain(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text or "")
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()


def age_question(model: Questionnaire) -> str | None:
    """The name of the respondent's age question (see the module), or None."""
    for question in model.questions():
        if question.type != "integer" or repeat_chain(model, question.name):
            continue
        name = _plain(question.name)
        if name == "age" or (
            name.startswith("age_") and "age" in _plain(label_in(question.label, "fr"))
        ):
            return question.name
    return None


def profile_contradiction(model: Questionnaire, age_band: str, answers: dict) -> str | None:
    """A French sentence when the answered age falls outside the profile's age band."""
    name = age_question(model)
    bounds = AGE_BAND_BOUNDS.get(age_band or "")
    if name is None or bounds is None:
        return None
    value = (answers or {}).get(name)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    low, high = bounds
    if low <= value <= high:
        return None
    return (
        f"Le profil indique « {AGE_BANDS[age_band]} » mais la personne a répondu "
        f"{value:g} ans à la question de l'âge : vérifiez le profil ou la réponse."
    )
