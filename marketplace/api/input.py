"""Request bodies in JSON must carry the JSON types the OpenAPI schema declares."""

from __future__ import annotations

from collections.abc import Mapping

from django.http import QueryDict
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

#: (field class, accepted Python types of the parsed JSON value, the type's name), most
#: specific first; every other field (text, choice, date, uuid, slug) takes a string.
JSON_TYPES = [
    (serializers.BooleanField, (bool,), _("布尔值")),
    (serializers.IntegerField, (int,), _("整数")),
    (serializers.FloatField, (int, float), _("数字")),
    (serializers.ListField, (list,), _("数组")),
    (serializers.ListSerializer, (list,), _("数组")),
    (serializers.Serializer, (Mapping,), _("对象")),
]
STRING = ((str,), _("字符串"))


def json_type(field: serializers.Field) -> tuple[tuple[type, ...], str]:
    """The Python types a parsed JSON value must have for ``field``, and their name."""
    for field_class, types, name in JSON_TYPES:
        if isinstance(field, field_class):
            return types, name
    return STRING


def type_error(field: serializers.Field, value) -> str | None:
    """Why ``value`` cannot be ``field``'s JSON value, or None when it can."""
    if value is None:
        return None  # the field itself says whether null is allowed
    types, name = json_type(field)
    if isinstance(value, bool) and bool not in types:
        return _("应为%(type)s。") % {"type": name}  # bool is an int to Python, not to JSON
    if not isinstance(value, types):
        return _("应为%(type)s。") % {"type": name}
    return None


class JSONInputSerializer(serializers.Serializer):
    """Refuses values of the wrong JSON type instead of coercing them.

    DRF reads 0 as "0", "12" as 12 and "yes" as true; the schema says string, integer and
    boolean, so a JSON client sending otherwise gets a 400 naming the field. Form bodies
    (a QueryDict, strings only) are left to DRF's own parsing.
    """

    def to_internal_value(self, data):
        if isinstance(data, Mapping) and not isinstance(data, QueryDict):
            errors = {}
            for name, field in self.fields.items():
                if not field.read_only and name in data:
                    message = type_error(field, data[name])
                    if message:
                        errors[name] = [message]
            if errors:
                raise serializers.ValidationError(errors)
        return super().to_internal_value(data)
