"""Visits per second through the national platform's interface (``POST /api/hsa/``: 2204 with
20 fee lines → 2206 → 2207, three requests per visit) next to ``POST /api/v1/claims/`` (one
request per settlement), on the same gunicorn in the same run. Target (issue 20): the gateway's
settlements/s ≥ 60 % of the REST path's.

    .venv/bin/python bench/gateway.py [SECONDS]     (default 20 per measurement)

Visits are registered (2201) before the clock starts, through the ORM, as a HIS registers a
patient before the doctor writes the prescription; each timed visit is a fresh patient of 1,400.
"""

import http.client
import json
import os
import subprocess
import sys
import time
from datetime import timedelta

import settlement
from _setup import ROOT, SERVER, django_setup
from settlement import (
    CLIENTS,
    HTTP_WORKER,
    SHM,
    WORKERS,
    claim_body,
    run_clients,
    setup_data,
    vacuum,
)

DATABASE = os.environ.get("BENCH_DATABASE", "bench_gateway")
settlement.DATABASE = DATABASE
LINES = 20
FLOOR = os.environ.get("BENCH_FLOOR") == "1"
VISITS_PER_CLIENT = 6000


def visits(ids, hospital):
    from django.utils import timezone

    from gateway.models import Visit

    begin = timezone.now() - timedelta(hours=2)
    rows = [
        Visit(
            institution=hospital,
            person_id=ids[400 + (n * 700 + i) % 1400],
            mdtrt_id=f"BV{n}{i:07d}",
            ipt_otp_no=f"MZ{n}{i}",
            insutype="310",
            begntime=begin,
            med_type="11",
        )
        for n in range(CLIENTS)
        for i in range(VISITS_PER_CLIENT)
    ]
    Visit.objects.bulk_create(rows, batch_size=2000)


def codes():
    from catalogue.demo import demo_rows

    rows = demo_rows()
    return [r["code"] for r in rows[:: len(rows) // LINES]][:LINES]


def envelope(infno, msgid, payload, hospital_code):
    from django.utils import timezone

    return json.dumps(
        {
            "infno": infno, "msgid": msgid, "mdtrtarea_admvs": "420100",
            "insuplc_admdvs": "420100", "recer_sys_code": "YBXT", "infver": "V1.0",
            "opter_type": "1", "opter": "1", "opter_name": "收费员",
            "inf_time": timezone.localtime().strftime("%Y-%m-%d %H:%M:%S"),
            "fixmedins_code": hospital_code, "fixmedins_name": "基准医院", "input": payload,
        },
        ensure_ascii=False,
    ).encode()  # fmt: skip


def main(seconds: float):
    django_setup(fresh=True, database=DATABASE)
    from catalogue.demo import load

    load()
    ids, hospital, token = setup_data(persons=1800)
    settlement.warm_up(ids, hospital)
    visits(ids, hospital)
    vacuum()
    list_codes = codes()
    from django.utils import timezone

    fee_time = (timezone.localtime() - timedelta(hours=1)).strftime("%Y-%m-%d %H:%M:%S")

    port = 8765 + os.getpid() % 1000
    env = {
        **os.environ,
        "DATABASE_URL": f"{SERVER}/{DATABASE}",
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "0",
        # As production runs (config/gunicorn.conf.py): a worker keeps its database connection
        # between requests (Django's default opens one per request, which the gateway, three
        # requests per visit, paid three times).
        "CONN_MAX_AGE": os.environ.get("CONN_MAX_AGE", "60"),
    }
    server = subprocess.Popen(
        [
            sys.executable, "-m", "gunicorn", "config.wsgi", "-b", f"127.0.0.1:{port}",
            "-w", str(CLIENTS), *WORKERS[HTTP_WORKER], "--log-level", "warning",
            *(["--worker-tmp-dir", SHM] if os.path.isdir(SHM) else []),
        ],
        cwd=ROOT,
        env=env,
    )  # fmt: skip
    clients = {}
    phase = ["warm"]
    headers = {"Authorization": f"Token {token}", "Content-Type": "application/json"}
    counter = {"visit": [0] * CLIENTS}

    def call(n, path, body):
        if n not in clients:
            clients[n] = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        clients[n].request("POST", path, body=body, headers=headers)
        response = clients[n].getresponse()
        return response.status, response.read()

    def post_claim(n, i):
        body = claim_body(f"H{phase[0]}{n}-{i}", ids[400 + (n * 700 + i) % 1400], hospital.pk)
        status, _ = call(n, "/api/v1/claims/", body)
        assert status == 201, status

    def gateway_visit(n, i):
        v = counter["visit"][n]
        counter["visit"][n] += 1
        mdtrt_id = f"BV{n}{v:07d}"
        psn_no = str(ids[400 + (n * 700 + v) % 1400])
        lines = [
            {
                "feedetl_sn": f"{k:03d}", "mdtrt_id": mdtrt_id, "psn_no": psn_no,
                "chrg_bchno": "B1", "rx_circ_flag": "0", "fee_ocur_time": fee_time,
                "med_list_codg": code, "medins_list_codg": f"H{k}",
                "det_item_fee_sumamt": "6.00", "cnt": "1", "pric": "6.00",
                "bilg_dept_codg": "A03", "bilg_dept_name": "内科", "bilg_dr_codg": "D1",
                "bilg_dr_name": "医生", "hosp_appr_flag": "1",
            }
            for k, code in enumerate(list_codes)
        ]  # fmt: skip
        prefix = f"G{phase[0][0]}{n}{v:07d}"
        for infno, payload in (
            ("2204", {"feedetail": lines}),
            ("2206", None),
            ("2207", None),
        ):
            if payload is None:
                payload = {
                    "data": {
                        "psn_no": psn_no, "mdtrt_cert_type": "02", "med_type": "11",
                        "medfee_sumamt": f"{6 * LINES:.2f}", "psn_setlway": "01",
                        "mdtrt_id": mdtrt_id, "chrg_bchno": "0000", "acct_used_flag": "1",
                        "insutype": "310",
                    }
                }  # fmt: skip
            status, raw = call(
                n, "/api/hsa/", envelope(infno, prefix + infno, payload, hospital.code)
            )
            answer = json.loads(raw)
            assert status == 200 and answer["infcode"] == 0, answer.get("err_msg")

    try:
        # The first request waits for a worker to have booted (a loaded machine boots slowly).
        for _ in range(60):
            try:
                probe = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
                probe.request("GET", "/api/v1/regions/", headers=headers)
                probe.getresponse().read()
                break
            except OSError:
                time.sleep(1)
        run_clients(post_claim, 3)
        run_clients(gateway_visit, 3)  # each child's counter starts at 0: warm visits
        for c in range(CLIENTS):
            counter["visit"][c] = VISITS_PER_CLIENT // 2  # timed visits from the second half
        phase[0] = "timed"
        vacuum()
        tps_rest = run_clients(post_claim, seconds)
        vacuum()
        tps_gateway = run_clients(gateway_visit, seconds)
        if FLOOR:
            # The floor: a request that does no work. The first timed visit's 2206 sent again
            # is answered from its kept row (token, envelope, msgid read, nothing written).
            resend = {}

            def floor(n, i):
                if n not in resend:
                    v = VISITS_PER_CLIENT // 2
                    payload = {
                        "data": {
                            "psn_no": str(ids[400 + (n * 700 + v) % 1400]),
                            "mdtrt_cert_type": "02", "med_type": "11",
                            "medfee_sumamt": f"{6 * LINES:.2f}", "psn_setlway": "01",
                            "mdtrt_id": f"BV{n}{v:07d}", "chrg_bchno": "0000",
                            "acct_used_flag": "1", "insutype": "310",
                        }
                    }  # fmt: skip
                    resend[n] = envelope("2206", f"Gt{n}{v:07d}2206", payload, hospital.code)
                status, raw = call(n, "/api/hsa/", resend[n])
                assert status == 200 and json.loads(raw)["infcode"] == 0, raw[:200]

            tps_floor = run_clients(floor, seconds)
    finally:
        server.terminate()
        server.wait(timeout=20)
    print(f"HTTP POST /api/v1/claims/, {CLIENTS} clients: {tps_rest:,.1f} settlements/s")
    print(
        f"HTTP /api/hsa/ 2204 ({LINES} lines) → 2206 → 2207, {CLIENTS} clients: "
        f"{tps_gateway:,.1f} settlements/s ({3 * tps_gateway:,.1f} requests/s) "
        f"= {tps_gateway / tps_rest:.0%} of the REST path"
    )
    if FLOOR:
        print(
            f"HTTP /api/hsa/ a 2206 sent again (answered from its kept row), {CLIENTS} clients: "
            f"{tps_floor:,.1f} requests/s: at most {tps_floor / 3:,.1f} visits/s "
            f"= {tps_floor / 3 / tps_rest:.0%} of the REST path if the visit's work cost nothing"
        )


if __name__ == "__main__":
    main(float(sys.argv[1]) if len(sys.argv) > 1 else 20.0)
