"""Effective-dated code tables, loaded from the data files in ``medreg/reference/data``."""

from __future__ import annotations

from datetime import date

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class DivisionLevel(models.TextChoices):
    PROVINCE = "province", _("省级")
    CITY = "city", _("地市级")
    COUNTY = "county", _("县级")


class EffectiveQuerySet(models.QuerySet):
    def current(self, on: date | None = None) -> EffectiveQuerySet:
        on = on or timezone.localdate()  # code tables are dated in local (China) calendar days
        return self.filter(Q(valid_from__lte=on) & (Q(valid_to__isnull=True) | Q(valid_to__gt=on)))


class Division(models.Model):
    """A GB/T 2260 administrative division (province, prefecture or county)."""

    code = models.CharField(max_length=6, primary_key=True)
    name = models.CharField(max_length=60)
    level = models.CharField(max_length=10, choices=DivisionLevel.choices)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children")
    valid_from = models.DateField()
    valid_to = models.DateField(null=True, blank=True)

    objects = EffectiveQuerySet.as_manager()

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name

    @property
    def prefix(self) -> str:
        """The code prefix shared by this division's whole subtree."""
        if self.level == DivisionLevel.PROVINCE:
            return self.code[:2]
        if self.level == DivisionLevel.CITY:
            return self.code[:4]
        return self.code

    @property
    def province_code(self) -> str:
        return self.code[:2] + "0000"

    def full_name(self) -> str:
        parts = []
        node: Division | None = self
        while node is not None:
            if node.name not in ("市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"):
                parts.append(node.name)
            node = node.parent
        return "".join(reversed(parts))


class CodeTable(models.TextChoices):
    PRACTICE_LEVEL = "practice_level", _("执业级别")
    PRACTICE_CATEGORY = "practice_category", _("执业类别")
    PRACTICE_SCOPE = "practice_scope", _("执业范围")
    INSTITUTION_CATEGORY = "institution_category", _("医疗机构类别")
    CLINICAL_SUBJECT = "clinical_subject", _("诊疗科目")
    ECONOMIC_TYPE = "economic_type", _("经济类型")
    MANAGEMENT_TYPE = "management_type", _("分类管理")
    HOSPITAL_GRADE = "hospital_grade", _("医院等级")
    GENDER = "gender", _("性别")


class Code(models.Model):
    """One entry of an effective-dated code list (执业范围, 机构类别, 诊疗科目, ...)."""

    # CodeTable names the original tables; later data files add tables without a code change
    table = models.CharField(max_length=64)
    code = models.CharField(max_length=20)
    name = models.CharField(max_length=120)
    name_en = models.CharField(max_length=160, blank=True)
    parent_code = models.CharField(max_length=20, blank=True)
    sort = models.IntegerField(default=0)
    valid_from = models.DateField()
    valid_to = models.DateField(null=True, blank=True)
    extra = models.JSONField(default=dict, blank=True)

    objects = EffectiveQuerySet.as_manager()

    class Meta:
        ordering = ["table", "sort", "code"]
        constraints = [models.UniqueConstraint(fields=["table", "code"], name="uniq_code_per_table")]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    def label(self, language: str | None = None) -> str:
        if language and language.startswith("en") and self.name_en:
            return self.name_en
        return self.name
