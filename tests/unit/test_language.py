"""An answer is read by the rules of the language it is written in."""

from __future__ import annotations

import pytest

from bot.content.loader import Content
from bot.engine.language import detect_lang
from bot.engine.model import Question
from bot.engine.session import QuestionState, judge


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("I rebuilt the report myself and cut it from 4 hours to 12 minutes.", "en"),
        ("我自己重写了报表，把耗时从4小时降到12分钟。", "zh"),
        ("这个 feature 的 CTR 提升了 3%，对照组没有变化。", "zh"),
        ("The CTR went up 3% 对比对照组.", "en"),
        ("12%", "en"),
    ],
)
def test_detect_lang(text: str, lang: str) -> None:
    assert detect_lang(text) == lang


def test_english_answer_to_a_chinese_question_is_read_in_english(content: Content) -> None:
    q = Question("zh-x", "behavioral", "讲一个你主动推动改进的经历。", lang="zh")
    answer = (
        "At my internship our team owned the refund report. We cleaned the data and we "
        "presented it every week, and refund handling got a lot faster after that."
    )
    verdict = judge(QuestionState(q, [answer]), content.rules)
    assert "vague_ownership" in verdict.first_tags  # an English "we" story, read as English


def test_chinese_answer_to_an_english_question_is_read_in_chinese(content: Content) -> None:
    q = Question("en-x", "behavioral", "Tell me about a time you improved a process.")
    answer = (
        "实习的时候我负责退款报表，我自己重写了SQL并加了每日数据校验，"
        "处理时间从4小时降到12分钟，运营团队后来把它作为默认看板。"
        "之前每周一上午都要手工核对三个系统的数据，现在每天早上七点自动发到群里。"
    )
    verdict = judge(QuestionState(q, [answer]), content.rules)
    assert verdict.first_tags == ()
