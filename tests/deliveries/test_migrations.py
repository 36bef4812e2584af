"""delivery_db's Alembic history: upgrade, downgrade to nothing, upgrade again; the models and
the migrated schema agree (autogenerate finds nothing to do); the triggers exist."""
from __future__ import annotations

import uuid

import psycopg
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from geoalchemy2 import alembic_helpers
from sqlalchemy import create_engine, pool

from services.common import dbadmin, migrations
from services.common.db import sqlalchemy_url
from services.deliveries.store import metadata
from tests.conftest import ADMIN_URL, db_url


def test_migrate_downgrade_migrate_round_trip():
    name = f"test_deliveries_mig_{uuid.uuid4().hex[:8]}"
    dbadmin.create_database(ADMIN_URL, name, ("postgis", "citext", "btree_gist", "pgcrypto"))
    url = db_url(name)
    try:
        migrations.upgrade("deliveries", url)
        migrations.downgrade("deliveries", url)
        with psycopg.connect(url) as conn:
            left = conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
                                "AND tablename <> 'spatial_ref_sys' AND tablename <> 'alembic_version'").fetchall()
            types = conn.execute("SELECT typname FROM pg_type WHERE typtype = 'e'").fetchall()
        assert left == [] and types == []
        migrations.upgrade("deliveries", url)
        engine = create_engine(sqlalchemy_url(url), poolclass=pool.NullPool)
        with engine.connect() as conn:
            ctx = MigrationContext.configure(conn, opts={"include_object": alembic_helpers.include_object,
                                                         "compare_type": True})
            assert compare_metadata(ctx, metadata) == []
        engine.dispose()
        with psycopg.connect(url) as conn:
            triggers = {r[0] for r in conn.execute("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal")}
        assert triggers == {"outbox_events_notify", "delivery_offers_notify", "delivery_offers_bump_version"}
    finally:
        dbadmin.drop_database(ADMIN_URL, name)
