"""The layering of docs/architecture.md, checked on the source: owners of shared ideas.

Two scans of the code (no database): only ``cms/lifecycle.py`` writes a listing's
``status``, and packages import only downwards (``audit`` ← ``organisations`` ←
``cms`` ← ``search`` ← the apps on top), with no cycle among the top apps.
"""

from __future__ import annotations

import ast
from pathlib import Path

from django.apps import apps

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("marketplace", "cms", "search")
LIFECYCLE = Path("cms/lifecycle.py")

# Objects of the other lifecycles, whose apps own their ``status``: a bid (bidding),
# a membership (organisations), an event invitation (curation). A listing page is
# never held in a variable of these names.
OTHER_STATUS_OBJECTS = frozenset({"bid", "membership", "invitation", "deal"})  # deal: the ledger
# Models of the other lifecycles, as the roots of queryset writes.
OTHER_STATUS_MODELS = frozenset(
    {"Bid", "Deal", "Membership", "EventInvitation", "Match", "IndexFailure"}
)
LISTING_MODELS = frozenset({"DemandPage", "TechnologyPage", "ListingPage"})
# The demo seeder creates listings directly in the state it shows (a plain dict of
# values per listing, bulk-inserted): creation, not a transition of a live listing.
CREATED_IN_STATE = frozenset({(Path("cms/demo/builder.py"), "values.update(")})
QUERYSET_WRITES = frozenset({"update", "create", "get_or_create", "update_or_create"})


def _sources(root: Path = ROOT):
    for package in PACKAGES:
        for path in sorted((root / package).rglob("*.py")):
            relative = path.relative_to(root)
            if "migrations" not in relative.parts:
                yield relative, ast.parse(path.read_text(encoding="utf-8"), str(relative))


def _name(node: ast.AST) -> str:
    """The last name of an expression: ``row.page`` → ``page``, ``bid`` → ``bid``."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return ""


def _root(node: ast.AST) -> str:
    """The first name of a call chain: ``DemandPage.objects.filter(…).update`` → ``DemandPage``."""
    while isinstance(node, ast.Attribute | ast.Call | ast.Subscript):
        node = node.func if isinstance(node, ast.Call) else node.value
    return node.id if isinstance(node, ast.Name) else ""


def _targets(node: ast.AST):
    if isinstance(node, ast.Assign):
        pending = list(node.targets)
    elif isinstance(node, ast.AugAssign | ast.AnnAssign):
        pending = [node.target]
    else:
        return
    while pending:
        target = pending.pop()
        if isinstance(target, ast.Tuple | ast.List):
            pending.extend(target.elts)
        else:
            yield target


def _writes_status_kwarg(call: ast.Call) -> bool:
    for keyword in call.keywords:
        if keyword.arg == "status":
            return True
        value = keyword.value
        if keyword.arg in (None, "defaults") and isinstance(value, ast.Dict):
            if any(isinstance(k, ast.Constant) and k.value == "status" for k in value.keys):
                return True
    return False


def _status_write(node: ast.AST) -> str | None:
    """Describe the status write ``node`` makes, or None when it makes none."""
    for target in _targets(node):
        if isinstance(target, ast.Attribute) and target.attr == "status":
            if _name(target.value) not in OTHER_STATUS_OBJECTS:
                return f"{ast.unparse(target)} = …"
    if not isinstance(node, ast.Call):
        return None
    func = node.func
    if isinstance(func, ast.Name) and func.id == "setattr" and len(node.args) >= 2:
        field = node.args[1]
        if isinstance(field, ast.Constant) and field.value == "status":
            if _name(node.args[0]) not in OTHER_STATUS_OBJECTS:
                return ast.unparse(node)
    if isinstance(func, ast.Name) and func.id in LISTING_MODELS and _writes_status_kwarg(node):
        return ast.unparse(node)
    if isinstance(func, ast.Attribute) and func.attr in QUERYSET_WRITES:
        if _writes_status_kwarg(node) and _root(func.value) not in OTHER_STATUS_MODELS:
            return ast.unparse(node)
    if isinstance(func, ast.Attribute) and func.attr == "bulk_update" and len(node.args) >= 2:
        fields = node.args[1]
        names = [e.value for e in getattr(fields, "elts", []) if isinstance(e, ast.Constant)]
        if "status" in names and _root(func.value) not in OTHER_STATUS_MODELS:
            return ast.unparse(node)
    return None


def listing_status_writes(root: Path = ROOT) -> list[str]:
    """Every status write outside the lifecycle module, as ``path:line: code``."""
    found = []
    for path, tree in _sources(root):
        if path == LIFECYCLE:
            continue
        for node in ast.walk(tree):
            write = _status_write(node)
            if write and not any(
                path == where and write.startswith(code) for where, code in CREATED_IN_STATE
            ):
                found.append(f"{path}:{node.lineno}: {write[:100]}")
    return found


def test_only_the_lifecycle_module_writes_a_listing_status():
    assert listing_status_writes() == [], (
        "Change a listing's status with cms.lifecycle.move(page, Transition.…); "
        "a write of another lifecycle's status belongs in OTHER_STATUS_* above."
    )


def test_the_status_scan_tells_listings_from_other_lifecycles():
    flagged = [
        "page.status = 'open'",
        "row.page.status, x = 'open', 1",
        "setattr(demand, 'status', 'closed')",
        "DemandPage.objects.filter(pk=1).update(status='awarded')",
        "type(page).objects.filter(pk=page.pk).update(status='withdrawn')",
        "model.objects.filter(pk__in=ids).update(**{'status': 'open'})",
        "TechnologyPage(title='x', status='published')",
        "TechnologyPage.objects.bulk_update(pages, ['status'])",
    ]
    allowed = [
        "bid.status, bid.decided_at = 'awarded', now",
        "membership.status = 'active'",
        "invitation.status = 'accepted'",
        "Bid.objects.filter(pk=1).update(status='declined')",
        "Membership.objects.create(user=u, status='active')",
        "page.title = 'x'",
        "DemandPage.objects.filter(status='open').update(title='x')",
    ]
    for code in flagged:
        assert any(_status_write(n) for n in ast.walk(ast.parse(code))), code
    for code in allowed:
        assert not any(_status_write(n) for n in ast.walk(ast.parse(code))), code


# -- layers ---------------------------------------------------------------------------

# Lowest first. A package imports its own layer or lower ones; within a layer the
# imports must not form a cycle (matches → curation → matches was one).
LAYERS: tuple[frozenset[str], ...] = (
    frozenset({"marketplace.audit", "marketplace.notifications"}),
    frozenset({"marketplace.accounts", "marketplace.organisations"}),
    frozenset({"cms"}),
    frozenset({"search"}),
    frozenset(
        {
            "marketplace.workspace",
            "marketplace.bidding",
            "marketplace.projects",
            "marketplace.matches",
            "marketplace.curation",
            "marketplace.api",
            "marketplace.alerts",
        }
    ),
)
RANK = {package: rank for rank, layer in enumerate(LAYERS) for package in layer}


def _package(module: str) -> str | None:
    parts = module.split(".")
    name = ".".join(parts[:2]) if parts[0] == "marketplace" else parts[0]
    return name if name in RANK else None


def _label_package(label: str) -> str | None:
    try:
        return _package(apps.get_app_config(label).name)
    except LookupError:
        return None


def _model_label(node: ast.AST) -> str | None:
    """The app label of ``apps.get_model("x", …)`` or of a ``sender="x.Model"`` string."""
    if not isinstance(node, ast.Call):
        return None
    func = node.func
    if isinstance(func, ast.Attribute) and func.attr == "get_model" and node.args:
        first = node.args[0]
        if isinstance(first, ast.Constant) and isinstance(first.value, str):
            return first.value.split(".")[0]
    for keyword in node.keywords:
        value = keyword.value
        if keyword.arg == "sender" and isinstance(value, ast.Constant):
            if isinstance(value.value, str) and "." in value.value:
                return value.value.split(".")[0]
    return None


def package_imports(root: Path = ROOT) -> dict[str, dict[str, str]]:
    """``{package: {imported package: where}}``, import statements and model labels both."""
    edges: dict[str, dict[str, str]] = {}
    for path, tree in _sources(root):
        source = _package(".".join(path.with_suffix("").parts))
        if source is None:
            continue
        for node in ast.walk(tree):
            targets = []
            if isinstance(node, ast.Import):
                targets = [_package(alias.name) for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                targets = [_package(node.module)]
            elif (label := _model_label(node)) is not None:
                targets = [_label_package(label)]
            for target in targets:
                if target and target != source:
                    edges.setdefault(source, {}).setdefault(target, f"{path}:{node.lineno}")
    return edges


def test_packages_import_only_their_own_layer_or_lower_ones():
    upward = [
        f"{where}: {source} imports {target}"
        for source, targets in package_imports().items()
        for target, where in targets.items()
        if RANK[target] > RANK[source]
    ]
    assert upward == []


def test_no_import_cycle_between_packages():
    edges = {source: set(targets) for source, targets in package_imports().items()}
    cycles = []

    def visit(node: str, trail: list[str]) -> None:
        for nxt in edges.get(node, ()):
            if nxt == trail[0]:
                cycles.append(" → ".join([*trail, nxt]))
            elif nxt not in trail and RANK[nxt] == RANK[trail[0]]:
                visit(nxt, [*trail, nxt])

    for package in edges:
        visit(package, [package])
    assert cycles == []
