"""One tablet, one enquêteur, two studies: each interview made offline is sent with the token of
the study it was made for, whichever study's page is open when the network comes back."""

from contextlib import contextmanager

from playwright.sync_api import expect
from sqlalchemy import select

from consultation.accounts.models import User, utcnow
from consultation.extensions import db
from consultation.questionnaire_store.models import PUBLISHED, Questionnaire, QuestionnaireVersion
from consultation.submissions.models import Assignment, Submission

from .test_offline import _assigned_questionnaire, _definition, _fill_interview

OTHER_STUDY = "centre-social-la-riche"


@contextmanager
def _in_study(live_server, slug: str):
    from consultation.studies.scope import enter_study
    from consultation.studies.services import find_study

    with live_server.app.app_context():
        enter_study(find_study(slug), None)
        yield


def _member_of_other_study(live_server, email: str) -> int:
    """Makes the enquêteur a member of a second study, with a questionnaire assigned there;
    returns its version id."""
    from consultation.studies.services import add_member, create_study, find_study

    with live_server.app.app_context():
        study = find_study(OTHER_STUDY) or create_study(
            "Consultation du centre social", 2026, slug=OTHER_STUDY, kind="consultation"
        )
        user = db.session.scalar(select(User).filter_by(email=email))
        add_member(study, user, "enqueteur")
        user_id = user.id
        db.session.commit()
    with _in_study(live_server, OTHER_STUDY):
        title = "Le centre social et vous"
        questionnaire = Questionnaire(title=title)
        version = QuestionnaireVersion(
            number=1, status=PUBLISHED, definition=_definition(title), published_at=utcnow()
        )
        questionnaire.versions.append(version)
        db.session.add(questionnaire)
        db.session.flush()
        db.session.add(Assignment(questionnaire_id=questionnaire.id, enumerator_id=user_id))
        db.session.commit()
        return version.id


def _ready_offline(page, live_server, study: str, user_id: int):
    """Opens the study's tablet app online: its service worker controls the page, and the
    device token of this user for this study is kept."""
    page.goto(f"{live_server.url}/etudes/{study}/entretiens/app")
    expect(page.locator('[data-role="offline-ready"]')).to_have_text("Disponible hors ligne")
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")
    page.wait_for_function(
        """(key) => new Promise((resolve) => {
            const request = indexedDB.open("consultation-tablette");
            request.onsuccess = () => {
              const keys = request.result.transaction("meta").objectStore("meta").getAllKeys();
              keys.onsuccess = () => resolve(keys.result.includes(key));
            };
            request.onerror = () => resolve(false);
        })""",
        arg=f"token:{user_id}:{study}",
    )


def _stored(live_server, study: str, version_id: int) -> list[Submission]:
    """The submissions of the version, as the study sees them (its scope)."""
    with _in_study(live_server, study):
        rows = db.session.scalars(
            select(Submission).filter_by(questionnaire_version_id=version_id)
        ).all()
        db.session.expunge_all()
        return rows


def test_interviews_of_two_studies_made_offline_each_land_in_their_study_once(
    page, context, live_server
):
    email = live_server.login(page, "enqueteur")
    version_a = _assigned_questionnaire(live_server, email)
    version_b = _member_of_other_study(live_server, email)
    with live_server.app.app_context():
        user_id = db.session.scalar(select(User.id).filter_by(email=email))
    _ready_offline(page, live_server, "etude-test", user_id)
    _ready_offline(page, live_server, OTHER_STUDY, user_id)

    context.set_offline(True)
    page.goto(f"{live_server.url}/etudes/etude-test/entretiens/app")
    _fill_interview(
        page,
        public="Personne âgée (60 ans et plus)",
        age_band="75–84 ans",
        statut="Locataire",
        besoin="Une navette pour aller au marché le samedi.",
    )
    # Then the same person opens the other study's tablet page, still offline.
    page.goto(f"{live_server.url}/etudes/{OTHER_STUDY}/entretiens/app")
    _fill_interview(
        page,
        public="Jeune (16–25 ans)",
        age_band="18–25 ans",
        statut="Propriétaire",
        besoin="Un accueil le soir au centre social.",
    )
    badge = page.locator("#etat-synchronisation")
    expect(badge.locator('[data-role="pending"]')).to_have_text("2 entretiens en attente d'envoi")
    # The interview of the first study says which study it is for.
    expect(page.locator("#boite-envoi .item-row")).to_contain_text(["Étude : Étude de test", ""])
    assert _stored(live_server, "etude-test", version_a) == []

    # Back online on the second study's page: both leave, each with its own study's token.
    context.set_offline(False)
    expect(badge.locator('[data-role="pending"]')).to_have_text("Aucun entretien en attente")
    expect(page.locator("#envoyes .item-row")).to_have_count(2)

    in_a = _stored(live_server, "etude-test", version_a)
    in_b = _stored(live_server, OTHER_STUDY, version_b)
    assert [submission.answers["besoin"] for submission in in_a] == [
        "Une navette pour aller au marché le samedi."
    ]
    assert [submission.answers["besoin"] for submission in in_b] == [
        "Un accueil le soir au centre social."
    ]
    assert in_a[0].study_id != in_b[0].study_id
    # Neither study sees the other's interview.
    assert _stored(live_server, "etude-test", version_b) == []
    assert _stored(live_server, OTHER_STUDY, version_a) == []

    # A second sync, from the first study's page, sends nothing again.
    page.goto(f"{live_server.url}/etudes/etude-test/entretiens/app")
    page.get_by_role("button", name="Synchroniser maintenant").click()
    expect(badge.locator('[data-role="pending"]')).to_have_text("Aucun entretien en attente")
    assert len(_stored(live_server, "etude-test", version_a)) == 1
    assert len(_stored(live_server, OTHER_STUDY, version_b)) == 1
