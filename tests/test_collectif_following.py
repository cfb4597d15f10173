"""Following a theme and being told: the followers of a theme get one notification each when
something happens there, the person who acted and former members none."""

import pytest
from security_records import fast_user

from consultation.collectif.following import follow, followers, notify_followers, unfollow
from consultation.collectif.models import Notification
from consultation.studies.models import Membership

pytestmark = pytest.mark.storage


def test_followers_of_the_study_meetings_are_told_once_and_the_actor_is_not(db, the_study):
    study_id = the_study.id
    alice = fast_user(db, "collectif", "alice-suivi", study_id=study_id)
    bruno = fast_user(db, "collectif", "bruno-suivi", study_id=study_id)
    former = fast_user(db, "collectif", "ancien-suivi", study_id=study_id)
    for user in (alice, bruno, former):
        assert follow(user.id, study_id)
    assert not follow(alice.id, study_id)  # already followed: nothing added
    db.session.execute(
        db.delete(Membership).where(
            Membership.user_id == former.id, Membership.study_id == study_id
        )
    )
    assert sorted(followers(study_id)) == sorted([alice.id, bruno.id])

    told = notify_followers(
        study_id, "reunion", "Réunion du collectif le 12 janvier", "/x", exclude_user_id=alice.id
    )

    assert told == 1
    notes = db.session.scalars(db.select(Notification)).all()
    assert [(n.user_id, n.message) for n in notes] == [
        (bruno.id, "Réunion du collectif le 12 janvier")
    ]
    unfollow(bruno.id, study_id)
    assert followers(study_id) == [alice.id]
