import pytest

from .factories import DemandPageFactory, TechnologyPageFactory

pytestmark = pytest.mark.django_db


def test_catalogues_list_published_listings(client):
    demand = DemandPageFactory(title="锅炉烟气脱硝催化剂寿命提升")
    draft = DemandPageFactory(title="未发布的需求草稿", live=False, status="draft")
    tech = TechnologyPageFactory(title="低温SCR脱硝催化剂")
    body = client.get("/demands/").content.decode()
    assert demand.title in body
    assert draft.title not in body
    assert tech.title in client.get("/technologies/").content.decode()
    assert client.get(demand.url).status_code == 200
