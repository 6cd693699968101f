"""Message splitting and button data: within Telegram's limits, never breaking HTML."""

from __future__ import annotations

import html

import pytest

from bot.tg.callback_data import Button, decode
from bot.tg.messages import split_html, utf16_len
from tests.fakes.html_entities import parse_html


def _valid(chunk: str) -> bool:
    parse_html(chunk)  # raises on bad entities, like Telegram
    return True


@pytest.mark.parametrize(
    "text",
    [
        "short",
        "\n\n".join(f"<b>Para {i}</b> " + "word " * 150 for i in range(12)),
        html.escape("<script>& " * 2000, quote=False),
        "😀" * 5000,
        "line\n" * 3000,
        "x" * 10_000,
    ],
    ids=["short", "paragraphs", "escaped", "emoji", "lines", "one-word"],
)
def test_chunks_fit_and_parse(text: str) -> None:
    chunks = split_html(text)
    assert chunks and all(utf16_len(c) <= 4096 for c in chunks)
    assert all(_valid(c) for c in chunks)
    joined = "".join(html.unescape(c) for c in chunks).replace("\n", "").replace(" ", "")
    assert joined == html.unescape(text).replace("\n", "").replace(" ", "")


def test_paragraphs_are_not_cut() -> None:
    paras = [f"<b>P{i}</b> " + "a" * 900 for i in range(10)]
    chunks = split_html("\n\n".join(paras))
    assert all(c.count("<b>") == c.count("</b>") for c in chunks)


def test_button_codec_round_trip_and_limits() -> None:
    for b in (Button("next", "12345"), Button("kind", "technical"), Button("stop", "1")):
        data = b.encode()
        assert len(data.encode()) <= 64 and decode(data) == b
    for forged in (
        "",
        "v1:next:abc",
        "v1:kind:poetry",
        "v2:next:1",
        "v1:next:1:extra",
        "x" * 65,
        "v1:drop:1",
        None,
    ):
        assert decode(forged) is None
