"""Catalogue import of N items (default 100,000): the ``catalogue_import`` job (streamed, COPY
into staging, set-based checks, two upserts) next to a per-row ORM import of the same file
(``update_or_create`` per row after the same format check), in the same run. Target (issue 20):
≥ 20× the per-row import's rows/s.

    .venv/bin/python bench/catalogue_import.py [N] [BASELINE_ROWS]

The per-row baseline imports the first BASELINE_ROWS rows (default 10,000) and is reported as
rows/s; it checks each row's format the same way but not the file-wide rules (duplicates), so it
is a lower bound on the per-row approach's cost.
"""

import csv
import os
import sys
import time

from _setup import ROOT, django_setup

DATABASE = os.environ.get("BENCH_DATABASE", "bench_catalogue")
FILE = ROOT / "bench" / "out" / "catalogue.csv"
HEADER = ["code", "name", "kind", "chrgitm_lv", "med_chrgitm_type", "price_ceiling",
          "selfpay_prop", "valid_from", "valid_to"]  # fmt: skip


def generate(n: int) -> None:
    from catalogue.demo import demo_rows

    base = demo_rows()
    FILE.parent.mkdir(parents=True, exist_ok=True)
    with FILE.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        for i in range(n):
            r = base[i % len(base)]
            writer.writerow(
                [
                    f"{r['code'][:8]}{i:08d}",
                    r["name"],
                    r["kind"],
                    r["chrgitm_lv"],
                    r["med_chrgitm_type"],
                    r["price_ceiling"] if r["price_ceiling"] is not None else "",
                    r["selfpay_prop"] if r["selfpay_prop"] is not None else "",
                    "2024-01-01",
                    "",
                ]
            )


def main(n: int, baseline_rows: int) -> None:
    django_setup(fresh=True, database=DATABASE)
    from catalogue.imports import catalogue_import_run, check_row, iter_file
    from catalogue.models import CatalogueItem
    from jobs.models import Job

    generate(n)
    job = Job.objects.create(
        kind="catalogue_import", parameters={"path": str(FILE), "filename": FILE.name}
    )
    start = time.perf_counter()
    result = catalogue_import_run(job=job)
    job_seconds = time.perf_counter() - start
    assert CatalogueItem.objects.count() == n, result
    CatalogueItem.objects.all().delete()

    start = time.perf_counter()
    done = 0
    for number, raw in iter_file(FILE, FILE.name):
        row, errors = check_row(number, raw)
        assert not errors
        CatalogueItem.objects.update_or_create(
            code=row.code,
            defaults={
                f: getattr(row, f)
                for f in (
                    "name",
                    "initials",
                    "kind",
                    "chrgitm_lv",
                    "med_chrgitm_type",
                    "price_ceiling",
                    "selfpay_prop",
                    "valid_from",
                    "valid_to",
                )
            },  # fmt: skip
        )
        done += 1
        if done >= baseline_rows:
            break
    row_seconds = time.perf_counter() - start
    job_rate, row_rate = n / job_seconds, done / row_seconds
    print(f"catalogue_import job, {n:,} rows: {job_seconds:.1f} s = {job_rate:,.0f} rows/s")
    print(
        f"per-row ORM update_or_create, {done:,} rows: {row_seconds:.1f} s = {row_rate:,.0f} rows/s"
    )
    print(f"job / per-row: {job_rate / row_rate:.1f}×")


if __name__ == "__main__":
    main(
        int(sys.argv[1]) if len(sys.argv) > 1 else 100_000,
        int(sys.argv[2]) if len(sys.argv) > 2 else 10_000,
    )
