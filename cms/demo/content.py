"""Compose demand and technology field values from the chain vocabularies.

Every function takes a ``random.Random`` so a seed reproduces the same content; the
only other input that varies between runs is ``now`` (deadlines are relative to it).
"""

from __future__ import annotations

import datetime as dt
import random
import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from .names import MEMBER_TITLES, RESEARCH_TITLES, person_name, phone

SHANGHAI = ZoneInfo("Asia/Shanghai")
NUMBER = re.compile(r"\{(-?\d+(?:\.\d+)?)~(-?\d+(?:\.\d+)?)\}")


def _places(literal: str) -> int:
    return len(literal.split(".")[1]) if "." in literal else 0


def fill(text: str, rng: random.Random) -> str:
    """Replace every ``{low~high}`` with a number drawn between the two."""

    def draw(match: re.Match) -> str:
        low, high = match.group(1), match.group(2)
        places = max(_places(low), _places(high))
        if places == 0:
            a, b = sorted((int(low), int(high)))
            return str(rng.randint(a, b))
        return f"{rng.uniform(float(low), float(high)):.{places}f}"

    return NUMBER.sub(draw, text)


@dataclass
class Indicator:
    """One quantified indicator of a topic, drawn once per listing so prose and rows agree."""

    name: str
    cmp: str
    target: str
    current: str
    unit: str
    verification: str

    @classmethod
    def draw(cls, spec: tuple, rng: random.Random) -> Indicator:
        name, cmp, target, current, unit, verification = spec
        return cls(name, cmp, fill(target, rng), fill(current, rng), unit, verification)

    @property
    def goal(self) -> str:
        return f"{self.name}{self.cmp}{self.target}{self.unit}"


def pick(rng: random.Random, items, k: int) -> list:
    return rng.sample(list(items), min(k, len(items)))


def weighted(rng: random.Random, pairs: list[tuple]) -> object:
    values, weights = zip(*pairs, strict=True)
    return rng.choices(values, weights=weights)[0]


def at_five_pm(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(17, 0), tzinfo=SHANGHAI)


def keywords(rng: random.Random, topic: dict) -> str:
    words = pick(rng, topic["keywords"], rng.randint(3, 5))
    if rng.random() < 0.4:
        words.append(rng.choice(topic["methods"]).split("的")[-1][:12])
    return "，".join(dict.fromkeys(words))


# ---------------------------------------------------------------------------
# Demands

DEMAND_TITLES = [
    "{subject}{goal}技术攻关",
    "{subject}{process}关键技术研发",
    "面向{scenario}的{subject}{goal}技术需求",
    "{subject}{process}难题揭榜",
    "提升{subject}{goal}水平的{process}技术需求",
]
CONTEXTS = [
    "近年来{scenario}市场需求快速增长，{subject}{process}环节已成为制约产品质量和交付周期的瓶颈。",
    "随着下游{scenario}客户对质量要求不断提高，公司在{subject}{process}方面面临较大压力。",
    "公司承接的{scenario}订单逐年增加，但{subject}{goal}问题一直没有得到有效解决。",
]
CURRENT_STATES = [
    "公司现有研发人员{8~40}人，已围绕{subject}{process}开展了{1~3}年自主攻关，"
    "{name}目前为{current}{unit}，距离{target_goal}的目标仍有较大差距，缺少{method}等方面的核心技术积累。",
    "前期曾与外部单位合作开展工艺试验{2~6}轮，通过调整参数和更换设备取得了一定改善，"
    "但{name}仍停留在{current}{unit}左右，问题的机理尚未摸清。",
]
REQUIREMENTS = [
    "具有{chain}相关学科背景的高校、科研院所或新型研发机构，可联合企业共同揭榜",
    "近三年承担过与{process}相关的国家或省部级科研项目",
    "具备开展{subject}{process}中试验证的试验条件",
    "团队负责人具有高级职称，核心成员不少于{3~6}人",
    "能够派驻技术人员到企业现场开展不少于{2~6}个月的联合攻关",
    "拥有与{goal}相关的发明专利或成熟技术储备",
]
CONFIDENTIAL = [
    "现行工艺参数及近{6~24}个月的质量数据已整理成册，签署保密协议后提供。"
    "主要客户为国内某{scenario}龙头企业，年需求量约{5~80}万件（套），对{name}有明确的验收要求。",
    "公司已投入自有资金约{80~600}万元开展前期试验，相关失败案例和设备清单仅向入围揭榜方开放。"
    "本项目计划纳入公司下一代产品规划，量产时间节点为内部信息。",
]
BUDGET_BASES_WAN = [20, 30, 50, 80, 100, 150, 200, 300, 500, 800]
DEMAND_MODES = [
    ("development-commissioned", 4),
    ("development-joint", 3),
    ("service", 2),
    ("consulting", 1),
    ("transfer", 1),
    ("licence", 1),
]


def _topic_words(topic: dict, rng: random.Random) -> dict:
    return {
        "subject": topic["subject"],
        "process": topic["process"],
        "goal": topic["goal"],
        "scenario": rng.choice(topic["scenarios"]),
        "method": rng.choice(topic["methods"]),
    }


def demand_timeline(rng: random.Random, status: str, now: dt.datetime) -> dict:
    """Publication date and deadlines consistent with the lifecycle state."""
    today = now.astimezone(SHANGHAI).date()

    def days(a: int, b: int) -> dt.timedelta:
        return dt.timedelta(days=rng.randint(a, b))

    published, deadline = None, today + days(20, 90)
    if status == "open":
        published, deadline = now - days(1, 60), today + days(7, 90)
    elif status == "closed":
        published, deadline = now - days(60, 200), today - days(1, 30)
    elif status == "awarded":
        published, deadline = now - days(90, 300), today - days(15, 80)
    elif status == "in_progress":
        published, deadline = now - days(150, 400), today - days(90, 140)
    elif status == "completed":
        published, deadline = now - days(600, 900), today - days(450, 550)
    elif status == "withdrawn":
        published, deadline = now - days(30, 200), today + days(-20, 40)
    months = rng.choice([6, 9, 12, 18, 24])
    delivery = deadline + dt.timedelta(days=30 * months)
    if status == "in_progress":
        delivery = max(delivery, today + days(30, 300))
    if status == "completed":
        delivery = min(delivery, today - days(10, 60))
    return {"published": published, "bid_deadline": at_five_pm(deadline), "delivery": delivery}


def demand_budget(rng: random.Random) -> dict:
    base = rng.choice(BUDGET_BASES_WAN) * 10_000
    kind = weighted(rng, [("range", 55), ("fixed", 35), ("negotiable", 10)])
    if kind == "range":
        return {"budget_kind": kind, "budget_min": base, "budget_max": base * rng.choice([2, 3])}
    if kind == "fixed":
        return {"budget_kind": kind, "budget_min": None, "budget_max": base}
    return {"budget_kind": kind, "budget_min": None, "budget_max": None}


def demand_content(
    rng: random.Random,
    *,
    chain: dict,
    chain_name: str,
    topic: dict,
    business: str,
    status: str,
    now: dt.datetime,
) -> dict:
    """Field values, indicator rows and cooperation modes of one demand."""
    w = _topic_words(topic, rng)
    indicators = [Indicator.draw(s, rng) for s in pick(rng, topic["indicators"], rng.randint(2, 3))]
    indicators.sort(key=lambda i: not i.cmp)  # a quantified indicator leads the prose
    lead = indicators[0]
    pains = "；".join(fill(_pin(p, topic, indicators), rng) for p in pick(rng, topic["pains"], 2))
    currents = "，".join(
        f"{i.name}目前约为{i.current}{i.unit}"
        for i in indicators[:2]
        if i.name not in pains and i.cmp
    )
    currents = f"{currents}，已难以满足客户要求。" if currents else "已难以满足客户要求。"
    items = "".join(f"<li>{i.goal}；</li>" for i in indicators)
    problem = (
        f"<p>我公司主要从事{business}。{rng.choice(CONTEXTS).format(**w)}</p>"
        f"<p>{pains}。{currents}</p>"
        f"<p>希望联合高校院所，围绕{w['subject']}{w['goal']}开展攻关，重点解决以下问题：</p>"
        f"<ol>{items}<li>形成可在我公司现有条件下稳定实施的技术方案，并完成工程验证。</li></ol>"
    )
    fmt = {
        **w,
        "chain": chain_name,
        "name": lead.name,
        "current": lead.current,
        "unit": lead.unit,
        "target_goal": lead.goal,
    }
    requirements = [fill(r, rng).format(**fmt) for r in pick(rng, REQUIREMENTS, rng.randint(2, 3))]
    values = {
        "title": rng.choice(DEMAND_TITLES).format(**w),
        "keywords": keywords(rng, topic),
        "problem": problem,
        "current_state": fill(rng.choice(CURRENT_STATES), rng).format(**fmt),
        "benchmark": (
            f"国外先进企业同类产品的{lead.name}可达{lead.cmp}{fill(topic_target(topic, lead), rng)}"
            f"{lead.unit}，国内多数企业与我公司相近，目前在{lead.current}{lead.unit}左右。"
        ),
        "expected_outcome": fill(
            f"形成{w['subject']}{w['goal']}技术方案1套，"
            + "，".join(i.goal for i in indicators)
            + "；完成不少于{2~5}批次的工程验证；申请发明专利{1~3}项，形成企业标准或工艺规范1项。",
            rng,
        ),
        "application_scenario": fill(
            f"成果将首先用于公司面向{w['scenario']}的产品，预计年新增产值{{500~5000}}万元，"
            f"并可推广到{'、'.join(pick(rng, topic['scenarios'], 2))}等领域。",
            rng,
        ),
        "bidder_requirements": "\n".join(f"{n}. {r}。" for n, r in enumerate(requirements, 1)),
        "ip_ownership": weighted(
            rng, [("contract", 35), ("demander", 30), ("shared", 30), ("solver", 5)]
        ),
        "winners_count": weighted(rng, [(1, 80), (2, 15), (3, 5)]),
        "sealed_bids": rng.random() < 0.3,
        "confidential_details": (
            fill(rng.choice(CONFIDENTIAL), rng).format(**fmt) if rng.random() < 0.35 else ""
        ),
        **demand_budget(rng),
    }
    timeline = demand_timeline(rng, status, now)
    values.update(bid_deadline=timeline["bid_deadline"], delivery_deadline=timeline["delivery"])
    modes = _modes(rng, DEMAND_MODES, rng.randint(1, 3))
    rows = [
        {
            "name": i.name,
            "target_value": f"{i.cmp}{i.target}",
            "unit": i.unit,
            "verification": i.verification,
        }
        for i in indicators
    ]
    return {
        "values": values,
        "indicators": rows,
        "modes": modes,
        "published": timeline["published"],
    }


def _pin(text: str, topic: dict, indicators: list[Indicator]) -> str:
    """Use an indicator's drawn current value where a pain quotes the same range."""
    specs = {spec[0]: spec for spec in topic["indicators"]}
    for indicator in indicators:
        literal = specs[indicator.name][3]
        if literal.startswith("{") and literal in text:
            text = text.replace(literal, indicator.current, 1)
    return text


def topic_target(topic: dict, indicator: Indicator) -> str:
    for spec in topic["indicators"]:
        if spec[0] == indicator.name:
            return spec[2]
    return indicator.target


def _modes(rng: random.Random, pairs: list[tuple[str, int]], k: int) -> list[str]:
    chosen: list[str] = []
    while len(chosen) < k:
        mode = weighted(rng, pairs)
        if mode not in chosen:
            chosen.append(mode)
    return chosen


# ---------------------------------------------------------------------------
# Technologies

TECH_TITLES = [
    "基于{method}的{subject}{goal}技术",
    "{subject}{process}关键技术",
    "{method}技术及其在{scenario}中的应用",
    "一种{subject}{process}方法及系统",
    "{subject}{goal}集成技术",
]
STAGE_TRL = {"lab": (3, 4), "small_pilot": (4, 5), "pilot": (6, 7), "mature": (7, 9)}
STAGE_SENTENCES = {
    "lab": "目前已完成实验室原理验证和关键参数优化",
    "small_pilot": "已完成小试，累计制备样品{3~12}批次，性能稳定",
    "pilot": "已在合作企业完成中试验证，装置连续运行{300~1500}小时",
    "mature": "已在{2~9}家企业推广应用，累计新增产值{0.3~5.0}亿元",
}
LEVELS_BY_STAGE = {
    "lab": [("unrated", 5), ("domestic_advanced", 3), ("domestic_leading", 2)],
    "small_pilot": [
        ("unrated", 3),
        ("domestic_advanced", 3),
        ("domestic_leading", 3),
        ("intl_advanced", 1),
    ],
    "pilot": [
        ("domestic_advanced", 3),
        ("domestic_leading", 4),
        ("intl_advanced", 2),
        ("intl_leading", 1),
    ],
    "mature": [
        ("domestic_leading", 4),
        ("intl_advanced", 3),
        ("intl_leading", 2),
        ("domestic_advanced", 1),
    ],
}
PRICE_WAN_BY_STAGE = {
    "lab": [10, 20, 30, 50, 80],
    "small_pilot": [30, 50, 80, 100, 150, 200],
    "pilot": [80, 100, 150, 200, 300, 500],
    "mature": [100, 200, 300, 500, 800, 1000, 2000],
}
HOW = [
    "解决了传统方法精度低、稳定性差的问题",
    "实现了关键参数的在线监测与闭环控制",
    "在保证质量的前提下显著降低了生产成本",
    "工艺窗口宽，便于在现有产线上改造实施",
]
ADVANTAGES = [
    "与传统{process}方案相比，{name}由{current}{unit}提升到{value}{unit}",
    "核心部件和软件均实现自主可控，不依赖进口",
    "可与企业现有设备兼容，改造投入少、见效快",
    "工艺参数窗口宽，对操作人员技能要求低",
    "已形成完整的知识产权布局，转化风险小",
]
TECH_MODES = [
    ("transfer", 3),
    ("licence", 3),
    ("development-joint", 3),
    ("equity", 2),
    ("service", 2),
    ("consulting", 1),
]
SOFTWARE_CHAINS = {"big-data-it", "artificial-intelligence", "aerospace-info", "quantum"}


def patent_number(rng: random.Random, year: int, kind: int) -> str:
    """A Chinese application number (year, kind, serial) with its mod-11 check digit."""
    digits = f"{year}{kind}{rng.randrange(10**6, 10**7)}"
    weights = [2, 3, 4, 5, 6, 7, 8, 9, 2, 3, 4, 5]
    check = sum(int(d) * w for d, w in zip(digits, weights, strict=True)) % 11
    return f"{digits}.{'X' if check == 10 else check}"


def ip_items(rng: random.Random, chain_slug: str, topic: dict, w: dict) -> list[dict]:
    items = []
    for _ in range(rng.randint(1, 4)):
        year = rng.randint(2016, 2025)
        roll = rng.random()
        if roll < 0.55:
            granted = rng.random() < 0.75
            number = patent_number(rng, year, 1)
            items.append(
                {
                    "ip_type": "invention",
                    "number": f"ZL{number}" if granted else number,
                    "title": rng.choice(
                        [
                            f"一种{w['subject']}{w['process']}方法",
                            f"一种基于{w['method']}的{w['subject']}{w['goal']}装置",
                        ]
                    ),
                    "status": "granted" if granted else rng.choice(["filed", "published"]),
                }
            )
        elif roll < 0.8 and chain_slug in SOFTWARE_CHAINS:
            items.append(
                {
                    "ip_type": "software",
                    "number": f"{year}SR{rng.randrange(10**6, 10**7)}",
                    "title": f"{w['subject']}{w['goal']}{rng.choice(['管理系统', '分析软件', '平台'])}"
                    f"V{rng.randint(1, 3)}.0",
                    "status": "registered",
                }
            )
        elif roll < 0.8 and "小麦" in topic["subject"]:
            items.append(
                {
                    "ip_type": "plant_variety",
                    "number": f"CNA{year}{rng.randrange(10**4, 10**5)}.{rng.randint(0, 9)}",
                    "title": f"小麦新品种“鲁泉麦{rng.randint(10, 99)}”",
                    "status": "granted",
                }
            )
        elif roll < 0.92:
            items.append(
                {
                    "ip_type": "utility",
                    "number": f"ZL{patent_number(rng, year, 2)}",
                    "title": f"一种用于{w['subject']}{w['process']}的"
                    f"{rng.choice(['检测装置', '辅助装置', '试验装置'])}",
                    "status": "granted",
                }
            )
        else:
            items.append(
                {
                    "ip_type": "know_how",
                    "number": "",
                    "status": "na",
                    "title": f"{w['subject']}{w['process']}工艺参数包",
                }
            )
    unique = {(i["ip_type"], i["title"]): i for i in items}
    return list(unique.values())


def technology_summary(
    rng: random.Random,
    w: dict,
    topic: dict,
    org_short: str,
    results: list[Indicator],
    stage: str,
    patents: int,
) -> str:
    """成果简介 of 150–400 characters: problem, approach, results, stage, use."""
    pain = fill(_pin(rng.choice(topic["pains"]), topic, results), rng)
    methods = pick(rng, topic["methods"], 2)
    parts = [
        f"{w['subject']}{w['process']}是{w['scenario']}等领域的关键环节，目前普遍存在{pain}等问题。",
        f"{org_short}团队{rng.choice(['研发了', '提出了', '形成了'])}基于{'与'.join(methods)}的"
        f"{w['subject']}{w['goal']}技术，{rng.choice(HOW)}。",
        "经"
        + results[0].verification
        + "，"
        + "，".join(f"{r.name}达到{r.cmp}{r.target}{r.unit}" for r in results)
        + "。",
        fill(STAGE_SENTENCES[stage], rng)
        + (f"，已获授权发明专利{patents}项" if patents else "")
        + "。",
        f"可应用于{'、'.join(pick(rng, topic['scenarios'], 3))}等领域。",
    ]
    text = "".join(parts)
    if len(text) > 400:
        text = "".join(parts[:2] + parts[3:])
    if len(text) > 400:
        text = "".join(parts[:2] + parts[3:4])
    if len(text) < 150:
        text += "该技术工艺成熟度和性价比较高，适合在中小企业推广。"
    return text


def technology_content(
    rng: random.Random,
    *,
    chain_slug: str,
    topic: dict,
    org_short: str,
    status: str,
    now: dt.datetime,
) -> dict:
    """Field values, IP rows and transfer modes of one technology."""
    w = _topic_words(topic, rng)
    if status == "taken_up":
        stage = weighted(rng, [("pilot", 2), ("mature", 3)])
    else:
        stage = weighted(rng, [("lab", 2), ("small_pilot", 2), ("pilot", 3), ("mature", 3)])
    results = [Indicator.draw(s, rng) for s in pick(rng, topic["indicators"], rng.randint(2, 3))]
    results.sort(key=lambda i: not i.cmp)
    ips = ip_items(rng, chain_slug, topic, w)
    patents = sum(1 for i in ips if i["ip_type"] == "invention" and i["status"] == "granted")
    lead = results[0]
    adv_fmt = {
        "process": w["process"],
        "name": lead.name,
        "current": lead.current,
        "unit": lead.unit,
        "value": f"{lead.cmp}{lead.target}".lstrip("≤≥"),
    }
    advantages = [a.format(**adv_fmt) for a in pick(rng, ADVANTAGES[1:], 2)]
    if lead.cmp:
        advantages.insert(0, ADVANTAGES[0].format(**adv_fmt).replace("提升到", "改善到"))
    fixed = rng.random() < 0.6
    team = [f"{person_name(rng)}（{rng.choice(MEMBER_TITLES)}）" for _ in range(rng.randint(3, 6))]
    values = {
        "title": rng.choice(TECH_TITLES).format(**w),
        "keywords": keywords(rng, topic),
        "summary": technology_summary(rng, w, topic, org_short, results, stage, patents),
        "description": (
            f"<p>技术原理：以{w['method']}为核心，结合"
            f"{'、'.join(m for m in topic['methods'] if m != w['method'])}，"
            f"建立{w['subject']}{w['process']}"
            f"过程的关键参数模型，实现{w['goal']}。</p>"
            f"<p>主要创新点：</p><ol>"
            + "".join(f"<li>{m}；</li>" for m in pick(rng, topic["methods"], 3))
            + "</ol>"
        ),
        "attribute": weighted(rng, [("original", 6), ("secondary", 3), ("imported", 1)]),
        "level": weighted(rng, LEVELS_BY_STAGE[stage]),
        "stage": stage,
        "trl": rng.randint(*STAGE_TRL[stage]),
        "indicators": "\n".join(
            f"{n}. {r.goal}（{r.verification}）" for n, r in enumerate(results, 1)
        ),
        "application_scenarios": "、".join(pick(rng, topic["scenarios"], 3)) + "等。",
        "advantages": "；".join(advantages) + "。",
        "price_kind": "fixed" if fixed else "negotiable",
        "asking_price": rng.choice(PRICE_WAN_BY_STAGE[stage]) * 10_000 if fixed else None,
        "team_lead": f"{person_name(rng)}",
        "team_members": "、".join(team),
    }
    values["team_lead"] += f"（{rng.choice(RESEARCH_TITLES)}）"
    days = {"taken_up": (200, 900), "published": (1, 700), "withdrawn": (60, 500)}.get(status)
    published = now - dt.timedelta(days=rng.randint(*days)) if days else None
    return {
        "values": values,
        "ip_items": ips,
        "modes": _modes(rng, TECH_MODES, rng.randint(1, 3)),
        "published": published,
    }


def contact(rng: random.Random, email: str) -> dict:
    return {"contact_name": person_name(rng), "contact_phone": phone(rng), "contact_email": email}
