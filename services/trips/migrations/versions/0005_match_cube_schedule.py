"""matching: the cube's time dimension is the trip's schedule, not its departure plus 14.4 hours

trips.match_cube's 7th dimension becomes [departure, arrival] (units of 30 days, as before), so a
pickup window asks the cube index for exactly the trips underway during it (schedule && window).
Before, a query box took every departure from a day before the window (the longest trip the index
holds), and for trips of 2-16 hours about a quarter of what the index returned had already
arrived (bench/README.md). The other six dimensions (route box, pole) are migration 0004's:
trip_match_cube(route, departure, arrival) is trip_match_cube(route, departure) with that last
dimension replaced.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29 20:00:00
"""
from alembic import op
import sqlalchemy as sa

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None

LIVE_SHORT = "status = 'published' AND visibility = 'public' AND (upper(schedule) - lower(schedule)) <= '1 day'::interval"

CUBE_FUNCTION = """
CREATE FUNCTION trip_match_cube(route geography, departure timestamptz, arrival timestamptz) RETURNS cube
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT cube(cube_subset(trip_match_cube(route, departure), ARRAY[1, 2, 3, 4, 5, 6]),
              extract(epoch FROM departure) / (86400.0 * 30), extract(epoch FROM arrival) / (86400.0 * 30))
$$
"""


def _cube_column(expression: str) -> None:
    """Replace match_cube (and its index) by one generated from `expression`: one table rewrite."""
    op.drop_index('ix_trips_match_cube', table_name='trips', postgresql_using='gist')
    op.execute("ALTER TABLE trips DROP COLUMN match_cube,"
               f" ADD COLUMN match_cube cube GENERATED ALWAYS AS ({expression}) STORED")
    op.create_index('ix_trips_match_cube', 'trips', ['match_cube'], unique=False, postgresql_using='gist',
                    postgresql_where=sa.text(LIVE_SHORT))


def upgrade() -> None:
    op.execute(CUBE_FUNCTION)
    _cube_column("trip_match_cube(route, departure_time, arrival_time)")


def downgrade() -> None:
    _cube_column("trip_match_cube(route, departure_time)")
    op.execute("DROP FUNCTION trip_match_cube(geography, timestamptz, timestamptz)")
