"""trip_db's Alembic history: upgrade, downgrade to nothing, upgrade again; the models and the
migrated schema agree (autogenerate finds nothing to do); the GiST indexes matching and search
rely on exist (their use at scale is shown by `make bench`, bench/matching.py)."""
from __future__ import annotations

import uuid

import psycopg
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from geoalchemy2 import alembic_helpers
from sqlalchemy import create_engine, pool

from services.common import dbadmin, migrations
from services.common.db import sqlalchemy_url
from services.trips.store import metadata
from tests.conftest import ADMIN_URL, db_url


def test_migrate_downgrade_migrate_round_trip():
    name = f"test_trips_mig_{uuid.uuid4().hex[:8]}"
    dbadmin.create_database(ADMIN_URL, name, ("postgis", "citext", "btree_gist", "pgcrypto"))
    url = db_url(name)
    try:
        migrations.upgrade("trips", url)
        migrations.downgrade("trips", url, "0004")       # the cube's time back to departure + 14.4 h
        with psycopg.connect(url) as conn:
            expr = conn.execute("SELECT generation_expression FROM information_schema.columns "
                                "WHERE table_name = 'trips' AND column_name = 'match_cube'").fetchone()[0]
            assert expr == "trip_match_cube(route, departure_time)"
            assert conn.execute("SELECT 1 FROM pg_indexes WHERE indexname = 'ix_trips_match_cube'").fetchone()
        migrations.upgrade("trips", url)
        migrations.downgrade("trips", url, "0003")
        with psycopg.connect(url) as conn:
            assert not conn.execute("SELECT 1 FROM pg_indexes WHERE indexname = 'ix_trips_match_cube'").fetchone()
            assert not conn.execute("SELECT 1 FROM information_schema.columns WHERE table_name = 'trips' "
                                    "AND column_name = 'match_cube'").fetchone()
        migrations.upgrade("trips", url)
        migrations.downgrade("trips", url, "0002")
        with psycopg.connect(url) as conn:
            assert conn.execute("SELECT indexdef FROM pg_indexes WHERE indexname = 'ix_trips_match'").fetchone()
        migrations.upgrade("trips", url)
        migrations.downgrade("trips", url, "0001")
        migrations.upgrade("trips", url)
        migrations.downgrade("trips", url)
        with psycopg.connect(url) as conn:
            left = conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
                                "AND tablename NOT IN ('spatial_ref_sys', 'alembic_version')").fetchall()
            types = conn.execute("SELECT typname FROM pg_type WHERE typtype = 'e'").fetchall()
        assert left == [] and types == []
        migrations.upgrade("trips", url)
        engine = create_engine(sqlalchemy_url(url), poolclass=pool.NullPool)
        with engine.connect() as conn:
            ctx = MigrationContext.configure(conn, opts={"include_object": alembic_helpers.include_object,
                                                         "compare_type": True})
            assert compare_metadata(ctx, metadata) == []
        engine.dispose()
        with psycopg.connect(url) as conn:
            triggers = {r[0] for r in conn.execute("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal")}
            indexes = {r[0]: r[1] for r in conn.execute("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'trips'")}
        assert triggers == {"outbox_events_notify"}
        assert "USING gist (departure_time, route)" in indexes["ix_trips_match_short"]
        assert "<= '1 day'::interval" in indexes["ix_trips_match_short"]
        assert "USING gist (route, schedule)" in indexes["ix_trips_match_long"]
        assert "USING gist (match_cube)" in indexes["ix_trips_match_cube"]
        assert "<= '1 day'::interval" in indexes["ix_trips_match_cube"]
        assert "ix_trips_match" not in indexes
        assert "USING gist (origin_coordinates, destination_coordinates, departure_time)" in indexes["ix_trips_search"]
    finally:
        dbadmin.drop_database(ADMIN_URL, name)

