"""The rule that tells a life event's question from one guide's (knowledge/life_event_search.py)."""

from __future__ import annotations

import numpy as np

from knowledge.calibration import Calibration
from knowledge.life_event_search import LifeEventFinder, asks_many
from knowledge.schema import LifeEvent
from tests.knowledge.test_life_events import event_data

CAL = Calibration(life_event_margin=0.02, life_event_at=0.9)


def finder() -> LifeEventFinder:
    event = LifeEvent.model_validate(event_data(id="newborn", title="新生儿出生“一件事”",
                                                aliases=["生娃娃要办的手续", "出生一件事", "添了孩子"]))
    # Every name of the event points the same way; a question's vector says how close it is.
    return LifeEventFinder([event], lambda texts: np.tile([1.0, 0.0], (len(texts), 1)))


def near(similarity: float) -> np.ndarray:
    return np.array([similarity, float(np.sqrt(1 - similarity**2))], dtype=np.float32)


def test_a_question_naming_the_event_finds_it() -> None:
    assert finder().find("出生一件事咋个办", near(0.0), guide_dense=0.99, named_guides={"first-thing"},
                         aspect="process", ranked_guides=["first-thing"], cal=CAL) == "newborn"


def test_closer_to_the_event_than_to_any_guide_by_the_margin() -> None:
    f = finder()
    assert f.find("娃娃生了咋个弄", near(0.95), guide_dense=0.92, named_guides=set(), aspect="process",
                  ranked_guides=[], cal=CAL) == "newborn"
    assert f.find("娃娃生了咋个弄", near(0.93), guide_dense=0.92, named_guides=set(), aspect="process",
                  ranked_guides=[], cal=CAL) is None


def test_one_thing_asked_of_a_named_guide_stays_with_the_guide() -> None:
    f = finder()
    assert f.find("给娃娃上户口要带啥子", near(0.95), guide_dense=0.90, named_guides={"first-thing"},
                  aspect="materials", ranked_guides=["first-thing"], cal=CAL) is None
    # "how do I" of a named guide may still be the whole event ("二手房交易一整套手续有哪些")
    assert f.find("上户口这些一整套手续", near(0.95), guide_dense=0.90, named_guides={"first-thing"},
                  aspect="process", ranked_guides=["first-thing"], cal=CAL) == "newborn"


def test_events_as_near_by_name_are_told_apart_by_the_guides_the_search_ranks() -> None:
    births = [{"guide": "first-thing", "line": "先办。"}, {"guide": "second-thing", "line": "再办。"}]
    names = ["生娃娃要办哪些手续", "添了孩子", "出生一件事"]
    newborn = LifeEvent.model_validate(event_data(id="newborn", aliases=names, services=births))
    schools = [{"guide": "third-thing", "line": "报名。"}, {"guide": "first-thing", "line": "先办。"}]
    school = LifeEvent.model_validate(event_data(id="school-start", aliases=["孩子上学", "娃娃读书", "入学一件事"],
                                                 services=schools))
    # Every name of both events is as near the question; the search ranks third-thing (school-start's) first.
    f = LifeEventFinder([newborn, school], lambda texts: np.tile([1.0, 0.0], (len(texts), 1)))
    assert f.find("娃娃上小学要办哪些手续", near(0.96), guide_dense=0.90, ranked_guides=["third-thing", "second-thing"],
                  named_guides=set(), aspect="process", cal=CAL) == "school-start"
    assert f.find("娃娃上小学要办哪些手续", near(0.96), guide_dense=0.90, ranked_guides=["second-thing"],
                  named_guides=set(), aspect="process", cal=CAL) == "newborn"


def test_off_topic_chat_far_from_every_name_is_no_event() -> None:
    assert finder().find("王者荣耀玩哪个英雄好上分", near(0.86), guide_dense=0.83, named_guides=set(), aspect=None,
                         ranked_guides=[], cal=CAL) is None


def test_a_question_asking_what_a_situation_needs_takes_the_nearest_event_though_a_guide_is_nearer() -> None:
    f = finder()
    # "要办哪些手续" asks for several things; "要带啥子" asks one thing of one service.
    assert f.find("娃娃生了要办哪些手续", near(0.90), guide_dense=0.93, named_guides=set(), aspect="process",
                  ranked_guides=[], cal=CAL) == "newborn"
    assert f.find("娃娃生了要带些啥子东西", near(0.90), guide_dense=0.93, named_guides=set(), aspect="materials",
                  ranked_guides=[], cal=CAL) is None


def test_two_services_of_one_event_asked_how_find_the_event() -> None:
    births = [{"guide": "first-thing", "line": "先办。"}, {"guide": "second-thing", "line": "再办。"}]
    event = LifeEvent.model_validate(event_data(id="newborn", services=births))
    f = LifeEventFinder([event], lambda texts: np.tile([1.0, 0.0], (len(texts), 1)))
    both = {"first-thing", "second-thing"}
    assert f.find("出生证上户口这些咋个弄", near(0.5), guide_dense=0.95, named_guides=both, aspect="process",
                  ranked_guides=["first-thing"], cal=CAL) == "newborn"
    # Asking one thing names the other as a document ("生育津贴要带啥，出生证明要原件不").
    assert f.find("这个要带啥，那个要原件不", near(0.5), guide_dense=0.95, named_guides=both, aspect="materials",
                  ranked_guides=["first-thing"], cal=CAL) is None


def test_the_situation_named_first_decides_between_events() -> None:
    death = LifeEvent.model_validate(event_data(id="after-death", aliases=["身后事", "家人去世", "老人走了"],
                                                signs=["去世", "走了"]))
    names = ["买二手房", "二手房一件事", "买房"]
    house = LifeEvent.model_validate(event_data(id="buy-second-hand-house", aliases=names, signs=["二手房", "房子"]))
    f = LifeEventFinder([house, death], lambda texts: np.tile([1.0, 0.0], (len(texts), 1)))
    assert f.find("父亲去世，他名下的房子要办哪些手续", near(0.9), guide_dense=0.93, named_guides=set(),
                  aspect="process", ranked_guides=[], cal=CAL) == "after-death"



def test_a_situation_the_citizen_wants_beats_one_they_tell_of() -> None:
    disability = LifeEvent.model_validate(
        event_data(id="disability-services", aliases=["残疾人服务", "办残疾证", "残疾人补贴"], signs=["瘫"])
    )
    shop = LifeEvent.model_validate(
        event_data(id="small-restaurant", aliases=["开饭店", "开餐馆", "开小吃店"], signs=["小店"])
    )
    f = LifeEventFinder([disability, shop], lambda texts: np.tile([1.0, 0.0], (len(texts), 1)))
    kwargs = dict(guide_dense=0.93, named_guides=set(), aspect=None, ranked_guides=[], cal=CAL)
    wants_a_shop = "老公瘫了没得收入，我想在菜市场边上开个小店，啥子手续都不懂"
    assert f.find(wants_a_shop, near(0.9), **kwargs) == "small-restaurant"
    # Wanting to ask is no wish for the situation: the first told still decides.
    assert f.find("我想问下老公瘫了开的小店要办哪些手续", near(0.9), **kwargs) == "disability-services"


def death_event() -> LifeEventFinder:
    services = [{"guide": "first-thing", "line": "先销户。", "mentions": ["销户", "户口"]},
                {"guide": "second-thing", "line": "再领钱。", "mentions": ["丧葬", "养老金"]},
                {"guide": "third-thing", "line": "年年认证。", "mentions": ["养老金资格认证", "资格认证"]}]
    event = LifeEvent.model_validate(event_data(id="after-death", aliases=["身后事", "家人去世", "老人走了"],
                                                signs=["去世", "走了"], services=services))
    return LifeEventFinder([event], lambda texts: np.tile([1.0, 0.0], (len(texts), 1)))


def test_the_situation_and_two_of_its_services_find_the_event_whatever_one_thing_is_asked() -> None:
    f = death_event()
    assert f.find("奶奶去世了，户口要销不，丧葬费哪点领", near(0.5), guide_dense=0.95, ranked_guides=["second-thing"],
                  named_guides={"second-thing"}, aspect="place", cal=CAL) == "after-death"
    # Without the situation the two words are two guides' question; with one service it is that service's.
    assert f.find("户口要销不，丧葬费哪点领", near(0.5), guide_dense=0.95, ranked_guides=["second-thing"],
                  named_guides={"second-thing"}, aspect="place", cal=CAL) is None
    assert f.find("奶奶去世了，丧葬费哪点领", near(0.5), guide_dense=0.95, ranked_guides=["second-thing"],
                  named_guides={"second-thing"}, aspect="place", cal=CAL) is None


def test_a_word_inside_a_longer_one_found_is_not_a_second_service() -> None:
    assert death_event().find("家里老人去世了，养老金资格认证还要做不", near(0.5), guide_dense=0.95, named_guides=set(),
                              ranked_guides=["third-thing"], aspect="conditions", cal=CAL) is None


def test_services_and_situation_typed_in_pinyin_are_read_by_their_sound() -> None:
    assert death_event().find("laoren qushi le hukou he sangzang fei zenme ban", near(0.5), guide_dense=0.95,
                              named_guides=set(), ranked_guides=[], aspect="process", cal=CAL) == "after-death"


def test_the_situation_told_with_what_it_needs_beats_a_named_guide_asked_one_thing() -> None:
    f = death_event()
    # "还要办啥" asks for the rest of the list, though the guide is named and "要带啥" is one thing.
    assert f.find("老人去世了户口销了，还要办啥", near(0.88), guide_dense=0.93, named_guides={"first-thing"},
                  ranked_guides=["first-thing"], aspect="materials", cal=CAL) == "after-death"
    assert f.find("老人去世了户口销户要带啥", near(0.88), guide_dense=0.93, named_guides={"first-thing"},
                  ranked_guides=["first-thing"], aspect="materials", cal=CAL) is None


def test_three_of_an_events_services_in_one_message_find_it_without_the_situation() -> None:
    f = death_event()
    assert f.find("户口销了，丧葬费领了，资格认证还要做不", near(0.5), guide_dense=0.95, named_guides=set(),
                  ranked_guides=["first-thing"], aspect="conditions", cal=CAL) == "after-death"


def test_near_an_event_by_name_alone_the_search_best_guide_must_be_one_of_its_services() -> None:
    f = death_event()
    # As near as any event wording, but the search's best guide is another event's and no situation is told.
    assert f.find("家里那辆车要过户", near(0.96), guide_dense=0.90, named_guides=set(),
                  ranked_guides=["car-transfer", "first-thing"], aspect="process", cal=CAL) is None
    assert f.find("家里的事要咋个弄", near(0.96), guide_dense=0.90, named_guides=set(),
                  ranked_guides=["first-thing"], aspect="process", cal=CAL) == "after-death"


def test_all_at_once_is_asking_for_the_list_but_a_first_time_is_not() -> None:
    assert asks_many("想把退休的事情一次办完") and asks_many("这些可以一起办不")
    assert not asks_many("第一次办社会保障卡怎么申请") and not asks_many("第一次把材料交了")


def utilities_events() -> LifeEventFinder:
    def utilities(first: dict[str, object]) -> list[dict[str, object]]:
        return [first, *({"guide": g, "line": "报装。", "mentions": ["水电气", m]}
                         for g, m in (("water", "用水"), ("power", "用电"), ("gas", "燃气")))]
    house = LifeEvent.model_validate(event_data(
        id="buy-second-hand-house", aliases=["买二手房", "二手房一件事", "买旧房子"], signs=["二手房"],
        services=utilities({"guide": "transfer", "line": "过户。", "mentions": ["房子过户"]})))
    shop = LifeEvent.model_validate(event_data(
        id="small-restaurant", aliases=["开饭店", "开餐馆", "餐饮一件事"], signs=["饭店"],
        services=utilities({"guide": "licence", "line": "执照。", "mentions": ["执照"]})))
    return LifeEventFinder([house, shop], lambda texts: np.tile([1.0, 0.0], (len(texts), 1)))


def test_one_word_may_name_several_services_and_the_event_with_most_named_wins() -> None:
    # 水电气 is three services of both events; 房子过户 is a fourth of the house's only.
    assert utilities_events().find("房子过户完了，水电气他不管", near(0.5), guide_dense=0.95, named_guides=set(),
                                   ranked_guides=["water"], aspect="process", cal=CAL) == "buy-second-hand-house"
    assert utilities_events().find("水电气咋个弄", near(0.5), guide_dense=0.95, named_guides=set(),
                                   ranked_guides=["water"], aspect="process", cal=CAL) is None


def test_the_situation_told_with_what_help_there_is_finds_the_event_unless_one_thing_of_a_named_guide() -> None:
    f = death_event()
    # "有啥子帮扶", "要准备啥子" ask what the situation needs only when the situation is told.
    assert f.find("奶奶去世了，屋头困难，有啥子帮扶", near(0.88), guide_dense=0.93, named_guides=set(),
                  ranked_guides=["second-thing"], aspect=None, cal=CAL) == "after-death"
    assert f.find("屋头困难，有啥子帮扶", near(0.88), guide_dense=0.93, named_guides=set(),
                  ranked_guides=["second-thing"], aspect=None, cal=CAL) is None
    assert f.find("奶奶去世了，丧葬费要准备啥子", near(0.88), guide_dense=0.93, named_guides={"second-thing"},
                  ranked_guides=["second-thing"], aspect="materials", cal=CAL) is None


def test_the_situation_alone_needs_the_event_nearer_than_any_guide_but_not_by_the_margin() -> None:
    f = death_event()
    assert f.find("奶奶去世了，啥子都不懂", near(0.91), guide_dense=0.905, named_guides=set(),
                  ranked_guides=["first-thing"], aspect=None, cal=CAL) == "after-death"
    assert f.find("奶奶去世了，啥子都不懂", near(0.90), guide_dense=0.905, named_guides=set(),
                  ranked_guides=["first-thing"], aspect=None, cal=CAL) is None
    # Asking one thing, or naming one of its services, the margin holds: "我爸走了，户口咋个销" is the one guide's.
    assert f.find("奶奶去世了，交上去好久能办好", near(0.91), guide_dense=0.905, named_guides=set(),
                  ranked_guides=["first-thing"], aspect="time", cal=CAL) is None
    assert f.find("奶奶去世了，户口咋个销", near(0.91), guide_dense=0.905, named_guides=set(),
                  ranked_guides=["first-thing"], aspect="process", cal=CAL) is None


def test_one_stop_and_which_departments_ask_for_the_list_but_steps_only_with_a_situation() -> None:
    assert asks_many("有没有一站式办的") and asks_many("要跑哪几个部门") and asks_many("不晓得先后顺序")
    assert not asks_many("公司不做了想关掉，要走哪些步骤")
    f = death_event()
    assert f.find("奶奶去世了，要走哪些步骤", near(0.88), guide_dense=0.93, named_guides=set(),
                  ranked_guides=["first-thing"], aspect="process", cal=CAL) == "after-death"
