"""Plausible Chinese personal names, schools and titles for demo data (never real people)."""

from __future__ import annotations

import random
from typing import TypeVar

T = TypeVar("T")

# Common surnames, roughly in order of frequency (the first ones are drawn more often), with a few
# that are frequent in Yunnan.
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任"
    "沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔"
    "向汤普字和施缪"
)
_SURNAME_WEIGHTS = [max(1.0, 60.0 / (i + 3)) for i in range(len(SURNAMES))]

MALE_CHARS = "伟强磊军洋勇杰涛斌超明刚平辉鹏华飞鑫波宁建国志文俊浩宇博凯晨东林海亮峰云龙健新春兵成祥瑞毅昊然天翔振彬德"
FEMALE_CHARS = "芳娜敏静丽艳娟霞燕玲丹萍红琳婷雪慧颖倩洁梅莉蓉欣悦璐佳怡婧琴晶媛菲薇瑶露月秀兰凤娇琪茜妍雯"

PHYSICIAN_SCHOOLS = (
    ("昆明医科大学", 30), ("大理大学", 12), ("云南中医药大学", 10), ("昆明医科大学海源学院", 6),
    ("四川大学", 4), ("重庆医科大学", 5), ("贵州医科大学", 4), ("中南大学", 3), ("曲靖医学高等专科学校", 6),
    ("楚雄医药高等专科学校", 5), ("昆明卫生职业学院", 3),
)
NURSE_SCHOOLS = (
    ("昆明卫生职业学院", 25), ("曲靖医学高等专科学校", 20), ("楚雄医药高等专科学校", 15), ("昆明医科大学", 12),
    ("大理护理职业学院", 10), ("保山中医药高等专科学校", 8), ("云南中医药大学", 6), ("大理大学", 6),
)
PHYSICIAN_EDUCATION = (("本科", 55), ("硕士研究生", 20), ("博士研究生", 5), ("大专", 15), ("中专", 5))
ASSISTANT_EDUCATION = (("大专", 60), ("中专", 30), ("本科", 10))
NURSE_EDUCATION = (("大专", 60), ("本科", 30), ("中专", 10))
PHYSICIAN_TITLES = (("主任医师", 6), ("副主任医师", 14), ("主治医师", 35), ("医师", 40), ("医士", 5))
ASSISTANT_TITLES = (("医士", 60), ("医师", 40))
NURSE_TITLES = (("主任护师", 2), ("副主任护师", 8), ("主管护师", 35), ("护师", 35), ("护士", 20))


def pick(rng: random.Random, weighted: tuple[tuple[T, int], ...]) -> T:
    """One value from ``((value, weight), ...)``."""
    values = [v for v, _w in weighted]
    weights = [w for _v, w in weighted]
    return rng.choices(values, weights)[0]


def person_name(rng: random.Random, gender: str) -> str:
    """A two- or three-character name; ``gender`` is ``M`` or ``F``."""
    surname = rng.choices(SURNAMES, _SURNAME_WEIGHTS)[0]
    chars = MALE_CHARS if gender == "M" else FEMALE_CHARS
    if rng.random() < 0.3:
        return surname + rng.choice(chars)
    return surname + rng.choice(chars) + rng.choice(chars)
