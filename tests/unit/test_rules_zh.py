"""Table-driven tests for the Chinese rules (prompts/rules.zh.yaml) on our own answers:
number roles, reference points, 我 vs 我们, negated validation, trade-offs, denial vs
admission, answers too short in characters, mixed Chinese-English answers."""

from __future__ import annotations

import pytest

from bot.content import Content
from bot.engine.rules import RuleSet, analyze

FAILURE_Q = "说说一件你搞砸过的事，后来你改变了什么做法？"
IMPACT_Q = "挑一个你做出了实际业务效果的项目讲讲。"
CASE_Q = "某社区团购App的复购率连续两个月下滑，你会怎么做？"
FEATURE_Q = "想在购物车页面加一个“凑单推荐”模块，这个功能值不值得做，你会怎么判断？"
TECH_Q = "做退款欺诈识别，你会选规则引擎还是 GBDT 模型？"
SQL_Q = "订单表 orders(user_id, order_time, amount)，SQL 怎么写每天的下单人数？"


@pytest.fixture(scope="module")
def zh(content: Content) -> RuleSet:
    return content.rules["zh"]


# (id, kind, question, answer, expected tags)
CASES: list[tuple[str, str, str, str, set[str]]] = [
    # ---- 我 vs 我们, results and reference points -------------------------------------
    (
        "own-from-to",
        "behavioral",
        IMPACT_Q,
        "实习时我发现财务每个月对账要手工核对四个系统的流水。我自己写了一个 Python 脚本，"
        "自动拉数、按订单号匹配并标出差异，又和财务一起定了差异的处理规则。对账时间从每月"
        "两天缩短到半天左右，而且之后三个月没有再出现漏对的情况。",
        set(),
    ),
    (
        "we-only",
        "behavioral",
        IMPACT_Q,
        "我们团队负责一个会员积分商城的改版。我们先做了用户访谈，然后大家一起重新设计了兑换"
        "流程，把兑换步骤从五步减到两步，我们还和运营一起调整了积分的发放规则。上线一个月后"
        "积分兑换率从12%提升到了19%，业务方很满意。",
        {"vague_ownership"},
    ),
    (
        "we-with-own-part",
        "behavioral",
        IMPACT_Q,
        "我们组三个人做门店补货预测，我负责特征和回测部分：我把天气、节假日和促销日历接进"
        "特征，又用过去一年的数据做了滚动回测。上线后试点门店的缺货率比没上线的门店低了4个"
        "百分点，报废金额也比去年同期少了六万多元。",
        set(),
    ),
    (
        "baseline-missing-percent",
        "behavioral",
        IMPACT_Q,
        "我在一家旅游平台实习，负责酒店列表页的排序优化。我自己分析了用户的浏览路径，发现"
        "很多人会反复比价，于是提议在列表页直接展示含税总价，并亲自写了需求文档、跟进开发"
        "联调。上线之后从列表点进来的下单率提升了百分之十二，这个改动后来被推广到了机票频道。",
        {"missing_baseline"},
    ),
    (
        "baseline-missing-chinese-share",
        "behavioral",
        IMPACT_Q,
        "实习期间我注意到客服每天要回答大量重复的物流问题。我整理了近三个月的工单，归纳出"
        "二十个高频问题，自己写了答案模板，并推动把它们接进了智能客服的知识库。做完之后转"
        "人工的咨询量下降了三成左右，客服主管让我继续维护这个知识库。",
        {"missing_baseline"},
    ),
    (
        "baseline-missing-doubled",
        "behavioral",
        IMPACT_Q,
        "我在内容平台实习时负责创作者激励活动的数据分析。我自己搭了活动的实时看板，每天把"
        "表现差的任务类型找出来，建议运营把奖励往新人创作者倾斜，并调整了任务门槛。活动结束"
        "时新人创作者的周发帖量翻了一番，运营后来把这套做法写进了活动手册。",
        {"missing_baseline"},
    ),
    (
        "reference-mom",
        "behavioral",
        IMPACT_Q,
        "我负责一个二手交易App的发布流程优化。我自己拆了发布漏斗，发现上传图片这一步流失"
        "最多，于是提议加入自动裁剪和一键美化，并亲自做了需求评审。上线当月的商品发布量环比"
        "增长了18%，而同期其他页面没有改动，产品经理决定把这个功能保留下来。",
        set(),
    ),
    (
        "reference-control-group",
        "behavioral",
        IMPACT_Q,
        "我在一家在线教育公司实习，负责续费提醒的策略。我自己设计了按学习进度分层的提醒"
        "文案，又和开发一起做了实验：一半即将到期的学员收到新提醒，另一半照旧。四周后实验"
        "组的续费率比对照组高了5个百分点，新提醒随后推到了全部学员。",
        set(),
    ),
    (
        "reference-from-hours-to-minutes",
        "behavioral",
        IMPACT_Q,
        "我在仓储公司实习时，发现每天的库存差异报表要人工对比三张表。我主动用SQL把对比逻辑"
        "写成了定时任务，并加上了异常提醒。出一份报表的时间从4小时降到12分钟，仓库主管"
        "后来让其他两个仓也用上了这个任务。",
        set(),
    ),
    (
        "numbers-not-results",
        "behavioral",
        IMPACT_Q,
        "2024年3月我在一家连锁药店实习，团队有6个人。我一个人花了两周时间，把全国前20个"
        "城市的门店销售数据整理出来，写了大约800行SQL，做了5张看板，还给区域经理做了3次"
        "培训。之后这些看板被区域经理用在了每周例会上。",
        {"missing_metric"},
    ),
    (
        "actions-only",
        "behavioral",
        IMPACT_Q,
        "我负责整理一家电商的用户标签体系。我先把各个业务线自己定义的标签收集起来，逐个和"
        "负责人确认口径，再把重复和冲突的标签合并，写成一份标签字典，最后在部门周会上做了"
        "分享，讲清楚每个标签怎么算、从哪张表取。",
        {"missing_result", "missing_metric"},
    ),
    (
        "proxy-only",
        "behavioral",
        IMPACT_Q,
        "我在一家保险公司实习时负责理赔欺诈识别模型。我自己做了特征工程，把就诊间隔、医院"
        "等级和历史理赔次数加进来，又把原来的逻辑回归换成了 LightGBM，测试集上的 AUC 从"
        "0.74 提升到了 0.83，召回率也有明显提高，模型组后来采用了我的版本。",
        {"proxy_metric"},
    ),
    (
        "proxy-with-business",
        "behavioral",
        IMPACT_Q,
        "我在一家消费金融公司实习时负责贷前评分模型的迭代。我自己重做了特征筛选，测试集"
        "AUC 从 0.71 提升到 0.76；模型上线三个月后，在通过率不变的情况下，新客的首期逾期率"
        "比上线前下降了1.2个百分点，风控负责人按这个结果扩大了放款额度。",
        set(),
    ),
    (
        "mixed-zh-en-no-baseline",
        "behavioral",
        IMPACT_Q,
        "我在一家电商做 search 相关的实习，负责 query suggestion。我自己分析了 log，发现很多"
        "用户输入拼音就直接放弃了，于是我加了拼音纠错的逻辑，自己写了 pipeline 和评估脚本。"
        "上线以后这个 feature 的 CTR 提升了 3%，PM 说下个季度会继续投入。",
        {"missing_baseline"},
    ),
    (
        "mixed-zh-en-with-control",
        "behavioral",
        IMPACT_Q,
        "我在一家电商做 search 相关的实习，负责 query suggestion。我自己分析了 log，发现很多"
        "用户输入拼音就直接放弃了，于是我加了拼音纠错的逻辑，自己写了 pipeline 和评估脚本。"
        "A/B test 跑了两周，这个 feature 的 CTR 比 control 组高了 3%，PM 决定全量。",
        set(),
    ),
    # ---- failure questions ---------------------------------------------------------------
    (
        "denial-none",
        "behavioral",
        FAILURE_Q,
        "说实话我一时想不出什么失败的经历，我这个人一直比较谨慎，每次交付前都会反复检查，"
        "所以实习那几个月交的东西都没出过问题，导师的评价也不错。非要说的话，就是我有点完美"
        "主义，做报告会花比较多的时间打磨细节。",
        {"denies_failure"},
    ),
    (
        "denial-blame",
        "behavioral",
        FAILURE_Q,
        "有一次我做的活动效果评估被业务方质疑，说结论和他们的感受不一样。后来查下来是埋点"
        "那边漏报了一部分安卓数据，所以我的结论偏了。这不是我的问题，都是因为埋点团队上线前"
        "没有做自测，我只是按拿到的数据做了分析，后来我让他们补了数据。",
        {"denies_failure"},
    ),
    (
        "admission",
        "behavioral",
        FAILURE_Q,
        "我做过一次促销效果复盘，结论是满减活动带来了明显的增量，业务据此加大了预算。后来"
        "发现是我的错：我没有检查同期的自然增长，直接拿活动期和活动前比了。我重新用没参加"
        "活动的相似门店做对照，真实增量只有原来估计的四成，之后我做复盘都会先找对照组。",
        set(),
    ),
    (
        "admission-forgot",
        "behavioral",
        FAILURE_Q,
        "第一次独立给业务交周报时，我忘了把测试账号的订单剔除掉，导致新客数虚高了一截，"
        "运营还在群里表扬了渠道同学。第二天我自己发现后马上更正，并在取数脚本里加了测试账号"
        "的过滤；之后半年的周报再没有出过同类问题，修正后的新客数比原来报的少了7%。",
        set(),
    ),
    # ---- too short (characters) ---------------------------------------------------------
    (
        "stub",
        "behavioral",
        IMPACT_Q,
        "做过一个报表自动化，大家都说好用。",
        {"too_short", "missing_metric"},
    ),
    (
        "short-between-40-and-80-chars",
        "behavioral",
        IMPACT_Q,
        "我负责把周报自动化，自己写了取数脚本和校验规则，出报表的时间从半天缩短到十分钟，"
        "运营那边现在每周一早上就能看到。",
        {"too_short"},
    ),
    # ---- case: validation, negation, trade-offs ---------------------------------------------
    (
        "case-complete",
        "case",
        CASE_Q,
        "先确认下滑是真的：核对复购的口径和统计周期，再按城市、团长、品类拆，看是哪一块在掉。"
        "假设发现主要是生鲜品类的复购掉了，而且差评集中在配送延迟，我会提议把生鲜的截单时间"
        "提前两小时，让团长当天能送到。代价是晚下单的用户会被挡在外面，当天的订单量可能会少"
        "一些。验证上先选四个城市试点三周，再挑四个相似的城市什么都不改当参照，主指标是30天"
        "复购率，护栏是下单量和客诉率。",
        set(),
    ),
    (
        "case-negated-validation",
        "case",
        CASE_Q,
        "先按城市和品类拆复购，找出掉得最多的部分。假设是生鲜品类的复购掉了，我会提议把生鲜"
        "的截单时间提前两小时，代价是晚下单的用户会被挡在外面。这个改动很简单，不做AB实验，"
        "直接全量上线，然后盯着30天复购率的变化。",
        {"missing_validation"},
    ),
    (
        "case-double-negated-validation",
        "case",
        CASE_Q,
        "先按城市和品类拆复购，找出掉得最多的部分。假设是生鲜品类的复购掉了，我会提议把生鲜"
        "的截单时间提前两小时，代价是晚下单的用户会被挡在外面。没跑过AB实验，这个改动我不"
        "会让它全量：主指标看30天复购率，护栏看下单量。",
        set(),
    ),
    (
        "case-no-tradeoff",
        "case",
        FEATURE_Q,
        "主指标是购物车页的凑单转化率和客单价，辅助看模块的点击率。我会先用 10% 的用户做"
        "AB实验，按 user_id 哈希分流，跑满两周，只要实验组客单价明显更高，就分批把流量开到100%。"
        "正式开始之前先空跑一周 AA，看两边的基线有没有偏差。",
        {"missing_tradeoff"},
    ),
    (
        "case-no-metric",
        "case",
        FEATURE_Q,
        "我会先看看用户在购物车页一般停留多久、会不会去逛别的商品，然后设计推荐的逻辑，优先"
        "推和购物车里商品搭配的便宜小件。代价是这个模块会占掉一部分页面空间，可能让结算按钮"
        "往下挪。先挑两个城市试点两周，和其他城市比一比，看看效果好不好再决定。",
        {"missing_metric"},
    ),
    (
        "bu-is-not-negation",
        "case",
        FEATURE_Q,
        "目标是提升客单价，主指标是每单金额，护栏看结算转化率。凑单模块的风险是会分散注意力，"
        "让一部分人不结算就离开。我会在不同城市之间做随机分流的AB实验，效果不错再不断扩大"
        "流量，跑满两周覆盖周末。",
        set(),
    ),
    (
        "mixed-case-english-terms",
        "case",
        FEATURE_Q,
        "核心 metric 是 cart 页的 conversion 和 AOV，guardrail 是 checkout 的 latency。这个模块"
        "的 trade-off 是占用首屏空间，可能会挤压用户原本要点的结算入口。我会先开 5% traffic "
        "做 A/B test，按 user_id 分桶，跑满十四天（含两个周末），结果显著为正再 ramp up 到全量。",
        set(),
    ),
    (
        "case-stub",
        "case",
        CASE_Q,
        "直接给老用户全发满减券，看复购涨没涨。",
        {"too_short", "missing_validation", "missing_tradeoff"},
    ),
    # ---- technical -------------------------------------------------------------------------
    (
        "tech-rollout-no-check",
        "technical",
        TECH_Q,
        "选 GBDT，效果比规则好很多，现在大家都这么做，训练好直接上线替换规则引擎就行。",
        {"missing_validation", "missing_tradeoff"},
    ),
    (
        "tech-complete",
        "technical",
        TECH_Q,
        "我会用 GBDT 打分、规则兜底。GBDT 能抓特征交叉，识别率更高，但解释性差，客服处理申诉"
        "时说不清为什么被拦；规则好解释、改起来快，缺点是容易被绕过。上线前先用过去三个月有"
        "标签的退款单做离线回测，再让模型影子运行两周，只打分不拦截，和规则的结果对比。",
        set(),
    ),
    (
        "tech-sql-no-choice",
        "technical",
        SQL_Q,
        "select to_date(paid_at) as pay_day, count(distinct buyer_id) as payers from orders "
        "group by to_date(paid_at) order by pay_day;",
        set(),
    ),
]


@pytest.mark.parametrize(
    ("kind", "question", "answer", "expected"),
    [c[1:] for c in CASES],
    ids=[c[0] for c in CASES],
)
def test_zh_rules_on_own_answers(
    zh: RuleSet, kind: str, question: str, answer: str, expected: set[str]
) -> None:
    assert set(analyze(zh, kind, answer, question).tags) == expected  # type: ignore[arg-type]


# (text, number as written, role)
ROLES: list[tuple[str, str, str]] = [
    ("2023年我在一家物流公司实习。", "2023年", "date"),
    ("我们组有6个人，我负责数据部分。", "6个人", "count"),
    ("销量前20的商品都拉出来看了。", "20", "rank"),
    ("阈值设为0.6，召回率还能接受。", "0.6", "setting"),
    ("第一周只给10%的用户灰度。", "10%", "setting"),
    ("目标是把超时率压到5%以内。", "5%", "target"),
    ("处理时长从40分钟降到了8分钟。", "40分钟", "reference"),
    ("处理时长从40分钟降到了8分钟。", "8分钟", "result"),
    ("比对照组的3.1%高。", "3.1%", "reference"),
    ("我花了三周时间做清洗。", "三周", "duration"),
    ("投诉量下降了百分之二十。", "百分之二十", "result"),
    ("毛利率多了六个点。", "六个点", "result"),
    ("线上 AUC 0.78，比离线低。", "0.78", "result"),
    ("把价格门槛从99调到79。", "99", "setting"),
]


@pytest.mark.parametrize(("text", "number", "role"), ROLES)
def test_zh_number_roles(zh: RuleSet, text: str, number: str, role: str) -> None:
    items = [e for e in analyze(zh, "behavioral", text).evidence() if e.kind.startswith("number.")]
    found = {e.text: e.role for e in items}
    assert found.get(number) == role, found


# (answer, signal, counts): a negation must cancel a hit, and 不同 / 不错 / 不断 must not
NEGATION: list[tuple[str, str, bool]] = [
    ("我们先做AB实验再决定。", "validation", True),
    ("上次我们没做AB实验，改完就全量推了。", "validation", False),
    ("不做实验直接全量。", "validation", False),
    ("我不会不做灰度就上线。", "validation", True),
    ("在不同城市做试点。", "validation", True),
    ("效果不错的话再扩大灰度。", "validation", True),
    ("代价是成本会上去。", "tradeoff", True),
    ("这样做没有什么代价。", "tradeoff", False),
    ("这是我的错，我没有检查口径。", "admission", True),
    ("这不是我的错。", "admission", False),
]


@pytest.mark.parametrize(("answer", "signal", "counts"), NEGATION)
def test_zh_negation(zh: RuleSet, answer: str, signal: str, counts: bool) -> None:
    assert analyze(zh, "case", answer).has(signal) is counts


def test_zh_too_short_counts_characters(zh: RuleSet) -> None:
    long_enough = "我" + "负责整理数据并且写了脚本" * 7  # 85 characters
    short = "我负责整理数据并且写了脚本" * 5  # 65 characters
    assert "too_short" not in analyze(zh, "behavioral", long_enough, IMPACT_Q).tags
    assert "too_short" in analyze(zh, "behavioral", short, IMPACT_Q).tags


def test_zh_mixed_sentence_reads_metric_and_claim(zh: RuleSet) -> None:
    result = analyze(zh, "behavioral", "这个 feature 的 CTR 提升了 3%", IMPACT_Q)
    assert result.has("change_claim")
    assert result.has("business_metric")
    assert "3%" in result.signals["change_claim"]


def test_zh_baseline_probe_quotes_the_claim(zh: RuleSet) -> None:
    answer = next(c[3] for c in CASES if c[0] == "baseline-missing-percent")
    gap = next(g for g in analyze(zh, "behavioral", answer, IMPACT_Q).gaps
               if g.rule.tag == "missing_baseline")
    assert "百分之十二" in gap.probe.text


def test_zh_rules_mirror_english_signals(content: Content) -> None:
    en, zh = content.rules["en"], content.rules["zh"]
    assert set(zh.signals) == set(en.signals)
    assert {r.id for r in zh.rules} == {r.id for r in en.rules}
    assert set(zh.resolved_by) == set(en.resolved_by)
    assert zh.lang == "zh"


def test_zh_previously_at_a_place_is_no_reference_point(zh: RuleSet) -> None:
    answer = (
        "之前在一家物流公司实习，我自己重写了分单规则，上线后签收准时率提升了4%，"
        "运营经理把它推广到了另外两个仓。"
    )
    tags = analyze(zh, "behavioral", answer, IMPACT_Q).tags
    assert "missing_baseline" in tags  # "之前在…" names a place, not a starting value


@pytest.mark.parametrize("question", ["说一件你做砸了的事。", "讲一次你出过错的经历。"])
def test_zh_failure_questions_in_other_words(zh: RuleSet, question: str) -> None:
    answer = "说实话我想不出什么失败的经历，我做事一直很谨慎，交付前都会反复检查，导师评价也很好。"
    assert "denies_failure" in analyze(zh, "behavioral", answer, question).tags
