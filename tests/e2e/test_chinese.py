"""The whole bot in Chinese for a zh-hans user: interview, export, drill, group round.

Real PTB over real HTTP against the fake Bot API; answers are our own words.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from bot.content.loader import Content
from tests.e2e.conftest import FakeClock, Harness
from tests.fakes.telegram_server import FakeTelegram

pytestmark = pytest.mark.filterwarnings(
    "ignore:.*retry_after.*:telegram.warnings.PTBDeprecationWarning"
)
T0 = datetime(2026, 11, 26, 22, 0, tzinfo=UTC)  # 06:00 in Shanghai


def zh_person(tg: FakeTelegram, uid: int, name: str) -> dict[str, Any]:
    user = tg.user(uid, name, language_code="zh-hans")
    tg.private_chat(user)
    return user


def buttons(record: dict[str, Any]) -> list[str]:
    rows = (record.get("reply_markup") or {}).get("inline_keyboard", [])
    return [b["text"] for row in rows for b in row]


@pytest.fixture
async def clocked(tg: FakeTelegram, content: Content, tmp_path: Path) -> Any:
    clock = FakeClock(T0)
    h = Harness(tg, content, tmp_path / "bot.sqlite3", clock=clock)
    await h.start()
    yield h, clock
    await h.stop()


PARTIAL_CASE = "我会先看 GMV 的漏斗，把 CTR 和转化率拆开看，找出哪一步掉得最多。"


async def test_full_interview_in_chinese(tg: FakeTelegram, harness: Harness) -> None:
    mei = zh_person(tg, 801, "美")
    tg.send_text(mei, "/start")
    [welcome] = await tg.wait_sent(801)
    assert "我是你的模拟面试官" in tg.plain(welcome)
    assert buttons(welcome)[:3] == ["行为面试", "案例分析", "技术题"]
    assert buttons(welcome)[3] == "English"

    tg.press(mei, welcome, text="案例分析")
    [question] = await tg.wait_sent(801)
    assert "案例分析" in tg.plain(question)
    assert any("\u4e00" <= ch <= "\u9fff" for ch in tg.plain(question).splitlines()[1])

    # a mixed Chinese-English partial answer draws a Chinese follow-up
    tg.send_text(mei, PARTIAL_CASE)
    tg.send_text(mei, "/done")
    [probe] = await tg.wait_sent(801)
    assert tg.plain(probe).startswith("追问：")

    tg.send_text(mei, "不知道。")
    tg.send_text(mei, "/done")
    while True:  # up to one more follow-up, then the feedback
        [reply] = await tg.wait_sent(801)
        if not tg.plain(reply).startswith("追问："):
            break
        tg.send_text(mei, "这个我没想好。")
        tg.send_text(mei, "/done")
    body = tg.plain(reply)
    assert "得分" in body and "/3" in body
    assert "看参考答案" in buttons(reply)

    tg.send_text(mei, "/export")
    [doc] = await tg.wait_sent(801)
    text = doc["document"].decode()
    assert "# 模拟面试记录" in text and PARTIAL_CASE in text and "**参考答案:**" in text


async def test_language_switch_both_ways(tg: FakeTelegram, harness: Harness) -> None:
    li = zh_person(tg, 802, "李")
    tg.send_text(li, "/language")
    [prompt] = await tg.wait_sent(802)
    assert buttons(prompt) == ["English", "中文"]
    tg.press(li, prompt, text="English")
    [done] = await tg.wait_sent(802)
    assert "I'll speak English" in tg.plain(done)
    tg.send_text(li, "/practice technical")
    [question] = await tg.wait_sent(802)
    assert "Technical ·" in tg.plain(question)


async def test_chinese_morning_drill(tg: FakeTelegram, clocked: Any) -> None:
    _, clock = clocked
    wu = zh_person(tg, 803, "吴")
    tg.send_text(wu, "/timezone Hangzhou")
    await tg.wait_sent(803)
    tg.send_text(wu, "/remind 08:00")
    [confirm] = await tg.wait_sent(803)
    assert "08:00" in tg.plain(confirm) and "周五" in tg.plain(confirm)
    clock.set(datetime(2026, 11, 27, 0, 0, 5, tzinfo=UTC))  # 08:00:05 in Shanghai
    [drill] = await tg.wait_sent(803)
    assert "练习" in tg.plain(drill)
    assert buttons(drill)[0] == "现在回答"
    tg.press(wu, drill, text="现在回答")
    [question] = await tg.wait_sent(803)
    assert any("\u4e00" <= ch <= "\u9fff" for ch in tg.plain(question).splitlines()[1])


async def test_group_round_in_chinese(tg: FakeTelegram, harness: Harness) -> None:
    group = tg.group_chat(-300, "学习小组")
    zhao = tg.user(811, "赵", language_code="zh-hans")
    qian = tg.user(812, "钱", language_code="zh-hans")
    for u in (zhao, qian):
        tg.set_member(group, u)
    tg.send_text(zhao, "/mockround case 10", chat=group)
    [lobby] = await tg.wait_sent(-300)
    assert "模拟面试 · 案例分析 · 10 分钟" in tg.plain(lobby)
    tg.press(qian, lobby, text="我来答")
    await asyncio.sleep(0.3)
    tg.press(zhao, lobby, text=buttons(lobby)[-1])  # 开始
    question, _timer = await tg.wait_sent(-300, count=2)
    lines = tg.plain(question).splitlines()
    assert any(any("\u4e00" <= ch <= "\u9fff" for ch in line) for line in lines[1:])
