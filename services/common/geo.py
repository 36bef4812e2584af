"""Points and routes on the sphere, as matching uses them (trips and deliveries services).

A route is the great-circle arc from its origin to its destination (a two-point geography line).
A point's position along it is its along-track angle from the origin over the arc's length,
clamped to [0, 1]: with the route's frame (a = origin, t = the unit tangent at the origin towards
the destination, w = the arc's angle), atan2(x.t, x.a) / w for the unit vector x of the point.
Unlike ST_LineLocatePoint on a geometry (a straight line in longitude/latitude), this holds across
the date line and near the poles. SQL computes the same from trips.route_frame (trip_route_frame,
trip_db migration 0004) or from route_frame() passed as parameters."""
from __future__ import annotations

import math

EARTH_RADIUS_M = 6371008.8  # the mean radius PostGIS uses for distances on the sphere


def unit_vector(lat: float, lng: float) -> tuple[float, float, float]:
    la, lo = math.radians(lat), math.radians(lng)
    return math.cos(la) * math.cos(lo), math.cos(la) * math.sin(lo), math.sin(la)


def route_frame(origin: tuple[float, float], destination: tuple[float, float]) -> tuple[float, ...]:
    """(ax, ay, az, tx, ty, tz, w): the origin, the unit tangent there towards the destination and
    the arc's angle (radians); a zero-length route has t = 0 and w = 0 (every point at 0)."""
    a, b = unit_vector(*origin), unit_vector(*destination)
    n = (a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0])
    size = math.sqrt(sum(c * c for c in n))
    if size < 1e-12:
        return (*a, 0.0, 0.0, 0.0, 0.0)
    n = tuple(c / size for c in n)
    t = (n[1] * a[2] - n[2] * a[1], n[2] * a[0] - n[0] * a[2], n[0] * a[1] - n[1] * a[0])
    return (*a, *t, math.atan2(size, sum(x * y for x, y in zip(a, b))))


def fraction_sql(frame: list[str], x: str, y: str, z: str) -> str:
    """The SQL expression of a point's position along a route: `frame` the 7 SQL expressions of
    route_frame's values, (x, y, z) those of the point's unit vector."""
    ax, ay, az, tx, ty, tz, w = frame
    return (f"(CASE WHEN {w} < 1e-12 THEN 0 ELSE greatest(0, least(1, "
            f"atan2({x} * {tx} + {y} * {ty} + {z} * {tz}, {x} * {ax} + {y} * {ay} + {z} * {az}) / {w})) END)")


def unit_vector_sql(point: str) -> tuple[str, str, str]:
    """The SQL expressions of the unit vector of a geography point expression."""
    lat, lng = f"radians(ST_Y(({point})::geometry))", f"radians(ST_X(({point})::geometry))"
    return f"cos({lat}) * cos({lng})", f"cos({lat}) * sin({lng})", f"sin({lat})"
