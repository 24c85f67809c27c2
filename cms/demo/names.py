"""Organisations and people for the demo: real research organisations, fictional firms.

Research organisations are real universities and institutes of Jinan (see
``shared/data/jinan``); their credit codes, contacts and addresses here are generated,
not their real registrations. Enterprises are invented from word banks.
"""

from __future__ import annotations

import random

# 统一社会信用代码 (GB 32100-2015) and the organisation code inside it (GB 11714).
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
ORG_CODE_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)


def uscc_check_digit(body17: str) -> str:
    """Return the 18th character of a credit code whose first 17 are given."""
    total = sum(USCC_ALPHABET.index(c) * w for c, w in zip(body17, USCC_WEIGHTS, strict=True))
    return USCC_ALPHABET[(31 - total % 31) % 31]


def org_code_check_digit(body8: str) -> str:
    """GB 11714 check digit of the 9-character organisation code."""
    value = 11 - sum(int(c) * w for c, w in zip(body8, ORG_CODE_WEIGHTS, strict=True)) % 11
    return {10: "X", 11: "0"}.get(value, str(value))


def credit_code(rng: random.Random, *, region: str, category: str = "91") -> str:
    """A valid code: registration category, 6-digit region, organisation code, check digit."""
    body8 = f"{rng.randrange(10**7, 10**8)}"
    body17 = category + region + body8 + org_code_check_digit(body8)
    return body17 + uscc_check_digit(body17)


def region_code(district: str) -> str:
    """GB/T 2260 code of a district; functional zones register under the city (370100)."""
    return district if district.isdigit() else "370100"


# (name, kind, district, short name for prose)
RESEARCH_ORGANISATIONS: list[tuple[str, str, str, str]] = [
    ("山东大学", "university", "370112", "山东大学"),
    ("齐鲁工业大学（山东省科学院）", "university", "370113", "齐鲁工业大学"),
    ("济南大学", "university", "370103", "济南大学"),
    ("山东建筑大学", "university", "370112", "山东建筑大学"),
    ("山东第一医科大学", "university", "370113", "山东第一医科大学"),
    ("山东中医药大学", "university", "370113", "山东中医药大学"),
    ("山东师范大学", "university", "370102", "山东师范大学"),
    ("山东财经大学", "university", "370103", "山东财经大学"),
    ("山东交通学院", "university", "370113", "山东交通学院"),
    ("山东农业工程学院", "university", "370112", "山东农业工程学院"),
    ("齐鲁理工学院", "university", "370113", "齐鲁理工学院"),
    ("山东电力高等专科学校", "university", "370105", "山东电力高专"),
    ("济南职业学院", "university", "370102", "济南职业学院"),
    ("莱芜职业技术学院", "university", "370116", "莱芜职业技术学院"),
    ("山东省农业科学院", "institute", "370112", "省农科院"),
    ("国家超级计算济南中心", "institute", "zone-hitech", "国家超算济南中心"),
    ("山东产业技术研究院", "institute", "zone-hitech", "山东产研院"),
]
DEMO_RESEARCH_NAME = "齐鲁工业大学（山东省科学院）"
DEMO_ENTERPRISE_NAME = "济南泉拓智能装备有限公司"
DEMO_ENTERPRISE_CHAIN = "intelligent-manufacturing"

# Two-character trade names are drawn from two banks so that the pairs read like real
# Chinese firm names without copying any; "clearly fictional" is a goal, not a guarantee.
TRADE_FIRST = list("泉舜历鹊峪岱汇拓恒睿瀚澜朗卓奥衡华晟璟凯嘉铭锐宸熠钧")
TRADE_SECOND = list("拓澜晟科源达航创信远弘鼎泽瑞诚沃泓锦辰宇昊峰盛赫坤")
CITY_PREFIX = ["济南", "济南", "济南", "山东"]
FIRM_SUFFIX = ["有限公司", "有限公司", "有限公司", "股份有限公司"]

SURNAMES = list(
    "王李张刘陈杨赵黄周吴徐孙马胡朱郭何林高罗郑梁谢宋唐韩冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段"
)
GIVEN = (
    "伟 芳 娜 敏 静 磊 强 军 洋 勇 杰 涛 明 超 斌 鹏 飞 琳 慧 倩 凯 宁 蕾 昊 "
    "浩然 子涵 欣怡 佳琪 思远 梓博 文轩 振宁 海峰 立新 晓东 建国 志强 红梅 秀英 玉兰 "
    "桂芳 俊杰 宇航 晨阳 雪松 丽娟 国庆 春雷 建华 永刚 学军 晓燕 雅婷 嘉怡 天佑 明轩"
).split()
RESEARCH_TITLES = ["教授", "教授", "研究员", "副教授", "副研究员", "高级工程师"]
MEMBER_TITLES = ["副教授", "副研究员", "讲师", "助理研究员", "博士后", "工程师", "博士研究生"]

ROADS = {
    "370102": ["经十路", "解放东路", "文化东路", "和平路"],
    "370103": ["经七路", "舜耕路", "英雄山路", "南辛庄西路"],
    "370104": ["经十路", "张庄路", "齐州路", "刘长山路"],
    "370105": ["北园大街", "标山路", "无影山中路", "济泺路"],
    "370112": ["工业北路", "花园路", "山大南路", "唐冶西路"],
    "370113": ["大学路", "经十西路", "长清湖路", "海棠路"],
    "370114": ["明水经济开发区经十东路", "汇泉路", "唐王山路", "龙山大街"],
    "370115": ["济北开发区开元大街", "富阳街", "纬三路", "兴业路"],
    "370116": ["汶河大道", "鲁中东大街", "凤城西大街", "长勺北路"],
    "370117": ["钢都大街", "府前大街", "双元大街", "九龙大街"],
    "370124": ["府前街", "锦东路", "玫瑰大道", "平安街"],
    "370126": ["商中路", "长青街", "富源路", "银河路"],
    "zone-hitech": ["舜华路", "工业南路", "新泺大街", "科航路"],
    "zone-qidong": ["崔寨街道纬六路", "太平街道智创路", "孙耿街道经二路", "黄河大道"],
    "zone-south": ["仲宫街道锦绣川路", "柳埠街道泉林路", "西营街道府前路", "高而街道高而路"],
}


def person_name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + rng.choice(GIVEN)


def phone(rng: random.Random) -> str:
    if rng.random() < 0.5:
        return f"0531-{rng.randrange(5000_0000, 8999_9999)}"
    return f"1{rng.choice('3578')}{rng.randrange(0, 10)}{rng.randrange(10**7, 10**8)}"


def address(rng: random.Random, district_label: str, district: str) -> str:
    city = "" if district_label.startswith("济南") else "济南市"
    return f"{city}{district_label}{rng.choice(ROADS[district])}{rng.randrange(1, 9999)}号"


def enterprise_name(rng: random.Random, stem: str, taken: set[str]) -> str:
    for _ in range(200):
        trade = rng.choice(TRADE_FIRST) + rng.choice(TRADE_SECOND)
        name = rng.choice(CITY_PREFIX) + trade + stem + rng.choice(FIRM_SUFFIX)
        if trade[0] != trade[1] and name not in taken:
            taken.add(name)
            return name
    # Word banks exhausted (only at very large sizes): number the firm.
    name = f"济南{rng.choice(TRADE_FIRST)}{rng.choice(TRADE_SECOND)}{stem}{len(taken)}号有限公司"
    taken.add(name)
    return name
