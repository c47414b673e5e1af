"""Fast synthetic register for the public-query benchmark: PostgreSQL ``COPY`` instead of the services.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/medreg_bench \\
        .venv/bin/python benchmarks/public_data.py --practitioners 8000000 --institutions 1000000

The database must be migrated and hold the reference data and at least one authority
(``medreg migrate && medreg load-reference && medreg demo --small``). Rows are appended (ids continue),
spread over every county of every province, with name frequencies close to real Chinese names (about
160,000 distinct names), so "姓名 + 省份" finds a handful of namesakes as it does nationally. ID numbers
and birth dates hold one valid ciphertext (they are never read by the public site); ``id_index`` and
the certificate numbers are unique. ``medreg demo --scale`` goes through the services (~2,000/s); this
writes ~50,000 practitioners/s on a quiet machine. Bench data only: never run it on a real database.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import random
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任"
    "沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔"
)
GIVEN = (
    "伟强磊军洋勇杰涛斌超明刚平辉鹏华飞鑫波宁建国志文俊浩宇博凯晨东林海亮峰云龙健新春兵成祥瑞毅昊然天翔振彬德"
    "芳娜敏静丽艳娟霞燕玲丹萍红琳婷雪慧颖倩洁梅莉蓉欣悦璐佳怡婧琴晶媛菲薇瑶露月秀兰凤娇琪茜妍雯"
)
INST_WORDS = ("人民", "中医", "妇幼保健", "第一人民", "第二人民", "中心", "仁爱", "康复", "骨科", "口腔", "眼科",
              "博爱", "同仁", "协和", "济民", "安康", "惠民", "长青", "健民", "华康")
INST_KINDS = (("医院", "A100"), ("卫生院", "B100"), ("社区卫生服务中心", "C100"), ("诊所", "D100"),
              ("门诊部", "E100"), ("村卫生室", "J100"))


def _name(rng: random.Random) -> str:
    s = SURNAMES[min(int(rng.expovariate(1 / 18)), len(SURNAMES) - 1)]
    if rng.random() < 0.25:
        return s + rng.choice(GIVEN)
    return s + rng.choice(GIVEN) + rng.choice(GIVEN)


def _columns(conn: psycopg.Connection, table: str) -> list[tuple[str, str, bool]]:
    rows = conn.execute(
        "select column_name, data_type, is_nullable = 'YES' from information_schema.columns "
        "where table_schema = 'public' and table_name = %s and column_name <> 'id' order by ordinal_position",
        (table,)).fetchall()
    return [(name, typ, nullable) for name, typ, nullable in rows]


def _filler(typ: str, nullable: bool) -> object:
    """A value for a NOT NULL column the generator does not know (added by another stream)."""
    if nullable:
        return None
    if typ in ("character varying", "text"):
        return ""
    if typ in ("integer", "bigint", "smallint", "numeric"):
        return 0
    if typ == "boolean":
        return False
    if typ == "date":
        return dt.date(2025, 1, 1)
    if typ.startswith("timestamp"):
        return dt.datetime.now(dt.UTC)
    if typ == "jsonb":
        return "[]"
    return ""


def _copy(conn: psycopg.Connection, table: str, rows: Iterator[dict[str, object]]) -> int:
    cols = _columns(conn, table)
    names = [c[0] for c in cols]
    n = 0
    with conn.cursor().copy(f"COPY {table} ({', '.join(names)}) FROM STDIN") as cp:
        for row in rows:
            cp.write_row([row[c] if c in row else _filler(t, nul) for c, t, nul in cols])
            n += 1
    return n


def generate(dsn: str, *, practitioners: int, institutions: int, seed: int, batch: int = 200_000) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from medreg.core import pii

    secret_id, secret_birth = pii.encrypt("110101199001010000"), pii.encrypt("1990-01-01")
    rng = random.Random(seed)
    now = dt.datetime.now(dt.UTC)
    with psycopg.connect(dsn, autocommit=False) as conn:
        counties = conn.execute(
            "select code, code from reference_division where level = 'county' order by code").fetchall()
        authority = conn.execute("select id from accounts_authority order by id limit 1").fetchone()
        if not counties or authority is None:
            raise SystemExit("migrate, load-reference and `medreg demo --small` first")
        authority_id = authority[0]
        start_inst = conn.execute("select coalesce(max(id), 0) from institutions_institution").fetchone()[0]
        t0 = time.time()

        def inst_rows() -> Iterator[dict[str, object]]:
            for i in range(start_inst + 1, start_inst + institutions + 1):
                div_id, code = counties[i % len(counties)]
                kind, cat = INST_KINDS[min(int(rng.expovariate(0.5)), len(INST_KINDS) - 1)]
                name = f"{code}{rng.choice(INST_WORDS)}{kind}{i}"
                yield {
                    "name": name, "aliases": f"{rng.choice(INST_WORDS)}{kind}{i}" if rng.random() < 0.3 else "",
                    "uscc": f"B{i:017d}", "registration_no": f"R{i:021d}", "category_code": cat,
                    "management_type": "1", "economic_type": "11", "grade_code": "", "division_id": div_id,
                    "division_code": code, "licensing_authority_id": authority_id, "address": f"{code}路{i}号",
                    "legal_representative": _name(rng), "principal": _name(rng), "beds": rng.randint(0, 800),
                    "dental_chairs": 0, "licence_valid_from": dt.date(2022, 1, 1),
                    "licence_valid_until": dt.date(2027, 1, 1), "status": "active", "activation_mode": "code",
                    "contact_phone": "", "created_at": now, "updated_at": now,
                }

        made = _copy(conn, "institutions_institution", inst_rows())
        conn.commit()
        print(f"institutions: {made} in {time.time() - t0:.0f}s", flush=True)
        inst_ids = conn.execute(
            "select id, division_id, division_code from institutions_institution order by id").fetchall()
        start_person = conn.execute("select coalesce(max(id), 0) from people_person").fetchone()[0]
        done = 0
        while done < practitioners:
            n = min(batch, practitioners - done)
            first = start_person + done + 1
            t1 = time.time()
            people = []
            regs = []
            for pid in range(first, first + n):
                inst_id, div_id, code = inst_ids[rng.randrange(len(inst_ids))]
                nurse = rng.random() < 0.45
                people.append({
                    "id": pid, "name": _name(rng), "gender": "F" if nurse or rng.random() < 0.4 else "M",
                    "id_number": secret_id, "id_index": hashlib.sha256(f"bench{pid}".encode()).hexdigest(),
                    "birth_date": secret_birth, "education": "本科", "school": "", "title": "",
                    "created_at": now, "updated_at": now,
                })
                regs.append({
                    "person_id": pid, "holder_name": people[-1]["name"], "profession": "nurse" if nurse else "physician",
                    "level_code": "" if nurse else "1", "category_code": "" if nurse else "1",
                    "scope_codes": json.dumps([] if nurse else ["03"]), "practice_division_id": div_id,
                    "main_institution_id": inst_id, "authority_id": authority_id,
                    "authority_division_code": code, "certificate_no": f"BENCH{pid:015d}",
                    "status": "active" if rng.random() < 0.95 else "cancelled",
                    "registered_on": dt.date(2020, 1, 1) + dt.timedelta(days=rng.randrange(2000)),
                    "valid_until": dt.date(2028, 1, 1) if nurse else None,
                    "created_at": now, "updated_at": now,
                })
            _copy_with_id(conn, "people_person", people)
            _copy(conn, "people_practiceregistration", iter(regs))
            conn.commit()
            done += n
            print(f"practitioners: {done}/{practitioners} ({n / (time.time() - t1):.0f}/s)", flush=True)
        conn.execute("select setval(pg_get_serial_sequence('people_person', 'id'), "
                     "(select max(id) from people_person))")
        conn.commit()
        conn.autocommit = True
        # VACUUM, not only ANALYZE: it also merges the GIN (trigram) indexes' pending lists, which every
        # institution search would otherwise scan (measured: 13 ms instead of 1 ms per search)
        conn.execute("vacuum analyze")
    print(f"done in {time.time() - t0:.0f}s", flush=True)


def _copy_with_id(conn: psycopg.Connection, table: str, rows: list[dict[str, object]]) -> None:
    cols = [("id", "bigint", False), *_columns(conn, table)]
    with conn.cursor().copy(f"COPY {table} ({', '.join(c[0] for c in cols)}) FROM STDIN") as cp:
        for row in rows:
            cp.write_row([row[c] if c in row else _filler(t, nul) for c, t, nul in cols])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--practitioners", type=int, default=100_000)
    parser.add_argument("--institutions", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--dsn", default=os.environ.get("DATABASE_URL", ""))
    args = parser.parse_args()
    if not args.dsn.startswith("postgres"):
        raise SystemExit("set DATABASE_URL to a PostgreSQL database")
    generate(args.dsn, practitioners=args.practitioners, institutions=args.institutions, seed=args.seed)


if __name__ == "__main__":
    main()
