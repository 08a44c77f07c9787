import copy

import pytest
from django.db import connection
from django.urls import reverse


def test_healthz_answers_ok_when_the_database_answers(client, db):
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    assert response.content == b"ok\n"


@pytest.mark.django_db(transaction=True)
def test_healthz_fails_when_the_database_is_down(client):
    # Point the connection at a socket directory where no server listens: a real failure
    # to connect, then restore the real server for the rest of the suite.
    saved = copy.deepcopy(connection.settings_dict)
    connection.close()
    connection.close_pool()
    connection.settings_dict.update(HOST="/nonexistent-postgres-socket-dir", PORT="5432")
    connection.settings_dict["OPTIONS"]["pool"] = {**saved["OPTIONS"]["pool"], "timeout": 1}
    try:
        response = client.get(reverse("healthz"))
    finally:
        connection.close()
        connection.close_pool()
        connection.settings_dict.clear()
        connection.settings_dict.update(saved)
    assert response.status_code == 503
    assert b"database unavailable" in response.content
