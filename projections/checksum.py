"""Content checksums of read-model tables, so a live table and its rebuild can be compared.

A table's checksum is the md5 of its rows' md5s in primary-key order, each row in PostgreSQL's
text form. The session fixes every setting that changes a value's text (time zone, date and
interval styles, float digits, bytea output), so the same content gives the same checksum in
any session, schema or database.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg import sql

from errorstream.exceptions import ErrorStreamError

STABLE_TEXT_SETTINGS = (
    "SET TimeZone = 'UTC'",
    "SET DateStyle = 'ISO, YMD'",
    "SET IntervalStyle = 'postgres'",
    "SET extra_float_digits = 1",
    "SET bytea_output = 'hex'",
)


class ChecksumError(ErrorStreamError):
    pass


@dataclass(frozen=True)
class TableChecksum:
    table: str
    rows: int
    digest: str


def primary_key(conn: psycopg.Connection[Any], schema: str, table: str) -> list[str]:
    rows = conn.execute(
        """SELECT a.attname
             FROM pg_index i
             JOIN pg_class c ON c.oid = i.indrelid
             JOIN pg_namespace n ON n.oid = c.relnamespace
             JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = ANY (i.indkey::int2[])
            WHERE n.nspname = %s AND c.relname = %s AND i.indisprimary
            ORDER BY array_position(i.indkey::int2[], a.attnum)""",
        (schema, table),
    ).fetchall()
    if not rows:
        raise ChecksumError(f"{schema}.{table} does not exist or has no primary key")
    return [str(name) for (name,) in rows]


def table_checksum(
    conn: psycopg.Connection[Any], table: str, schema: str = "public"
) -> TableChecksum:
    """The checksum of one table (call `stable_session` on the connection first)."""
    key = primary_key(conn, schema, table)
    query = sql.SQL(
        "SELECT count(*), md5(coalesce(string_agg(md5(t::text), '' ORDER BY {key}), '')) "
        "FROM {schema}.{table} t"
    ).format(
        key=sql.SQL(", ").join(sql.SQL("t.{}").format(sql.Identifier(k)) for k in key),
        schema=sql.Identifier(schema),
        table=sql.Identifier(table),
    )
    row = conn.execute(query).fetchone()
    assert row is not None
    return TableChecksum(table, int(row[0]), str(row[1]))


def stable_session(conn: psycopg.Connection[Any]) -> None:
    for statement in STABLE_TEXT_SETTINGS:
        conn.execute(statement)


def checksums(dsn: str, tables: Iterable[str], schema: str = "public") -> list[TableChecksum]:
    """Checksums of `tables`, read in one repeatable-read snapshot."""
    with psycopg.connect(dsn) as conn:
        conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        conn.read_only = True
        stable_session(conn)
        result = [table_checksum(conn, table, schema) for table in tables]
        conn.rollback()
        return result
