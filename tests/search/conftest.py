from __future__ import annotations

import datetime as dt
import os

import pytest

from search.backends import reset_search_backends
from search.backends.elasticsearch import ElasticsearchSearchBackend
from search.backends.embedded import EmbeddedSearchBackend
from search.documents import ListingDocument

# "embedded-isolated" runs the same engine in its child process (production's mode).
BACKENDS = ["embedded", "embedded-isolated", "elasticsearch"]


def technology(id, title, summary, **extra):
    return ListingDocument(kind="technology", id=str(id), title=title, summary=summary, **extra)


def demand(id, title, summary, **extra):
    return ListingDocument(kind="demand", id=str(id), title=title, summary=summary, **extra)


@pytest.fixture
def technologies():
    """A small hand-written technology catalogue."""
    future = dt.date.today() + dt.timedelta(days=60)
    return [
        technology(
            "t1",
            "动力锂电池热管理系统",
            "针对电动汽车锂电池在快充时温升过高的问题，研制液冷热管理系统，降低电芯温差。",
            keywords=["锂电池", "热管理", "液冷"],
            tech_field="新能源",
            industry_chain="新能源汽车",
            maturity="pilot",
            cooperation_modes=["技术转让", "合作开发"],
            budget=800_000,
            district="历城区",
            deadline=future,
        ),
        technology(
            "t2",
            "废旧锂离子电池回收再利用工艺",
            "通过湿法冶金从废旧锂离子电池中回收钴、镍、锂等金属，回收率高。",
            keywords=["电池回收", "湿法冶金"],
            tech_field="新材料",
            industry_chain="新能源汽车",
            maturity="mature",
            cooperation_modes=["技术许可"],
            budget=3_000_000,
            district="章丘区",
        ),
        technology(
            "t3",
            "基于深度学习的工业视觉缺陷检测",
            "利用卷积神经网络对金属零件表面缺陷进行实时检测，适用于产线质检。",
            keywords=["机器视觉", "缺陷检测", "AI"],
            tech_field="人工智能",
            industry_chain="高端装备",
            maturity="small_pilot",
            cooperation_modes=["合作开发"],
            budget=400_000,
            district="历下区",
        ),
        technology(
            "t4",
            "高效污水处理生物膜反应器",
            "一种移动床生物膜反应器，用于工业废水处理，降低COD和氨氮。",
            keywords=["污水处理", "生物膜"],
            tech_field="环境保护",
            industry_chain="节能环保",
            maturity="mature",
            cooperation_modes=["技术转让"],
            budget=None,
            district="历城区",
        ),
        technology(
            "t5",
            "小麦抗旱新品种选育",
            "利用分子标记辅助育种技术选育抗旱高产小麦新品种。",
            keywords=["小麦", "育种"],
            tech_field="现代农业",
            industry_chain="现代农业",
            maturity="lab",
            cooperation_modes=["技术转让"],
            budget=150_000,
            district="长清区",
        ),
    ]


@pytest.fixture(params=BACKENDS)
def backend(request, tmp_path):
    """Each configured backend on throwaway storage."""
    if request.param.startswith("embedded"):
        isolate = request.param == "embedded-isolated"
        engine = EmbeddedSearchBackend({"PATH": str(tmp_path / "index"), "ISOLATE": isolate})
        yield engine
        if engine._engine is not None:
            engine._engine.close()
        return
    url = os.environ.get("ELASTICSEARCH_URL")
    if not url:
        pytest.skip("ELASTICSEARCH_URL is not set, so the Elasticsearch backend is not tested")
    with ElasticsearchSearchBackend.temporary({"URLS": [url]}) as es:
        yield es


@pytest.fixture
def embedded(tmp_path):
    return EmbeddedSearchBackend({"PATH": str(tmp_path / "index")})


@pytest.fixture(autouse=True)
def _fresh_backend_cache():
    reset_search_backends()
    yield
    reset_search_backends()
