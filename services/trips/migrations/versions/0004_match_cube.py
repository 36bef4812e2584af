"""matching: one 7-D cube per trip (route box, route pole, departure); the route's frame

trips.match_cube (trip_match_cube, `cube` extension): the box of the route's great-circle arc in
geocentric coordinates (x, y, z on the unit sphere), the route's pole (the unit normal of its great
circle, as in route_pole) and the departure, in one cube, under a GiST. A request whose pickup and
drop-off are far apart (more than twice the detour) allows only poles in a small region around
pickup x drop-off, so one index scan keeps the trips whose route box is near both points, whose
direction fits and which leave in the window: a tenth of the candidates the route box alone
gives. Requests with close points keep ix_trips_match_short (any direction fits them).

trips.route_frame (trip_route_frame): the origin, the unit tangent there and the arc's angle, so
the position of a point along the route (services/common/geo.py) is a few multiplications and an
atan2: the order of pickup and drop-off is taken along the great circle, where ST_LineLocatePoint
on the geometry (a straight line in longitude/latitude) was wrong across the date line and near
the poles.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29 06:00:00
"""
from alembic import op
import sqlalchemy as sa

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

LIVE_SHORT = "status = 'published' AND visibility = 'public' AND (upper(schedule) - lower(schedule)) <= '1 day'::interval"

# Dimensions 1-3: the arc's box (exact: a coordinate along the arc is r cos(t - phase), t in [0, w]);
# 4-6: the pole, +-0.003 (an extent keeps the GiST's volume-based splits meaningful; the query box
# is a superset test, so it only adds candidates), or all of [-1, 1] for an arc over 150 degrees,
# where the order along the route no longer tells the direction; 7: the departure in units of 30
# days, extent 0.02 (14.4 h). services/trips/store.match_cubes builds the query boxes in the same
# units.
CUBE_FUNCTION = """
CREATE FUNCTION trip_match_cube(route geography, departure timestamptz) RETURNS cube
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
DECLARE
  f float8[] := trip_route_frame(route);   -- origin a, unit tangent t there, arc angle w
  w float8 := f[7];
  day float8 := extract(epoch FROM departure) / (86400.0 * 30);
  lo float8[] := '{0,0,0}';
  hi float8[] := '{0,0,0}';
  b float8; r float8; ph float8;
BEGIN
  FOR i IN 1..3 LOOP            -- along the arc, coordinate i is f[i] cos s + f[i+3] sin s, s in [0, w]
    b := f[i] * cos(w) + f[i + 3] * sin(w);
    lo[i] := least(f[i], b);
    hi[i] := greatest(f[i], b);
    r := sqrt(f[i] * f[i] + f[i + 3] * f[i + 3]);
    ph := atan2(f[i + 3], f[i]);  -- = r cos(s - ph): its maximum at s = ph, its minimum at ph + pi
    IF ph < 0 THEN ph := ph + 2 * pi(); END IF;
    IF w > 0 AND ph <= w THEN hi[i] := r; END IF;
    ph := ph + pi();
    IF ph >= 2 * pi() THEN ph := ph - 2 * pi(); END IF;
    IF w > 0 AND ph <= w THEN lo[i] := -r; END IF;
  END LOOP;
  IF w > radians(150) THEN  -- nearly half the globe: any direction (see store.match_cubes)
    RETURN cube(ARRAY[lo[1] - 1e-9, lo[2] - 1e-9, lo[3] - 1e-9, -1, -1, -1, day],
                ARRAY[hi[1] + 1e-9, hi[2] + 1e-9, hi[3] + 1e-9, 1, 1, 1, day + 0.02]);
  END IF;
  -- the pole a x t ({0,0,0} for a zero-length route, whose t is 0)
  RETURN cube(ARRAY[lo[1] - 1e-9, lo[2] - 1e-9, lo[3] - 1e-9, f[2] * f[6] - f[3] * f[5] - 3e-3,
                    f[3] * f[4] - f[1] * f[6] - 3e-3, f[1] * f[5] - f[2] * f[4] - 3e-3, day],
              ARRAY[hi[1] + 1e-9, hi[2] + 1e-9, hi[3] + 1e-9, f[2] * f[6] - f[3] * f[5] + 3e-3,
                    f[3] * f[4] - f[1] * f[6] + 3e-3, f[1] * f[5] - f[2] * f[4] + 3e-3, day + 0.02]);
END
$$
"""

FRAME_FUNCTION = """
CREATE FUNCTION trip_route_frame(route geography) RETURNS float8[]
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
  nx float8 := ay * bz - az * b_y;
  ny float8 := az * bx - ax * bz;
  nz float8 := ax * b_y - ay * bx;
  size float8 := sqrt(nx * nx + ny * ny + nz * nz);
BEGIN
  IF size < 1e-12 THEN
    RETURN ARRAY[ax, ay, az, 0, 0, 0, 0];
  END IF;
  nx := nx / size; ny := ny / size; nz := nz / size;
  RETURN ARRAY[ax, ay, az, ny * az - nz * ay, nz * ax - nx * az, nx * ay - ny * ax,
               atan2(size, ax * bx + ay * b_y + az * bz)];
END
$$
"""


def upgrade() -> None:
    op.execute("CREATE EXTENSION IF NOT EXISTS cube")
    op.execute(FRAME_FUNCTION)
    op.execute(CUBE_FUNCTION)    # built on trip_route_frame
    op.execute("ALTER TABLE trips"   # one rewrite of the table for both
               " ADD COLUMN match_cube cube GENERATED ALWAYS AS (trip_match_cube(route, departure_time)) STORED,"
               " ADD COLUMN route_frame float8[] GENERATED ALWAYS AS (trip_route_frame(route)) STORED")
    op.create_index('ix_trips_match_cube', 'trips', ['match_cube'], unique=False, postgresql_using='gist',
                    postgresql_where=sa.text(LIVE_SHORT))


def downgrade() -> None:
    op.drop_index('ix_trips_match_cube', table_name='trips', postgresql_using='gist')
    op.drop_column('trips', 'route_frame')
    op.drop_column('trips', 'match_cube')
    op.execute("DROP FUNCTION trip_match_cube(geography, timestamptz)")
    op.execute("DROP FUNCTION trip_route_frame(geography)")
