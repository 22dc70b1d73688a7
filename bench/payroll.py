"""Payroll import of N rows (default 200,000): rows/s and peak memory of the payroll job, next
to django-import-export's default per-row import of the same file, in the same run.

    .venv/bin/python bench/payroll.py [N] [BASELINE_ROWS]

Each import runs in a child process so its peak memory (ru_maxrss) is its own. The per-row
baseline imports the first BASELINE_ROWS rows (default 20,000) of the same file into the same
staging table with a default ``ModelResource`` (one ORM save per row, the library's default):
it only stores the rows, it does not check or credit anything, so it is a lower bound on the
per-row approach's cost.
"""

import csv
import json
import resource
import subprocess
import sys
import time

from _setup import ROOT, Timer, django_setup

DATABASE = "bench_payroll"
FILE = ROOT / "bench" / "out" / "payroll.csv"


def generate(n: int) -> None:
    from enrollment.models import Employer
    from policies.models import Region
    from tests.helpers.bulk import bulk_employees

    region = Region.objects.get(code="420100")
    employer = Employer.objects.create(code="E1", name="武汉基准测试公司", region=region)
    staff = bulk_employees(employer, n)
    FILE.parent.mkdir(parents=True, exist_ok=True)
    with FILE.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id_number", "name", "employer_code", "period", "contribution_base"])
        writer.writerows([number, "职工", "E1", "2030-01", base] for number, base in staff)


def child_job() -> None:
    django_setup(fresh=False, database=DATABASE)
    from accounts.payroll import payroll_import_run
    from jobs.models import Job

    job = Job.objects.create(
        kind="payroll_import", parameters={"path": str(FILE), "filename": FILE.name}
    )
    start = time.perf_counter()
    result = payroll_import_run(job=job)
    seconds = time.perf_counter() - start
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"seconds": seconds, "rss_mb": rss, "result": result}))


def child_baseline(rows: int) -> None:
    django_setup(fresh=False, database=DATABASE)
    import tablib
    from import_export import resources

    from accounts.models import PayrollRow

    class PayrollRowResource(resources.ModelResource):
        class Meta:
            model = PayrollRow
            fields = ["job_id", "row", "id_number", "name", "employer_code", "period", "base"]
            import_id_fields = ["job_id", "row"]

    lines = FILE.read_text(encoding="utf-8").splitlines()[: rows + 1]
    dataset = tablib.Dataset().load("\n".join(lines), format="csv")
    dataset.append_col([0] * len(dataset), header="job_id")
    dataset.append_col(list(range(2, len(dataset) + 2)), header="row")
    dataset.headers = ["id_number", "name", "employer_code", "period", "base", "job_id", "row"]
    start = time.perf_counter()
    result = PayrollRowResource().import_data(dataset, dry_run=False, raise_errors=True)
    seconds = time.perf_counter() - start
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    PayrollRow.objects.filter(job_id=0).delete()
    print(json.dumps({"seconds": seconds, "rss_mb": rss, "rows": result.totals["new"]}))


def run_child(*args: str) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, *args],
        capture_output=True,
        text=True,
        cwd=ROOT / "bench",
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 200_000
    baseline_rows = int(sys.argv[2]) if len(sys.argv) > 2 else 20_000
    django_setup(fresh=True, database=DATABASE)
    with Timer() as t:
        generate(n)
    print(
        f"generated {n:,} employees with accounts and a {FILE.stat().st_size / 1e6:.1f} MB "
        f"file in {t.seconds:.1f} s"
    )
    job = run_child("--job")
    base = run_child("--baseline", str(baseline_rows))
    job_rate = n / job["seconds"]
    base_rate = base["rows"] / base["seconds"]
    print(
        f"payroll job: {n:,} rows checked and credited in {job['seconds']:.1f} s = "
        f"{job_rate:,.0f} rows/s, peak RSS {job['rss_mb']:.0f} MB; result {job['result']}"
    )
    print(
        f"django-import-export per-row (first {base['rows']:,} rows, stored only): "
        f"{base['seconds']:.1f} s = {base_rate:,.0f} rows/s, peak RSS {base['rss_mb']:.0f} MB"
    )
    print(f"speed-up: {job_rate / base_rate:.1f}x")


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--job":
        child_job()
    elif len(sys.argv) > 1 and sys.argv[1] == "--baseline":
        child_baseline(int(sys.argv[2]))
    else:
        main()
