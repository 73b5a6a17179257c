"""Where the Postgres tests look for their server (tests/conftest.py)."""

from __future__ import annotations

from tests.conftest import DEFAULT_POSTGRES_URL, postgres_url


def test_postgres_tests_default_to_the_local_server() -> None:
    assert postgres_url({}) == DEFAULT_POSTGRES_URL
    assert DEFAULT_POSTGRES_URL == "postgresql+asyncpg://postgres@127.0.0.1:5432/test"


def test_the_environment_names_another_server() -> None:
    url = "postgresql+asyncpg://tock@db.internal:6543/ci"
    assert postgres_url({"TOCK_TEST_POSTGRES_URL": url}) == url
    assert postgres_url({"TOCK_TEST_POSTGRES_URL": ""}) == DEFAULT_POSTGRES_URL
