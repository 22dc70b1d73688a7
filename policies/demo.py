"""Demo: the seeded regions and their policy versions; then the region tree at work:
成都市 under Sichuan's framework with a cap of its own (a demonstration figure), and Baotou's
2021 regional average pension filled from a demonstration notice for 2022-10 onwards."""

import copy
from datetime import date

from .models import PolicyVersion, Region
from .services import policies_load_seeds, policy_version_publish, region_create

CHENGDU_SOURCE = (
    "成都市演示数据《成都市职工门诊共济保障演示参数》"
    "（非种子文件所载：成都市的实施细则未随种子提供，年度支付限额为演示数值）"
)
CHENGDU_DOCUMENT = {
    "general_outpatient": {"annual_cap": {"employee": "2000.00", "retiree": "2500.00"}},
    "sources": {
        "general_outpatient.annual_cap": {
            "article": "演示",
            "note": "演示数值，非种子文件所载；川办发〔2021〕85号第七条规定由各统筹地区确定",
        }
    },
}
BAOTOU_NOTICE = (
    "内人社演示〔2022〕1号《关于公布2021年全区平均基本养老金的通知》（演示公告，金额为演示数值）"
)
BAOTOU_PENSION = "3000.00"


def _baotou_fills() -> int:
    baotou = Region.objects.get(code="150200")
    made = 0
    for version in PolicyVersion.objects.filter(region=baotou, kind="version"):
        if PolicyVersion.objects.filter(
            region=baotou, kind="fill", effective_from=version.effective_from
        ).exists():
            continue
        document = copy.deepcopy(version.document)
        document["account"]["retiree"]["average_pension"] = BAOTOU_PENSION
        document["sources"]["account.retiree.average_pension"] = {
            "article": "演示公告",
            "note": "全自治区2021年平均基本养老金（演示数值，非种子文件所载）",
        }
        policy_version_publish(
            region=baotou,
            effective_from=version.effective_from,
            source=BAOTOU_NOTICE,
            document=document,
        )
        made += 1
    return made


def load(stdout) -> None:
    report = policies_load_seeds()
    stdout.write(
        f"Regions and policies: {len(report.created)} versions created, "
        f"{len(report.unchanged)} already present, {len(report.differing)} differing from "
        "their files (stored versions kept; publish a new version to change a policy)."
    )
    chengdu = Region.objects.filter(code="510100").first() or region_create(
        code="510100", name="成都市", name_en="Chengdu", parent=Region.objects.get(code="510000")
    )
    if not chengdu.versions.exists():
        policy_version_publish(
            region=chengdu,
            effective_from=date(2022, 2, 1),
            source=CHENGDU_SOURCE,
            document=CHENGDU_DOCUMENT,
        )
    fills = _baotou_fills()
    stdout.write(
        f"  成都市 (510100) under 四川省 with its annual cap (demonstration figure); Baotou's "
        f"average pension filled ({fills} fills created) from a demonstration notice."
    )
