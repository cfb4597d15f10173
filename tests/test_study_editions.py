"""« Préparer l'édition suivante »: next year's study starts from this one's questionnaires (as
drafts that remember their source), codebooks, territory, notice and chargés d'étude, and from
none of its answers."""

import pytest
from conftest import STUDY
from security_records import fast_user, study
from sqlalchemy import func, select

from consultation.coding.models import Codebook, Coding, Memo, Suggestion
from consultation.coding.services import create_code, merge_codes
from consultation.questionnaire_store.models import DRAFT, Questionnaire, QuestionnaireVersion
from consultation.studies.editions import next_name, prepare_next_edition
from consultation.studies.models import AuditEntry, Membership, Study
from consultation.studies.scope import ALL_STUDIES
from consultation.studies.services import StudyError, create_study
from consultation.submissions.models import Assignment, Submission
from consultation.territory.models import Quartier

pytestmark = pytest.mark.storage


def _all(db, statement):
    return list(db.session.scalars(statement.execution_options(**{ALL_STUDIES: True})))


def _count(db, model, study_id: int) -> int:
    return db.session.scalar(
        select(func.count())
        .select_from(model)
        .where(model.study_id == study_id)
        .execution_options(**{ALL_STUDIES: True})
    )


@pytest.fixture()
def year_2026(db, the_study):
    """The test study as an ABS with a year of work: a questionnaire published then edited (v2
    draft), answered and coded; an archived one; a codebook with a sub-code and a merged code."""
    the_study.name = "ABS 2026 — Tours Métropole"
    the_study.notice_purpose = "Connaître les besoins sociaux."
    the_study.notice_dpo = "dpo@ccas-tours.fr"
    records = study(db)
    questionnaire = records["questionnaire"]
    questionnaire.form_id = "abs_2026"
    quartier = db.session.get(Quartier, records["submission"].quartier_id)
    the_study.communes = [quartier.commune]
    the_study.quartiers = [quartier]
    codebook = records["codebook"]
    parent = records["code"]
    parent.keywords = ["bus", "tram"]
    child = create_code(
        codebook, "Bus de nuit", parent=parent, colour="#aa3300", regexes=[r"bus (du|de) soir"]
    )
    from consultation.coding.models import Theme

    theme = db.session.scalar(select(Theme).where(Theme.code_id == parent.id))
    theme.status, theme.questions = "valide", ["logement"]
    doomed = create_code(codebook, "Transports (doublon)")
    merge_codes([doomed], parent)
    archived = Questionnaire(title="Ancien questionnaire", form_id="ancien", archived=True)
    archived.versions.append(
        QuestionnaireVersion(
            number=1, status=DRAFT, definition=questionnaire.versions[0].definition
        )
    )
    lecteur = fast_user(db, "lecteur")
    db.session.add(archived)
    db.session.commit()
    return records | {"child": child, "doomed": doomed, "lecteur": lecteur, "archived": archived}


def test_the_next_edition_copies_the_work_and_none_of_the_answers(db, login, the_study, year_2026):
    charge = login("charge_etude")
    response = charge.post(f"{STUDY}/edition-suivante")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/etudes/abs-2027-tours-metropole/")

    new = db.session.scalar(select(Study).where(Study.slug == "abs-2027-tours-metropole"))
    assert (new.name, new.year, new.state, new.kind) == (
        "ABS 2027 — Tours Métropole",
        2027,
        "preparation",
        "abs",
    )
    assert new.previous_edition_id == the_study.id
    assert new.notice == the_study.notice and new.notice_dpo == "dpo@ccas-tours.fr"
    assert [c.insee_code for c in new.communes] == [c.insee_code for c in the_study.communes]
    assert [q.id for q in new.quartiers] == [q.id for q in the_study.quartiers]

    # The chargés d'étude come along (the one who asked and the study's other one); enquêteurs
    # and readers are invited again when the new edition needs them.
    members = {
        (m.user_id, m.role)
        for m in _all(db, select(Membership).where(Membership.study_id == new.id))
    }
    assert members == {
        (charge.user.id, "charge_etude"),
        (year_2026["charge"].id, "charge_etude"),
    }

    # Questionnaires: not the archived one; one draft v1 each, from the last published version,
    # with the same form_id (unique per study, so both editions can have it).
    old_questionnaire = year_2026["questionnaire"]
    [copied] = _all(db, select(Questionnaire).where(Questionnaire.study_id == new.id))
    assert (copied.title, copied.form_id) == (old_questionnaire.title, "abs_2026")
    [version] = copied.versions
    published = old_questionnaire.versions[0]
    assert (version.number, version.status) == (1, DRAFT)
    assert version.copied_from_version_id == published.id
    assert version.definition == published.definition

    # The codebook: every live code with its key, hierarchy and rules; the merged one not.
    [codebook] = _all(db, select(Codebook).where(Codebook.study_id == new.id))
    old_codebook = year_2026["codebook"]
    assert codebook.questionnaire_id == copied.id and codebook.name == old_codebook.name
    live = [code for code in old_codebook.codes if code.merged_into_id is None]
    assert sorted(code.key for code in codebook.codes) == sorted(code.key for code in live)
    assert year_2026["doomed"].key not in {code.key for code in codebook.codes}
    by_key = {code.key: code for code in codebook.codes}
    child = by_key[year_2026["child"].key]
    assert child.parent.key == year_2026["code"].key and child.parent.codebook_id == codebook.id
    assert (child.colour, child.regexes) == ("#aa3300", [r"bus (du|de) soir"])
    assert by_key[year_2026["code"].key].keywords == ["bus", "tram"]
    assert by_key[year_2026["code"].key].description == year_2026["code"].description
    # A theme stays a theme, with its questions, back to « proposé » for the new answers.
    from consultation.coding.models import Theme

    [theme] = _all(db, select(Theme).where(Theme.code_id.in_([c.id for c in codebook.codes])))
    assert theme.code.key == year_2026["code"].key and theme.status == "propose"
    assert theme.questions == ["logement"]

    # Nothing collected is copied: answers, codings, suggestions, memos, tablets, assignments.
    assert _count(db, Submission, new.id) == 0
    assert _count(db, Assignment, new.id) == 0
    new_codes = [code.id for code in codebook.codes]
    for model in (Coding, Suggestion, Memo):
        assert (
            db.session.scalar(
                select(func.count()).select_from(model).where(model.code_id.in_(new_codes))
            )
            == 0
        )
    from consultation.accounts.devices import DeviceToken

    assert _count(db, DeviceToken, new.id) == 0
    # … and the year that collected them keeps all of it.
    assert _count(db, Submission, the_study.id) == 1
    assert _count(db, Questionnaire, the_study.id) == 2
    assert db.session.scalar(select(func.count()).select_from(Coding)) == 1

    # One line in each study's audit log.
    actions = {
        (entry.study_id, entry.action): entry
        for entry in db.session.scalars(select(AuditEntry).where(AuditEntry.object_type == "study"))
    }
    line = actions[(the_study.id, "next_edition")]
    assert line.user_id == charge.user.id
    assert line.after["slug"] == new.slug and line.after["questionnaires"] == 1
    assert line.after["codebooks"] == 1 and line.after["codes"] == len(live)
    assert (new.id, "create") in actions and (new.id, "copied_from") in actions

    # The new edition's home shows the previous one; a second « next edition » is refused.
    home = charge.get("/etudes/abs-2027-tours-metropole/").get_data(as_text=True)
    assert 'href="/etudes/etude-test/"' in home and "ABS 2026 — Tours Métropole" in home
    refused = charge.post(f"{STUDY}/edition-suivante", follow_redirects=True)
    assert "existe déjà" in refused.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Study)) == 2


def test_a_failure_while_copying_leaves_nothing_half_written(db, login, the_study, year_2026):
    """One transaction: when a receiver fails, neither the study nor any copy remains."""
    from consultation.studies.events import edition_prepared

    def broken(sender, **_):
        raise RuntimeError("disque plein")

    edition_prepared.connect(broken)
    try:
        charge = login("charge_etude")
        with pytest.raises(RuntimeError):
            charge.post(f"{STUDY}/edition-suivante")
    finally:
        edition_prepared.disconnect(broken)
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Study)) == 1
    assert _count(db, Questionnaire, the_study.id) == 2
    assert db.session.scalar(select(func.count()).select_from(Codebook)) == 1


def test_the_editions_list_shows_only_the_editions_one_may_open(db, login, the_study, year_2026):
    charge = login("charge_etude")
    collectif = login("collectif")
    assert charge.post(f"{STUDY}/edition-suivante").status_code == 302
    html = charge.get(f"{STUDY}/").get_data(as_text=True)
    assert 'href="/etudes/abs-2027-tours-metropole/"' in html and "(cette édition)" in html
    # Not a member of 2027: no list, no link to it.
    html = collectif.get(f"{STUDY}/").get_data(as_text=True)
    assert "abs-2027" not in html and "Éditions" not in html
    assert collectif.get("/etudes/abs-2027-tours-metropole/").status_code == 404


def test_names_and_addresses_of_the_next_edition(db, the_study):
    assert next_name(Study(name="ABS 2026 — Tours", year=2026)) == "ABS 2027 — Tours"
    assert next_name(Study(name="Centre social 12026", year=2026)) == (
        "Centre social 12026 (édition 2027)"
    )
    long_name = next_name(Study(name="Consultation " * 20, year=2026))
    assert len(long_name) == 200 and long_name.endswith(" (édition 2027)")
    social = create_study("Consultation du centre social", 2026, kind="consultation")
    create_study("Consultation du centre social (édition 2027)", 2027, slug="pris")
    create_study("Autre", 2027, slug="consultation-du-centre-social-edition-2027")
    db.session.flush()
    new = prepare_next_edition(social)
    assert new.name == "Consultation du centre social (édition 2027)"
    assert new.slug == "consultation-du-centre-social-edition-2027-2"
    assert new.kind == "consultation" and new.previous_edition_id == social.id
    with pytest.raises(StudyError, match="existe déjà"):
        prepare_next_edition(social)
    db.session.rollback()
