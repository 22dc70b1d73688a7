"""Run by tests/config/test_sqlite_concurrency.py in a fresh process on a fresh SQLite file:
many threads write at once; with WAL, a busy timeout and IMMEDIATE transactions none of them may
see "database is locked"."""

import sys
import threading

import django

django.setup()

from django.db import connection, transaction  # noqa: E402

from jobs.models import Job  # noqa: E402

THREADS, WRITES = 8, 25
failures: list[str] = []


def writer(n: int) -> None:
    try:
        for i in range(WRITES):
            with transaction.atomic():
                job = Job.objects.create(kind="selfcheck", parameters={"writer": n, "i": i})
                Job.objects.filter(pk=job.pk).update(total=10, progress=i % 10)
    except Exception as exc:  # noqa: BLE001 - report every failure to the test
        failures.append(repr(exc))
    finally:
        connection.close()


threads = [threading.Thread(target=writer, args=(n,)) for n in range(THREADS)]
for t in threads:
    t.start()
for t in threads:
    t.join()
count = Job.objects.count()
print(f"jobs={count} failures={len(failures)}")
for f in failures[:5]:
    print(f)
sys.exit(1 if failures or count != THREADS * WRITES else 0)
