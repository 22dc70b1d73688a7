"""Demo: the seeded regions and their policy versions; the region tree at work (成都市 under
Sichuan's framework with a cap of its own, a demonstration figure; Baotou's 2021 regional
average pension filled from a demonstration notice for 2022-10 onwards); and demonstration
figures where a region's document leaves a value the demo's settlements need to the bureau (a
later version whose ``source`` says the figures are for demonstration, never the documents')."""

import copy
from datetime import date

from django.db import transaction
from django.utils import timezone

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


DEMO_SOURCE = "演示数字（非文件规定，仅供演示结算；经办机构须以正式通知替换）"
DEMO_FROM = date(2025, 1, 1)
# region code → {dotted path: value}: only values the seeded document leaves unset.
DEMO_FIGURES = {
    # 川办发〔2021〕85号 第七条: 年度支付限额由各统筹地区依据基金运行情况确定.
    "510000": {
        "general_outpatient.annual_cap.employee": "2000.00",
        "general_outpatient.annual_cap.retiree": "2500.00",
    },
    # 吉医保联〔2022〕22号 二（二）: 退休人员倾斜比例同统筹区住院统筹基金倾斜支付比例.
    "220000": {"general_outpatient.ratio.retiree": {"1": "0.65", "2": "0.60", "3": "0.55"}},
}


def _set(document: dict, dotted: str, value) -> None:
    node = document
    *parents, last = dotted.split(".")
    for part in parents:
        node = node[part]
    if node.get(last) is not None:
        raise ValueError(f"{dotted} is set in the document; a demonstration figure only fills")
    node[last] = value


@transaction.atomic
def demo_figures() -> list[str]:
    """Add one demonstration version per region from ``DEMO_FROM``, once."""
    made = []
    for code, figures in DEMO_FIGURES.items():
        region = Region.objects.get(code=code)
        if region.versions.filter(source__endswith=DEMO_SOURCE).exists():
            continue
        current = (
            region.versions.filter(effective_from__lte=DEMO_FROM)
            .order_by("-effective_from")
            .first()
        )
        if current is None or (current.effective_to and current.effective_to < DEMO_FROM):
            continue
        document = copy.deepcopy(current.document)
        for dotted, value in figures.items():
            _set(document, dotted, value)
            document["sources"][dotted] = {
                "article": (document["sources"].get(dotted) or {}).get("article", "全文"),
                "note": DEMO_SOURCE,
            }
        end = current.effective_to
        current.effective_to = date(DEMO_FROM.year - 1, 12, 31)
        current.save(update_fields=["effective_to"])
        PolicyVersion.objects.create(
            region=region,
            effective_from=DEMO_FROM,
            effective_to=end,
            source=f"{current.source}；{DEMO_SOURCE}",
            document=document,
        )
        made.append(code)
    return made


def load(stdout) -> None:
    report = policies_load_seeds()
    stdout.write(
        f"Regions and policies: {len(report.created)} versions created, "
        f"{len(report.unchanged)} already present, {len(report.differing)} differing from "
        "their files (stored versions kept; publish a new version to change a policy)."
    )
    made = demo_figures()
    if made:
        stdout.write(f"Demonstration figures (source: {DEMO_SOURCE}) for {', '.join(made)}.")
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
        f"Region tree: 成都市 (510100) under 四川省 with its annual cap (demonstration figure); Baotou's "
        f"average pension filled ({fills} fills created) from a demonstration notice."
    )
    if pending_publication():
        stdout.write(
            "Awaiting review (复核, for policy_admin2): policy_admin's publication of 西藏自治区's "
            "family-sharing residual balance from next January (a demonstration notice)."
        )


PUBLICATION_NUMBER = "藏医保演示〔2026〕1号"
PUBLICATION_SOURCE = (
    f"{PUBLICATION_NUMBER}《关于调整家庭共济个人账户留存额度的通知》（演示文件，金额为演示数值）"
)


def pending_publication() -> bool:
    """A publication policy_admin asked for and another policy administrator must review
    (经办/复核): 西藏自治区's residual balance for family sharing, 3,000.00 → 2,500.00 from the
    next 1 January (after every demo settlement). Asked once (whatever became of it since);
    skipped when publications are not reviewed or the region's document has no such value."""
    from django.contrib.auth import get_user_model

    from staff.models import ReviewRequest

    from .reviews import PUBLICATION, REGION_TYPE, publication_needs_review, publication_request

    author = get_user_model().objects.filter(username="policy_admin").first()
    tibet = Region.objects.filter(code="540000").first()
    if author is None or tibet is None or not publication_needs_review():
        return False
    if ReviewRequest.objects.filter(
        kind=PUBLICATION, object_type=REGION_TYPE, summary__contains=PUBLICATION_NUMBER
    ).exists():
        return False
    start = date(timezone.localdate().year + 1, 1, 1)
    current = (
        tibet.versions.filter(effective_from__lt=start)
        .exclude(effective_to__lt=start)
        .order_by("-effective_from")
        .first()
    )
    if current is None or current.effective_to is not None:
        return False
    document = copy.deepcopy(current.document)
    if (document.get("family_sharing") or {}).get("min_residual_balance") is None:
        return False
    document["family_sharing"]["min_residual_balance"] = "2500.00"
    document.setdefault("sources", {})["family_sharing.min_residual_balance"] = {
        "article": "演示",
        "note": "演示数值，非种子文件所载",
    }
    publication_request(
        region=tibet,
        actor=author,
        effective_from=start,
        source=PUBLICATION_SOURCE,
        document=document,
        reason="演示：年度留存额度调整",
    )
    return True
