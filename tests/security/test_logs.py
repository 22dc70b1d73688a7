"""ID numbers and names never reach the logs: requests, refusals, a crashing job, a database
error's detail and runserver's request lines all pass the project's handlers masked."""

import io
import logging
from datetime import date

import pytest
from django.db import IntegrityError, transaction
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from enrollment.id_numbers import make
from enrollment.models import Person
from jobs import registry
from jobs.services import job_create
from policies.models import Region
from policies.services import policies_load_seeds
from staff.logging import redact
from tests.factories import EmployerFactory, UserFactory

NAME = "欧阳娜娜"


@pytest.fixture
def logged(monkeypatch):
    """What the project's console handler (settings.LOGGING) writes, at every level."""
    handlers = {
        handler
        for name in ("", "django.server", "django.request")
        for handler in logging.getLogger(name).handlers
        if handler.name == "console"
    }
    assert handlers, "the console handler of settings.LOGGING is not installed"
    stream = io.StringIO()
    previous = [(h, h.setStream(stream)) for h in handlers]
    monkeypatch.setattr(logging.getLogger(), "level", logging.DEBUG)
    yield stream
    for handler, old in previous:
        handler.setStream(old)


def test_the_mask():
    number = make("420102", date(1984, 6, 9), 27)
    text = f"Key (id_number)=({number}) already exists; name {NAME}, job 12 of 2026-03"
    assert redact(text) == "Key (id_number)=([id]) already exists; name ＊, job 12 of 2026-03"
    assert redact("42010219840609271X.") == "[id]."
    assert redact("amount 1234567.89, claim 2026030100000001") == (
        "amount 1234567.89, claim 2026030100000001"  # 16 digits: not an ID number's length
    )


@pytest.mark.django_db
def test_id_numbers_and_names_never_reach_the_logs(
    logged, monkeypatch, django_capture_on_commit_callbacks
):
    policies_load_seeds()
    wuhan = Region.objects.get(code="420100")
    employer = EmployerFactory(code="WH1", region=wuhan)
    number = make("420102", date(1984, 6, 9), 27)
    clerk = UserFactory(username="clerk", roles=["clerk"])
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=clerk).key}")
    body = {
        "id_number": number,
        "name": NAME,
        "region": "420100",
        "category": "employee",
        "employment": "employer",
        "employer": employer.pk,
        "contribution_base": "8000.00",
        "benefits_from": "2023-01-01",
    }
    # A registration, the same again (refused: Django logs "Bad Request"), a search
    assert client.post("/api/v1/persons/", body, format="json").status_code == 201
    assert client.post("/api/v1/persons/", body, format="json").status_code == 400
    assert client.get("/api/v1/persons/", {"id_number": number}).status_code == 200
    # A database error whose detail repeats the values, logged with its traceback
    with pytest.raises(IntegrityError), transaction.atomic():
        Person.objects.create(**{**body, "region": wuhan, "employer": employer, "name": NAME})
    try:
        with transaction.atomic():
            Person.objects.create(**{**body, "region": wuhan, "employer": employer})
    except IntegrityError:
        logging.getLogger("django.request").exception("Internal Server Error: /api/v1/persons/")

    # A job that crashes on a message naming the person
    def leaky(job, progress):
        raise RuntimeError(f"row 3: {NAME} {number} could not be credited")

    monkeypatch.setitem(
        registry._KINDS,
        "leaky",
        registry.JobKind(kind="leaky", label="leaky", roles=("clerk",), handler=leaky, clean=dict),
    )
    with django_capture_on_commit_callbacks(execute=True):
        job = job_create(kind="leaky", parameters={}, created_by=clerk)
    # runserver's request line for a search by ID number
    logging.getLogger("django.server").info(
        '"GET /enrollment/persons/?q=%s HTTP/1.1" 200 512', number
    )

    text = logged.getvalue()
    assert "Bad Request: /api/v1/persons/" in text
    assert f"job {job.pk} (leaky) crashed" in text and "RuntimeError" in text
    assert "IntegrityError" in text and "GET /enrollment/persons/?q=[id]" in text
    assert number not in text and number[:-1] not in text
    assert NAME not in text and "娜" not in text
