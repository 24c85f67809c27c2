"""/workspace/<kind>/<pk>/matches/: a member's view of the engine's best counterparts."""

from __future__ import annotations

import pytest

from tests.search_ui.test_matches import listings, matches_html  # noqa: F401

pytestmark = pytest.mark.django_db


def test_member_sees_matches_of_own_listing_from_the_workspace(client, listings, enterprise_member):  # noqa: F811
    client.force_login(enterprise_member)
    dashboard = client.get("/workspace/").content.decode()
    url = f"/workspace/demand/{listings['demand'].pk}/matches/"
    assert url in dashboard
    block = matches_html(client.get(url))
    assert "薄壁件激光焊接变形控制工艺" in block
    assert "机密工艺参数" not in block


@pytest.mark.parametrize("who", ["outsider", "research_member"])
def test_other_organisations_get_404(client, listings, who, request):  # noqa: F811
    client.force_login(request.getfixturevalue(who))
    assert client.get(f"/workspace/demand/{listings['demand'].pk}/matches/").status_code == 404
