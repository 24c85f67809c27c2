"""Writing to the audit log (the only write it has)."""

from __future__ import annotations

from typing import Any

from django.db import models, transaction

from .models import AuditEntry


def audit_record(
    *,
    actor: Any,
    action: str,
    obj: models.Model | None,
    note: str = "",
    details: dict[str, Any] | None = None,
) -> AuditEntry:
    """Append one entry to the audit log; ``actor`` may be None for system actions.

    ``action`` is ``"<object>.<verb>"`` (``"bid.award"``); docs/architecture.md lists
    the decisions every package records.
    """
    actor = actor if getattr(actor, "is_authenticated", False) else None
    entry = AuditEntry(
        actor=actor,
        actor_label=str(actor)[:255] if actor else "",
        action=action,
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None and obj.pk is not None else "",
        object_label=str(obj)[:255] if obj is not None else "",
        note=note or "",
        details=details or {},
    )
    entry.full_clean()
    with transaction.atomic():
        entry.save()
    return entry
