#!/usr/bin/env python
"""The demo company: a seeded company with years of history, loaded into a real Odoo 18.

    python scripts/odoo_demo.py --url http://127.0.0.1:8069 --db order_demo \\
        --login admin --password admin --seed 1 --history 400 --orders 60

Everything goes through Odoo's external API (JSON-RPC, the project's `JsonRpcTransport`) into a
database where ``order_project`` and ``order_portal`` are installed. The company
(Asia/Shanghai) has three lines of business, one per shipped WBS template: engineer-to-order
equipment (``wbs_template_eto``), a design institute (``wbs_template_arch``) and software
delivery (``wbs_template_software``). It gets customers with contacts (a few of them portal
users), products and services per line with cost prices, employees with skills and levels,
hourly costs and calendars (office; an early and a late shift), Chinese public holidays as
company leaves (the holiday days only; the make-up working weekends are not modelled),
personal leaves, sales teams, project managers, routing rules; then ``--history`` finished
orders over ``--years`` years and ``--orders`` open ones in every state.

The company is first *planned* in Python (`plan_company`, seeded: the same seed, sizes and
``--today`` give the same company, to the hour and the name), then *loaded* (`load_company`).
The plan books every hour of work on a person's day: a person works at most their calendar's
hours on a working day and nothing on a public holiday or their own leave; the tasks of an order
run one after the other in the template's order (which respects its dependencies and lags); a
timesheet is never dated before its task's start.

**How long work really took** (the rule a model may learn; its parameters are written to the
JSON file ``--out`` and to the system parameter ``order_demo.overrun_model``). Planned hours of
a task = the WBS line's hours x the order's size factor (the product's ``size``, times 0.8-1.25
with the quantity). Each person on the task then logs

    actual = planned * exp(line_bias[line] + level_bias[level] + customer_bias[customer]
                           + size_slope * ln(size / 0.5) + N(0, noise))

rounded to half hours: ``line_bias`` is fixed per WBS line (0.05-0.35, from a CRC of its XML id:
design and sprint work overrun more or less, but always the same way), ``level_bias`` is the
person's level in the task's skill (junior +0.20, intermediate +0.05, senior -0.08),
``customer_bias`` a seeded N(0, 0.12) per customer (difficult customers), ``size_slope`` 0.15
(big orders overrun more), ``noise`` 0.10.

Open orders: quotations, confirmed not started, in progress (timesheets up to yesterday), late
(committed date passed or before the remaining work can end) and blocked (a task waits for
material: ``planning_not_before`` weeks ahead). Refuses impossible parameters (`check_params`)
before touching Odoo, naming the option.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import random
import sys
import time
import xml.etree.ElementTree as ET
import zlib
from collections import defaultdict
from dataclasses import asdict, dataclass, field, fields
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

TEMPLATE_XML = ROOT / "addons/order_project/data/order_wbs_template_data.xml"
TZ = ZoneInfo("Asia/Shanghai")
ODOO_DT = "%Y-%m-%d %H:%M:%S"
LINES = ("eto", "arch", "software")
TEMPLATES = {
    "eto": "wbs_template_eto",
    "arch": "wbs_template_arch",
    "software": "wbs_template_software",
}
LEVELS = (("Junior", 30, 0.20), ("Intermediate", 60, 0.05), ("Senior", 90, -0.08))
SIZE_SLOPE, NOISE, CUSTOMER_SIGMA = 0.15, 0.10, 0.12
# Chinese public holidays (days off, inclusive), 2022-2027; make-up working days not modelled.
HOLIDAYS: list[tuple[str, str, str]] = [
    ("New Year", "2022-01-01", "2022-01-03"),
    ("Spring Festival", "2022-01-31", "2022-02-06"),
    ("Qingming", "2022-04-03", "2022-04-05"),
    ("Labour Day", "2022-04-30", "2022-05-04"),
    ("Dragon Boat", "2022-06-03", "2022-06-05"),
    ("Mid-Autumn", "2022-09-10", "2022-09-12"),
    ("National Day", "2022-10-01", "2022-10-07"),
    ("New Year", "2022-12-31", "2023-01-02"),
    ("Spring Festival", "2023-01-21", "2023-01-27"),
    ("Qingming", "2023-04-05", "2023-04-05"),
    ("Labour Day", "2023-04-29", "2023-05-03"),
    ("Dragon Boat", "2023-06-22", "2023-06-24"),
    ("Mid-Autumn and National Day", "2023-09-29", "2023-10-06"),
    ("New Year", "2023-12-30", "2024-01-01"),
    ("Spring Festival", "2024-02-10", "2024-02-17"),
    ("Qingming", "2024-04-04", "2024-04-06"),
    ("Labour Day", "2024-05-01", "2024-05-05"),
    ("Dragon Boat", "2024-06-08", "2024-06-10"),
    ("Mid-Autumn", "2024-09-15", "2024-09-17"),
    ("National Day", "2024-10-01", "2024-10-07"),
    ("New Year", "2025-01-01", "2025-01-01"),
    ("Spring Festival", "2025-01-28", "2025-02-04"),
    ("Qingming", "2025-04-04", "2025-04-06"),
    ("Labour Day", "2025-05-01", "2025-05-05"),
    ("Dragon Boat", "2025-05-31", "2025-06-02"),
    ("National Day and Mid-Autumn", "2025-10-01", "2025-10-08"),
    ("New Year", "2026-01-01", "2026-01-03"),
    ("Spring Festival", "2026-02-15", "2026-02-23"),
    ("Qingming", "2026-04-04", "2026-04-06"),
    ("Labour Day", "2026-05-01", "2026-05-05"),
    ("Dragon Boat", "2026-06-19", "2026-06-21"),
    ("Mid-Autumn", "2026-09-25", "2026-09-27"),
    ("National Day", "2026-10-01", "2026-10-07"),
    ("New Year", "2027-01-01", "2027-01-03"),
    ("Spring Festival", "2027-02-06", "2027-02-12"),
    ("Qingming", "2027-04-03", "2027-04-05"),
    ("Labour Day", "2027-05-01", "2027-05-05"),
    ("Dragon Boat", "2027-06-09", "2027-06-11"),
    ("Mid-Autumn", "2027-09-15", "2027-09-17"),
    ("National Day", "2027-10-01", "2027-10-07"),
]
HOLIDAY_YEARS = (2022, 2027)
# Calendars: (key, name, [(weekday, hour_from, hour_to, day_period)]); 8 h a working day.
CALENDARS = {
    "office": [
        (d, a, b, p) for d in range(5) for a, b, p in ((8, 12, "morning"), (13, 17, "afternoon"))
    ],
    "early": [
        (d, a, b, p)
        for d in range(5)
        for a, b, p in ((6, 10, "morning"), (10.5, 14.5, "afternoon"))
    ],
    "late": [
        (d, a, b, p)
        for d in range(5)
        for a, b, p in ((14, 18, "afternoon"), (18.5, 22.5, "afternoon"))
    ],
}
CALENDAR_NAMES = {
    "office": "Office 08-17 (Asia/Shanghai)",
    "early": "Early shift 06-14:30",
    "late": "Late shift 14-22:30",
}
# Skills per line of business, and the skill (and minimum level) of each WBS line.
SKILLS = {
    "eto": ["Mechanical design", "Procurement", "Welding", "Assembly", "Quality inspection"],
    "arch": ["Architectural design", "Structural engineering", "Permitting", "Site supervision"],
    "software": ["Business analysis", "Backend development", "QA testing", "DevOps"],
}
# the delivery time a salesperson commits to: the template's hours one after the other, times
# this (other orders share the people); units of one order (1-3, at these odds) run side by side
LEAD_QUEUE_FACTOR = 3.0
OPEN_ORDER_UNITS = (1, 1, 2, 3)
OPEN_KINDS = ("quotation", "confirmed", "in_progress", "late", "blocked")
# the logins that read Chinese (the others English; every name is bilingual)
CHINESE_LOGINS = {"pm": "zh_CN", "portal2": "zh_CN"}
LINE_SHARE = {"eto": 0.32, "arch": 0.235, "software": 0.445}
# how much of each line's work each skill carries: the share of people who have it first
SKILL_WEIGHTS = {
    "eto": {
        "Mechanical design": 3,
        "Procurement": 1,
        "Welding": 4,
        "Assembly": 3,
        "Quality inspection": 1,
    },
    "arch": {
        "Architectural design": 5,
        "Structural engineering": 2,
        "Permitting": 1,
        "Site supervision": 1,
    },
    "software": {"Business analysis": 2, "Backend development": 6, "QA testing": 2, "DevOps": 1},
}
LINE_SKILLS = {
    "wbs_line_eto_kickoff": ("Mechanical design", 0),
    "wbs_line_eto_engineering": ("Mechanical design", 0),
    "wbs_line_eto_review": ("Mechanical design", 0),
    "wbs_line_eto_bom": ("Procurement", 0),
    "wbs_line_eto_purchase": ("Procurement", 0),
    "wbs_line_eto_proto_build": ("Assembly", 0),
    "wbs_line_eto_proto_test": ("Quality inspection", 0),
    "wbs_line_eto_instructions": ("Mechanical design", 0),
    "wbs_line_eto_prod_schedule": ("Procurement", 0),
    "wbs_line_eto_manufacturing": ("Welding", 0),
    "wbs_line_eto_inspection": ("Quality inspection", 1),
    "wbs_line_eto_shipping": ("Assembly", 0),
    "wbs_line_eto_acceptance": ("Assembly", 0),
    "wbs_line_arch_survey": ("Site supervision", 0),
    "wbs_line_arch_options": ("Architectural design", 0),
    "wbs_line_arch_approval": ("Architectural design", 1),
    "wbs_line_arch_arch_drawings": ("Architectural design", 0),
    "wbs_line_arch_coordination": ("Structural engineering", 0),
    "wbs_line_arch_check": ("Structural engineering", 1),
    "wbs_line_arch_application": ("Permitting", 0),
    "wbs_line_arch_follow_up": ("Permitting", 0),
    "wbs_line_arch_visits": ("Site supervision", 0),
    "wbs_line_arch_as_built": ("Architectural design", 0),
    "wbs_line_software_workshops": ("Business analysis", 0),
    "wbs_line_software_specification": ("Business analysis", 0),
    "wbs_line_software_mapping": ("Business analysis", 0),
    "wbs_line_software_backlog": ("Business analysis", 0),
    "wbs_line_software_architecture": ("Backend development", 1),
    "wbs_line_software_sprint1": ("Backend development", 0),
    "wbs_line_software_sprint2": ("Backend development", 0),
    "wbs_line_software_system_test": ("QA testing", 0),
    "wbs_line_software_uat": ("QA testing", 0),
    "wbs_line_software_deployment": ("DevOps", 0),
    "wbs_line_software_hypercare": ("DevOps", 0),
}
# Products per line: (name, Chinese name, list price, cost price, size factor of the work).
PRODUCTS = {
    "eto": [
        ("Conveyor line", "输送线", 180000, 120000, 0.2),
        ("Welding workstation", "焊接工作站", 320000, 210000, 0.4),
        ("Automated assembly cell", "自动化装配单元", 650000, 430000, 0.7),
    ],
    "arch": [
        ("Office fit-out design", "办公室装修设计", 90000, 52000, 0.2),
        ("Factory building design", "厂房设计", 260000, 150000, 0.45),
        ("Mixed-use complex design", "综合体设计", 520000, 300000, 0.7),
    ],
    "software": [
        ("MES integration", "MES 集成", 150000, 80000, 0.2),
        ("Customer portal", "客户门户", 280000, 160000, 0.4),
        ("ERP implementation", "ERP 实施", 600000, 340000, 0.7),
    ],
}
LINE_NAMES = {
    "eto": ("Equipment", "非标设备"),
    "arch": ("Design Institute", "设计院"),
    "software": ("Software Delivery", "软件交付"),
}
SURNAMES = [
    ("Wang", "王"),
    ("Li", "李"),
    ("Zhang", "张"),
    ("Liu", "刘"),
    ("Chen", "陈"),
    ("Yang", "杨"),
    ("Zhao", "赵"),
    ("Huang", "黄"),
    ("Zhou", "周"),
    ("Wu", "吴"),
    ("Xu", "徐"),
    ("Sun", "孙"),
    ("Hu", "胡"),
    ("Zhu", "朱"),
    ("Gao", "高"),
    ("Lin", "林"),
    ("He", "何"),
    ("Guo", "郭"),
    ("Ma", "马"),
    ("Luo", "罗"),
]
GIVEN = [
    ("Wei", "伟"),
    ("Fang", "芳"),
    ("Na", "娜"),
    ("Min", "敏"),
    ("Jing", "静"),
    ("Li", "丽"),
    ("Qiang", "强"),
    ("Lei", "磊"),
    ("Jun", "军"),
    ("Yang", "洋"),
    ("Yong", "勇"),
    ("Yan", "艳"),
    ("Jie", "杰"),
    ("Tao", "涛"),
    ("Ming", "明"),
    ("Chao", "超"),
    ("Xiuying", "秀英"),
    ("Hui", "慧"),
    ("Peng", "鹏"),
    ("Hao", "浩"),
    ("Yu", "宇"),
    ("Xin", "欣"),
    ("Bo", "博"),
    ("Lan", "兰"),
]
CITIES = [
    ("Shanghai", "上海"),
    ("Suzhou", "苏州"),
    ("Hangzhou", "杭州"),
    ("Nanjing", "南京"),
    ("Ningbo", "宁波"),
    ("Wuxi", "无锡"),
    ("Hefei", "合肥"),
    ("Shenzhen", "深圳"),
    ("Guangzhou", "广州"),
    ("Tianjin", "天津"),
    ("Chengdu", "成都"),
    ("Wuhan", "武汉"),
]
FIRM_WORDS = [
    ("Hongda", "宏达"),
    ("Huaxing", "华兴"),
    ("Jinhai", "金海"),
    ("Tianyi", "天翼"),
    ("Xinyuan", "鑫源"),
    ("Zhongke", "中科"),
    ("Dongfang", "东方"),
    ("Ruitai", "瑞泰"),
    ("Mingyang", "明阳"),
    ("Hengtong", "恒通"),
    ("Jiahe", "嘉禾"),
    ("Longsheng", "隆盛"),
    ("Yongxin", "永信"),
    ("Boyuan", "博远"),
    ("Anda", "安达"),
    ("Shengshi", "盛世"),
]
FIRM_KINDS = [
    ("Machinery Co., Ltd.", "机械有限公司"),
    ("Real Estate Co., Ltd.", "置业有限公司"),
    ("Technology Co., Ltd.", "科技有限公司"),
    ("Auto Parts Co., Ltd.", "汽车零部件有限公司"),
    ("Logistics Co., Ltd.", "物流有限公司"),
    ("Pharmaceutical Co., Ltd.", "制药有限公司"),
]
ROLE_PASSWORD = "demo"  # every demo login's password: a local demo, never a real company
ROLES = [
    # key, login, name, groups (module.xmlid)
    (
        "manager",
        "manager",
        "Chen Jing 陈静 (Order Manager)",
        [
            "order_project.group_order_manager",
            "sales_team.group_sale_manager",
            "project.group_project_manager",
            "hr.group_hr_manager",
        ],
    ),
    (
        "planner",
        "planner",
        "Li Qiang 李强 (Planner)",
        ["order_project.group_order_planner", "hr_timesheet.group_hr_timesheet_approver"],
    ),
    ("salesperson", "sales", "Zhao Min 赵敏 (Salesperson)", ["order_project.group_order_user"]),
    (
        "project_manager",
        "pm",
        "Wang Lei 王磊 (Project Manager)",
        [
            "order_project.group_order_user",
            "project.group_project_manager",
            "hr_timesheet.group_hr_timesheet_approver",
        ],
    ),
]
BOT_LOGIN = "optimizer_bot"


class DemoError(ValueError):
    """Impossible parameters, or a company that cannot be built as asked; says which option."""


@dataclass
class Params:
    seed: int = 1
    history: int = 400
    orders: int = 60
    customers: int = 40
    employees: int = 40
    years: float = 3.0
    portal_users: int = 4
    today: str = ""  # YYYY-MM-DD, default today in Asia/Shanghai

    def today_date(self) -> date:
        return date.fromisoformat(self.today) if self.today else datetime.now(TZ).date()


def check_params(p: Params) -> None:
    """Refuse impossible parameters, naming the option; nothing has touched Odoo yet."""
    for option, value in (
        ("--history", p.history),
        ("--orders", p.orders),
        ("--customers", p.customers),
        ("--employees", p.employees),
        ("--portal-users", p.portal_users),
    ):
        if value < 0:
            raise DemoError(f"{option} must not be negative (got {value})")
    if p.employees < 20:
        raise DemoError(
            f"--employees {p.employees}: at least 20 are needed (every skill of every line of "
            "business needs people, and some tasks need three at once)"
        )
    if p.customers < 2:
        raise DemoError(f"--customers {p.customers}: at least 2 (two portal customers)")
    if p.portal_users < 2 or p.portal_users > p.customers:
        raise DemoError(f"--portal-users {p.portal_users}: between 2 and --customers")
    if not 0 < p.years:
        raise DemoError(f"--years {p.years}: must be positive")
    try:
        today = p.today_date()
    except ValueError as error:
        raise DemoError(f"--today {p.today!r}: not a date YYYY-MM-DD ({error})") from None
    first = today - timedelta(days=round(p.years * 365.25))
    if first.year < HOLIDAY_YEARS[0] or today.year + 1 > HOLIDAY_YEARS[1]:
        raise DemoError(
            f"--years {p.years} (with --today {today}): the history would run from {first}, "
            f"but the holiday calendar covers {HOLIDAY_YEARS[0]}-{HOLIDAY_YEARS[1]} only "
            "(today's year and the next one must be in it too)"
        )
    if p.history and p.years < 0.5:
        raise DemoError(f"--years {p.years}: a history needs at least half a year")
    # Capacity: history work (about 300 h an order at mean size) must fit in three quarters
    # of the working hours of the history window, else orders would still be running today.
    capacity = p.employees * 8 * 240 * max(0.0, p.years - 0.4)
    if p.history * 300 > 0.75 * capacity:
        most = int(0.75 * capacity / 300)
        raise DemoError(
            f"--history {p.history}: {p.employees} employees cannot finish that many orders in "
            f"{p.years} years (at most about {most}); lower --history or raise --employees/--years"
        )


# ---------------------------------------------------------------------------- templates
@dataclass
class WbsLine:
    xmlid: str
    template: str
    sequence: int
    name: str
    hours: float
    headcount: int
    lag_hours: float  # the longest lag into this line


def read_templates(path: Path = TEMPLATE_XML) -> dict[str, list[WbsLine]]:
    """The leaf lines of the three shipped WBS templates, in sequence order, from the addon's
    data file (the database has the same records under the same XML ids)."""
    tree = ET.parse(path)
    lines: dict[str, dict[str, str]] = {}
    lags: dict[str, float] = defaultdict(float)
    parents: set[str] = set()
    for record in tree.iter("record"):
        values = {
            f.get("name"): (f.text or f.get("ref") or f.get("eval") or "")
            for f in record.findall("field")
        }
        if record.get("model") == "order.wbs.template.line":
            lines[record.get("id") or ""] = values
            if values.get("parent_id"):
                parents.add(values["parent_id"])
        elif record.get("model") == "order.wbs.template.dependency":
            line = values["line_id"]
            lags[line] = max(lags[line], float(values.get("lag_hours") or 0))
    result: dict[str, list[WbsLine]] = {key: [] for key in LINES}
    by_template = {v: k for k, v in TEMPLATES.items()}
    for xmlid, values in lines.items():
        if xmlid in parents:
            continue
        result[by_template[values["template_id"]]].append(
            WbsLine(
                xmlid,
                values["template_id"],
                int(values.get("sequence") or 10),
                values["name"],
                float(values.get("duration_hours") or 0),
                int(values.get("headcount") or 1),
                lags[xmlid],
            )
        )
    for key in result:
        result[key].sort(key=lambda line: line.sequence)
    return result


def line_bias(xmlid: str) -> float:
    return round(0.05 + 0.30 * (zlib.crc32(xmlid.encode()) % 1000) / 1000, 4)


# ---------------------------------------------------------------------------- the plan
@dataclass
class Company:
    params: dict[str, Any]
    model: dict[str, Any]  # the overrun rule's parameters
    employees: list[dict[str, Any]] = field(default_factory=list)
    customers: list[dict[str, Any]] = field(default_factory=list)
    products: list[dict[str, Any]] = field(default_factory=list)
    orders: list[dict[str, Any]] = field(default_factory=list)
    leaves: list[dict[str, Any]] = field(default_factory=list)
    staff: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # sales, pms per line

    def digest(self) -> str:
        text = json.dumps(asdict(self), sort_keys=True, default=str)
        return hashlib.sha256(text.encode()).hexdigest()


def person_name(rng: random.Random, used: set[str]) -> tuple[str, str]:
    while True:
        (s_en, s_zh), (g_en, g_zh) = rng.choice(SURNAMES), rng.choice(GIVEN)
        if rng.random() < 0.4:
            g2 = rng.choice(GIVEN)
            g_en, g_zh = g_en + g2[0].lower(), g_zh + g2[1]
        name = f"{s_en} {g_en} {s_zh}{g_zh}"
        if name not in used:
            used.add(name)
            return name, f"{g_en.lower()}.{s_en.lower()}"


class Booker:
    """Every person's hours left per day: calendar hours on working days, none on holidays
    and leaves; the plan books timesheets against it."""

    def __init__(self, holidays: set[date]) -> None:
        self.holidays = holidays
        self.used: dict[tuple[int, date], float] = defaultdict(float)
        self.off: set[tuple[int, date]] = set()

    def free(self, person: int, day: date) -> float:
        if day.weekday() >= 5 or day in self.holidays or (person, day) in self.off:
            return 0.0
        return 8.0 - self.used[(person, day)]

    def working_day(self, day: date) -> bool:
        return day.weekday() < 5 and day not in self.holidays


def next_working(booker: Booker, day: date, days: int = 0) -> date:
    while not booker.working_day(day):
        day += timedelta(days=1)
    for _ in range(days):
        day += timedelta(days=1)
        while not booker.working_day(day):
            day += timedelta(days=1)
    return day


class Planner:
    """One seeded pass over the company: each step draws from the same random stream and books
    work on the same `Booker`, in this order (the order is part of the seed's meaning)."""

    def __init__(self, p: Params, templates: dict[str, list[WbsLine]]) -> None:
        self.p = p
        self.templates = templates
        self.rng = random.Random(p.seed)
        self.today = p.today_date()
        self.first = self.today - timedelta(days=round(p.years * 365.25))
        holidays = set()
        for _name, a, b in HOLIDAYS:
            day = date.fromisoformat(a)
            while day <= date.fromisoformat(b):
                holidays.add(day)
                day += timedelta(days=1)
        self.booker = Booker(holidays)
        self.model: dict[str, Any] = {
            "formula": "actual = planned * exp(line_bias[line] + level_bias[level] + "
            "customer_bias[customer] + size_slope * ln(size / 0.5) + N(0, noise))",
            "line_bias": {
                ln.xmlid: line_bias(ln.xmlid) for lines in templates.values() for ln in lines
            },
            "level_bias": {name: bias for name, _progress, bias in LEVELS},
            "size_slope": SIZE_SLOPE,
            "noise": NOISE,
            "customer_sigma": CUSTOMER_SIGMA,
            "customer_bias": {},
            "planned_hours": "WBS line hours * order size (product size * 0.8-1.25 with quantity)",
        }
        self.company = Company(
            params=asdict(p) | {"today": self.today.isoformat()}, model=self.model
        )
        self.used: set[str] = set()
        self.skill_people: dict[str, list[int]] = defaultdict(list)
        self.sales = 0  # sales orders so far

    def plan(self) -> Company:
        self.employees()
        self.leaves()
        self.staff()
        self.customers()
        self.products()
        self.history()
        self.open_orders()
        return self.company

    def employees(self) -> None:
        """Spread over the lines in proportion to their template's hours (software needs
        most); every skill has people."""
        p, rng, company = self.p, self.rng, self.company
        per_lob = {lob: max(len(SKILLS[lob]), int(p.employees * LINE_SHARE[lob])) for lob in LINES}
        per_lob["software"] = p.employees - per_lob["eto"] - per_lob["arch"]
        emp_lines = [lob for lob in LINES for _ in range(per_lob[lob])]
        rng.shuffle(emp_lines)
        mains: list[str] = []
        for lob in LINES:
            count = per_lob[lob]
            weights = SKILL_WEIGHTS[lob]
            total = sum(weights.values())
            shares = {s: max(1, int(count * w / total)) for s, w in weights.items()}
            while sum(shares.values()) < count:
                shares[max(weights, key=lambda s: weights[s] * count / total - shares[s])] += 1
            mains += [s for s in weights for _ in range(shares[s])][:count]
        per_line = {lob: iter([m for m in mains if m in SKILLS[lob]]) for lob in LINES}
        for k in range(p.employees):
            lob = emp_lines[k]
            main = next(per_line[lob])
            others = [s for s in SKILLS[lob] if s != main]
            extra = rng.choices(others, [SKILL_WEIGHTS[lob][s] for s in others])[0]
            name, login = person_name(rng, self.used)
            calendar = "office"
            if main in ("Welding", "Assembly"):
                calendar = "early" if main == "Welding" else "late"
            levels = {
                main: rng.choices((0, 1, 2), (3, 4, 3))[0],
                extra: rng.choices((0, 1, 2), (5, 3, 1))[0],
            }
            company.employees.append(
                {
                    "key": k,
                    "name": name,
                    "login": f"{login}.{k}",
                    "line": lob,
                    "calendar": calendar,
                    "skills": levels,
                    "job": main,
                    "hourly_cost": float(rng.choice((90, 110, 130, 160, 200)) + 40 * levels[main]),
                }
            )
            for skill in levels:
                self.skill_people[skill].append(k)

    def leaves(self) -> None:
        """Two to four stretches a year of 1-5 working days per person."""
        rng, booker = self.rng, self.booker
        years = self.p.years + 0.5
        for emp in self.company.employees:
            for _ in range(int(years * rng.randint(2, 4))):
                start = self.first + timedelta(days=rng.randrange(0, int(years * 365)))
                start = next_working(booker, start)
                end = next_working(booker, start, rng.randint(1, 5) - 1)
                self.company.leaves.append(
                    {"employee": emp["key"], "from": start.isoformat(), "to": end.isoformat()}
                )
                day = start
                while day <= end:
                    booker.off.add((emp["key"], day))
                    day += timedelta(days=1)

    def staff(self) -> None:
        """Sales and project management staff per line (users only, not bookable)."""
        for lob in LINES:
            self.company.staff[lob] = []
            for role in ("sales", "pm"):
                name, login = person_name(self.rng, self.used)
                self.company.staff[lob].append(
                    {"role": role, "name": name, "login": f"{login}.{role}.{lob}"}
                )

    def customers(self) -> None:
        """Customers with contacts; each buys from one line."""
        rng = self.rng
        for k in range(self.p.customers):
            while True:
                city, word, kind = (
                    rng.choice(CITIES),
                    rng.choice(FIRM_WORDS),
                    rng.choice(FIRM_KINDS),
                )
                name = f"{city[0]} {word[0]} {kind[0]} {city[1]}{word[1]}{kind[1]}"
                if name not in self.used:
                    self.used.add(name)
                    break
            contacts = []
            for _ in range(rng.randint(1, 3)):
                cname, clogin = person_name(rng, self.used)
                contacts.append(
                    {"name": cname, "email": f"{clogin}@{word[0].lower()}{k}.example.cn"}
                )
            bias = round(rng.gauss(0, CUSTOMER_SIGMA), 4)
            self.model["customer_bias"][name] = bias
            self.company.customers.append(
                {
                    "key": k,
                    "name": name,
                    "city": city[0],
                    "line": LINES[k % 3],
                    "bias": bias,
                    "contacts": contacts,
                }
            )
        for k in range(self.p.portal_users):
            self.company.customers[k]["portal"] = {"login": f"portal{k + 1}", "contact": 0}

    def products(self) -> None:
        for lob in LINES:
            for en, zh, price, cost, size in PRODUCTS[lob]:
                self.company.products.append(
                    {
                        "key": f"{lob}:{en}",
                        "name": f"{en} {zh}",
                        "line": lob,
                        "price": price,
                        "cost": cost,
                        "size": size,
                    }
                )

    # -- orders
    def task_people(self, line: WbsLine, minimum: int) -> list[int]:
        skill, _ = LINE_SKILLS[line.xmlid]
        employees = self.company.employees
        able = [e for e in self.skill_people[skill] if employees[e]["skills"][skill] >= minimum]
        return able or self.skill_people[skill]

    def crew(self, ranked: list[int], headcount: int) -> list[int]:
        """The first `headcount` of `ranked` who can work together: never an early-shift and a
        late-shift person on one task (their calendars share no working time)."""
        people: list[int] = []
        shifts: set[str] = set()
        for e in ranked:
            calendar = self.company.employees[e]["calendar"]
            if calendar != "office" and shifts - {calendar}:
                continue
            people.append(e)
            if calendar != "office":
                shifts.add(calendar)
            if len(people) == headcount:
                break
        return people

    def simulate(self, unit: dict[str, Any], start: date, stop: date | None) -> date:
        """Book a unit's tasks one after the other from `start` (no work on `stop` or later);
        returns the last working day."""
        rng, booker = self.rng, self.booker
        day = next_working(booker, start)
        customer = self.company.customers[unit["customer"]]
        size = unit["size"]
        last = day
        for line in self.templates[unit["line"]]:
            if stop is not None and day >= stop:
                break
            if line.lag_hours:
                day = next_working(booker, day, int(math.ceil(line.lag_hours / 8)))
            planned = max(1.0, round(line.hours * size * 2) / 2)
            skill, minimum = LINE_SKILLS[line.xmlid]
            window = [next_working(booker, day, i) for i in range(10)]
            ranked = sorted(
                self.task_people(line, minimum),
                key=lambda e: (-sum(booker.free(e, d) for d in window), rng.random()),
            )
            people = self.crew(ranked, line.headcount)
            task = {"line": line.xmlid, "planned": planned, "people": people, "logs": []}
            remaining = {}
            for e in people:
                level = self.company.employees[e]["skills"][skill]
                mu = (
                    self.model["line_bias"][line.xmlid]
                    + LEVELS[level][2]
                    + customer["bias"]
                    + SIZE_SLOPE * math.log(size / 0.5)
                )
                remaining[e] = max(0.5, round(planned * math.exp(mu + rng.gauss(0, NOISE)) * 2) / 2)
            task["actual"] = dict(remaining)
            cursor = day
            while any(h > 0 for h in remaining.values()):
                if stop is not None and cursor >= stop:
                    break
                for e in people:
                    h = min(remaining[e], booker.free(e, cursor))
                    if h > 0:
                        booker.used[(e, cursor)] += h
                        remaining[e] -= h
                        task["logs"].append((e, cursor.isoformat(), h))
                cursor += timedelta(days=1)
                if (cursor - day).days > 400:
                    raise DemoError("a task found no working time in 400 days; raise --employees")
            if task["logs"]:
                task["start"] = min(d for _, d, _ in task["logs"])
                task["end"] = max(d for _, d, _ in task["logs"])
                last = date.fromisoformat(task["end"])
            task["done"] = not any(h > 0 for h in remaining.values())
            unit["tasks"].append(task)
            if not task["done"]:
                break
            day = next_working(booker, last + timedelta(days=1))
        return last

    def new_sale(self, kind: str, lob: str, units: int) -> list[dict[str, Any]]:
        """A sales order of one customer: `units` lines of the line of business, each a
        product with its own delivery project (its WBS), all sharing the order's dates."""
        rng, company = self.rng, self.company
        customers = [c for c in company.customers if c["line"] == lob] or company.customers
        customer = rng.choice(customers)
        sale, self.sales = self.sales, self.sales + 1
        lines = []
        for _ in range(units):
            product = rng.choice([pr for pr in company.products if pr["line"] == lob])
            qty = rng.choice((1, 1, 1, 2, 3))
            size = round(product["size"] * (0.8 + 0.15 * (qty - 1) + rng.random() * 0.2), 3)
            lines.append(
                {
                    "key": len(company.orders) + len(lines),
                    "sale": sale,
                    "kind": kind,
                    "line": lob,
                    "customer": customer["key"],
                    "product": product["key"],
                    "qty": qty,
                    "size": size,
                    "tasks": [],
                }
            )
        return lines

    def work_days(self, units: list[dict[str, Any]]) -> float:
        """Calendar days of an order's work done one task after the other at full speed
        (8 h a working day, 1.4 calendar days each), its longest unit."""
        hours = max(
            sum(max(1.0, ln.hours * u["size"]) + ln.lag_hours for ln in self.templates[u["line"]])
            for u in units
        )
        return hours / 8 * 1.4

    def lead_days(self, units: list[dict[str, Any]]) -> int:
        """The delivery time a salesperson commits to: the order's work days times a queue
        factor (other orders share the people), longer for orders of several units (run side
        by side, on the same people); one promise in four is made at half that."""
        queue = LEAD_QUEUE_FACTOR * (1 + 0.35 * (len(units) - 1))
        promise = self.rng.choice((0.5, 1.0, 1.0, 1.0)) * self.rng.uniform(0.8, 1.3)
        return int(self.work_days(units) * queue * promise) + 10

    def history(self) -> None:
        """Finished orders (one unit each) spread over the years before the last five months."""
        rng, booker, today = self.rng, self.booker, self.today
        window_end = today - timedelta(days=150)
        span = max(1, (window_end - self.first).days)
        starts = sorted(
            self.first + timedelta(days=rng.randrange(span)) for _ in range(self.p.history)
        )
        for start in starts:
            (order,) = self.new_sale("history", rng.choice(LINES), 1)
            confirmed = next_working(booker, start)
            order["date_order"] = (confirmed - timedelta(days=rng.randint(3, 20))).isoformat()
            order["confirmed"] = confirmed.isoformat()
            order["commitment"] = (confirmed + timedelta(days=self.lead_days([order]))).isoformat()
            end = self.simulate(order, confirmed, None)
            if end >= today:
                raise DemoError(
                    f"--history {self.p.history}: order {order['key']} would still run on {end}; "
                    "lower --history or raise --employees"
                )
            order["delivered"] = end.isoformat()
            self.company.orders.append(order)

    def open_orders(self) -> None:
        """Open orders in every state, of one to three units each."""
        rng, booker, today = self.rng, self.booker, self.today
        weights = [0.15, 0.2, 0.4, 0.15, 0.1]
        counts = [int(self.p.orders * w) for w in weights]
        counts[2] += self.p.orders - sum(counts)
        for kind, count in zip(OPEN_KINDS, counts, strict=True):
            for _ in range(count):
                units = self.new_sale(kind, rng.choice(LINES), rng.choice(OPEN_ORDER_UNITS))
                lead = self.lead_days(units)
                dates: dict[str, Any] = {}
                if kind in ("quotation", "confirmed"):
                    quoted = today - timedelta(days=rng.randint(0, 12))
                    dates["date_order"] = quoted.isoformat()
                    dates["confirmed"] = quoted.isoformat() if kind == "confirmed" else None
                    dates["commitment"] = (quoted + timedelta(days=lead)).isoformat()
                else:
                    # started that many days ago: mid-way through its work at full speed
                    # (in progress), early on (blocked), or far on (late: the commitment is
                    # about today, the rest of the work after it)
                    work = self.work_days(units)
                    low, high = {"blocked": (0.1, 0.3), "late": (0.5, 0.9)}.get(kind, (0.15, 0.7))
                    back = max(5, int(work * rng.uniform(low, high)))
                    confirmed = next_working(booker, today - timedelta(days=back))
                    if confirmed >= today:
                        confirmed = today - timedelta(days=back)
                    dates["date_order"] = (
                        confirmed - timedelta(days=rng.randint(3, 15))
                    ).isoformat()
                    dates["confirmed"] = confirmed.isoformat()
                    commitment = confirmed + timedelta(days=lead)
                    if kind == "late":
                        commitment = today + timedelta(days=rng.randint(-10, 5))
                    dates["commitment"] = commitment.isoformat()
                for unit in units:
                    unit.update(dates)
                    if dates.get("confirmed") and kind != "confirmed":
                        self.simulate(unit, date.fromisoformat(dates["confirmed"]), today)
                    self.block(unit, kind)
                    self.company.orders.append(unit)

    def block(self, unit: dict[str, Any], kind: str) -> None:
        """A blocked order's next task waits for material (or the customer) for weeks."""
        started = {t["line"] for t in unit["tasks"]}
        waiting = [ln.xmlid for ln in self.templates[unit["line"]] if ln.xmlid not in started]
        if kind == "blocked" and waiting:
            unit["blocked_line"] = waiting[0]
            unit["blocked_until"] = (
                self.today + timedelta(days=self.rng.randint(14, 40))
            ).isoformat()


def plan_company(p: Params, templates: dict[str, list[WbsLine]] | None = None) -> Company:
    """The whole company, seeded; no Odoo involved. `Company.orders` holds one entry per
    delivery unit (an order line with its project); units of one sales order share ``sale``."""
    check_params(p)
    return Planner(p, templates or read_templates()).plan()


# ---------------------------------------------------------------------------- loading
def local_to_utc(day: date, hour: float) -> str:
    moment = datetime(day.year, day.month, day.day, tzinfo=TZ) + timedelta(hours=hour)
    return moment.astimezone(timezone.utc).strftime(ODOO_DT)


class Loader:
    """Loads a planned `Company` into Odoo over JSON-RPC, in batches."""

    def __init__(self, transport: Any, echo: Any = print) -> None:
        self.t = transport
        self.echo = echo
        self.ids: dict[str, Any] = {}
        self.t0 = time.monotonic()

    def call(self, model: str, method: str, args: list[Any] | None = None, **kwargs: Any) -> Any:
        return self.t.call(model, method, args or [], kwargs)

    def create(
        self, model: str, values: list[dict[str, Any]], chunk: int = 500, **ctx: Any
    ) -> list[int]:
        ids: list[int] = []
        kwargs = {"context": ctx} if ctx else {}
        for k in range(0, len(values), chunk):
            result = self.t.call(model, "create", [values[k : k + chunk]], kwargs)
            ids += result if isinstance(result, list) else [result]
        return ids

    def write(self, model: str, ids: list[int], values: dict[str, Any], **ctx: Any) -> None:
        if ids:
            self.t.call(model, "write", [ids, values], {"context": ctx} if ctx else {})

    def load(
        self, model: str, fields: list[str], rows: dict[int, list[Any]], chunk: int = 500
    ) -> None:
        """Write a different value per record in few calls: Odoo's import (``load``) with the
        database id column updates existing records; datetimes read as UTC."""
        items = [[str(k)] + ["" if v is None else str(v) for v in row] for k, row in rows.items()]
        context = NOTRACK | {"tz": "UTC"}
        for k in range(0, len(items), chunk):
            answer = self.t.call(
                model,
                "load",
                [],
                {"fields": [".id"] + fields, "data": items[k : k + chunk], "context": context},
            )
            errors = [m for m in answer.get("messages") or () if m.get("type") == "error"]
            if errors or not answer.get("ids"):
                raise DemoError(f"loading {model} failed: {errors[:3]}")

    def xmlid(self, full: str) -> int:
        module, name = full.split(".")
        rows = self.call(
            "ir.model.data",
            "search_read",
            domain=[["module", "=", module], ["name", "=", name]],
            fields=["res_id"],
        )
        if not rows:
            raise DemoError(f"{full} not found: is order_project installed?")
        return int(rows[0]["res_id"])

    def step(self, text: str) -> None:
        self.echo(f"[{time.monotonic() - self.t0:7.1f} s] {text}", flush=True)


NOTRACK = {"tracking_disable": True, "mail_notrack": True, "mail_create_nolog": True}


def load_company(transport: Any, company: Company, echo: Any = print) -> dict[str, Any]:
    """Create the planned company in Odoo, one step after the other in dependency order (each
    step reads what the earlier ones created from ``Loader.ids``); returns the counts and the
    logins."""
    L = Loader(transport, echo)
    load_setup(L)
    load_skills(L)
    load_people(L, company)
    load_sales_setup(L, company)
    load_orders(L, company)
    load_work(L, company)
    invoices = invoice_history(L, [o for o in company.orders if o["kind"] == "history"])
    orders = company.orders
    sales = {o["sale"]: o for o in orders}.values()
    timesheets = L.ids["timesheets"]
    counts = {
        "customers": len(company.customers),
        "contacts": sum(len(c["contacts"]) for c in company.customers),
        "portal_users": len(L.ids["portal_users"]),
        "employees": len(company.employees),
        "employee_skills": sum(len(e["skills"]) for e in company.employees),
        "personal_leaves": len(company.leaves),
        "public_holidays": len(HOLIDAYS),
        "products": len(company.products),
        "history_orders": sum(o["kind"] == "history" for o in sales),
        "open_orders": {kind: sum(o["kind"] == kind for o in sales) for kind in OPEN_KINDS},
        "projects": len(L.ids["project_of"]),
        "delivered_projects": L.ids["delivered"],  # history, and open units with all work done
        "tasks": L.ids["task_count"],
        "phases": L.ids["phase_count"],
        "timesheet_lines": len(timesheets),
        "timesheet_hours": round(sum(t["unit_amount"] for t in timesheets), 1),
        "invoices": invoices,
        "late_history_orders": sum(
            o["kind"] == "history" and o["delivered"] > o["commitment"] for o in orders
        ),
    }
    L.call(
        "ir.config_parameter", "set_param", ["order_demo.overrun_model", json.dumps(company.model)]
    )
    L.call("ir.config_parameter", "set_param", ["order_demo.params", json.dumps(company.params)])
    L.step("done")
    return {
        "counts": counts,
        "logins": L.ids["logins"],
        "seconds": round(time.monotonic() - L.t0, 1),
    }


def load_setup(L: Loader) -> None:
    """The company in Shanghai and its currency, chart of accounts, calendars, holidays and
    the Chinese language (the ``pm`` and ``portal2`` logins read Chinese)."""
    L.step("company, languages, calendars, holidays")
    uid = getattr(L.t, "uid", None)
    domain = [["id", "=", uid]] if uid else [["login", "=", "admin"]]
    (me,) = L.call("res.users", "search_read", domain=domain, fields=["company_id"])
    company_id = L.ids["company"] = me["company_id"][0]
    china = L.ids["china"] = L.call("res.country", "search", [[["code", "=", "CN"]]])[0]
    cny = L.call(
        "res.currency", "search", [[["name", "=", "CNY"], ["active", "in", [True, False]]]]
    )
    L.write("res.currency", cny, {"active": True})
    L.write(
        "res.company",
        [company_id],
        {
            "name": "Huaxin Industrial Group 华信实业集团",
            "country_id": china,
            "city": "Shanghai",
            "email": "info@huaxin.example.cn",
        },
    )
    try:
        L.write("res.company", [company_id], {"currency_id": cny[0]})
    except Exception as error:  # noqa: BLE001 - a database with accounting entries keeps its currency
        L.step(f"company currency kept ({error})")
    # the pricelists sell in the company's currency (Odoo made its default one in USD)
    L.write(
        "product.pricelist", L.call("product.pricelist", "search", [[]]), {"currency_id": cny[0]}
    )
    if not L.call("account.journal", "search", [[["type", "=", "sale"]]], limit=1):
        # no chart of accounts yet: Odoo's generic one, in the company's currency
        L.call(
            "account.chart.template", "try_loading", ["generic_coa", company_id], install_demo=False
        )
    zh = L.call("res.lang", "search", [[["code", "=", "zh_CN"], ["active", "in", [True, False]]]])
    (wizard,) = L.create("base.language.install", [{"lang_ids": [[6, 0, zh]]}])
    L.call("base.language.install", "lang_install", [[wizard]])
    (comp,) = L.call("res.company", "read", [[company_id], ["resource_calendar_id", "partner_id"]])
    office = comp["resource_calendar_id"][0]
    L.write(
        "resource.calendar", [office], {"tz": "Asia/Shanghai", "name": CALENDAR_NAMES["office"]}
    )
    L.write("res.partner", [comp["partner_id"][0]], {"tz": "Asia/Shanghai"})
    L.write(
        "res.users",
        L.call("res.users", "search", [[["share", "=", False]]]),
        {"tz": "Asia/Shanghai"},
    )
    calendars = L.ids["calendars"] = {"office": office}
    for key in ("early", "late"):
        attendances = [
            [
                0,
                0,
                {"name": f"{key} {d}", "dayofweek": str(d), "hour_from": a, "hour_to": b}
                | {"day_period": period},
            ]
            for d, a, b, period in CALENDARS[key]
        ]
        (calendars[key],) = L.create(
            "resource.calendar",
            [
                {
                    "name": CALENDAR_NAMES[key],
                    "tz": "Asia/Shanghai",
                    "company_id": company_id,
                    "attendance_ids": attendances,
                }
            ],
        )
    L.create(
        "resource.calendar.leaves",
        [
            {
                "name": f"{name} (public holiday)",
                "company_id": company_id,
                "calendar_id": False,
                "resource_id": False,
                "date_from": local_to_utc(date.fromisoformat(a), 0),
                "date_to": local_to_utc(date.fromisoformat(b), 23.99),
                "time_type": "leave",
            }
            for name, a, b in HOLIDAYS
        ],
    )


def load_skills(L: Loader) -> None:
    """A skill type per line with its skills and levels; each WBS line asks for its skill."""
    L.step("skills and WBS lines")
    skill_ids = L.ids["skills"] = {}
    skill_types = L.ids["skill_types"] = {}
    level_ids = L.ids["levels"] = {}
    for lob in LINES:
        (type_id,) = L.create(
            "hr.skill.type",
            [
                {
                    "name": f"{LINE_NAMES[lob][0]} skills {LINE_NAMES[lob][1]}",
                    "skill_ids": [[0, 0, {"name": s}] for s in SKILLS[lob]],
                    "skill_level_ids": [
                        [0, 0, {"name": n, "level_progress": pr}] for n, pr, _b in LEVELS
                    ],
                }
            ],
        )
        for row in L.call(
            "hr.skill", "search_read", domain=[["skill_type_id", "=", type_id]], fields=["name"]
        ):
            skill_ids[row["name"]] = row["id"]
            skill_types[row["name"]] = type_id
        for row in L.call(
            "hr.skill.level",
            "search_read",
            domain=[["skill_type_id", "=", type_id]],
            fields=["name"],
        ):
            index = [n for n, _p, _b in LEVELS].index(row["name"])
            for s in SKILLS[lob]:
                level_ids[(s, index)] = row["id"]
    for xmlid, (skill, minimum) in LINE_SKILLS.items():
        L.write(
            "order.wbs.template.line",
            [L.xmlid(f"order_project.{xmlid}")],
            {"skill_id": skill_ids[skill], "skill_level_id": level_ids[(skill, minimum)]},
        )


def load_people(L: Loader, company: Company) -> None:
    """The role logins, the sales and project management staff, and the employees with their
    users, skills and personal leaves."""
    L.step("users and employees")
    group = {
        g: L.xmlid(g)
        for g in {g for r in ROLES for g in r[3]}
        | {
            "base.group_user",
            "base.group_portal",
            "project.group_project_user",
            "hr_timesheet.group_hr_timesheet_user",
            "order_project.group_order_user",
            "sales_team.group_sale_salesman",
        }
    }
    L.ids["group"] = group
    role_users = L.create(
        "res.users",
        [
            {
                "name": name,
                "login": login,
                "password": ROLE_PASSWORD,
                "email": f"{login}@huaxin.example.cn",
                "tz": "Asia/Shanghai",
                "lang": CHINESE_LOGINS.get(login, "en_US"),
                "groups_id": [[6, 0, [group["base.group_user"]] + [group[g] for g in groups]]],
            }
            for _key, login, name, groups in ROLES
        ],
        **NOTRACK,
    )
    L.ids["logins"] = {
        key: {"login": login, "password": ROLE_PASSWORD} for key, login, _n, _g in ROLES
    }
    staff_values = []
    for lob in LINES:
        for person in company.staff[lob]:
            groups = [group["base.group_user"], group["order_project.group_order_user"]]
            if person["role"] == "pm":
                groups.append(group["project.group_project_manager"])
            staff_values.append(
                {
                    "name": person["name"],
                    "login": person["login"],
                    "email": f"{person['login']}@huaxin.example.cn",
                    "tz": "Asia/Shanghai",
                    "groups_id": [[6, 0, groups]],
                }
            )
    staff_ids = iter(L.create("res.users", staff_values, **NOTRACK))
    staff = L.ids["staff"] = {
        (lob, person["role"]): next(staff_ids) for lob in LINES for person in company.staff[lob]
    }
    # the salesperson and project manager logins own the ETO line
    staff[("eto", "sales")] = role_users[2]
    staff[("eto", "pm")] = role_users[3]
    worker_groups = [
        group["base.group_user"],
        group["project.group_project_user"],
        group["hr_timesheet.group_hr_timesheet_user"],
    ]
    emp_users = L.ids["emp_users"] = L.create(
        "res.users",
        [
            {
                "name": e["name"],
                "login": e["login"],
                "email": f"{e['login']}@huaxin.example.cn",
                "tz": "Asia/Shanghai",
                "groups_id": [[6, 0, worker_groups]],
            }
            for e in company.employees
        ],
        **NOTRACK,
    )
    calendars = L.ids["calendars"]
    emp_ids = L.ids["employees"] = L.create(
        "hr.employee",
        [
            {
                "name": e["name"],
                "resource_calendar_id": calendars[e["calendar"]],
                "hourly_cost": e["hourly_cost"],
                "job_title": e["job"],
                "tz": "Asia/Shanghai",
                "company_id": L.ids["company"],
                "work_email": f"{e['login']}@huaxin.example.cn",
            }
            for e in company.employees
        ],
        **NOTRACK,
    )
    L.create(
        "hr.employee.skill",
        [
            {
                "employee_id": eid,
                "skill_id": L.ids["skills"][s],
                "skill_level_id": L.ids["levels"][(s, lvl)],
                "skill_type_id": L.ids["skill_types"][s],
            }
            for e, eid in zip(company.employees, emp_ids, strict=True)
            for s, lvl in e["skills"].items()
        ],
    )
    resources = {
        row["id"]: row["resource_id"][0]
        for row in L.call("hr.employee", "read", [emp_ids, ["resource_id"]])
    }
    L.create(
        "resource.calendar.leaves",
        [
            {
                "name": "Personal leave",
                "company_id": L.ids["company"],
                "resource_id": resources[emp_ids[lv["employee"]]],
                "calendar_id": calendars[company.employees[lv["employee"]]["calendar"]],
                "date_from": local_to_utc(date.fromisoformat(lv["from"]), 0),
                "date_to": local_to_utc(date.fromisoformat(lv["to"]), 23.99),
                "time_type": "leave",
            }
            for lv in company.leaves
        ],
    )
    # linked to their users only now: a personal leave of someone else's resource is not the
    # admin's to create (resource's record rules), one of a resource without a user is
    L.load("hr.employee", ["user_id/.id"], dict(zip(emp_ids, ([u] for u in emp_users))))


def load_sales_setup(L: Loader, company: Company) -> None:
    """Sales teams, customers with contacts and portal users, products, routing rules."""
    L.step("sales teams, customers, products, routing rules")
    staff, group = L.ids["staff"], L.ids["group"]
    teams = L.ids["teams"] = {}
    for lob in LINES:
        (teams[lob],) = L.create(
            "crm.team",
            [
                {
                    "name": f"{LINE_NAMES[lob][0]} {LINE_NAMES[lob][1]}",
                    "user_id": staff[(lob, "sales")],
                    "member_ids": [[6, 0, [staff[(lob, "sales")]]]],
                }
            ],
        )
    tags = {
        lob: L.create("res.partner.category", [{"name": LINE_NAMES[lob][0]}])[0] for lob in LINES
    }
    cust_ids = L.ids["customers"] = L.create(
        "res.partner",
        [
            {
                "name": c["name"],
                "is_company": True,
                "city": c["city"],
                "country_id": L.ids["china"],
                "tz": "Asia/Shanghai",
                "category_id": [[6, 0, [tags[c["line"]]]]],
                "email": f"info@{c['contacts'][0]['email'].split('@', 1)[1]}",
                "child_ids": [
                    [0, 0, {"name": x["name"], "email": x["email"], "type": "contact"}]
                    for x in c["contacts"]
                ],
            }
            for c in company.customers
        ],
        **NOTRACK,
    )
    portal_values = []
    for c, cid in zip(company.customers, cust_ids, strict=True):
        if c.get("portal"):
            login = c["portal"]["login"]
            contact = L.call(
                "res.partner", "search", [[["parent_id", "=", cid]]], order="id", limit=1
            )[0]
            portal_values.append(
                {
                    "login": login,
                    "password": ROLE_PASSWORD,
                    "partner_id": contact,
                    "lang": CHINESE_LOGINS.get(login, "en_US"),
                    "groups_id": [[6, 0, [group["base.group_portal"]]]],
                }
            )
            L.ids["logins"][f"portal customer {login} ({c['name']})"] = {
                "login": login,
                "password": ROLE_PASSWORD,
            }
    L.ids["portal_users"] = L.create("res.users", portal_values, **NOTRACK)
    categ = {}
    for lob in LINES:
        (categ[lob],) = L.create(
            "product.category", [{"name": LINE_NAMES[lob][0], "order_custom": lob == "eto"}]
        )
    templates = {lob: L.xmlid(f"order_project.{TEMPLATES[lob]}") for lob in LINES}
    tmpl_ids = L.create(
        "product.template",
        [
            {
                "name": pr["name"],
                "type": "service",
                "list_price": pr["price"],
                "standard_price": pr["cost"],
                "categ_id": categ[pr["line"]],
                "invoice_policy": "order",
                "order_wbs_template_id": templates[pr["line"]],
                "order_project_per_line": True,  # each unit (order line) its own project
            }
            for pr in company.products
        ],
    )
    variants = {
        row["product_tmpl_id"][0]: row["id"]
        for row in L.call(
            "product.product",
            "search_read",
            domain=[["product_tmpl_id", "in", tmpl_ids]],
            fields=["product_tmpl_id"],
        )
    }
    L.ids["products"] = {
        pr["key"]: variants[t] for pr, t in zip(company.products, tmpl_ids, strict=True)
    }
    L.create(
        "order.route.rule",
        [
            {
                "name": f"{LINE_NAMES[lob][0]} orders",
                "sequence": 10 + k,
                "product_categ_ids": [[6, 0, [categ[lob]]]],
                "wbs_template_id": templates[lob],
                "delivery_team_id": teams[lob],
                "project_manager_id": staff[(lob, "pm")],
                "resource_calendar_id": L.ids["calendars"]["office"],
            }
            for k, lob in enumerate(LINES)
        ],
    )


def load_orders(L: Loader, company: Company) -> None:
    """The sales orders (a line per unit), confirmed where planned (routing, a project per
    unit with its WBS), dated as planned; finds each unit's project and tasks."""
    sales: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for unit in company.orders:
        sales[unit["sale"]].append(unit)
    L.step(f"{len(sales)} sales orders ({len(company.orders)} units)")
    staff, teams, products = L.ids["staff"], L.ids["teams"], L.ids["products"]
    heads = [units[0] for units in sales.values()]
    so_ids = L.create(
        "sale.order",
        [
            {
                "partner_id": L.ids["customers"][o["customer"]],
                "user_id": staff[(o["line"], "sales")],
                "team_id": teams[o["line"]],
                "date_order": f"{o['date_order']} 02:00:00",
                "commitment_date": local_to_utc(date.fromisoformat(o["commitment"]), 17),
                "client_order_ref": f"PO-{o['sale'] + 1000}",
                "order_line": [
                    [0, 0, {"product_id": products[u["product"]], "product_uom_qty": u["qty"]}]
                    for u in sales[o["sale"]]
                ],
            }
            for o in heads
        ],
        chunk=100,
        **NOTRACK,
    )
    lines = defaultdict(list)
    for row in L.call(
        "sale.order.line",
        "search_read",
        domain=[["order_id", "in", so_ids]],
        fields=["order_id"],
        order="id",
    ):
        lines[row["order_id"][0]].append(row["id"])
    for head, sid in zip(heads, so_ids, strict=True):
        for unit, line_id in zip(sales[head["sale"]], lines[sid], strict=True):
            unit["odoo_id"], unit["line_id"] = sid, line_id
    to_confirm = [o for o in heads if o.get("confirmed")]
    L.step(f"confirming {len(to_confirm)} orders (routing, projects, WBS)")
    for k in range(0, len(to_confirm), 25):
        L.call("sale.order", "action_confirm", [[o["odoo_id"] for o in to_confirm[k : k + 25]]])
        if k and k % 100 == 0:
            L.step(f"  {k} confirmed")
    L.step("dating the orders")
    L.load(
        "sale.order",
        ["date_order"],
        {o["odoo_id"]: [local_to_utc(date.fromisoformat(o["confirmed"]), 9.5)] for o in to_confirm},
    )
    sent = [o["odoo_id"] for o in heads if o["kind"] == "quotation" and o["sale"] % 2]
    L.write("sale.order", sent, {"state": "sent"}, **NOTRACK)
    projects = L.call(
        "project.project",
        "search_read",
        domain=[["order_sale_order_id", "in", [o["odoo_id"] for o in to_confirm]]],
        fields=["order_sale_line_id"],
        context={"active_test": False},
    )
    project_of = L.ids["project_of"] = {row["order_sale_line_id"][0]: row["id"] for row in projects}
    line_ids = {L.xmlid(f"order_project.{xmlid}"): xmlid for xmlid in LINE_SKILLS}
    tasks = L.call(
        "project.task",
        "search_read",
        domain=[["project_id", "in", list(project_of.values())]],
        fields=["project_id", "wbs_template_line_id", "is_wbs_phase"],
        context={"active_test": False},
    )
    L.ids["task_count"] = sum(not row["is_wbs_phase"] for row in tasks)
    L.ids["phase_count"] = len(tasks) - L.ids["task_count"]
    L.ids["task_of"] = {
        (row["project_id"][0], line_ids[row["wbs_template_line_id"][0]]): row["id"]
        for row in tasks
        if row["wbs_template_line_id"] and row["wbs_template_line_id"][0] in line_ids
    }


def load_work(L: Loader, company: Company) -> None:
    """The work as planned: hours, the dates work really took, who is on work in progress,
    the timesheets, done and blocked tasks, delivered projects' dates."""
    L.step("the tasks' hours, dates and states")
    project_of, task_of = L.ids["project_of"], L.ids["task_of"]
    templates = read_templates()
    emp_users, emp_ids = L.ids["emp_users"], L.ids["employees"]
    timesheets: list[dict[str, Any]] = L.ids.setdefault("timesheets", [])
    states: dict[str, list[int]] = defaultdict(list)
    rows: dict[int, list[Any]] = {}  # hours only (tasks not started)
    dated: dict[int, list[Any]] = {}  # hours and the dates work really took
    people: dict[int, list[Any]] = {}  # work in progress keeps its people
    busy: set[int] = set()  # people already on a task in progress
    blocked: dict[int, list[Any]] = {}
    ended: dict[int, list[Any]] = {}  # when finished work ended (the portal's "actual")
    delivered: dict[int, list[Any]] = {}
    for o in company.orders:
        if o.get("line_id") not in project_of:
            continue
        project = project_of[o["line_id"]]
        for t in o["tasks"]:
            task_id = task_of[(project, t["line"])]
            row = [t["planned"] * len(t["people"]), t["planned"]]
            if not t.get("logs"):
                rows[task_id] = row
                continue
            start, end = date.fromisoformat(t["start"]), date.fromisoformat(t["end"])
            dated[task_id] = row + [local_to_utc(start, 8), local_to_utc(end, 17)]
            if not t["done"] and not busy & set(t["people"]):
                # work in progress keeps its people, each on one such task: the planner lays
                # a task in progress down from now on its people, and two of them on one
                # person overlap (a hard conflict: the whole re-plan fails); the others are
                # left to the planner's choice by skill. Who did finished work is in its
                # timesheets (assigning every finished task its people costs minutes).
                busy.update(t["people"])
                people[task_id] = [",".join(str(emp_users[e]) for e in t["people"])]
            states["1_done" if t["done"] else "01_in_progress"].append(task_id)
            if t["done"]:
                ended[task_id] = [local_to_utc(end, 17)]
            timesheets += [
                {
                    "task_id": task_id,
                    "project_id": project,
                    "employee_id": emp_ids[e],
                    "date": day,
                    "unit_amount": hours,
                    "name": "Work",
                }
                for e, day, hours in t["logs"]
            ]
        if o.get("blocked_until"):
            until = local_to_utc(date.fromisoformat(o["blocked_until"]), 8)
            blocked[task_of[(project, o["blocked_line"])]] = [until, "04_waiting_normal"]
        if len(o["tasks"]) == len(templates[o["line"]]) and all(t["done"] for t in o["tasks"]):
            # delivered (history, or an open order whose work is all done): no forecast left,
            # the order's health and "late" speak of open work
            end = o.get("delivered") or max(t["end"] for t in o["tasks"])
            delivered[project] = [o["confirmed"], end, None]
    fields = ["allocated_hours", "duration_hours"]
    L.load("project.task", fields + ["planned_start", "planned_end"], dated)
    L.load("project.task", fields, rows)
    L.load("project.task", ["planning_not_before", "state"], blocked)
    L.load("project.project", ["date_start", "date", "order_forecast_end"], delivered)
    close_delivered(L, list(delivered))
    L.ids["delivered"] = len(delivered)
    L.step(f"assigning the people of {len(people)} tasks in progress")
    L.load("project.task", ["user_ids/.id"], people)
    L.step(f"{len(timesheets)} timesheet lines")
    L.create("account.analytic.line", timesheets, chunk=2000, **NOTRACK)
    for state, task_ids in states.items():
        L.write("project.task", task_ids, {"state": state}, **NOTRACK)
    L.load("project.task", ["date_end"], ended)


def close_delivered(L: Loader, projects: list[int]) -> None:
    """A delivered project's phases are done and span the dates its work really took, and its
    milestones were reached on the day their last task ended (the addon dated them forward
    from the confirmation when it made the project)."""
    rows = L.call(
        "project.task",
        "search_read",
        domain=[["project_id", "in", projects]],
        fields=["parent_id", "is_wbs_phase", "wbs_code", "planned_start", "planned_end"]
        + ["milestone_id"],
        context={"active_test": False},
    )
    span = {
        r["id"]: [r["planned_start"], r["planned_end"]]
        for r in rows
        if not r["is_wbs_phase"] and r["planned_start"] and r["planned_end"]
    }
    phases = sorted((r for r in rows if r["is_wbs_phase"]), key=lambda r: -len(r["wbs_code"] or ""))
    children: dict[int, list[int]] = defaultdict(list)
    for row in rows:
        if row["parent_id"]:
            children[row["parent_id"][0]].append(row["id"])
    values: dict[int, list[Any]] = {}
    for phase in phases:  # deepest first, so nested phases add up
        dates = [span[c] for c in children[phase["id"]] if c in span]
        if dates:
            span[phase["id"]] = [min(d[0] for d in dates), max(d[1] for d in dates)]
        values[phase["id"]] = [*span.get(phase["id"], [None, None]), "1_done"]
    L.load("project.task", ["planned_start", "planned_end", "state"], values)
    reached: dict[int, str] = {}
    for row in rows:
        if row["milestone_id"] and row["id"] in span:
            day = utc_to_local_day(span[row["id"]][1])
            reached[row["milestone_id"][0]] = max(reached.get(row["milestone_id"][0], day), day)
    L.load(
        "project.milestone", ["is_reached", "deadline"], {m: [True, d] for m, d in reached.items()}
    )
    # reached_date is computed (today) when is_reached is set: the real day written after
    L.load("project.milestone", ["reached_date"], {m: [d] for m, d in reached.items()})


def utc_to_local_day(moment: str) -> str:
    """The Shanghai day of an Odoo UTC datetime string."""
    utc = datetime.strptime(moment, ODOO_DT).replace(tzinfo=timezone.utc)
    return utc.astimezone(TZ).date().isoformat()


def invoice_history(L: Loader, history: list[dict[str, Any]]) -> int:
    """Invoice every finished order (the sale's own wizard) and post the invoices dated on
    delivery; 0 when the database has no sales journal (no chart of accounts)."""
    if not history:
        return 0
    if not L.call("account.journal", "search", [[["type", "=", "sale"]]], limit=1):
        L.step("no sales journal (no chart of accounts): history not invoiced")
        return 0
    L.step(f"invoicing {len(history)} finished orders")
    count = 0
    for k in range(0, len(history), 50):
        batch = history[k : k + 50]
        (wizard,) = L.create(
            "sale.advance.payment.inv",
            [
                {
                    "advance_payment_method": "delivered",
                    "sale_order_ids": [[6, 0, [o["odoo_id"] for o in batch]]],
                }
            ],
        )
        L.call("sale.advance.payment.inv", "create_invoices", [[wizard]])
        rows = L.call("sale.order", "read", [[o["odoo_id"] for o in batch], ["invoice_ids"]])
        invoices = {row["id"]: row["invoice_ids"] for row in rows}
        for o in batch:
            L.write(
                "account.move", invoices[o["odoo_id"]], {"invoice_date": o["delivered"]}, **NOTRACK
            )
        moves = sorted({m for ids in invoices.values() for m in ids})
        L.call("account.move", "action_post", [moves])
        count += len(moves)
    return count


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default="http://127.0.0.1:8069")
    parser.add_argument("--db", required=False, default="order_demo")
    parser.add_argument("--login", default="admin")
    parser.add_argument("--password", default="admin")
    # one option per field of Params, its default and type taken from there
    helps = {
        "history": "finished orders",
        "orders": "open orders",
        "years": "years of history",
        "today": "YYYY-MM-DD (default: today in Shanghai)",
    }
    for spec in fields(Params):
        parser.add_argument(
            "--" + spec.name.replace("_", "-"),
            type=type(spec.default),
            default=spec.default,
            help=helps.get(spec.name, "") + (f" (default {spec.default})" if spec.default else ""),
        )
    parser.add_argument("--out", type=Path, help="JSON file for the parameters and counts")
    parser.add_argument("--plan-only", action="store_true", help="plan, print the digest, no Odoo")
    args = parser.parse_args(argv)
    params = Params(**{spec.name: getattr(args, spec.name) for spec in fields(Params)})
    try:
        check_params(params)
    except DemoError as error:
        print(f"odoo_demo: {error}", file=sys.stderr)
        return 2
    t0 = time.monotonic()
    company = plan_company(params)
    print(
        f"planned the company in {time.monotonic() - t0:.1f} s (digest {company.digest()[:16]})",
        flush=True,
    )
    if args.plan_only:
        return 0
    from optimizer.odoo import JsonRpcTransport

    transport = JsonRpcTransport(
        args.url, args.db, args.login, args.password, timeout=(5.0, 1800.0), retries=0
    )
    result = load_company(transport, company)
    result["digest"] = company.digest()
    result["params"] = company.params
    result["overrun_model"] = company.model
    print(
        json.dumps({"counts": result["counts"], "seconds": result["seconds"]}, ensure_ascii=False)
    )
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(result, indent=1, ensure_ascii=False), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
