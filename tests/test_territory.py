import pytest

from consultation.territory import services as territory
from consultation.territory.models import Commune, Quartier

pytestmark = pytest.mark.storage


def test_communes_come_by_name_with_their_quartiers(db):
    tours = Commune(insee_code="37261", name="Tours")
    db.session.add_all(
        [
            tours,
            Commune(insee_code="37122", name="Joué-lès-Tours"),
            Commune(insee_code="2A004", name="Ajaccio"),
            Quartier(commune=tours, name="Sanitas"),
            Quartier(commune=tours, name="Europe"),
        ]
    )
    db.session.commit()
    listed = territory.communes()
    assert [commune.insee_code for commune in listed] == ["2A004", "37122", "37261"]
    assert [quartier.name for quartier in listed[-1].quartiers] == ["Europe", "Sanitas"]


def test_a_study_that_chose_its_communes_lists_only_them(db, login):
    from consultation.studies.scope import current_study
    from consultation.territory.models import Commune

    tours = Commune(insee_code="37261", name="Tours")
    la_riche = Commune(insee_code="37195", name="La Riche")
    db.session.add_all([tours, la_riche])
    db.session.commit()
    charge = login("charge_etude")

    def communes_of_the_tablet():
        payload = charge.get("/etudes/etude-test/entretiens/bootstrap.json").get_json()
        return [commune["name"] for commune in payload["territory"]["communes"]]

    assert communes_of_the_tablet() == ["La Riche", "Tours"]  # none chosen: all of them
    current_study().communes.append(la_riche)
    db.session.commit()
    assert communes_of_the_tablet() == ["La Riche"]
    # Its settings still offer every commune to choose from.
    settings = charge.get("/etudes/etude-test/reglages").get_data(as_text=True)
    assert "Tours" in settings and "La Riche" in settings
