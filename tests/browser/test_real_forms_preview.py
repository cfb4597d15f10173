"""The preview of each real XLSForm (tests/data/xlsforms/real_forms.py) as the chargé d'étude
sees it in Chromium: every form shows its first questions without an expression failing, and the
household survey titles its health questions, as Collect would, by what indexed-repeat() reads."""

import importlib.util
import sys
from pathlib import Path

import pytest
from playwright.sync_api import expect

from consultation.extensions import db
from questionnaires.model import label_in


def _real_forms():
    """tests/data/xlsforms/real_forms.py, loaded once for every test module that needs it."""
    if "real_forms" not in sys.modules:
        path = Path(__file__).resolve().parent.parent / "data" / "xlsforms" / "real_forms.py"
        spec = importlib.util.spec_from_file_location("real_forms", path)
        module = importlib.util.module_from_spec(spec)
        sys.modules["real_forms"] = module  # before running it: its dataclass looks itself up
        spec.loader.exec_module(module)
    return sys.modules["real_forms"]


real_forms = _real_forms()


@pytest.fixture(scope="module")
def previews(live_server):
    """Each form imported once into the live server's test study: {name: preview URL}."""
    from consultation.designer.services import import_xlsform

    urls = {}
    with live_server.study_context():
        for name in real_forms.FORMS:
            outcome = import_xlsform(real_forms.form_bytes(name), filename=f"{name}.xlsx")
            assert outcome.ok, outcome.errors
            urls[name] = (
                f"{live_server.url}/etudes/etude-test/questionnaires/"
                f"{outcome.questionnaire.id}/apercu"
            )
        db.session.commit()
    return urls


def test_every_form_previews_without_an_expression_failing(live_server, page, previews):
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    live_server.login(page, "charge_etude")
    for name, url in previews.items():
        page.goto(url)
        preview = page.locator("#apercu-formulaire")
        expect(preview.locator("#apercu-chargement")).to_have_count(0)
        label = _first_shown_label(real_forms_model(name))
        expect(preview.get_by_text(label, exact=False).first).to_be_visible()
        # Filled by the preview when a rule fails as it is evaluated.
        expect(page.locator("#apercu-erreurs")).to_be_hidden()
    assert errors == []


def test_household_preview_names_each_member_through_indexed_repeat(live_server, page, previews):
    live_server.login(page, "charge_etude")
    page.goto(previews["menage_fr"])
    preview = page.locator("#apercu-formulaire")
    preview.get_by_label("Combien de personnes vivent habituellement").fill("2")
    first, second = (
        preview.get_by_label("Prénom de la personne n° 1"),
        preview.get_by_label("Prénom de la personne n° 2"),
    )
    first.fill("Awa")
    second.fill("Karim")
    # The second repeat walks the members again: its titles come from indexed-repeat().
    expect(
        preview.get_by_text("Awa a-t-il ou elle renoncé à des soins cette année ?")
    ).to_be_visible()
    expect(
        preview.get_by_text("Karim a-t-il ou elle renoncé à des soins cette année ?")
    ).to_be_visible()
    expect(page.locator("#apercu-erreurs")).to_be_hidden()


_MODELS = {}


def _first_shown_label(model) -> str:
    """The label of the first question shown before any answer: outside repeats and rules."""
    from questionnaires import Group, Question

    groups = {node.name: node for _, node in model.walk() if isinstance(node, Group)}
    for ancestors, node in model.walk():
        label = label_in(node.label, model.default_language) if isinstance(node, Question) else ""
        around = [groups[name] for name in ancestors]
        if (
            label
            and "${" not in label
            and not node.relevant
            and not any(group.repeat or group.relevant for group in around)
        ):
            return label
    raise AssertionError("no question shown at first")


def real_forms_model(name):
    from questionnaires.xlsform import load_xlsform

    if name not in _MODELS:
        _MODELS[name] = load_xlsform(real_forms.form_bytes(name)).questionnaire
    return _MODELS[name]
