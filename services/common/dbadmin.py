"""Database administration for local runs and tests.

    python -m services.common.dbadmin bootstrap [service ...]
        create each service's database (if missing) with its extensions, then migrate it
    python -m services.common.dbadmin migrate [service ...]
        migrate only
Extensions need a superuser, so they are created here, never in migrations.
"""
from __future__ import annotations

import sys

import psycopg
from psycopg import sql

from services import registry
from services.common import migrations
from services.common.config import Settings


def server_url(db_url: str, database: str = "postgres") -> str:
    head, _, tail = db_url.rpartition("/")
    query = ("?" + tail.split("?", 1)[1]) if "?" in tail else ""
    return f"{head}/{database}{query}"


def create_database(db_url: str, name: str, extensions: tuple[str, ...], template: str | None = None) -> None:
    with psycopg.connect(server_url(db_url), autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if not exists:
            q = sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name))
            if template:
                q = sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(sql.Identifier(name), sql.Identifier(template))
            conn.execute(q)
    if not template:
        with psycopg.connect(server_url(db_url, name), autocommit=True) as conn:
            for ext in extensions:
                conn.execute(sql.SQL("CREATE EXTENSION IF NOT EXISTS {}").format(sql.Identifier(ext)))


def drop_database(db_url: str, name: str) -> None:
    with psycopg.connect(server_url(db_url), autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def bootstrap(names: list[str], migrate_only: bool = False) -> None:
    for spec in registry.SERVICES:
        if names and spec.name not in names:
            continue
        url = Settings.for_service(spec.name).database_url
        if not migrate_only:
            create_database(url, url.rsplit("/", 1)[1].split("?")[0], spec.extensions)
        migrations.upgrade(spec.name, url)
        print(f"{spec.name}: {spec.database} migrated")


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in {"bootstrap", "migrate"}:
        print(__doc__)
        return 2
    bootstrap(argv[1:], migrate_only=argv[0] == "migrate")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
