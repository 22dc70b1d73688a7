from django.core.management.base import BaseCommand, CommandError

from accounts.jobs import clean_period
from jobs.models import Job
from jobs.services import job_execute
from staff.errors import DomainError


class Command(BaseCommand):
    help = "Credit retirees' personal accounts for a period (YYYY-MM); idempotent."

    def add_arguments(self, parser):
        parser.add_argument("period")

    def handle(self, *args, period, **options):
        try:
            parameters = clean_period({"period": period})
        except DomainError as exc:
            raise CommandError(exc.message) from None
        job = Job.objects.create(kind="monthly_crediting", parameters=parameters)
        job = job_execute(job_id=job.pk)
        result = job.result
        self.stdout.write(
            f"Job {job.pk} {job.status}: {result.get('credited', 0)} credited, "
            f"{result.get('already_credited', 0)} already credited, {result.get('amount')} yuan."
        )
        for error in job.errors:
            self.stdout.write(self.style.WARNING(f"  {error.get('region', '')} {error['message']}"))
        if job.status == Job.Status.FAILED:
            raise CommandError("crediting failed")
