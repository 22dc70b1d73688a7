"""Demo: accounts opened, three months of payroll credits (through a real payroll file and
job) and of retiree crediting runs, so statements and jobs have something to show."""

import csv
import uuid
from datetime import date
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from enrollment.models import Person
from jobs.models import Job
from jobs.services import job_execute

from .services import accounts_open_missing


def _months_back(today: date, count: int) -> list[str]:
    periods, year, month = [], today.year, today.month
    for _ in range(count):
        month -= 1
        if month == 0:
            year, month = year - 1, 12
        periods.append(f"{year:04d}-{month:02d}")
    return sorted(periods)


def _run(kind: str, parameters: dict) -> Job:
    job = Job.objects.create(kind=kind, parameters=parameters)
    return job_execute(job_id=job.pk)


def load(stdout) -> None:
    opened = accounts_open_missing()
    today = timezone.localdate()
    payroll_periods = _months_back(today, 3)
    employees = (
        Person.objects.filter(
            scheme="employee",
            category="employee",
            employer__isnull=False,
            account__isnull=False,
            contribution_base__isnull=False,
        )
        .select_related("employer")
        .order_by("id")
    )
    folder = Path(settings.MEDIA_ROOT) / "payroll"
    folder.mkdir(parents=True, exist_ok=True)
    by_employer: dict = {}
    for person in employees:
        by_employer.setdefault(person.employer, []).append(person)
    payroll_jobs = []
    for employer, people in by_employer.items():  # one file per employer, as they arrive
        path = folder / f"demo-{uuid.uuid4().hex[:8]}.csv"
        with path.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(["id_number", "name", "employer_code", "period", "contribution_base"])
            for person in people:
                for period in payroll_periods:
                    writer.writerow(
                        [
                            person.id_number,
                            person.name,
                            employer.code,
                            period,
                            f"{person.contribution_base:.2f}",
                        ]
                    )
        payroll_jobs.append(
            _run("payroll_import", {"path": str(path), "filename": f"{employer.code}工资单.csv"})
        )
    credited = []
    for period in [*payroll_periods[1:], f"{today:%Y-%m}"]:
        job = _run("monthly_crediting", {"period": period})
        credited.append(f"{period}: {job.result.get('credited', 0)}")
    # Baotou's 2021 average pension was filled for 2022-10 onwards (policies/demo.py): the
    # months of 2022 that no run could credit then are credited now, once (吴秀兰's statement).
    back = []
    for period in ("2022-10", "2022-11", "2022-12"):
        job = _run("monthly_crediting", {"period": period})
        back.append(
            f"{period}: {job.result.get('regions', {}).get('150200', {}).get('credited', 0)}"
        )
    payroll = ", ".join(f"#{j.pk} {j.status}" for j in payroll_jobs)
    stdout.write(
        f"Accounts: {opened} opened; payroll files {payroll} (Jilin's fails: its employee "
        "rate is unset); retiree crediting "
        + ", ".join(credited)
        + " (regions with unset parameters are listed on each job); Baotou back-credited "
        + ", ".join(back)
    )
