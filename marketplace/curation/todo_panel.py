"""The curator's to-do as a Wagtail admin home-page panel (hook in wagtail_hooks.py)."""

from __future__ import annotations

from wagtail.admin.ui.components import Component

from .selectors import due_days
from .todo import curator_todo


class CuratorTodoPanel(Component):
    name = "curator_todo"
    template_name = "curation/todo_panel.html"
    # Above Wagtail's own panels (its workflow panels start at 210).
    order = 50

    def get_context_data(self, parent_context):
        context = super().get_context_data(parent_context)
        context["todo"] = curator_todo()
        context["due_days"] = due_days()
        return context
