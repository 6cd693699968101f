"""Which language an answer is written in, so it is read by that language's rules.

A candidate may answer a Chinese question in English or the reverse; mixed sentences
("这个 feature 的 CTR 提升了 3%") are Chinese with English terms, which the Chinese rules
read too. Feedback follows the interface language, not this.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TypeVar

_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_LATIN_WORD = re.compile(r"[A-Za-z]+")
T = TypeVar("T")


def detect_lang(text: str, default: str = "en") -> str:
    """'zh' when Chinese carries the answer (CJK characters outweigh Latin words, with two
    characters counting as one word), else 'en'; `default` for a text with neither."""
    cjk = len(_CJK.findall(text))
    latin = len(_LATIN_WORD.findall(text))
    if cjk == 0 and latin == 0:
        return default
    return "zh" if cjk / 2 >= latin else "en"


def for_text(by_lang: Mapping[str, T], text: str, default: str = "en") -> T:
    """The entry for the text's language, falling back to `default`, then to English."""
    lang = detect_lang(text, default)
    return by_lang.get(lang) or by_lang.get(default) or by_lang["en"]
