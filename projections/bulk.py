"""Bulk upserts: COPY into a temporary staging table, then one INSERT … ON CONFLICT.

COPY is the fastest way into PostgreSQL; the staging table lets the upsert keep one row per key
(the last in the batch) so a batch holding the same event twice is still one statement.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import psycopg
from psycopg import sql


def upsert(
    cur: psycopg.Cursor[Any],
    table: str,
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    key: Sequence[str],
    update: Sequence[str] = (),
    stage_suffix: str = "",
) -> None:
    """Insert rows; on a key conflict update the `update` columns (or do nothing)."""
    if not rows:
        return
    stage = sql.Identifier(f"_stage_{table}{stage_suffix}")
    target = sql.Identifier(table)
    cols = sql.SQL(", ").join(sql.Identifier(c) for c in columns)
    cur.execute(
        sql.SQL(
            "CREATE TEMP TABLE IF NOT EXISTS {stage} "
            "(LIKE {target} INCLUDING DEFAULTS, _seq bigserial) ON COMMIT DELETE ROWS"
        ).format(stage=stage, target=target)
    )
    with cur.copy(
        sql.SQL("COPY {stage} ({cols}) FROM STDIN").format(stage=stage, cols=cols)
    ) as copy:
        for row in rows:
            copy.write_row(row)
    keys = sql.SQL(", ").join(sql.Identifier(c) for c in key)
    action: sql.Composable
    if update:
        action = sql.SQL("DO UPDATE SET ") + sql.SQL(", ").join(
            sql.SQL("{c} = EXCLUDED.{c}").format(c=sql.Identifier(c)) for c in update
        )
    else:
        action = sql.SQL("DO NOTHING")
    cur.execute(
        sql.SQL(
            "INSERT INTO {target} ({cols}) "
            "SELECT DISTINCT ON ({keys}) {cols} FROM {stage} ORDER BY {keys}, _seq DESC "
            "ON CONFLICT ({keys}) {action}"
        ).format(target=target, cols=cols, stage=stage, keys=keys, action=action)
    )
