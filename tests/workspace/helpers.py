"""Builders for the workspace forms' POST data, shared by the workspace and cms tests."""

from __future__ import annotations

import io
import zipfile

from django.core.files.uploadedfile import SimpleUploadedFile

from cms.taxonomy import CooperationMode, IndustryChain, TechnologyField

PDF_BYTES = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer\n%%EOF\n"
PROBLEM = (
    "我公司生产的镍基高温合金薄壁件在激光焊接后出现翘曲变形，变形量达0.8毫米，"
    "超出装配要求。现有夹具与工艺参数调整均无法稳定控制，需要揭榜方提供焊接变形"
    "预测与控制的整体方案，包括工艺仿真、工装设计和参数优化，并在我公司产线上完成验证。"
)


def pdf(name: str = "检测报告.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF_BYTES, content_type="application/pdf")


def docx(name: str = "方案.docx") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="application/octet-stream")


def management(prefix: str, total: int, initial: int = 0) -> dict[str, str]:
    return {
        f"{prefix}-TOTAL_FORMS": str(total),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }


def rows(prefix: str, items: list[dict], initial: int = 0) -> dict:
    data = management(prefix, len(items), initial)
    for index, item in enumerate(items):
        data.update({f"{prefix}-{index}-{key}": value for key, value in item.items()})
    return data


def demand_data(indicators=None, attachments=None, **overrides) -> dict:
    data = {
        "title": "高温合金薄壁件激光焊接变形控制",
        "keywords": "激光焊接,变形控制,高温合金",
        "industry_chain": IndustryChain.objects.get(slug="intelligent-manufacturing").pk,
        "technology_field": TechnologyField.objects.get(slug="advanced-manufacturing").pk,
        "district": "370112",
        "problem": PROBLEM,
        "expected_outcome": "形成可复制的焊接工艺规范",
        "bid_deadline": "2031-06-30T17:00",
        "delivery_deadline": "2031-12-31",
        "ip_ownership": "contract",
        "budget_kind": "range",
        "budget_min": "500000",
        "budget_max": "1000000",
        "cooperation_modes": [CooperationMode.objects.get(slug="development-commissioned").pk],
        "winners_count": "1",
        "confidential_details": "产线节拍与良率数据",
        "contact_name": "王工",
        "contact_phone": "0531-66668888",
    }
    data.update(overrides)
    data.update(
        rows(
            "indicators",
            indicators
            if indicators is not None
            else [
                {
                    "name": "焊后变形量",
                    "target_value": "≤0.2",
                    "unit": "mm",
                    "verification": "第三方检测",
                },
            ],
        )
    )
    data.update(rows("attachments", attachments or []))
    return data


def technology_data(ip_items=None, attachments=None, **overrides) -> dict:
    data = {
        "title": "高镍三元正极材料共沉淀制备技术",
        "keywords": "锂离子电池,正极材料,共沉淀",
        "technology_field": TechnologyField.objects.get(slug="new-materials").pk,
        "district": "370102",
        "summary": PROBLEM,
        "description": "第一段\n\n第二段 <b>加粗</b>",
        "attribute": "original",
        "level": "domestic_leading",
        "stage": "pilot",
        "trl": "6",
        "indicators": "容量保持率 95%",
        "application_scenarios": "动力电池",
        "cooperation_modes": [CooperationMode.objects.get(slug="licence").pk],
        "price_kind": "negotiable",
        "team_lead": "李教授",
        "contact_name": "李教授",
        "contact_phone": "0531-88889999",
    }
    data.update(overrides)
    data.update(
        rows(
            "ip_items",
            ip_items
            if ip_items is not None
            else [
                {
                    "ip_type": "invention",
                    "number": "ZL202310000001.X",
                    "title": "一种正极材料",
                    "status": "granted",
                },
            ],
        )
    )
    data.update(rows("attachments", attachments or []))
    return data
