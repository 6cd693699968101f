"""Hypothesis strategies for raw Bot API updates of every kind, as Telegram would send them.

Shapes follow the Bot API object types (required fields present unless a poison is wanted),
with absent optional fields, unknown extra fields, dates of 0, any unicode and huge texts.
Each drawn update comes with `poisoned`: True only for the deliberate unparsable ones.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import seed as hypothesis_seed
from hypothesis import strategies as st
from telegram import Update

JSONDict = dict[str, Any]
BOT: JSONDict = {"id": 123456, "is_bot": True, "first_name": "Fake Test Bot",
                 "username": "fake_test_bot"}  # fmt: skip
NOW = 1_760_000_000
USER_IDS = (6001, 6002, 6003, 6004, 6005, 6006)
GROUP: JSONDict = {"id": -6100, "type": "group", "title": "Fuzz group"}
FORUM: JSONDict = {"id": -1006200, "type": "supergroup", "title": "Fuzz forum", "is_forum": True}
CHANNEL: JSONDict = {"id": -1006300, "type": "channel", "title": "Fuzz channel"}
COMMANDS = ("/start", "/help", "/practice", "/practice case", "/practice nope", "/skip",
            "/stop", "/done", "/export", "/settings", "/remind 08:00", "/timezone Europe/Paris",
            "/timezone Mars/Base", "/mockround", "/mockround case 1", "/mockround x 99",
            "/leaderboard", "/endround", "/nextcandidate", "/start@fake_test_bot",
            "/help@other_bot", "/unknown", "/start case")  # fmt: skip
BUTTONS = ("v1:next:1", "v1:retry:1", "v1:stop:1", "v1:kind:case", "v1:kind:behavioral",
           "v1:kind:zzz", "v1:drill:1", "v1:snooze:1", "v1:skipday:1", "v1:rset:t0800",
           "v1:rset:off", "v1:gjoin:1", "v1:gpanel:1", "v1:gstart:1", "v1:gvote:1-3",
           "v1:gsum:1", "v1:gend:1", "v2:future", "", "💥" * 16)  # fmt: skip

texts = st.text(st.characters(exclude_categories=("Cs",)), max_size=200)
huge = st.builds(
    lambda s, n: (s or "é") * n, st.text(min_size=1, max_size=8), st.integers(500, 5000)
)
dates = st.sampled_from([NOW, NOW - 86_400, 0, 1])
ids = st.integers(1, 2**31 - 1)
json_scalars = st.none() | st.booleans() | st.integers(-(2**53), 2**53) | texts
json_values = st.recursive(
    json_scalars,
    lambda c: st.lists(c, max_size=3) | st.dictionaries(st.text(max_size=6), c, max_size=3),
    max_leaves=6,
)
extras = st.dictionaries(
    st.text("abcdefghijklmnopqrstuvwxyz_", min_size=2, max_size=10).map(lambda k: f"zz_{k}"),
    json_values,
    max_size=2,
)


@st.composite
def users(draw: st.DrawFn, pool: tuple[int, ...] = USER_IDS) -> JSONDict:
    name = st.text(st.characters(exclude_categories=("Cs",)), min_size=1, max_size=40)
    user: JSONDict = {"id": draw(st.sampled_from(pool)), "is_bot": False, "first_name": draw(name)}
    optional = {
        "last_name": texts,
        "username": st.from_regex(r"[a-z]{5,12}", fullmatch=True),
        "language_code": st.sampled_from(["en", "ru", "de-DE", "zz", ""]),
        "is_premium": st.just(True),
    }
    for key, value in optional.items():
        if draw(st.booleans()):
            user[key] = draw(value)
    return user


def private_chat(user: JSONDict) -> JSONDict:
    return {"id": user["id"], "type": "private", "first_name": user["first_name"]}


@st.composite
def messages(draw: st.DrawFn, chat: JSONDict | None = None, sender: JSONDict | None = None,
             content: st.SearchStrategy[JSONDict] | None = None) -> JSONDict:  # fmt: skip
    user = sender or draw(users())
    msg: JSONDict = {"message_id": draw(ids), "date": draw(dates),
                     "chat": chat or private_chat(user)}  # fmt: skip
    if draw(st.integers(0, 9)) > 0:  # "from" is absent now and then (anonymous admins…)
        msg["from"] = user
    msg.update(draw(content if content is not None else text_content()))
    msg.update(draw(extras))
    return msg


@st.composite
def text_content(draw: st.DrawFn) -> JSONDict:
    text = draw(st.sampled_from(COMMANDS) | texts | huge)
    out: JSONDict = {"text": text} if text else {}
    if text.startswith("/"):
        out["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
    return out


def photo() -> JSONDict:
    return {"file_id": "p1", "file_unique_id": "u1", "width": 1, "height": 1}


def service_contents(group: JSONDict) -> st.SearchStrategy[JSONDict]:
    """Service messages bots receive even with privacy mode on."""
    inaccessible = st.builds(lambda m: {"message_id": m, "date": 0, "chat": group}, ids)
    accessible = messages(chat=group).map(lambda m: {k: v for k, v in m.items() if k != "zz_"})
    return st.one_of(
        st.builds(lambda p: {"pinned_message": p}, inaccessible | accessible),
        st.builds(lambda u: {"new_chat_members": [u]}, users() | st.just(BOT)),
        st.builds(lambda u: {"left_chat_member": u}, users() | st.just(BOT)),
        st.builds(lambda t: {"new_chat_title": t or "t"}, texts),
        st.just({"new_chat_photo": [photo()]}),
        st.just({"delete_chat_photo": True}),
        st.just({"group_chat_created": True}),
        st.just({"migrate_to_chat_id": -1006999}),
        st.just({"migrate_from_chat_id": -6998}),
        st.builds(lambda t: {"forum_topic_created": {"name": t or "t", "icon_color": 1}}, texts),
        st.just({"forum_topic_edited": {"name": "renamed"}}),
        st.just({"forum_topic_closed": {}}),
        st.just({"forum_topic_reopened": {}}),
        st.just({"general_forum_topic_hidden": {}}),
        st.just({"video_chat_scheduled": {"start_date": NOW + 60}}),
        st.just({"video_chat_started": {}}),
        st.builds(lambda d: {"video_chat_ended": {"duration": d}}, st.integers(0, 10**6)),
        st.builds(lambda u: {"video_chat_participants_invited": {"users": [u]}}, users()),
        st.builds(lambda n: {"boost_added": {"boost_count": n}}, st.integers(1, 100)),
        st.just({"message_auto_delete_timer_changed": {"message_auto_delete_time": 86400}}),
        st.just({"write_access_allowed": {}}),
    )


def non_text_contents() -> st.SearchStrategy[JSONDict]:
    return st.sampled_from(
        [
            {"sticker": {"file_id": "s", "file_unique_id": "s", "type": "regular", "width": 1,
                         "height": 1, "is_animated": False, "is_video": False}},
            {"photo": [photo()], "caption": "a photo"},
            {"voice": {"file_id": "v", "file_unique_id": "v", "duration": 1}},
            {"location": {"latitude": 48.85, "longitude": 2.35}},
            {"contact": {"phone_number": "+100", "first_name": "C"}},
            {"dice": {"emoji": "🎲", "value": 3}},
            {"story": {"chat": GROUP, "id": 1}},
        ]
    )  # fmt: skip


def bot_message(chat: JSONDict, date: int) -> JSONDict:
    return {"message_id": 1, "date": date, "chat": chat, "from": BOT, "text": "Pick one"}


@st.composite
def callback_queries(draw: st.DrawFn, qid: Callable[[], str]) -> JSONDict:
    user = draw(users())
    chat = draw(st.sampled_from([private_chat(user), GROUP, FORUM]))
    query: JSONDict = {"id": qid(), "from": user, "chat_instance": str(draw(ids))}
    where = draw(st.sampled_from(["message", "inaccessible", "inline"]))
    if where == "message":
        query["message"] = bot_message(chat, NOW)
    elif where == "inaccessible":
        query["message"] = {"message_id": draw(ids), "date": 0, "chat": chat}
    else:
        query["inline_message_id"] = "AAAA" + str(draw(ids))
    if draw(st.integers(0, 9)) > 0:
        query["data"] = draw(st.sampled_from(BUTTONS) | st.text(max_size=30))
    else:
        query["game_short_name"] = "game"
    return query


def member(user: JSONDict, status: str) -> JSONDict:
    out: JSONDict = {"user": user, "status": status}
    if status == "kicked":
        out["until_date"] = 0
    return out


@st.composite
def other_kinds(draw: st.DrawFn) -> JSONDict:
    """Everything that is not a plain message: ignored on purpose, never a crash."""
    user = draw(users())
    chat = draw(st.sampled_from([GROUP, FORUM]))
    reaction = {"type": "emoji", "emoji": "👍"}
    statuses = st.sampled_from(["member", "left", "kicked"])
    kinds: list[JSONDict] = [
        {"inline_query": {"id": str(draw(ids)), "from": user, "query": draw(texts), "offset": ""}},
        {"chosen_inline_result": {"result_id": "r", "from": user, "query": draw(texts)}},
        {"my_chat_member": {"chat": draw(st.sampled_from([GROUP, FORUM, private_chat(user)])),
                            "from": user, "date": draw(dates),
                            "old_chat_member": member(BOT, "member"),
                            "new_chat_member": member(BOT, draw(statuses))}},
        {"chat_member": {"chat": chat, "from": user, "date": NOW,
                         "old_chat_member": member(user, "left"),
                         "new_chat_member": member(user, draw(statuses))}},
        {"message_reaction": {"chat": chat, "message_id": 1, "date": NOW, "user": user,
                              "old_reaction": [], "new_reaction": [reaction]}},
        {"message_reaction_count": {"chat": chat, "message_id": 1, "date": NOW,
                                    "reactions": [{"type": reaction, "total_count": 2}]}},
        {"business_connection": {"id": "bc1", "user": user, "user_chat_id": user["id"],
                                 "date": NOW, "is_enabled": True}},
        {"business_message": {**draw(messages(sender=user)), "business_connection_id": "bc1"}},
        {"edited_business_message": {**draw(messages(sender=user)),
                                     "business_connection_id": "bc1", "edit_date": NOW}},
        {"deleted_business_messages": {"business_connection_id": "bc1",
                                       "chat": private_chat(user),
                                       "message_ids": [1, 2]}},
        {"poll": {"id": "p1", "question": draw(texts) or "?",
                  "options": [{"text": "a", "voter_count": 1, "persistent_id": "a"}],
                  "total_voter_count": 1, "is_closed": False, "is_anonymous": True,
                  "type": "regular", "allows_multiple_answers": False,
                  "allows_revoting": False, "members_only": False}},
        {"poll_answer": {"poll_id": "p1", "user": user, "option_ids": [0],
                         "option_persistent_ids": ["a"]}},
        {"chat_join_request": {"chat": chat, "from": user, "user_chat_id": user["id"],
                               "date": NOW}},
        {"chat_boost": {"chat": chat, "boost": {"boost_id": "b", "add_date": NOW,
                        "expiration_date": NOW + 1, "source": {"source": "premium",
                                                               "user": user}}}},
        {"removed_chat_boost": {"chat": chat, "boost_id": "b", "remove_date": NOW,
                                "source": {"source": "premium", "user": user}}},
        {"pre_checkout_query": {"id": "pc", "from": user, "currency": "XTR",
                                "total_amount": 1, "invoice_payload": "x"}},
        {"purchased_paid_media": {"from": user, "paid_media_payload": "x"}},
        {"channel_post": draw(messages(chat=CHANNEL))},
        {"edited_channel_post": {**draw(messages(chat=CHANNEL)), "edit_date": NOW}},
        {f"zz_future_kind_{draw(st.integers(0, 9))}": draw(json_values)},
    ]  # fmt: skip
    return draw(st.sampled_from(kinds))


POISONS: list[JSONDict] = [
    {"message": {"message_id": 1, "date": "yesterday", "chat": GROUP}},
    {"message": "not an object"},
    {"edited_message": {"message_id": 2, "date": NOW, "chat": GROUP, "entities": [{}]}},
]


@dataclass
class Drawn:
    body: JSONDict  # the update without its update_id (the fake assigns one)
    poisoned: bool


def kinds(qid: Callable[[], str]) -> dict[str, st.SearchStrategy[Drawn]]:
    """One strategy per kind of update, so every kind is drawn as often as the others."""
    user = users()
    edited = user.flatmap(lambda u: messages(sender=u)).map(lambda m: {**m, "edit_date": NOW})
    found: dict[str, st.SearchStrategy[JSONDict]] = {
        "private": user.flatmap(
            lambda u: messages(sender=u, content=text_content() | non_text_contents())
        ).map(lambda m: {"message": m}),
        "edited": edited.map(lambda m: {"edited_message": m}),
        "group": st.sampled_from([GROUP, FORUM])
        .flatmap(lambda g: messages(chat=g, content=text_content()))
        .map(lambda m: {"message": m}),
        "service": st.sampled_from([GROUP, FORUM])
        .flatmap(lambda g: messages(chat=g, content=service_contents(g)))
        .map(lambda m: {"message": m}),
        "callback": callback_queries(qid).map(lambda q: {"callback_query": q}),
        "other": other_kinds(),
    }
    out = {name: strategy.map(lambda body: Drawn(body, False)) for name, strategy in found.items()}
    out["poison"] = st.sampled_from(POISONS).map(lambda body: Drawn(body, True))
    return out


def draw_updates(n: int, seed: int | None = None) -> list[Drawn]:
    """About n updates, every kind equally often, interleaved; fixed when `seed` is None."""
    counter = iter(range(10**9))
    strategies = kinds(lambda: f"q{seed or 0}-{next(counter)}")
    per_kind = max(1, n // len(strategies))
    columns = [_collect(s, per_kind, seed) for s in strategies.values()]
    return [d for row in zip(*columns, strict=True) for d in row]


def _collect(strategy: st.SearchStrategy[Drawn], n: int, seed: int | None) -> list[Drawn]:
    out: list[Drawn] = []

    @settings(max_examples=n, derandomize=seed is None, database=None,
              phases=[Phase.generate], deadline=None,
              suppress_health_check=list(HealthCheck))  # fmt: skip
    @given(strategy)
    def collect(drawn: Drawn) -> None:
        parsed_ok = _parses({"update_id": 1, **drawn.body})
        assert parsed_ok != drawn.poisoned, f"strategy bug: {drawn}"  # shapes match the API
        out.append(drawn)

    if seed is not None:
        collect = hypothesis_seed(seed)(collect)
    collect()
    while len(out) < n:  # hypothesis stops early when a strategy has few distinct values
        out.extend(out[: n - len(out)])
    return out[:n]


def _parses(raw: JSONDict) -> bool:
    try:
        Update.de_json(raw, None)
    except Exception:
        return False
    return True
