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
