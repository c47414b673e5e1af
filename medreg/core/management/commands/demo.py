"""medreg demo: build the demo province (idempotent), list its accounts, or add practitioners for benchmarks.

    medreg demo                      build 云南省 demo data unless it exists already
    medreg demo --small              a small demo (a few institutions and practitioners), for quick checks
    medreg demo --scale 20000        import 20,000 more legacy practitioners (60 % physicians)
    medreg demo accounts [--json]    the demo accounts and their shared password
    medreg demo newcomers [--json]   exam-centre records still waiting to self-register (name + ID number)
"""

from __future__ import annotations

import dataclasses
import json
import unicodedata
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from medreg.demo import builder, catalogue
from medreg.demo.world import DEFAULT_PASSWORD


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * max(0, width - _width(text))


def table(rows: list[list[str]], headers: list[str]) -> str:
    """A plain-text table that lines up with Chinese (double-width) characters."""
    widths = [max(_width(str(r[i])) for r in [headers, *rows]) for i in range(len(headers))]
    lines = ["  ".join(_pad(h, w) for h, w in zip(headers, widths, strict=True)).rstrip(),
             "  ".join("-" * w for w in widths)]
    lines += ["  ".join(_pad(str(c), w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows]
    return "\n".join(lines)


class Command(BaseCommand):
    help = "Build the demo province (idempotent); `demo accounts [--json]` lists the demo accounts."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", nargs="?", choices=["build", "accounts", "newcomers"], default="build")
        parser.add_argument("--json", action="store_true", help="machine-readable output (accounts, newcomers)")
        parser.add_argument("--scale", type=int, metavar="N",
                            help="import N more legacy practitioners (60%% physicians) for benchmarks")
        parser.add_argument("--seed", type=int, default=None, help="random seed (default: fixed for the demo)")
        parser.add_argument("--small", action="store_true", help="build a small demo (quick checks)")

    def handle(self, *args: Any, **options: Any) -> None:
        self.verbosity = int(options.get("verbosity", 1))
        try:
            if options["action"] == "accounts":
                self._accounts(as_json=options["json"])
            elif options["action"] == "newcomers":
                self._newcomers(as_json=options["json"])
            else:
                config = builder.SMALL if options["small"] else builder.DemoConfig()
                if options["scale"] is not None:
                    self._scale(options["scale"], seed=options["seed"], config=config)
                else:
                    if options["seed"] is not None:
                        config = dataclasses.replace(config, seed=options["seed"])
                    self._build(config)
        except builder.DemoError as exc:
            raise CommandError(str(exc)) from exc

    # -- build --------------------------------------------------------------------------------------
    def _say(self, msg: str) -> None:
        if self.verbosity >= 1:
            self.stdout.write(f"  {msg}")

    def _build(self, config: builder.DemoConfig) -> None:
        if builder.demo_exists():
            self.stdout.write(f"演示数据已存在（{catalogue.PROVINCE_NAME}），未做任何更改。"
                              f"Demo data already present; nothing to do.")
            return
        self.stdout.write("正在生成演示数据 (building demo data)…")
        result = builder.build_demo(config, log=self._say)
        imp = result.imported
        c = result.counts
        self.stdout.write(self.style.SUCCESS(f"演示数据已生成，用时 {result.seconds:.1f} 秒。"))
        self.stdout.write(
            f"  机关 {c['authorities']} · 医疗机构 {c['institutions']} · 人员 {c['persons']} · "
            f"医师注册 {c['physician_registrations']} · 护士注册 {c['nurse_registrations']} · "
            f"申请 {c['applications']} · 电子证照 {c['licences']} · 账户 {c['accounts']}"
        )
        if imp is not None and imp.rejected:
            self.stdout.write(self.style.WARNING(f"  历史数据导入拒绝 {len(imp.rejected)} 条"))
        self._journey(config)

    def _journey(self, config: builder.DemoConfig) -> None:
        nc = builder.newcomers(config)[0]
        slug = catalogue.JOURNEY_INSTITUTION_SLUG
        self.stdout.write("")
        self.stdout.write("新医师注册体验 (README journey):")
        self.stdout.write(f"  姓名 name: {nc.name}    身份证号 ID number: {nc.id_number}    手机 phone: {nc.phone}")
        self.stdout.write(f"  主要执业机构 institution: {catalogue.JOURNEY_INSTITUTION}（机构管理员 {slug}_admin）")
        self.stdout.write("  审批机关 authority: 昆明市卫生健康委员会（受理 km_clerk · 审核 km_reviewer · 决定 km_approver）")
        self.stdout.write(f"  所有演示账户密码 password of every demo account: {DEFAULT_PASSWORD}")
        self.stdout.write("  账户列表 accounts: medreg demo accounts")

    def _scale(self, n: int, *, seed: int | None, config: builder.DemoConfig) -> None:
        if n < 1:
            raise CommandError("--scale 需要一个正整数。")
        self.stdout.write(f"正在导入 {n} 名历史执业人员 (importing {n} legacy practitioners)…")
        result, seconds = builder.scale(n, seed=seed, config=config, log=self._say)
        rate = result.persons / seconds if seconds else 0
        self.stdout.write(self.style.SUCCESS(
            f"导入完成：医师 {result.physician_registrations}，护士 {result.nurse_registrations}，"
            f"已存在跳过 {result.skipped_existing}，拒绝 {len(result.rejected)}；"
            f"{result.batches} 批，用时 {seconds:.1f} 秒（{rate:.0f} 人/秒）。"
        ))

    # -- listings -----------------------------------------------------------------------------------
    def _accounts(self, *, as_json: bool) -> None:
        rows = builder.demo_accounts()
        if as_json:
            self.stdout.write(json.dumps(rows, ensure_ascii=False, indent=1))
            return
        body = [[r["username"], r["password"], r["role"], r.get("authority") or r.get("institution") or "",
                 r.get("application_status", "")] for r in rows]
        self.stdout.write(table(body, ["username", "password", "role", "authority / institution", "application"]))

    def _newcomers(self, *, as_json: bool) -> None:
        rows = [{"name": nc.name, "id_number": nc.id_number, "profession": nc.profession, "phone": nc.phone}
                for nc in builder.open_newcomers()]
        if as_json:
            self.stdout.write(json.dumps(rows, ensure_ascii=False, indent=1))
            return
        self.stdout.write(table([[r["name"], r["id_number"], r["profession"], r["phone"]] for r in rows],
                                ["name", "id_number", "profession", "phone"]))
