"""The harness itself: the live server serves the site, styled, to a real Chromium."""

import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_live_server_serves_pages_with_their_static_files(open_visitor, e2e_redis):
    visitor = open_visitor()
    response = visitor.page.goto("/")
    assert response.status == 200
    stylesheet = visitor.page.locator("link[rel=stylesheet]").first.get_attribute("href")
    assert visitor.page.request.get(stylesheet).ok

    response = visitor.page.goto("/admin/login/")
    assert response.status == 200
    assert visitor.page.locator("#id_username").is_visible()
    assert visitor.errors == []
