"""Shared fixtures: the reference data once per test database, and the demo people as personas."""

import datetime

import pytest
from django.conf import settings
from django.test import Client
from django.utils import translation

from agreements.services import agreement_create
from samarbeid.demo import create_demo_people
from samarbeid.models import Kommune, PoliceUnit
from samarbeid.reference_data import load_reference_data


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        load_reference_data(settings.REFERENCE_DATA_DIR)


def pytest_collection_modifyitems(items):
    """Run the end-to-end tests last: their live server flushes the database after each test."""
    items.sort(key=lambda item: item.get_closest_marker("e2e") is not None)


@pytest.fixture(autouse=True)
def default_language():
    """A request in nynorsk activates nn for the rest of the thread; start every test in the default language."""
    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def tasks_at_once(settings):
    """Background tasks (e-mail, sealing) run when enqueued, instead of waiting for the database worker."""
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture(autouse=True)
def fresh_signed_terms():
    """Each test starts with no signed agreement's terms kept (agreements/rules.py): the test database reuses ids,
    and a frozen clock can give two tests' agreements the same creation time."""
    from agreements import rules

    rules._LOCKED_TERMS.clear()


@pytest.fixture(autouse=True)
def fast_password_hasher(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def personas(db):
    """The demo people (see samarbeid/demo.py) by key, e.g. personas["moss_slt"]."""
    return create_demo_people()


@pytest.fixture
def moss_agreement(personas):
    """A draft agreement between Moss kommune and Moss politistasjonsdistrikt, 2025–2027."""
    return agreement_create(
        police_party=PoliceUnit.objects.get(name="Moss politistasjonsdistrikt"),
        kommuner=[Kommune.objects.get(number="3103")],
        created_by=personas["moss_slt"],
        period_start=datetime.date(2025, 1, 1),
        period_end=datetime.date(2027, 12, 31),
    )


@pytest.fixture
def client_for(personas):
    """A logged-in test client for a persona: client_for("moss_slt")."""

    def make(key: str) -> Client:
        client = Client()
        client.force_login(personas[key])
        return client

    return make
