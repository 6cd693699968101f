"""Every interface language has the same keys and, per key, the same placeholders."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import pytest

from bot.content.loader import Content

_FIELD = re.compile(r"\{(\w*)\}")


def _flat(table: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in table.items():
        if isinstance(value, Mapping):
            out.update(_flat(value, f"{prefix}{key}."))
        else:
            out[f"{prefix}{key}"] = value
    return out


@pytest.mark.parametrize("lang", ["zh"])
def test_same_keys_both_ways(content: Content, lang: str) -> None:
    en, other = _flat(content.messages["en"]), _flat(content.messages[lang])
    assert sorted(set(en) - set(other)) == [], f"missing in {lang}"
    assert sorted(set(other) - set(en)) == [], f"only in {lang}"


@pytest.mark.parametrize("lang", ["zh"])
def test_same_placeholders_per_key(content: Content, lang: str) -> None:
    en, other = _flat(content.messages["en"]), _flat(content.messages[lang])
    differ = {
        key: (sorted(_FIELD.findall(str(en[key]))), sorted(_FIELD.findall(str(other[key]))))
        for key in en
        if key in other
        and set(_FIELD.findall(str(en[key]))) != set(_FIELD.findall(str(other[key])))
    }
    assert differ == {}


@pytest.mark.parametrize("lang", ["zh"])
def test_html_tags_match(content: Content, lang: str) -> None:
    tag = re.compile(r"</?[a-z]+>")
    en, other = _flat(content.messages["en"]), _flat(content.messages[lang])
    differ = [
        key
        for key in en
        if key in other
        and sorted(tag.findall(str(en[key]))) != sorted(tag.findall(str(other[key])))
    ]
    assert differ == []
