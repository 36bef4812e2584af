"""Alembic, one history per service (services/<name>/migrations), driven from code.

Each service's migrations/env.py is two lines: import its metadata, call `run_env`.
GeoAlchemy2's helpers keep autogenerate from dropping spatial_ref_sys, forgetting the
Geography import or duplicating GiST indexes (notes/grpc-python.md).
"""
from __future__ import annotations

import pathlib

from alembic import command, context
from alembic.config import Config
from geoalchemy2 import alembic_helpers
from sqlalchemy import MetaData, create_engine, pool

from services.common.db import sqlalchemy_url

ROOT = pathlib.Path(__file__).resolve().parents[2]


def alembic_config(service: str, url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(ROOT / "services" / service / "migrations"))
    cfg.set_main_option("sqlalchemy.url", sqlalchemy_url(url).replace("%", "%%"))
    cfg.set_main_option("version_table", "alembic_version")
    return cfg


def upgrade(service: str, url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(service, url), revision)


def downgrade(service: str, url: str, revision: str = "base") -> None:
    command.downgrade(alembic_config(service, url), revision)


def _include_object(obj, name, type_, reflected, compare_to):
    return alembic_helpers.include_object(obj, name, type_, reflected, compare_to)


def run_env(metadata: MetaData) -> None:
    cfg = context.config
    url = cfg.get_main_option("sqlalchemy.url")
    opts = dict(target_metadata=metadata, include_object=_include_object,
                process_revision_directives=alembic_helpers.writer,
                render_item=alembic_helpers.render_item, compare_type=True)
    if context.is_offline_mode():
        context.configure(url=url, literal_binds=True, **opts)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = create_engine(url, poolclass=pool.NullPool)
    with engine.connect() as conn:
        context.configure(connection=conn, **opts)
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()
