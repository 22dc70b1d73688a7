"""Demo catalogue: a few hundred real-looking items (drugs, services, materials; 甲/乙/丙),
written through the import's own upsert so the demo exercises it. Idempotent."""

from __future__ import annotations

from decimal import Decimal

from .models import CatalogueItem
from .pinyin import initials

# (name, forms/strengths, level, charge type, ceiling per unit or None, own proportion or None)
DRUGS = [
    ("阿莫西林胶囊", ["0.25g", "0.5g"], "01", "09", "0.52", None),
    ("头孢克肟片", ["50mg", "100mg"], "02", "09", "2.10", None),
    ("左氧氟沙星片", ["0.1g", "0.5g"], "01", "09", "1.35", None),
    ("阿奇霉素片", ["0.25g"], "01", "09", "1.80", None),
    ("硝苯地平缓释片", ["10mg", "20mg", "30mg"], "01", "09", "0.90", None),
    ("苯磺酸氨氯地平片", ["5mg"], "01", "09", "0.30", None),
    ("缬沙坦胶囊", ["80mg"], "02", "09", "1.20", None),
    ("厄贝沙坦片", ["75mg", "150mg"], "02", "09", "0.95", None),
    ("二甲双胍缓释片", ["0.5g"], "01", "09", "0.25", None),
    ("格列美脲片", ["1mg", "2mg"], "02", "09", "0.60", None),
    ("阿卡波糖片", ["50mg"], "02", "09", "0.70", "0.05"),
    ("门冬胰岛素注射液", ["3ml:300单位"], "02", "09", "45.50", None),
    ("甘精胰岛素注射液", ["3ml:300单位"], "02", "09", "68.00", "0.05"),
    ("阿托伐他汀钙片", ["10mg", "20mg"], "02", "09", "0.80", None),
    ("瑞舒伐他汀钙片", ["10mg"], "02", "09", "0.75", None),
    ("阿司匹林肠溶片", ["100mg"], "01", "09", "0.15", None),
    ("氯吡格雷片", ["75mg"], "02", "09", "1.60", None),
    ("单硝酸异山梨酯缓释片", ["40mg"], "02", "09", "0.85", None),
    ("奥美拉唑肠溶胶囊", ["20mg"], "01", "09", "0.40", None),
    ("雷贝拉唑钠肠溶片", ["10mg"], "02", "09", "1.90", None),
    ("布洛芬缓释胶囊", ["0.3g"], "01", "09", "0.35", None),
    ("对乙酰氨基酚片", ["0.5g"], "01", "09", "0.10", None),
    ("氯雷他定片", ["10mg"], "02", "09", "0.55", None),
    ("孟鲁司特钠片", ["10mg"], "02", "09", "3.20", None),
    ("沙美特罗替卡松粉吸入剂", ["50μg/250μg"], "02", "09", "190.00", None),
    ("左甲状腺素钠片", ["50μg"], "01", "09", "0.60", None),
    ("碳酸钙D3片", ["600mg"], "03", "09", None, None),
    ("复合维生素片", ["30片"], "03", "09", None, None),
    ("复方丹参滴丸", ["27mg"], "01", "11", "0.08", None),
    ("血塞通软胶囊", ["60mg"], "02", "11", "0.45", None),
    ("连花清瘟胶囊", ["0.35g"], "01", "11", "0.40", None),
    ("六味地黄丸", ["浓缩丸"], "01", "11", "0.05", None),
    ("银杏叶片", ["9.6mg"], "02", "11", "0.30", None),
    ("安宫牛黄丸", ["3g"], "03", "11", None, None),
    ("黄芪（饮片）", ["10g"], "01", "10", "0.35", None),
    ("当归（饮片）", ["10g"], "01", "10", "0.60", None),
    ("西洋参（饮片）", ["3g"], "03", "10", None, None),
    ("阿胶", ["250g"], "03", "10", None, None),
]
SERVICES = [
    ("一般诊疗费", "01", "12", "10.00"),
    ("普通门诊诊查费", "01", "02", "8.00"),
    ("副主任医师门诊诊查费", "01", "02", "15.00"),
    ("主任医师门诊诊查费", "02", "02", "25.00"),
    ("专家门诊诊查费", "02", "02", "40.00"),
    ("挂号费", "03", "13", None),
    ("血常规（五分类）", "01", "04", "20.00"),
    ("尿常规", "01", "04", "10.00"),
    ("肝功能全套", "01", "04", "60.00"),
    ("肾功能三项", "01", "04", "30.00"),
    ("空腹血糖测定", "01", "04", "6.00"),
    ("糖化血红蛋白测定", "02", "04", "65.00"),
    ("血脂四项", "01", "04", "40.00"),
    ("心电图检查", "01", "03", "25.00"),
    ("动态心电图（24小时）", "02", "03", "180.00"),
    ("胸部X线摄影（DR）", "01", "03", "70.00"),
    ("胸部CT平扫", "02", "03", "260.00"),
    ("头颅磁共振平扫", "02", "03", "520.00"),
    ("腹部彩色多普勒超声", "01", "03", "120.00"),
    ("甲状腺彩超", "01", "03", "90.00"),
    ("胃镜检查", "02", "03", "280.00"),
    ("无痛胃镜麻醉", "03", "03", None),
    ("静脉输液（第一组）", "01", "05", "8.00"),
    ("肌肉注射", "01", "05", "3.00"),
    ("换药（小）", "01", "05", "15.00"),
    ("针灸（普通针刺）", "02", "05", "25.00"),
    ("推拿治疗", "02", "05", "35.00"),
    ("血液透析", "01", "05", "420.00"),
    ("雾化吸入", "01", "05", "10.00"),
    ("清创缝合（小）", "01", "06", "80.00"),
    ("体检套餐（个人）", "03", "14", None),
    ("牙齿美白", "03", "05", None),
]
MATERIALS = [
    ("一次性使用无菌注射器", ["1ml", "5ml", "10ml"], "01", "08", "0.80"),
    ("一次性使用输液器", ["带针"], "01", "08", "3.50"),
    ("医用脱脂纱布", ["8cm×10cm"], "01", "08", "1.20"),
    ("医用胶带", ["1.25cm×9.1m"], "02", "08", "4.50"),
    ("血糖试纸", ["50片"], "02", "08", "95.00"),
    ("胰岛素笔用针头", ["32G 4mm"], "02", "08", "1.60"),
    ("一次性使用透析器", ["1.6㎡"], "02", "08", "120.00"),
    ("弹力绷带", ["10cm×4.5m"], "02", "08", "12.00"),
    ("医用口罩", ["外科"], "03", "08", None),
    ("护膝（医用）", ["均码"], "03", "08", None),
]
MAKERS = [
    "华北制药",
    "石药集团",
    "齐鲁制药",
    "扬子江药业",
    "恒瑞医药",
    "白云山",
    "云南白药",
    "同仁堂",
]


def demo_rows() -> list[dict]:
    rows = []
    n = 0
    for name, strengths, level, charge, ceiling, prop in DRUGS:
        for strength in strengths:
            for maker in MAKERS[: 3 + n % 4]:
                n += 1
                prefix = "Z" if charge in ("10", "11") else "X"
                rows.append(
                    {
                        "code": f"{prefix}A{n:06d}0101{level}{charge}",
                        "name": f"{name}（{strength}，{maker}）",
                        "kind": "drug",
                        "chrgitm_lv": level,
                        "med_chrgitm_type": charge,
                        "price_ceiling": Decimal(ceiling) if ceiling else None,
                        "selfpay_prop": Decimal(prop) if prop else None,
                    }
                )
    for i, (name, level, charge, ceiling) in enumerate(SERVICES, 1):
        rows.append(
            {
                "code": f"0011{i:05d}00000{level}",
                "name": name,
                "kind": "service",
                "chrgitm_lv": level,
                "med_chrgitm_type": charge,
                "price_ceiling": Decimal(ceiling) if ceiling else None,
                "selfpay_prop": None,
            }
        )
    for i, (name, sizes, level, charge, ceiling) in enumerate(MATERIALS, 1):
        for j, size in enumerate(sizes, 1):
            rows.append(
                {
                    "code": f"C{i:04d}{j:02d}0101{level}",
                    "name": f"{name}（{size}）",
                    "kind": "material",
                    "chrgitm_lv": level,
                    "med_chrgitm_type": charge,
                    "price_ceiling": Decimal(ceiling) if ceiling else None,
                    "selfpay_prop": None,
                }
            )
    return rows


def load(stdout=None) -> None:
    rows = demo_rows()
    existing = set(CatalogueItem.objects.values_list("code", flat=True))
    CatalogueItem.objects.bulk_create(
        [
            CatalogueItem(initials=initials(r["name"]), **r)
            for r in rows
            if r["code"] not in existing
        ],
        batch_size=500,
    )
    if stdout is not None:
        stdout.write(
            f"catalogue: {len(rows)} items ({len(rows) - len(existing & {r['code'] for r in rows})} new)\n"
        )
