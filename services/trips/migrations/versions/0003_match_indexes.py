"""matching: route pole, indexes by departure

trips.route_pole: the unit normal of the route's great circle (trip_route_pole), so matching can
drop most candidates with three multiplications before any geodesic distance. The matching index
is split in two: trips underway for at most a day (nearly all) by departure first and then route,
so a pickup window reads only its own days; longer trips by route and schedule as before.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29 03:00:00
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None

LIVE = "status = 'published' AND visibility = 'public'"
SHORT = "(upper(schedule) - lower(schedule)) <= '1 day'::interval"

# Routes are two-point lines (origin, destination): the pole is origin x destination, normalised;
# {0,0,0} for a zero-length route (which never matches: nothing lies strictly after its start).
POLE_FUNCTION = """
CREATE FUNCTION trip_route_pole(route geography) RETURNS float8[]
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
DECLARE
  g geometry := route::geometry;
  lo1 float8 := radians(ST_X(ST_StartPoint(g)));
  la1 float8 := radians(ST_Y(ST_StartPoint(g)));
  lo2 float8 := radians(ST_X(ST_EndPoint(g)));
  la2 float8 := radians(ST_Y(ST_EndPoint(g)));
  ax float8 := cos(la1) * cos(lo1);
  ay float8 := cos(la1) * sin(lo1);
  az float8 := sin(la1);
  bx float8 := cos(la2) * cos(lo2);
  b_y float8 := cos(la2) * sin(lo2);
  bz float8 := sin(la2);
  cx float8 := ay * bz - az * b_y;
  cy float8 := az * bx - ax * bz;
  cz float8 := ax * b_y - ay * bx;
  n float8 := sqrt(cx * cx + cy * cy + cz * cz);
BEGIN
  IF n < 1e-12 THEN
    RETURN ARRAY[0, 0, 0]::float8[];
  END IF;
  RETURN ARRAY[cx / n, cy / n, cz / n];
END
$$
"""


def upgrade() -> None:
    op.execute(POLE_FUNCTION)
    op.add_column('trips', sa.Column('route_pole', postgresql.ARRAY(sa.Double()),
                                     sa.Computed('trip_route_pole(route)', persisted=True), nullable=True))
    op.drop_index('ix_trips_match', table_name='trips', postgresql_using='gist', postgresql_where=sa.text(LIVE))
    op.create_index('ix_trips_match_short', 'trips', ['departure_time', 'route'], unique=False,
                    postgresql_using='gist', postgresql_where=sa.text(f"{LIVE} AND {SHORT}"))
    op.create_index('ix_trips_match_long', 'trips', ['route', 'schedule'], unique=False,
                    postgresql_using='gist', postgresql_where=sa.text(f"{LIVE} AND NOT {SHORT}"))


def downgrade() -> None:
    op.drop_index('ix_trips_match_long', table_name='trips', postgresql_using='gist')
    op.drop_index('ix_trips_match_short', table_name='trips', postgresql_using='gist')
    op.create_index('ix_trips_match', 'trips', ['route', 'schedule'], unique=False, postgresql_using='gist',
                    postgresql_where=sa.text(LIVE))
    op.drop_column('trips', 'route_pole')
    op.execute("DROP FUNCTION trip_route_pole(geography)")
