"""What the audit log's action codes mean, in words: one registry for every app's codes.

An action code is ``"<entity>.<verb>"`` (``"bid.award"``). Curators never see a code: the
log's list, detail and filter show ``action_label(code)``. A code recorded anywhere in the
source must have a label here; ``tests/audit/test_action_labels.py`` walks the source and
fails on a missing one. A code nobody labelled (an old entry, a renamed action) still shows
in words as far as possible: its entity's name and the raw code.
"""

from __future__ import annotations

from django.apps import apps
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

ACTION_LABELS = {
    # organisations
    "organisation.verify": _("单位认证通过"),
    "organisation.reject": _("单位认证驳回"),
    "organisation.import_created": _("导入时新建单位"),
    "membership.approve": _("批准加入单位"),
    "membership.decline": _("拒绝加入单位"),
    # listings (cms, curation)
    "listing.approve": _("项目审核通过"),
    "listing.return": _("项目退回修改"),
    "listing.withdraw": _("撤回项目"),
    "listing.close": _("截止揭榜"),
    "listing.diagnose": _("需求诊断"),
    # bidding
    "bid.shortlist": _("揭榜方案入围"),
    "bid.award": _("定榜"),
    "bid.decline": _("婉拒揭榜方案"),
    "bid.revoke_award": _("撤销定榜"),
    "deal.cancel": _("取消成交"),
    "contract.register": _("登记合同"),
    "contract.confirm": _("确认合同"),
    "contract.return": _("退回合同"),
    "contract.resubmit": _("重新提交合同"),
    "payment.record": _("登记到款"),
    # projects
    "project.create": _("创建攻关项目"),
    "project.start": _("项目启动"),
    "project.complete": _("项目完成"),
    "project.objection": _("提出公示异议"),
    "objection.uphold": _("异议成立"),
    "objection.dismiss": _("异议不成立"),
    "milestone.report": _("报告里程碑进展"),
    "milestone.accept": _("确认里程碑"),
    "milestone.return": _("退回里程碑报告"),
    "acceptance.request": _("申请验收"),
    "acceptance.owner_sign": _("需求方验收签字"),
    "acceptance.curator_sign": _("平台验收签字"),
    "acceptance.return": _("退回验收"),
    # matches
    "match.propose": _("人工提出对接推荐"),
    "match.recommend": _("推荐对接"),
    "match.dismiss": _("驳回对接推荐"),
    "match.reopen": _("重新打开对接推荐"),
    "match.answer": _("答复对接推荐"),
    "match.message": _("对接留言"),
    "match.deal": _("登记对接成交"),
    "match.engine_run": _("运行匹配引擎"),
    # curation
    "catalogue.import": _("导入目录"),
    "catalogue.export": _("导出目录"),
    "dashboard.export": _("导出看板数据"),
    "event.create": _("创建对接活动"),
    "event.update": _("修改对接活动"),
    "event.invite": _("邀请参加对接活动"),
    "event.state": _("变更对接活动状态"),
    "event.meeting": _("记录对接洽谈"),
    "event.follow_up_done": _("完成活动跟进事项"),
}

ENTITY_LABELS = {
    "organisation": _("单位"),
    "membership": _("成员"),
    "listing": _("项目"),
    "bid": _("揭榜方案"),
    "deal": _("成交"),
    "contract": _("合同"),
    "payment": _("到款"),
    "project": _("攻关项目"),
    "objection": _("公示异议"),
    "milestone": _("里程碑"),
    "acceptance": _("验收"),
    "match": _("对接推荐"),
    "catalogue": _("目录"),
    "dashboard": _("市场看板"),
    "event": _("对接活动"),
}


def action_label(code: str) -> str:
    """The action in words; an unknown code keeps its entity's name and the code itself."""
    if code in ACTION_LABELS:
        return str(ACTION_LABELS[code])
    entity = code.split(".", 1)[0]
    if entity in ENTITY_LABELS:
        return gettext("%(entity)s：%(code)s") % {"entity": ENTITY_LABELS[entity], "code": code}
    return code


def action_choices(codes=None) -> list[tuple[str, str]]:
    """(code, label) pairs for a filter, sorted by label; ``codes`` adds codes found in the log."""
    every = set(ACTION_LABELS) | set(codes or ())
    return sorted(((code, action_label(code)) for code in every), key=lambda c: c[1])


def object_type_label(label_lower: str) -> str:
    """An entry's ``app_label.model`` as the model's name (单位, 技术需求 …)."""
    if not label_lower:
        return ""
    try:
        model = apps.get_model(label_lower)
    except (LookupError, ValueError):
        return label_lower
    return str(model._meta.verbose_name)
