"""A study's settings page: its chargé d'étude changes its name, state, RGPD notice and territory;
each change leaves one audit line; the notice is shown by the study's questionnaires."""

import pytest
from conftest import STUDY
from sqlalchemy import select

from consultation.questionnaire_store.models import DRAFT, Questionnaire, QuestionnaireVersion
from consultation.studies.models import NOTICE_FIELDS, AuditEntry
from consultation.territory.models import Commune, Quartier

pytestmark = pytest.mark.storage

SETTINGS = f"{STUDY}/reglages"
NOTICE = {
    "notice_controller": "CCAS de Tours, 3 rue Jules Simon, 37000 Tours",
    "notice_purpose": "Connaître les besoins sociaux des habitants pour adapter l'action du CCAS.",
    "notice_legal_basis": "Mission d'intérêt public (article 6-1-e du RGPD).",
    "notice_retention": "Trois ans après la fin de l'étude, puis les réponses sont détruites.",
    "notice_recipients": "L'équipe d'étude du CCAS.",
    "notice_rights": "Accès, rectification et opposition : écrivez au CCAS.",
    "notice_dpo": "dpo@ccas-tours.fr",
}


@pytest.fixture()
def territory(db):
    tours = db.session.get(Commune, "37261") or Commune(insee_code="37261", name="Tours")
    riche = db.session.get(Commune, "37195") or Commune(insee_code="37195", name="La Riche")
    sanitas = Quartier(commune=tours, name="Sanitas")
    niche = Quartier(commune=riche, name="La Niche")
    db.session.add_all([tours, riche, sanitas, niche])
    db.session.commit()
    return {"tours": tours, "riche": riche, "sanitas": sanitas, "niche": niche}


def _form(the_study, **changes) -> dict:
    form = {
        "name": the_study.name,
        "kind": the_study.kind,
        "year": str(the_study.year),
        "state": the_study.state,
        "description": the_study.description,
        **{field: getattr(the_study, field) for field in NOTICE_FIELDS},
    }
    return form | changes


def _audit(db, action: str) -> list[AuditEntry]:
    return list(
        db.session.scalars(
            select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)
        )
    )


def test_the_charge_changes_the_settings_and_one_audit_line_says_what_changed(
    db, login, the_study, territory
):
    charge = login("charge_etude")
    page = charge.get(SETTINGS)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "etude-test" in html and "Préparer l'édition suivante" in html
    assert "La notice RGPD de l'étude n'est pas rédigée" in html

    form = _form(
        the_study,
        name="ABS 2026 — Tours",
        state="close",
        slug="autre-adresse",  # not a field: the slug never changes
        communes=["37261"],
        quartiers=[str(territory["sanitas"].id)],
        **NOTICE,
    )
    response = charge.post(SETTINGS, data=form)
    assert response.status_code == 302

    db.session.expire_all()
    study = db.session.get(type(the_study), the_study.id)
    assert (study.name, study.state, study.slug) == ("ABS 2026 — Tours", "close", "etude-test")
    assert study.notice_dpo == "dpo@ccas-tours.fr"
    assert [commune.name for commune in study.communes] == ["Tours"]
    assert [quartier.name for quartier in study.quartiers] == ["Sanitas"]
    [entry] = _audit(db, "settings")
    assert entry.user_id == charge.user.id and entry.study_id == study.id
    assert entry.before == {
        "name": "Étude de test",
        "state": "en_cours",
        **{field: "" for field in NOTICE_FIELDS},
        "communes": [],
        "quartiers": [],
    }
    assert entry.after == {
        "name": "ABS 2026 — Tours",
        "state": "close",
        **NOTICE,
        "communes": ["37261"],
        "quartiers": [territory["sanitas"].id],
    }
    # Saved again unchanged: nothing to write, no line.
    again = charge.post(SETTINGS, data=form, follow_redirects=True)
    assert "Aucune modification." in again.get_data(as_text=True)
    assert len(_audit(db, "settings")) == 1
    assert "notice-warning" not in charge.get(f"{STUDY}/").get_data(as_text=True)


def test_bad_settings_are_said_in_french_next_to_each_field_and_nothing_changes(
    db, login, the_study, territory
):
    charge = login("charge_etude")
    response = charge.post(
        SETTINGS,
        data=_form(
            the_study,
            name="  ",
            year="deux mille vingt-sept",
            kind="sondage",
            communes=["37261"],
            quartiers=[str(territory["niche"].id)],
        ),
    )
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    for message in (
        "Indiquez le nom de l&#39;étude.",
        "« deux mille vingt-sept » n&#39;est pas une année",
        "Type d&#39;étude inconnu",
        "La Niche (La Riche)",
        "Cochez aussi leur commune",
    ):
        assert message in html, message
    assert 'id="name-erreur"' in html and 'id="year-erreur"' in html
    assert 'id="quartiers-erreur"' in html
    db.session.expire_all()
    assert the_study.name == "Étude de test" and the_study.communes == []
    assert _audit(db, "settings") == []

    forged = charge.post(SETTINGS, data=_form(the_study, communes=["99999"], quartiers=["x"]))
    html = forged.get_data(as_text=True)
    assert forged.status_code == 200
    assert "Commune inconnue : 99999." in html and "Quartier inconnu" in html


def test_readers_cannot_open_the_settings_and_other_studies_do_not_exist(db, login, make_user):
    from consultation.studies.services import create_study

    other = create_study("Consultation du centre social", 2026, slug="centre-social")
    db.session.commit()
    lecteur = login("lecteur")
    assert lecteur.get(SETTINGS).status_code == 403
    assert lecteur.post(f"{STUDY}/edition-suivante").status_code == 403
    stranger = login("charge_etude", study=other)
    assert stranger.get(SETTINGS).status_code == 404
    assert stranger.post(f"{STUDY}/edition-suivante").status_code == 404


def _questionnaire(db) -> Questionnaire:
    from submission_records import definition

    questionnaire = Questionnaire(title="Besoins des habitants", form_id="abs_besoins")
    questionnaire.versions.append(
        QuestionnaireVersion(number=1, status=DRAFT, definition=definition())
    )
    db.session.add(questionnaire)
    db.session.commit()
    return questionnaire


def test_the_preview_shows_the_study_notice_as_text(db, login, the_study):
    charge = login("charge_etude")
    questionnaire = _questionnaire(db)
    preview = f"{STUDY}/questionnaires/{questionnaire.id}/apercu"
    html = charge.get(preview).get_data(as_text=True)
    assert "Notice d'information (RGPD)" in html
    assert "La notice RGPD de l'étude n'est pas rédigée" in html

    the_study.notice_purpose = "Connaître les besoins <b>sociaux</b>"
    the_study.notice_dpo = "dpo@ccas-tours.fr"
    db.session.commit()
    html = charge.get(preview).get_data(as_text=True)
    assert "<dt>Finalité</dt><dd>Connaître les besoins &lt;b&gt;sociaux&lt;/b&gt;</dd>" in html
    assert "<dd>dpo@ccas-tours.fr</dd>" in html
    assert "<b>sociaux</b>" not in html
    assert "n'est pas rédigée" not in html


def test_only_those_who_write_the_notice_are_warned_on_the_study_home(db, login, the_study):
    assert "notice-warning" in login("charge_etude").get(f"{STUDY}/").get_data(as_text=True)
    assert "notice-warning" not in login("enqueteur").get(f"{STUDY}/").get_data(as_text=True)
    the_study.notice_purpose = "Connaître les besoins sociaux."
    db.session.commit()
    html = login("charge_etude").get(f"{STUDY}/").get_data(as_text=True)
    assert "La notice RGPD de l'étude est incomplète : écrivez Responsable du traitement" in html
