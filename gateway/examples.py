"""One example request and answer per transaction, for the API documentation page."""

from drf_spectacular.utils import OpenApiExample

from .transactions import NAMES

ENVELOPE = {
    "msgid": "H42010000001202603011030000001",
    "mdtrtarea_admvs": "420100",
    "insuplc_admdvs": "420100",
    "recer_sys_code": "YBXT",
    "infver": "V1.0",
    "opter_type": "1",
    "opter": "0001",
    "opter_name": "收费员甲",
    "inf_time": "2026-03-01 10:30:00",
    "fixmedins_code": "H42010000001",
    "fixmedins_name": "武汉市第一医院",
    "sign_no": "00000000000000000042",
}
SETLINFO = {
    "mdtrt_id": "48151623420000000001", "setl_id": "1201", "psn_no": "88", "psn_name": "李华",
    "insutype": "310", "psn_type": "1101", "med_type": "11", "setl_time": "2026-03-01 10:45:00",
    "medfee_sumamt": "1200.00", "fulamt_ownpay_amt": "0.00", "overlmt_selfpay": "0.00",
    "preselfpay_amt": "0.00", "inscp_scp_amt": "1200.00", "act_pay_dedc": "700.00",
    "hifp_pay": "400.00", "pool_prop_selfpay": "0.2000", "fund_pay_sumamt": "400.00",
    "psn_part_amt": "800.00", "acct_pay": "800.00", "acct_mulaid_pay": "0.00",
    "psn_cash_pay": "0.00", "balc": "200.00", "medins_setl_id": "H42010000001202603011045000003",
    "clr_optins": "420100", "clr_way": "1", "clr_type": "11",
}  # fmt: skip
SETLDETAIL = [
    {"fund_pay_type": "310100", "fund_pay_type_name": "职工基本医疗保险统筹基金",
     "inscp_scp_amt": "1200.00", "fund_payamt": "400.00",
     "setl_proc_info": "武政规〔2022〕3号 第十五条 起付标准：700.00；… 第十六条 一级 80%：400.00"},
    {"fund_pay_type": "310200", "fund_pay_type_name": "职工基本医疗保险个人账户基金",
     "inscp_scp_amt": "0.00", "fund_payamt": "800.00", "setl_proc_info": "个人账户支付：800.00"},
]  # fmt: skip
CASES = {
    "9001": ({"signIn": {"opter_no": "0001", "mac": "00-16-EA-AE-3C-40", "ip": "10.1.1.20"}},
             {"signinoutb": {"sign_time": "2026-03-01 08:00:00",
                             "sign_no": "00000000000000000042"}}),
    "1101": ({"data": {"mdtrt_cert_type": "02", "mdtrt_cert_no": "420100197003150011",
                       "psn_name": "李华"}},
             {"baseinfo": {"psn_no": "88", "psn_cert_type": "01", "certno": "420100197003150011",
                           "psn_name": "李华", "gend": "1", "brdy": "1970-03-15", "age": "56.0"},
              "insuinfo": [{"balc": "1000.00", "insutype": "310", "psn_type": "1101",
                            "psn_insu_stas": "1", "insuplc_admdvs": "420100", "cvlserv_flag": "0",
                            "emp_name": "武汉第一机械厂"}],
              "idetinfo": [],
              "mulaidinfo": [{"psn_no": "91", "psn_name": "王**", "relation": "spouse",
                              "begndate": "2026-01-01", "enddate": None}]}),
    "2201": ({"data": {"psn_no": "88", "insutype": "310", "begntime": "2026-03-01 10:30:00",
                       "mdtrt_cert_type": "02", "mdtrt_cert_no": "420100197003150011",
                       "ipt_otp_no": "MZ20260301001", "atddr_no": "D001", "dr_name": "张医生",
                       "dept_code": "A03", "dept_name": "内科", "caty": "A03"}},
             {"data": {"mdtrt_id": "48151623420000000001", "psn_no": "88",
                       "ipt_otp_no": "MZ20260301001"}}),
    "2202": ({"data": {"psn_no": "88", "mdtrt_id": "48151623420000000001",
                       "ipt_otp_no": "MZ20260301001"}}, None),
    "2203": ({"mdtrtinfo": {"mdtrt_id": "48151623420000000001", "psn_no": "88", "med_type": "11",
                            "begntime": "2026-03-01 10:30:00", "dise_codg": "J06.900",
                            "dise_name": "急性上呼吸道感染"},
              "diseinfo": [{"diag_type": "1", "diag_srt_no": 1, "diag_code": "J06.900",
                            "diag_name": "急性上呼吸道感染", "diag_dept": "内科",
                            "dise_dor_no": "D001", "dise_dor_name": "张医生",
                            "diag_time": "2026-03-01 10:35:00", "vali_flag": "1"}]}, None),
    "2204": ({"feedetail": [{"feedetl_sn": "1", "mdtrt_id": "48151623420000000001",
                             "psn_no": "88", "chrg_bchno": "B1", "rx_circ_flag": "0",
                             "fee_ocur_time": "2026-03-01 10:40:00",
                             "med_list_codg": "XA0000010101029", "medins_list_codg": "YP0001",
                             "det_item_fee_sumamt": "4.52", "cnt": "1", "pric": "4.52",
                             "bilg_dept_codg": "A03", "bilg_dept_name": "内科",
                             "bilg_dr_codg": "D001", "bilg_dr_name": "张医生",
                             "hosp_appr_flag": "1"}]},
             {"result": [{"feedetl_sn": "1", "det_item_fee_sumamt": "4.52", "cnt": "1.0000",
                          "pric": "4.520000", "pric_uplmt_amt": "", "selfpay_prop": "0.0500",
                          "fulamt_ownpay_amt": "0.00", "overlmt_amt": "0.00",
                          "preselfpay_amt": "0.23", "inscp_scp_amt": "4.29",
                          "chrgitm_lv": "02", "med_chrgitm_type": "09", "lmt_used_flag": "0"}]}),
    "2205": ({"data": {"mdtrt_id": "48151623420000000001", "chrg_bchno": "0000",
                       "psn_no": "88"}}, None),
    "2206": ({"data": {"psn_no": "88", "mdtrt_cert_type": "02",
                       "mdtrt_cert_no": "420100197003150011", "med_type": "11",
                       "medfee_sumamt": "1200.00", "psn_setlway": "01",
                       "mdtrt_id": "48151623420000000001", "chrg_bchno": "0000",
                       "acct_used_flag": "1", "insutype": "310"}},
             {"setlinfo": dict(SETLINFO, setl_id="", clr_optins="", clr_way=""),
              "setldetail": SETLDETAIL}),
    "2207": ({"data": {"psn_no": "88", "mdtrt_cert_type": "02",
                       "mdtrt_cert_no": "420100197003150011", "med_type": "11",
                       "medfee_sumamt": "1200.00", "psn_setlway": "01",
                       "mdtrt_id": "48151623420000000001", "chrg_bchno": "0000",
                       "acct_used_flag": "1", "insutype": "310", "invono": "FP0001",
                       "acct_mulaid_psn_no": None}},
             {"setlinfo": SETLINFO, "setldetail": SETLDETAIL}),
    "2208": ({"data": {"setl_id": "1201", "mdtrt_id": "48151623420000000001", "psn_no": "88"}},
             {"setlinfo": dict(SETLINFO, medfee_sumamt="-1200.00", hifp_pay="-400.00",
                               acct_pay="-800.00", balc="1000.00"),
              "setldetail": [dict(d, fund_payamt="-" + d["fund_payamt"]) for d in SETLDETAIL]}),
    "2601": ({"data": {"psn_no": "88", "omsgid": "H42010000001202603011045000003",
                       "oinfno": "2207"}}, None),
    "3201": ({"data": {"insutype": "310", "clr_type": "11", "setl_optins": "420100",
                       "stmt_begndate": "2026-03-01", "stmt_enddate": "2026-03-01",
                       "medfee_sumamt": "1200.00", "fund_pay_sumamt": "400.00",
                       "acct_pay": "800.00", "fixmedins_setl_cnt": 1}},
             {"stmtinfo": {"setl_optins": "420100", "stmt_rslt": "0", "stmt_rslt_dscr": "平"}}),
    "9101": ({"fsUploadIn": {"in": "MTIwMQk0ODE1MTYyMzQyMDAwMDAwMDAxCTg4CTEy"
                                   "MDAuMDAJNDAwLjAwCTgwMC4wMAkw",
                             "filename": "stmt.txt"}},
             {"file_qury_no": "H42010000001-00000000000000000077", "filename": "stmt.txt"}),
    "3202": ({"data": {"setl_optins": "420100", "file_qury_no": "H42010000001-00000000000000000077",
                       "stmt_begndate": "2026-03-01", "stmt_enddate": "2026-03-01",
                       "clr_type": "11"}},
             {"stmtinfo": {"setl_optins": "420100", "stmt_rslt": "0", "stmt_rslt_dscr": "平"},
              "detail": []}),
    "5301": ({"data": {"psn_no": "88"}},
             {"feedetail": [{"opsp_dise_code": "I10", "opsp_dise_name": "高血压",
                             "begndate": "2026-01-01", "enddate": None}]}),
    "5206": ({"data": {"psn_no": "88", "cum_ym": "202603"}},
             {"cuminfo": [{"insutype": "310", "year": "2026", "cum_ym": "202603",
                           "cum_type_code": "general_outpatient.pooled",
                           "cum_type_name": "普通门诊统筹基金累计支付", "cum": "400.00"}]}),
}  # fmt: skip


def examples() -> list[OpenApiExample]:
    out = []
    for infno, (payload, output) in CASES.items():
        out.append(
            OpenApiExample(
                f"{infno} {NAMES[infno]}",
                value={"infno": infno, **ENVELOPE, "input": payload},
                request_only=True,
            )
        )
        out.append(
            OpenApiExample(
                f"{infno} {NAMES[infno]}（应答）",
                value={
                    "infcode": 0,
                    "inf_refmsgid": "420100202603011030000000000001",
                    "refmsg_time": "20260301103000123",
                    "respond_time": "20260301103000150",
                    "err_msg": None,
                    "warn_msg": None,
                    "output": output,
                },
                response_only=True,
            )
        )
    out.append(
        OpenApiExample(
            "拒绝（infcode -1）",
            value={
                "infcode": -1,
                "inf_refmsgid": "420100202603011030000000000002",
                "refmsg_time": "20260301103000123",
                "respond_time": "20260301103000130",
                "err_msg": "【2201 门诊挂号】data.psn_no 不能为空",
                "warn_msg": None,
                "output": None,
            },
            response_only=True,
        )
    )
    return out
