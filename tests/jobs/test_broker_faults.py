"""Redis restarted while jobs are queued: the jobs complete after it returns, none lost, none
run twice; jobs started while it is down are recorded, the request does not fail, and the
resend sends them once Redis is back. Real processes: redis-server, a Celery worker, the
project's own ``manage.py`` for the side that starts jobs."""

import os
import shutil
import signal
import subprocess
import time
import uuid
from datetime import timedelta

import pytest
import redis

from jobs.models import Job
from jobs.services import jobs_resend_queued
from staff.models import AuditEvent
from tests.conftest import _missing
from tests.factories import UserFactory
from tests.helpers.procs import (
    database_url_of_current_connection,
    free_port,
    manage,
    project_env,
    start_worker,
)

pytestmark = [pytest.mark.celery_worker, pytest.mark.slow]


def start_redis(port: int, directory) -> subprocess.Popen:
    """A private redis-server with an append-only file, as production runs it."""
    binary = shutil.which("redis-server")
    if binary is None:
        _missing("Redis", "REQUIRE_REDIS", "redis-server is not installed")
    process = subprocess.Popen(
        [
            binary,
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--dir",
            str(directory),
            "--appendonly",
            "yes",
            "--appendfsync",
            "always",
            "--save",
            "",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    client = redis.Redis(port=port, socket_connect_timeout=0.5)
    deadline = time.monotonic() + 20
    while True:
        try:
            if client.ping():
                return process
        except redis.RedisError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def start_jobs(env: dict, user_id: int, count: int) -> subprocess.CompletedProcess:
    code = (
        "from django.contrib.auth.models import User; from jobs.services import job_create; "
        f"u = User.objects.get(pk={user_id}); "
        f"[job_create(kind='selfcheck', parameters={{'steps': 3}}, created_by=u) "
        f"for _ in range({count})]"
    )
    return manage("shell", "-c", code, env=env, timeout=60)


def test_redis_restarted_with_jobs_queued_none_lost_none_doubled(postgres_tx, tmp_path):
    port = free_port()
    url = f"redis://127.0.0.1:{port}/0"
    queue = f"test-{uuid.uuid4().hex[:8]}"
    env = project_env(
        DATABASE_URL=database_url_of_current_connection(), REDIS_URL=url, CELERY_QUEUE=queue
    )
    server = start_redis(port, tmp_path)
    broker = redis.Redis(port=port)
    manager = UserFactory(roles=["manager"])
    worker = None
    try:
        # Given five jobs queued and no worker running yet
        started = start_jobs(env, manager.pk, 5)
        assert started.returncode == 0, started.stderr
        assert broker.llen(queue) == 5
        # When Redis dies (SIGKILL) with them on the queue
        server.send_signal(signal.SIGKILL)
        server.wait(timeout=10)
        # and two more jobs are started while it is down: recorded, and nothing crashes
        during = start_jobs(env, manager.pk, 2)
        assert during.returncode == 0, during.stderr
        assert during.stderr.count("not sent: the broker is unavailable") == 2, during.stderr
        assert Job.objects.filter(status=Job.Status.QUEUED).count() == 7
        # Then Redis comes back with its queue
        server = start_redis(port, tmp_path)
        assert broker.llen(queue) == 5
        # and the resend (here at once, so the five still on the queue are sent a second time)
        # puts the two unsent ones on it; the worker starts after it (a worker already running
        # could have taken a job off the queue before the resend counted the waiting ones)
        resent = manage(
            "shell",
            "-c",
            "from datetime import timedelta; from jobs.services import jobs_resend_queued; "
            "print(jobs_resend_queued(older_than=timedelta(0)))",
            env=env,
            timeout=60,
        )
        assert resent.stdout.split()[-1] == "7", resent.stderr
        worker = start_worker(queue, url)
        deadline = time.monotonic() + 90
        while Job.objects.exclude(status=Job.Status.SUCCEEDED).exists():
            assert time.monotonic() < deadline, list(Job.objects.values("pk", "status"))
            assert worker.poll() is None
            time.sleep(0.2)
        # Every job ran, and ran once, though five were delivered twice
        assert Job.objects.count() == 7
        assert set(Job.objects.values_list("attempts", flat=True)) == {1}
        assert AuditEvent.objects.filter(action="jobs.job.finish").count() == 7
        deadline = time.monotonic() + 30
        while broker.llen(queue) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert broker.llen(queue) == 0  # the second deliveries were consumed as no-ops
        assert jobs_resend_queued(older_than=timedelta(0)) == 0
    finally:
        if worker is not None:
            os.killpg(worker.pid, signal.SIGTERM)
            worker.wait(timeout=30)
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=10)
