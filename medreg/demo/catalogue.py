"""The demo province: which commissions exist and which institutions they licensed.

Names are realistic but made up (except the README journey's 昆明市第一人民医院); division codes are
real GB/T 2260 codes of 云南省 and are checked against the loaded divisions table before use.
"""

from __future__ import annotations

from dataclasses import dataclass, field

NATIONAL_NAME = "国家卫生健康委员会"
NATIONAL_PREFIX = "nhc"
PROVINCE_CODE = "530000"
PROVINCE_NAME = "云南省卫生健康委员会"
PROVINCE_PREFIX = "yn"
JOURNEY_INSTITUTION = "昆明市第一人民医院"
JOURNEY_INSTITUTION_SLUG = "km1h"


@dataclass(frozen=True)
class CountySpec:
    name: str
    division: str
    prefix: str


@dataclass(frozen=True)
class CitySpec:
    name: str
    division: str
    prefix: str
    counties: tuple[CountySpec, ...] = field(default_factory=tuple)


CITIES: tuple[CitySpec, ...] = (
    CitySpec("昆明市卫生健康委员会", "530100", "km", (
        CountySpec("五华区卫生健康局", "530102", "wh"),
        CountySpec("盘龙区卫生健康局", "530103", "pl"),
        CountySpec("官渡区卫生健康局", "530111", "gd"),
        CountySpec("西山区卫生健康局", "530112", "xs"),
    )),
    CitySpec("曲靖市卫生健康委员会", "530300", "qj", (
        CountySpec("麒麟区卫生健康局", "530302", "ql"),
        CountySpec("沾益区卫生健康局", "530303", "zy"),
    )),
    CitySpec("玉溪市卫生健康委员会", "530400", "yx", (
        CountySpec("红塔区卫生健康局", "530402", "ht"),
        CountySpec("江川区卫生健康局", "530403", "jc"),
    )),
)


@dataclass(frozen=True)
class InstitutionSpec:
    """One institution. ``licensed_by`` is ``city`` or ``county`` (the commission of its location)."""

    slug: str
    name: str
    category: str
    division: str
    licensed_by: str
    beds: int = 0
    grade: str = ""
    for_profit: bool = False
    address: str = ""


# Ordered so that any prefix mixes city- and county-licensed institutions of several kinds: a small
# demo (tests) takes the first few whose commission exists.
INSTITUTIONS: tuple[InstitutionSpec, ...] = (
    InstitutionSpec("km1h", "昆明市第一人民医院", "A100", "530102", "city", 1500, "31A", address="五华区青年路504号"),
    InstitutionSpec("whrmyy", "五华区人民医院", "A100", "530102", "county", 320, "21A", address="五华区红锦路88号"),
    InstitutionSpec("qj1h", "曲靖市第一人民医院", "A100", "530302", "city", 1800, "31A", address="麒麟区袁林路1号"),
    InstitutionSpec("qlyzws", "麒麟区越州镇卫生院", "C220", "530302", "county", 60, address="麒麟区越州镇越州街12号"),
    InstitutionSpec("whhssq", "五华区华山街道社区卫生服务中心", "B100", "530102", "county", 30,
                    address="五华区华山西路22号"),
    InstitutionSpec("kmzyy", "昆明市中医医院", "A210", "530103", "city", 900, "31A", address="盘龙区东风东路25号"),
    InstitutionSpec("kmet", "昆明市儿童医院", "A519", "530112", "city", 1000, "31A", address="西山区前兴路288号"),
    InstitutionSpec("kmfy", "昆明市妇幼保健院", "G100", "530111", "city", 450, "31B", address="官渡区关上中路58号"),
    InstitutionSpec("kmkq", "昆明市口腔医院", "A511", "530102", "city", 60, "21A", address="五华区人民中路180号"),
    InstitutionSpec("kmgmyk", "昆明光明眼科医院", "A512", "530103", "city", 120, "21B", for_profit=True,
                    address="盘龙区北京路916号"),
    InstitutionSpec("km3h", "昆明市第三人民医院", "A100", "530111", "city", 800, "31A", address="官渡区吴井路319号"),
    InstitutionSpec("whkdmz", "五华区康德综合门诊部", "D110", "530102", "county", for_profit=True,
                    address="五华区龙翔街36号"),
    InstitutionSpec("zhangwd", "张卫东诊所", "D211", "530102", "county", for_profit=True, address="五华区莲花池正街15号"),
    InstitutionSpec("plzyy", "盘龙区中医医院", "A210", "530103", "county", 220, "21A", address="盘龙区穿金路411号"),
    InstitutionSpec("pltdsq", "盘龙区拓东街道社区卫生服务中心", "B100", "530103", "county", 25,
                    address="盘龙区拓东路143号"),
    InstitutionSpec("plmdmz", "盘龙区明德综合门诊部", "D110", "530103", "county", for_profit=True,
                    address="盘龙区白塔路260号"),
    InstitutionSpec("wangjh", "王建华诊所", "D211", "530103", "county", for_profit=True, address="盘龙区金星小区7栋"),
    InstitutionSpec("gdrmyy", "官渡区人民医院", "A100", "530111", "county", 500, "21A", address="官渡区春城路199号"),
    InstitutionSpec("gdfy", "官渡区妇幼保健院", "G100", "530111", "county", 120, "21A", address="官渡区金马路12号"),
    InstitutionSpec("gdxbq", "官渡区小板桥街道社区卫生服务中心", "B100", "530111", "county", 40,
                    address="官渡区小板桥街道云秀路6号"),
    InstitutionSpec("xsrmyy", "西山区人民医院", "A100", "530112", "county", 420, "21A", address="西山区西昌路378号"),
    InstitutionSpec("xstjws", "西山区团结街道卫生院", "C220", "530112", "county", 40, address="西山区团结街道大普吉路2号"),
    InstitutionSpec("xslt", "西山区团结街道龙潭村卫生室", "D600", "530112", "county", address="西山区团结街道龙潭村"),
    InstitutionSpec("qjzyy", "曲靖市中医医院", "A210", "530302", "city", 700, "31B", address="麒麟区南宁北路167号"),
    InstitutionSpec("qjfy", "曲靖市妇幼保健院", "G100", "530302", "city", 300, "21A", address="麒麟区文昌街160号"),
    InstitutionSpec("qjmryk", "曲靖明瑞眼科医院", "A512", "530302", "city", 80, "11A", for_profit=True,
                    address="麒麟区麒麟西路58号"),
    InstitutionSpec("qlrmyy", "麒麟区人民医院", "A100", "530302", "county", 500, "21A", address="麒麟区寥廓南路89号"),
    InstitutionSpec("qllh", "麒麟区越州镇潦浒村卫生室", "D600", "530302", "county", address="麒麟区越州镇潦浒村"),
    InstitutionSpec("zyrmyy", "沾益区人民医院", "A100", "530303", "county", 400, "21A", address="沾益区龙华街道玉林路9号"),
    InstitutionSpec("zybsws", "沾益区白水镇卫生院", "C220", "530303", "county", 50, address="沾益区白水镇白水街3号"),
    InstitutionSpec("zyxpsq", "沾益区西平街道社区卫生服务中心", "B100", "530303", "county", 30,
                    address="沾益区西平街道珠江源大道21号"),
    InstitutionSpec("yxrmyy", "玉溪市人民医院", "A100", "530402", "city", 1300, "31A", address="红塔区聂耳路21号"),
    InstitutionSpec("yxet", "玉溪市儿童医院", "A519", "530402", "city", 300, "21A", address="红塔区玉兴路42号"),
    InstitutionSpec("yxzyy", "玉溪市中医医院", "A210", "530402", "city", 600, "31B", address="红塔区抚仙路55号"),
    InstitutionSpec("htrmyy", "红塔区人民医院", "A100", "530402", "county", 300, "21A", address="红塔区红塔大道33号"),
    InstitutionSpec("htdyj", "红塔区大营街街道社区卫生服务中心", "B100", "530402", "county", 30,
                    address="红塔区大营街街道振兴路8号"),
    InstitutionSpec("htlh", "红塔区洛河彝族乡卫生院", "C220", "530402", "county", 20, address="红塔区洛河彝族乡洛河村"),
    InstitutionSpec("jcrmyy", "江川区人民医院", "A100", "530403", "county", 350, "21A", address="江川区江城镇星云路5号"),
    InstitutionSpec("jcqw", "江川区前卫镇卫生院", "C220", "530403", "county", 35, address="江川区前卫镇前卫街17号"),
    InstitutionSpec("jchm", "江川区江城镇海门村卫生室", "D600", "530403", "county", address="江川区江城镇海门村"),
)

# 诊疗科目 (codes of the clinical_subject table) registered for each institution category.
SUBJECTS: dict[str, tuple[str, ...]] = {
    "A100": ("02", "03", "04", "05", "07", "10", "11", "12", "13", "19", "20", "21", "26", "28", "30", "31", "32", "50"),
    "A210": ("03", "04", "05", "07", "20", "21", "26", "30", "32", "50", "52"),
    "A511": ("12", "26", "30", "32"),
    "A512": ("10", "26", "30", "32"),
    "A519": ("07", "08", "09", "20", "26", "28", "30", "31", "32"),
    "G100": ("05", "06", "07", "09", "26", "30", "32"),
    "B100": ("01", "02", "03", "05", "07", "12", "30", "32", "50"),
    "C220": ("01", "02", "03", "04", "05", "07", "30", "32", "50"),
    "D110": ("03", "04", "05", "07", "12", "30", "32"),
    "D211": ("03",),
    "D600": ("01", "02", "50"),
}
SMALL_HOSPITAL_SUBJECTS = ("02", "03", "04", "05", "07", "20", "26", "30", "32", "50")
HOSPITAL_EXTRA_DEPARTMENTS = ("护理部",)

# Practice scopes of physicians by institution category: ((category_code, scope_code), weight).
# 类别 1 临床 / 2 口腔 / 3 公共卫生 / 4 中医; scopes from the practice_scope table.
PHYSICIAN_MIX: dict[str, tuple[tuple[tuple[str, str], int], ...]] = {
    "A100": ((("1", "11"), 30), (("1", "12"), 22), (("1", "13"), 8), (("1", "14"), 7), (("1", "15"), 5),
             (("1", "16"), 2), (("1", "19"), 7), (("1", "20"), 5), (("1", "22"), 4), (("1", "23"), 2),
             (("2", "31"), 3), (("4", "51"), 3), (("4", "52"), 2)),
    "A210": ((("4", "51"), 55), (("4", "52"), 20), (("1", "11"), 10), (("1", "12"), 7), (("1", "19"), 5),
             (("1", "20"), 3)),
    "A511": ((("2", "31"), 90), (("1", "19"), 5), (("1", "20"), 5)),
    "A512": ((("1", "15"), 85), (("1", "19"), 8), (("1", "20"), 7)),
    "A519": ((("1", "14"), 75), (("1", "12"), 8), (("1", "19"), 9), (("1", "20"), 8)),
    "G100": ((("1", "13"), 40), (("1", "14"), 30), (("1", "24"), 10), (("1", "26"), 10), (("1", "19"), 10)),
    "B100": ((("1", "21"), 50), (("1", "11"), 20), (("1", "24"), 10), (("4", "51"), 12), (("2", "31"), 8)),
    "C220": ((("1", "21"), 35), (("1", "11"), 25), (("1", "12"), 12), (("1", "13"), 8), (("1", "24"), 10),
             (("4", "51"), 10)),
    "D110": ((("1", "11"), 35), (("1", "12"), 15), (("1", "13"), 15), (("1", "14"), 10), (("2", "31"), 15),
             (("1", "21"), 10)),
    "D211": ((("1", "11"), 60), (("1", "21"), 40)),
    "D600": ((("1", "21"), 80), (("4", "51"), 20)),
}
# Share of 执业助理医师 (level 2) by category; the rest are 执业医师.
ASSISTANT_SHARE = {"C220": 0.45, "D600": 0.8, "D211": 0.3, "B100": 0.25, "D110": 0.2}
DEFAULT_ASSISTANT_SHARE = 0.05
# Department (科室) that a scope's physicians usually work in.
SCOPE_DEPARTMENT = {
    "11": "内科", "12": "外科", "13": "妇产科", "14": "儿科", "15": "眼科", "16": "皮肤科", "19": "医学影像科",
    "20": "医学检验科", "21": "全科医疗科", "22": "急诊医学科", "23": "康复医学科", "24": "预防保健科",
    "26": "妇女保健科", "31": "口腔科", "51": "中医科", "52": "中西医结合科",
}
