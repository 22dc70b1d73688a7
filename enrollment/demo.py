"""Demo: employers, institutions and persons across several regions (valid ID numbers,
Chinese names), loaded idempotently by ``load_demo``."""

from datetime import date
from decimal import Decimal

from django.db import transaction

from policies.models import Region

from .id_numbers import make
from .models import Employer, InpatientStay, Institution, Person
from .services import employer_create, inpatient_stay_record, institution_create, person_create

EMPLOYERS = [
    ("BT-0001", "包头钢铁（集团）有限责任公司", "150200"),
    ("WH-0001", "武汉长江航运设备有限公司", "420100"),
    ("WH-0002", "武汉光谷软件园管理中心", "420100"),
    ("SH-0001", "上海浦江纺织机械厂", "310000"),
    ("YX-0001", "玉溪卷烟厂", "530400"),
    ("XZ-0001", "拉萨市城市建设投资有限公司", "540000"),
    ("CD-0001", "成都天府数据服务有限公司", "510000"),
    ("JL-0001", "长春一汽零部件有限公司", "220000"),
]

INSTITUTIONS = [
    # code, name, region, kind, level, designated
    ("H150200-3", "包头市中心医院", "150200", "hospital", "3", True),
    ("H150200-1", "包头市昆都仑区少先路社区卫生服务中心", "150200", "hospital", "1", True),
    ("H420100-3", "华中科技大学同济医学院附属协和医院", "420100", "hospital", "3", True),
    ("H420100-2", "武汉市第五医院", "420100", "hospital", "2", True),
    ("H420100-1", "武汉市江汉区民族街社区卫生服务中心", "420100", "hospital", "1", True),
    ("P420100-1", "武汉马应龙大药房江汉店", "420100", "pharmacy", None, True),
    ("H420100-X", "武汉某民营诊所（非定点）", "420100", "hospital", "1", False),
    ("H310000-3", "复旦大学附属中山医院", "310000", "hospital", "3", True),
    ("H310000-1", "上海市黄浦区外滩街道社区卫生服务中心", "310000", "hospital", "1", True),
    ("H530400-2", "玉溪市人民医院", "530400", "hospital", "2", True),
    ("H530400-1", "玉溪市红塔区玉兴街道社区卫生服务中心", "530400", "hospital", "1", True),
    ("H540000-3", "西藏自治区人民医院", "540000", "hospital", "3", True),
    ("H540000-2", "拉萨市人民医院", "540000", "hospital", "2", True),
    ("P510000-1", "成都老百姓大药房春熙路店", "510000", "pharmacy", None, True),
    ("H510000-2", "成都市第三人民医院", "510000", "hospital", "2", True),
    ("H220000-1", "长春市朝阳区红旗街社区卫生服务中心", "220000", "hospital", "1", True),
]

# name, place code, birth, seq, region, category, employment, employer, base, retired, status
PERSONS = [
    (
        "张伟",
        "420102",
        date(1978, 4, 12),
        31,
        "420100",
        "employee",
        "employer",
        "WH-0001",
        "9200.00",
        None,
        "active",
    ),
    (
        "王芳",
        "420103",
        date(1985, 9, 3),
        42,
        "420100",
        "employee",
        "employer",
        "WH-0002",
        "12500.00",
        None,
        "active",
    ),
    (
        "刘洋",
        "420106",
        date(1958, 1, 20),
        15,
        "420100",
        "retiree",
        "employer",
        "WH-0001",
        None,
        date(2018, 1, 31),
        "active",
    ),
    (
        "陈静",
        "420111",
        date(1963, 7, 8),
        26,
        "420100",
        "retiree",
        "flexible",
        None,
        None,
        date(2018, 7, 31),
        "active",
    ),
    (
        "杨帆",
        "420115",
        date(1990, 2, 14),
        57,
        "420100",
        "employee",
        "flexible",
        None,
        "4500.00",
        None,
        "active",
    ),
    (
        "赵敏",
        "420102",
        date(1992, 11, 30),
        68,
        "420100",
        "employee",
        "employer",
        "WH-0002",
        "7800.00",
        None,
        "arrears",
    ),
    (
        "黄磊",
        "150203",
        date(1975, 6, 1),
        13,
        "150200",
        "employee",
        "employer",
        "BT-0001",
        "8600.00",
        None,
        "active",
    ),
    (
        "吴秀兰",
        "150204",
        date(1955, 3, 9),
        24,
        "150200",
        "retiree",
        "employer",
        "BT-0001",
        None,
        date(2010, 3, 31),
        "active",
    ),
    (
        "周建国",
        "310104",
        date(1938, 10, 2),
        11,
        "310000",
        "retiree",
        "employer",
        "SH-0001",
        None,
        date(1998, 10, 31),
        "active",
    ),
    (
        "徐丽华",
        "310105",
        date(1950, 5, 16),
        22,
        "310000",
        "retiree",
        "employer",
        "SH-0001",
        None,
        date(2005, 5, 31),
        "active",
    ),
    (
        "孙浩",
        "310110",
        date(1988, 8, 8),
        35,
        "310000",
        "employee",
        "employer",
        "SH-0001",
        "15000.00",
        None,
        "active",
    ),
    (
        "马丽",
        "530402",
        date(1980, 12, 25),
        46,
        "530400",
        "employee",
        "employer",
        "YX-0001",
        "9800.00",
        None,
        "active",
    ),
    (
        "李德明",
        "530402",
        date(1956, 2, 2),
        19,
        "530400",
        "retiree",
        "employer",
        "YX-0001",
        None,
        date(2016, 2, 29),
        "active",
    ),
    (
        "次仁卓玛",
        "540102",
        date(1983, 4, 4),
        28,
        "540000",
        "employee",
        "employer",
        "XZ-0001",
        "11000.00",
        None,
        "active",
    ),
    (
        "格桑",
        "540102",
        date(1957, 9, 9),
        17,
        "540000",
        "retiree",
        "employer",
        "XZ-0001",
        None,
        date(2017, 9, 30),
        "active",
    ),
    (
        "何晓东",
        "510104",
        date(1987, 3, 3),
        33,
        "510000",
        "employee",
        "employer",
        "CD-0001",
        "8000.00",
        None,
        "active",
    ),
    (
        "郭强",
        "510105",
        date(1979, 7, 7),
        44,
        "510000",
        "employee",
        "single_pooling",
        "CD-0001",
        "6000.00",
        None,
        "active",
    ),
    (
        "林海",
        "220102",
        date(1984, 1, 18),
        55,
        "220000",
        "employee",
        "employer",
        "JL-0001",
        "7600.00",
        None,
        "active",
    ),
]
# Relatives insured under the residents' scheme (family sharing members later).
RESIDENTS = [
    ("张小雨", "420102", date(2012, 6, 1), 62, "420100"),
    ("马晓燕", "530402", date(2010, 10, 10), 84, "530400"),
    ("次旦", "540102", date(2015, 1, 1), 71, "540000"),
]


@transaction.atomic
def load(stdout) -> None:
    regions = {r.code: r for r in Region.objects.all()}
    created = {"employers": 0, "institutions": 0, "persons": 0}
    for code, name, region in EMPLOYERS:
        if not Employer.objects.filter(code=code).exists():
            employer_create(code=code, name=name, region=regions[region])
            created["employers"] += 1
    for code, name, region, kind, level, designated in INSTITUTIONS:
        if not Institution.objects.filter(code=code).exists():
            institution_create(
                code=code,
                name=name,
                region=regions[region],
                kind=kind,
                level=level,
                designated=designated,
            )
            created["institutions"] += 1
    for (
        name,
        place,
        birth,
        seq,
        region,
        category,
        employment,
        employer,
        base,
        retired,
        status,
    ) in PERSONS:
        number = make(place, birth, seq)
        if Person.objects.filter(id_number=number).exists():
            continue
        person_create(
            id_number=number,
            name=name,
            region=regions[region],
            category=category,
            employment=employment,
            employer=Employer.objects.get(code=employer) if employer else None,
            contribution_base=Decimal(base) if base else None,
            retirement_date=retired,
            benefits_from=date(2022, 1, 1),
            status=status,
        )
        created["persons"] += 1
    for name, place, birth, seq, region in RESIDENTS:
        number = make(place, birth, seq)
        if not Person.objects.filter(id_number=number).exists():
            person_create(
                id_number=number,
                name=name,
                region=regions[region],
                scheme="resident",
                employment="employer",
                benefits_from=birth,
            )
            created["persons"] += 1
    wang = Person.objects.get(id_number=make("420103", date(1985, 9, 3), 42))
    if not InpatientStay.objects.filter(person=wang).exists():
        inpatient_stay_record(
            person=wang, admitted_on=date(2026, 3, 2), discharged_on=date(2026, 3, 9)
        )
    stdout.write(
        f"Enrollment: {created['employers']} employers, {created['institutions']} institutions, "
        f"{created['persons']} persons created."
    )
