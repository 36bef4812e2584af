"""user_db's Alembic history: upgrade, downgrade to nothing, upgrade again; the models and the
migrated schema agree (autogenerate finds nothing to do); the outbox trigger exists; the nine
tables of the spec are there."""
from __future__ import annotations

import uuid

import psycopg
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from geoalchemy2 import alembic_helpers
from sqlalchemy import create_engine, pool

from services.common import dbadmin, migrations
from services.common.db import sqlalchemy_url
from services.users.store import metadata
from tests.conftest import ADMIN_URL, db_url

SPEC_TABLES = {"user_addresses", "user_preferences", "user_statistics", "user_verification_documents", "reviews",
               "user_blocks", "user_favorites", "user_reports", "review_reports"}


def test_migrate_downgrade_migrate_round_trip():
    name = f"test_users_mig_{uuid.uuid4().hex[:8]}"
    dbadmin.create_database(ADMIN_URL, name, ("postgis", "citext", "btree_gist", "pgcrypto"))
    url = db_url(name)
    try:
        migrations.upgrade("users", url)
        with psycopg.connect(url) as conn:
            tables = {r[0] for r in conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")}
        assert SPEC_TABLES <= tables
        migrations.downgrade("users", url)
        with psycopg.connect(url) as conn:
            left = conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
                                "AND tablename <> 'spatial_ref_sys' AND tablename <> 'alembic_version'").fetchall()
            types = conn.execute("SELECT typname FROM pg_type WHERE typtype = 'e'").fetchall()
        assert left == [] and types == []
        migrations.upgrade("users", url)
        engine = create_engine(sqlalchemy_url(url), poolclass=pool.NullPool)
        with engine.connect() as conn:
            ctx = MigrationContext.configure(conn, opts={"include_object": alembic_helpers.include_object,
                                                         "compare_type": True})
            assert compare_metadata(ctx, metadata) == []
        engine.dispose()
        with psycopg.connect(url) as conn:
            triggers = {r[0] for r in conn.execute("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal")}
            default_index = conn.execute("SELECT indexdef FROM pg_indexes WHERE indexname = "
                                         "'uq_user_addresses_default'").fetchone()[0]
        assert triggers == {"outbox_events_notify"}
        assert "UNIQUE" in default_index and "WHERE is_default" in default_index
    finally:
        dbadmin.drop_database(ADMIN_URL, name)
