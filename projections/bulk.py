"""Bulk upserts: COPY into a temporary staging table, then one INSERT … ON CONFLICT.

COPY is the fastest way into PostgreSQL; the staging table lets the upsert keep one row per key
(the last in the batch) so a batch holding the same event twice is still one statement.
`write_merged` does the same for a `MergeSpec`: the batch folded to one row per key in Python,
then merged into the stored rows by the spec's ``SET`` clause.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import psycopg
from psycopg import sql

from errorstream.projections.merge import MergeSpec, Row


def upsert(
    cur: psycopg.Cursor[Any],
    table: str,
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    key: Sequence[str],
    update: Sequence[str] = (),
    assignments: sql.Composable | None = None,
    stage_suffix: str = "",
) -> None:
    """Insert rows; on a key conflict update the `update` columns (or do nothing).

    `assignments` replaces the plain ``col = EXCLUDED.col`` list with any ``SET`` clause (a
    `MergeSpec.set_clause`), which may refer to the stored row by the table's name.
    """
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
    if assignments is not None:
        action = sql.SQL("DO UPDATE SET ") + assignments
    elif update:
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


def write_merged(cur: psycopg.Cursor[Any], spec: MergeSpec, rows: Sequence[Row]) -> int:
    """Fold `rows` by the spec and merge them into its table; returns the rows written."""
    folded = spec.fold(rows)
    upsert(
        cur,
        spec.table,
        spec.names,
        folded,
        key=spec.key,
        assignments=spec.set_clause() if len(spec.key) < len(spec.columns) else None,
    )
    return len(folded)
