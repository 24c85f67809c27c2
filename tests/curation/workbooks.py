"""Build catalogue workbooks in memory for the import tests and the benchmark."""

from __future__ import annotations

import datetime as dt
import re
from io import BytesIO
from typing import Any
from zipfile import ZIP_DEFLATED, ZipFile

from openpyxl import Workbook

from marketplace.curation.columns import COLUMNS
from marketplace.organisations.models import Organisation
from tests.factories import credit_code

DISTRICTS = ["历下区", "市中区", "槐荫区", "天桥区", "历城区", "章丘区", "济南高新技术产业开发区"]
CHAINS = ["智能制造与高端装备", "生物医药与大健康", "新能源汽车", "集成电路", "人工智能"]
FIELDS = ["先进制造与自动化", "生物与新医药", "新能源与节能", "电子信息", "新材料"]


def demand_row(n: int, orgs: int = 50, prefix: str = "JN-D") -> dict[str, Any]:
    return {
        "外部编号": f"{prefix}-{n:05d}",
        "需求名称": f"高温合金薄壁件激光焊接变形控制技术需求{n}",
        "需求单位": f"济南导入测试装备有限公司{n % orgs}",
        "统一社会信用代码": credit_code(700_000 + n % orgs),
        "所在区县": DISTRICTS[n % len(DISTRICTS)],
        "产业链": CHAINS[n % len(CHAINS)],
        "技术领域": FIELDS[n % len(FIELDS)],
        "关键词": "激光焊接、变形控制、高温合金",
        "主要技术问题": f"薄壁件激光焊接后变形超差（编号{n}）。\n需要工艺优化与在线监测方案。",
        "核心技术指标": "焊后变形量|≤0.2|mm|第三方检测\n焊缝合格率|≥99|%",
        "研发现状": "已完成工艺摸底试验。",
        "揭榜截止日期": dt.date(2027, 6, 30),
        "攻关完成时限": "2028-06-30",
        "知识产权归属": "双方共有",
        "资金投入方式": "预算区间",
        "预算下限（万元）": 50,
        "预算上限/榜额（万元）": 120.5,
        "合作方式": "技术开发（合作）、技术服务",
        "拟择优揭榜方数量": 1,
        "截止前密封投标": "否",
        "联系人": "张工",
        "联系电话": "0531-88888888",
        "联系邮箱": "zhang@example.com",
    }


def technology_row(n: int, orgs: int = 20, prefix: str = "SD-T") -> dict[str, Any]:
    return {
        "外部编号": f"{prefix}-{n:05d}",
        "成果名称": f"高镍三元正极材料共沉淀制备技术{n}",
        "完成单位": f"山东导入测试大学{n % orgs}",
        "统一社会信用代码": credit_code(800_000 + n % orgs, prefix="12370000"),
        "单位类型": "高校",
        "所在区县": DISTRICTS[n % len(DISTRICTS)],
        "技术领域": FIELDS[n % len(FIELDS)],
        "产业链": CHAINS[n % len(CHAINS)],
        "关键词": "锂离子电池、正极材料",
        "成果简介": f"一种高镍三元正极材料的共沉淀制备方法，循环寿命提升30%（{n}）。",
        "成果属性": "原始性创新",
        "成果水平": "国内领先",
        "成果所处阶段": "中试",
        "技术就绪度（TRL）": 6,
        "知识产权": f"发明专利|ZL2023{n:08d}.1|一种正极材料的制备方法|已授权",
        "转化方式": "技术转让、技术许可",
        "报价方式": "标价",
        "意向价格（万元）": 200,
        "团队负责人": "李教授",
        "联系人": "王老师",
        "联系电话": "0531-86666666",
    }


def build(kind: str, rows: list[dict[str, Any]], headers: list[str] | None = None) -> BytesIO:
    """A workbook with the template's headers (or ``headers``) and the given rows by header."""
    if headers is None:
        headers = [column.label for column in COLUMNS[kind]]
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("目录")
    sheet.append(headers)
    for row in rows:
        sheet.append([row.get(header.rstrip("*")) for header in headers])
    buffer = BytesIO()
    workbook.save(buffer)
    buffer.seek(0)
    return buffer


def verified_organisations(kind: str, orgs: int = 50) -> list[Organisation]:
    """The organisations ``demand_row`` / ``technology_row`` name, already verified.

    An import never verifies an organisation, so tests (and the benchmark) that
    expect imported listings to be published create their organisations first.
    """
    make_row = demand_row if kind == "demand" else technology_row
    name_header = "需求单位" if kind == "demand" else "完成单位"
    kind_code = "enterprise" if kind == "demand" else "university"
    rows = [make_row(n, orgs=orgs) for n in range(orgs)]
    return Organisation.objects.bulk_create(
        Organisation(
            kind=kind_code,
            name=row[name_header],
            credit_code=row["统一社会信用代码"],
            district="370102",
            contact_name="张工",
            contact_phone="0531-88888888",
            verification=Organisation.Verification.VERIFIED,
        )
        for row in rows
    )


_INLINE = re.compile(
    rb'<c r="([A-Z]+\d+)"([^>]*) t="inlineStr"([^>]*)><is><t([^>]*)>(.*?)</t></is></c>'
)
_SST = b"application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"
_SST_REL = b"http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings"


def with_shared_strings(buffer: BytesIO) -> BytesIO:
    """The same workbook with its text in xl/sharedStrings.xml, as Excel and WPS write it.

    openpyxl writes every string inline; readers must handle both layouts.
    """
    strings: dict[bytes, int] = {}

    def shared(match: re.Match) -> bytes:
        index = strings.setdefault(match.group(5), len(strings))
        return b'<c r="%s"%s t="s"%s><v>%d</v></c>' % (*match.group(1, 2, 3), index)

    out = BytesIO()
    with ZipFile(buffer) as source, ZipFile(out, "w", ZIP_DEFLATED) as target:
        for name in source.namelist():
            data = source.read(name)
            if name.startswith("xl/worksheets/"):
                data = _INLINE.sub(shared, data)
            elif name == "[Content_Types].xml":
                override = b'<Override PartName="/xl/sharedStrings.xml" ContentType="%s"/>' % _SST
                data = data.replace(b"</Types>", override + b"</Types>")
            elif name == "xl/_rels/workbook.xml.rels":
                rel = b'<Relationship Id="rIdSst" Type="%s" Target="sharedStrings.xml"/>' % _SST_REL
                data = data.replace(b"</Relationships>", rel + b"</Relationships>")
            target.writestr(name, data)
        items = b"".join(b'<si><t xml:space="preserve">%s</t></si>' % text for text in strings)
        target.writestr(
            "xl/sharedStrings.xml",
            b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
            b'count="%d" uniqueCount="%d">%s</sst>' % (len(strings), len(strings), items),
        )
    out.seek(0)
    return out
