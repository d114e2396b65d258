"""Fixtures for the store contract: every test runs once per backend, on its own fresh store."""

from __future__ import annotations

import uuid

import pytest
from pymongo import MongoClient

from lo_server.store.mongo import MongoStore
from lo_server.store.sqlite import SqliteStore
from tests.mongo_server import start_mongo_server, stop_mongo_server


@pytest.fixture(scope="session")
def mongo_url(tmp_path_factory):
    """One nx-27017 server for the whole session (each test uses its own database)."""
    url, process = start_mongo_server(tmp_path_factory.mktemp("nx-27017"))
    yield url
    stop_mongo_server(process)


@pytest.fixture(params=["sqlite", "mongo"])
def open_store(request, tmp_path):
    """A function that opens a store on this test's own location; call it again to reopen."""
    if request.param == "sqlite":
        path = tmp_path / "metadata.sqlite3"

        def opener():
            return SqliteStore(path)
    else:
        # Looked up lazily, so `-k sqlite` runs never start the Mongo server.
        url = request.getfixturevalue("mongo_url")
        db = f"test_{uuid.uuid4().hex}"

        def opener():
            return MongoStore(url, db)

    opened = []

    def open_tracked():
        store = opener()
        opened.append(store)
        return store

    yield open_tracked
    for store in opened:
        store.close()
    if request.param == "mongo":
        with MongoClient(url) as client:
            client.drop_database(db)


@pytest.fixture
def store(open_store):
    return open_store()
