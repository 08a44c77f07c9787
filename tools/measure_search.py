# ruff: noqa: S311, S608, SIM905 — a measuring tool: fixed SQL over a scratch table, seeded randomness
"""Measure full-text search over 100,000 proposal-sized Chinese texts (docs/performance.md).

Builds a scratch table in the database named by the first argument (a PostgreSQL URL; the
database is dropped and re-created), fills it from a vocabulary, indexes it the way the app
does (proposals.search: bigram tsvector + GIN) and, for comparison, with pg_trgm, then
times 1-, 2-, 3- and 4-character and two-word queries both ways.

    .venv/bin/python tools/measure_search.py postgresql://postgres@127.0.0.1:5432/jianyi_search_bench [ROWS]
    (add --measure-only to time the queries again on the table already built)
"""

import random
import sys
import time
from pathlib import Path
from urllib.parse import urlparse

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from proposals.search import SQL_FUNCTIONS, parse

WORDS = (
    "教育 改革 职业 乡村 振兴 医疗 卫生 养老 服务 交通 道路 建设 农业 农村 科技 创新 "
    "成果 转化 企业 发展 生态 环境 保护 治理 水污染 湿地 黑土地 粮食 安全 产业 数字 经济 "
    "平台 人才 引进 培养 激励 机制 财政 资金 投入 政策 支持 基础 设施 城市 更新 老旧 "
    "小区 改造 冰雪 旅游 文化 体育 公共 社区 就业 创业 住房 保障 学校 幼儿园 托育 医院 "
    "药品 医保 疫情 防控 监测 预警 应急 管理 消防 食品 市场 监管 营商 环境 优化 审批 "
    "简化 民营 中小 融资 贷款 税收 减免 物流 港口 铁路 机场 高速 公路 电网 新能源 汽车 "
    "充电 桩 光伏 风电 节能 减排 碳达峰 森林 草原 河湖 长制 垃圾 分类 污水 处理 厂 饮水 "
    "工程 5G 基站 人工智能 大数据 AI 芯片 制造 装备 工业 园区 开发区 招商 引资 对外 "
    "开放 口岸 边境 贸易 "
).split()
PUNCT = "，，，。、；"


def text(rng, n):
    parts = []
    while sum(map(len, parts)) < n:
        parts.append(rng.choice(WORDS))
        if rng.random() < 0.2:
            parts.append(rng.choice(PUNCT))
    return "".join(parts)


def build(url, rows):
    name = urlparse(url).path.lstrip("/")
    admin = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    rng = random.Random(42)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        conn.execute(SQL_FUNCTIONS)
        conn.execute("CREATE TABLE doc (id serial PRIMARY KEY, title text, body text, search_text text)")
        started = time.perf_counter()
        with conn.cursor().copy("COPY doc (title, body, search_text) FROM STDIN") as copy:
            for _ in range(rows):
                title = "关于" + text(rng, 10) + "的建议"
                suggestions = "\n".join(text(rng, 40) for _ in range(rng.randint(1, 8)))
                copy.write_row((title, text(rng, rng.randint(300, 900)), title + "\n" + suggestions))
        print(f"{rows} rows copied in {time.perf_counter() - started:.0f} s", flush=True)
        for label, sql in [
            (
                "generated columns (vector and normalized document)",
                "ALTER TABLE doc ADD COLUMN search_vector tsvector GENERATED ALWAYS AS "
                "(jianyi_bigrams(body || ' ' || search_text)) STORED, ADD COLUMN doc text GENERATED ALWAYS AS "
                "(jianyi_norm(body || ' ' || search_text)) STORED",
            ),
            ("bigram GIN index", "CREATE INDEX doc_vector ON doc USING gin (search_vector)"),
            ("pg_trgm GIN index", "CREATE INDEX doc_trgm ON doc USING gin ((body || ' ' || search_text) gin_trgm_ops)"),
        ]:
            started = time.perf_counter()
            conn.execute(sql)
            print(f"{label}: {time.perf_counter() - started:.0f} s", flush=True)
        conn.execute("VACUUM ANALYZE doc")


def timed(conn, sql, params):
    conn.execute(sql, params)  # warm the cache
    started = time.perf_counter()
    rows = conn.execute(sql, params).fetchall()
    return rows, (time.perf_counter() - started) * 1000


def measure(url):
    with psycopg.connect(url, autocommit=True) as conn:
        sizes = conn.execute(
            "SELECT pg_size_pretty(pg_relation_size('doc_vector')), pg_size_pretty(pg_relation_size('doc_trgm')),"
            " pg_size_pretty(pg_table_size('doc')), count(*) FROM doc"
        ).fetchone()
        print(f"{sizes[3]} rows; index sizes: bigram {sizes[0]}, pg_trgm {sizes[1]}; table {sizes[2]}")
        print("| query | hits (capped at 1001) | count (ms) | first page (ms) | pg_trgm ILIKE count (ms) |")
        print("|---|---:|---:|---:|---:|")
        for raw in [
            "教",
            "湿地",
            "黑土地",
            "职业教育",
            "老旧小区改造",
            "教育 湿地",
            "5G基站",
            "芯片制造装备",
            "碳达峰森林草原",
            "站芯",
            "桩光",
        ]:
            query = parse(raw)
            # The SQL below joins constant fragments only; every value is a parameter (nosec B608).
            where = "search_vector @@ %s::tsquery" + "".join(
                " AND strpos(doc, %s) > 0" for t in query.terms if len(t) > 2
            )
            params = [query.tsquery, *(t for t in query.terms if len(t) > 2)]
            (hits,), count_ms = timed(
                conn,
                f"SELECT count(*) FROM (SELECT 1 FROM doc WHERE {where} LIMIT 1001) s",  # nosec B608
                params,
            )
            hits = hits[0]
            if hits > 1000:
                page_sql = f"SELECT id FROM doc WHERE {where} ORDER BY id DESC LIMIT 20"  # nosec B608
                page_params = params
            else:
                score = " + ".join("(length(doc) - length(replace(doc, %s, '')))::float / %s" for _ in query.terms)
                page_sql = (
                    f"SELECT id FROM doc WHERE {where} ORDER BY (CASE WHEN "  # nosec B608
                    + " AND ".join("strpos(jianyi_norm(title), %s) > 0" for _ in query.terms)
                    + f" THEN 1000 ELSE 0 END) + {score} DESC, id DESC LIMIT 20"
                )
                page_params = [*params, *query.terms]
                for t in query.terms:
                    page_params += [t, len(t)]
            _rows, page_ms = timed(conn, page_sql, page_params)
            like = " AND ".join("(body || ' ' || search_text) ILIKE %s" for _ in query.terms)
            _rows, trgm_ms = timed(
                conn,
                f"SELECT count(*) FROM (SELECT 1 FROM doc WHERE {like} LIMIT 1001) s",  # nosec B608
                [f"%{t}%" for t in query.terms],
            )
            print(f"| {raw} | {hits} | {count_ms:.0f} | {page_ms:.0f} | {trgm_ms:.0f} |", flush=True)


def main():
    url = sys.argv[1]
    rows = int(sys.argv[2]) if len(sys.argv) > 2 else 100_000
    if "--measure-only" not in sys.argv:
        build(url, rows)
    measure(url)


if __name__ == "__main__":
    main()
