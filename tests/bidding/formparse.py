"""Read a rendered form back the way a browser would submit it (a real form round trip)."""

from __future__ import annotations

import re
from html.parser import HTMLParser

# HTML's value sanitisation: a date input whose value is not a valid ISO date is empty.
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class _FormReader(HTMLParser):
    def __init__(self, form_class: str):
        super().__init__()
        self.form_class, self.inside, self.data = form_class, False, []
        self._textarea: str | None = None
        self._select: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and self.form_class in (a.get("class") or "").split():
            self.inside = True
        if not self.inside:
            return
        if tag == "input" and a.get("name"):
            self._input(a)
        elif tag == "textarea":
            self._textarea = a.get("name")
            self.data.append((self._textarea, ""))
        elif tag == "select":
            self._select = a.get("name")
        elif tag == "option" and self._select and "selected" in a:
            self.data.append((self._select, a.get("value", "")))

    def _input(self, a):
        kind = a.get("type", "text")
        if kind in ("submit", "button", "file"):
            return
        if kind in ("checkbox", "radio") and "checked" not in a:
            return
        value = a.get("value", "on" if kind == "checkbox" else "")
        if kind == "date" and not ISO_DATE.match(value):
            value = ""
        self.data.append((a["name"], value))

    def handle_data(self, data):
        if self.inside and self._textarea:
            name, old = self.data[-1]
            self.data[-1] = (name, old + data)

    def handle_endtag(self, tag):
        if tag == "textarea":
            self._textarea = None
        elif tag == "select":
            self._select = None
        elif tag == "form":
            self.inside = False


def browser_submission(html: str, form_class: str) -> dict[str, list[str]]:
    """The fields a browser would post from the form with this class, unchanged by the user."""
    reader = _FormReader(form_class)
    reader.feed(html)
    data: dict[str, list[str]] = {}
    for name, value in reader.data:
        value = value[1:] if value.startswith("\n") else value  # as browsers parse <textarea>
        data.setdefault(name, []).append(value)
    return data
