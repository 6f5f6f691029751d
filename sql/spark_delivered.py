"""Runs `derive_owners_delivered.sql` on Spark, one step at a time.

Spark's optimiser inlines every reference to a common table expression, and the rule's
steps refer to one another many times: planned whole, the query grows past what Spark
can plan (a 1 GiB driver ran out of memory after five minutes on a 3,000-line log). This
runs the same SQL text step by step instead: each `name AS (...)` of the WITH clause
becomes a temporary view, and one that later steps read more than once is computed once
and checkpointed (the next steps' plans start from its result); then the final SELECT.
DuckDB runs the file whole. A step starts with a line `name AS (` and ends with a line
`),` (the last one `)`), as the SQL files are laid out.

    import sys; sys.path.insert(0, "sql")
    import spark_delivered
    # with the vendor's table registered in the session: `cloudfront_standard_logs`
    # (AWS's Athena table) or `cloudflare_http_requests` (the Logpush dataset)
    spark.conf.set("spark.sql.session.timeZone", "UTC")
    spark_delivered.derive(spark, "cloudfront").write.parquet("s3://incident/derived/")
"""

import os
import re

SQL_DIR = os.path.dirname(os.path.abspath(__file__))


def steps(sql):
    """The WITH clause's steps (name, body) in order, and the final SELECT."""
    start = sql.index("\nWITH ")
    lines = sql[start + 1 :].split("\n")
    lines[0] = lines[0][len("WITH ") :]
    found, name, body = [], None, []
    for i, line in enumerate(lines):
        head = re.match(r"^(\w+) AS \($", line)
        if name is None and head:
            name, body = head.group(1), []
        elif name is not None and re.match(r"^\),?$", line):
            found.append((name, "\n".join(body)))
            name = None
            if line == ")":
                return found, "\n".join(lines[i + 1 :])
        elif name is not None:
            body.append(line)
    raise ValueError("the SQL's WITH clause does not end in a line ')'")


def checkpointed(df):
    """`df` computed once, its plan cut there; its columns renamed to themselves, so that
    two steps read from one checkpoint (a union of both) do not share column ids, which
    Spark then cannot tell apart."""
    df = df.localCheckpoint(eager=True)
    return df.toDF(*df.columns)


def run_stepwise(spark, sql, into):
    """Registers each step of `sql` as a checkpointed temporary view; returns the result
    of its final SELECT as a temporary view named `into`."""
    found, final = steps(sql)
    for i, (name, body) in enumerate(found):
        later = [b for _, b in found[i + 1 :]] + [final]
        uses = sum(len(re.findall(rf"\b{name}\b", b)) for b in later)
        step = spark.sql(body)
        # A step read by one later step is planned into it; one read more often is
        # computed once.
        (checkpointed(step) if uses > 1 else step).createOrReplaceTempView(name)
    result = checkpointed(spark.sql(final))
    result.createOrReplaceTempView(into)
    return result


def derive(spark, vendor, settings=None):
    """The derived log of the vendor's table in the session (`settings`: replacements of
    the files' settings lines, e.g. {"CAST(NULL AS BIGINT) AS max_age_us":
    "CAST(70000000 AS BIGINT) AS max_age_us"})."""
    view = open(os.path.join(SQL_DIR, f"{vendor}_input.sql")).read()
    rule = open(os.path.join(SQL_DIR, "derive_owners_delivered.sql")).read()
    for old, new in (settings or {}).items():
        if old in view:
            view = view.replace(old, new, 1)
        elif old in rule:
            rule = rule.replace(old, new, 1)
        else:
            raise ValueError(f"no setting {old!r} in the SQL files")
    run_stepwise(spark, view, "delivered_cdn_log")
    return run_stepwise(spark, rule, "derived_log")

