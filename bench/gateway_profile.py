"""In-process profile of the gateway visit (2204 → 2206 → 2207) next to a REST claim, through
Django's WSGI handler on the benchmark's data: wall and CPU per call, statements per request
(``CaptureQueriesContext``), the PostgreSQL backend's CPU per call when the server runs on this
machine (``/proc``, sampled at the kernel's tick: use a few hundred calls), and optionally
cProfile of the gateway's requests.

    BENCH_DATABASE=<db> .venv/bin/python bench/gateway_profile.py [N] [--profile]
"""

import cProfile
import importlib.util
import io
import json
import os
import pstats
import sys
import time

import settlement as bench
from _setup import django_setup

DATABASE = os.environ.get("BENCH_DATABASE", "bench_gateway")
# bench/gateway.py, under another name than the ``gateway`` app
_spec = importlib.util.spec_from_file_location(
    "bench_gateway", os.path.join(os.path.dirname(__file__), "gateway.py")
)
gw = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(gw)


def main(n: int, profile: bool):
    os.environ.update(ALLOWED_HOSTS="127.0.0.1", SECURE_SSL_REDIRECT="0")
    django_setup(fresh=True, database=DATABASE)
    from catalogue.demo import load

    load()
    ids, hospital, token = bench.setup_data(persons=1800)
    bench.warm_up(ids, hospital)
    gw.visits(ids, hospital)
    bench.vacuum()
    from datetime import timedelta

    from django.core.handlers.wsgi import WSGIHandler
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    codes = gw.codes()
    fee_time = (timezone.localtime() - timedelta(hours=1)).strftime("%Y-%m-%d %H:%M:%S")
    handler = WSGIHandler()

    def post(path, body):
        environ = {
            "REQUEST_METHOD": "POST", "PATH_INFO": path, "SERVER_NAME": "127.0.0.1",
            "SERVER_PORT": "8000", "HTTP_HOST": "127.0.0.1", "REMOTE_ADDR": "127.0.0.1",
            "wsgi.input": io.BytesIO(body), "wsgi.url_scheme": "http", "wsgi.errors": sys.stderr,
            "CONTENT_LENGTH": str(len(body)), "CONTENT_TYPE": "application/json",
            "HTTP_AUTHORIZATION": f"Token {token}",
        }  # fmt: skip
        status = []
        response = handler(environ, lambda s, headers, *exc: status.append(s))
        raw = b"".join(response)
        response.close()
        return status[0], raw

    def rest(i):
        body = bench.claim_body(f"R{i}", ids[400 + i % 1400], hospital.pk)
        status, raw = post("/api/v1/claims/", body)
        assert status.startswith("201"), (status, raw[:300])

    def visit(i):
        mdtrt_id = f"BV0{i:07d}"
        psn_no = str(ids[400 + i % 1400])
        lines = [
            {
                "feedetl_sn": f"{k:03d}", "mdtrt_id": mdtrt_id, "psn_no": psn_no,
                "chrg_bchno": "B1", "rx_circ_flag": "0", "fee_ocur_time": fee_time,
                "med_list_codg": code, "medins_list_codg": f"H{k}",
                "det_item_fee_sumamt": "6.00", "cnt": "1", "pric": "6.00",
                "bilg_dept_codg": "A03", "bilg_dept_name": "内科", "bilg_dr_codg": "D1",
                "bilg_dr_name": "医生", "hosp_appr_flag": "1",
            }
            for k, code in enumerate(codes)
        ]  # fmt: skip
        data = {
            "data": {
                "psn_no": psn_no, "mdtrt_cert_type": "02", "med_type": "11",
                "medfee_sumamt": f"{6 * gw.LINES:.2f}", "psn_setlway": "01",
                "mdtrt_id": mdtrt_id, "chrg_bchno": "0000", "acct_used_flag": "1",
                "insutype": "310",
            }
        }  # fmt: skip
        out = []
        for infno, payload in (("2204", {"feedetail": lines}), ("2206", data), ("2207", data)):
            status, raw = post(
                "/api/hsa/", gw.envelope(infno, f"P{i:07d}{infno}", payload, hospital.code)
            )
            answer = json.loads(raw)
            assert status.startswith("200") and answer["infcode"] == 0, answer.get("err_msg")
            out.append(answer)
        return out

    for i in range(20):
        rest(i)
        visit(i)
    backend = None
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            backend = cursor.fetchone()[0]

    def server_cpu() -> float | None:
        """The PostgreSQL backend's CPU seconds (/proc: a server on this machine only)."""
        if backend is None:
            return None
        try:
            with open(f"/proc/{backend}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            return None
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def resend(i):
        """The floor: visit 0's 2206 sent again, answered from its kept row (nothing written)."""
        psn_no = str(ids[400])
        data = {
            "data": {
                "psn_no": psn_no, "mdtrt_cert_type": "02", "med_type": "11",
                "medfee_sumamt": f"{6 * gw.LINES:.2f}", "psn_setlway": "01",
                "mdtrt_id": "BV00000000", "chrg_bchno": "0000", "acct_used_flag": "1",
                "insutype": "310",
            }
        }  # fmt: skip
        status, raw = post("/api/hsa/", gw.envelope("2206", "P00000002206", data, hospital.code))
        assert status.startswith("200") and json.loads(raw)["infcode"] == 0, raw[:300]

    for name, fn in (("rest", rest), ("visit", visit), ("resend", resend)):
        wall, cpu, server = time.perf_counter(), time.process_time(), server_cpu()
        for i in range(20, 20 + n):
            fn(i)
        line = (f"{name}: {(time.perf_counter() - wall) / n * 1000:.2f} ms wall, "
                f"{(time.process_time() - cpu) / n * 1000:.2f} ms CPU per call")  # fmt: skip
        if server is not None and server_cpu() is not None:
            line += f", PostgreSQL backend {(server_cpu() - server) / n * 1000:.2f} ms CPU"
        print(line)
    with CaptureQueriesContext(connection) as q:
        rest(20 + n)
    print(f"rest: {len(q)} statements")
    for s in q.captured_queries:
        print("   ", s["sql"][:150])
    base = 20 + n
    with CaptureQueriesContext(connection) as q:
        visit(base)
    print(f"visit: {len(q)} statements")
    for s in q.captured_queries:
        print("   ", s["sql"][:150])
    if profile:
        fn = resend if "--floor" in sys.argv else visit
        p = cProfile.Profile(time.process_time)
        p.enable()
        for i in range(base + 1, base + 1 + n):
            fn(i)
        p.disable()
        stats = pstats.Stats(p).sort_stats("cumulative")
        stats.print_stats(60)
        stats.sort_stats("tottime").print_stats(40)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 100, "--profile" in sys.argv)
