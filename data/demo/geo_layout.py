"""The demo city's layout in local metres: outline, river, where people live, grid cells.

Everything here works in a Lambert azimuthal equal-area projection centred on the main
urban core (x east, y north, metres), so areas are exact and distances are plain.
``geography`` turns the result into admin units and WGS84 geometry.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely
from shapely.geometry import Point, Polygon

CORE_LON, CORE_LAT = 119.45, 32.20
LOCAL_CRS = f"+proj=laea +lat_0={CORE_LAT} +lon_0={CORE_LON} +datum=WGS84 +units=m +no_defs"

DEMO_AREA_KM2 = 2_000.0      # city area at the `demo` scale (3,000 grids)
AREA_EXPONENT = 0.6          # area grows slower than the grid count: 330 km² tiny .. 3,860 km² zhenjiang
SEED_DENSITY_EXPONENT = 0.75  # grid seeds follow density**0.75: core grids hold ~3x a rural grid's people
SIBLING_OFFSET_M = 1e7       # shifts each parent's points apart so "nearest seed" stays within the parent


def city_area_km2(n_grids: int) -> float:
    """Return the target city area for a grid count."""
    return DEMO_AREA_KM2 * (n_grids / 3_000) ** AREA_EXPONENT


@dataclass(frozen=True)
class River:
    """A sinuous river along a rotated axis: centreline v = f(u) in the river's (u, v) frame."""

    angle: float               # direction of the axis, radians counter-clockwise from east
    offset: float              # f's constant term, metres
    amplitude: np.ndarray      # meander amplitudes, metres
    wavelength: np.ndarray     # meander wavelengths, metres
    phase: np.ndarray
    polygon: Polygon           # the water, clipped to the city

    def frame(self, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Return (u, v): coordinates along and across the river's axis."""
        c, s = np.cos(self.angle), np.sin(self.angle)
        return x * c + y * s, -x * s + y * c

    def centre_v(self, u: np.ndarray) -> np.ndarray:
        """Return the centreline's cross-axis coordinate at each u."""
        waves = self.amplitude * np.sin(2 * np.pi * np.asarray(u)[..., None] / self.wavelength + self.phase)
        return self.offset + waves.sum(axis=-1)

    def left_bank(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Return True where a point lies left of the centreline (the northern bank)."""
        u, v = self.frame(np.asarray(x, float), np.asarray(y, float))
        return v > self.centre_v(u)


@dataclass(frozen=True)
class CityPlan:
    """The city's shape and population surface, in local metres."""

    radius_m: float            # radius of a disc with the city's area
    outline: Polygon
    river: River
    centre_xy: np.ndarray      # (k, 2) population centres: main core first
    centre_peak: np.ndarray    # relative peak density of each centre
    centre_decay_m: np.ndarray
    rural_density: float       # relative density of open country
    parks: tuple[Polygon, ...]
    venue: Point

    def land_density(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Return the relative residential density at points, as if they were all on land."""
        dx = np.asarray(x)[..., None] - self.centre_xy[:, 0]
        dy = np.asarray(y)[..., None] - self.centre_xy[:, 1]
        towns = (self.centre_peak * np.exp(-np.sqrt(dx * dx + dy * dy) / self.centre_decay_m)).sum(axis=-1)
        country = self.rural_density * (1 + 0.35 * np.sin(x / 4_100.0 + 1.3) * np.cos(y / 3_300.0 - 0.4))
        return towns + country

    def density(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Return the relative residential density at points (0 on the water)."""
        return np.where(shapely.contains_xy(self.river.polygon, x, y), 0.0, self.land_density(x, y))


def noisy_blob(centre: tuple[float, float], area_m2: float, stretch: tuple[float, float],
               angle: float, roughness: float, rng: np.random.Generator) -> Polygon:
    """Return a smooth irregular star-shaped polygon of the given area."""
    theta = np.linspace(0, 2 * np.pi, 720, endpoint=False)
    k = np.arange(2, 18)
    amplitude = rng.normal(0, roughness, k.size) / k**1.1
    log_r = (amplitude * np.cos(k * theta[:, None] + rng.uniform(0, 2 * np.pi, k.size))).sum(axis=1)
    r = np.exp(log_r)
    px, py = stretch[0] * r * np.cos(theta), stretch[1] * r * np.sin(theta)
    c, s = np.cos(angle), np.sin(angle)
    shape = Polygon(np.column_stack([px * c - py * s, px * s + py * c]))
    factor = np.sqrt(area_m2 / shape.area)
    return shapely.affinity.affine_transform(shape, [factor, 0, 0, factor, centre[0], centre[1]])


def make_river(radius: float, angle: float, rng: np.random.Generator) -> River:
    """Return a meandering river axis passing ~0.1 radius north of the core (width not yet cut)."""
    wavelength = radius * np.array([2.2, 1.1, 0.55]) * rng.uniform(0.85, 1.15, 3)
    amplitude = wavelength * np.array([0.08, 0.06, 0.04]) * rng.uniform(0.6, 1.2, 3)
    phase = rng.uniform(0, 2 * np.pi, 3)
    offset = 0.1 * radius - float((amplitude * np.sin(phase)).sum())
    return River(angle, offset, amplitude, wavelength, phase, Polygon())


def river_water(river: River, outline: Polygon, radius: float, rng: np.random.Generator) -> Polygon:
    """Return the river's water (300-600 m wide band along its centreline) inside the outline."""
    u = np.linspace(-3 * radius, 3 * radius, 3_000)
    v = river.centre_v(u)
    c, s = np.cos(river.angle), np.sin(river.angle)
    x, y = u * c - v * s, u * s + v * c
    tx, ty = np.gradient(x), np.gradient(y)
    norm = np.hypot(tx, ty)
    nx, ny = -ty / norm, tx / norm
    half = 0.5 * (450 + 120 * np.sin(2 * np.pi * u / (1.3 * radius) + rng.uniform(0, 2 * np.pi)))
    left = np.column_stack([x + nx * half, y + ny * half])
    right = np.column_stack([x - nx * half, y - ny * half])
    band = shapely.make_valid(Polygon(np.vstack([left, right[::-1]])))
    return largest_part(shapely.intersection(band, outline))


def largest_part(geometry) -> Polygon:
    """Return the largest polygon of a (multi)polygon or collection."""
    parts = shapely.get_parts(geometry)
    parts = parts[shapely.get_type_id(parts) == 3]
    return parts[np.argmax(shapely.area(parts))]


def random_points_in(polygon: Polygon, n: int, rng: np.random.Generator) -> np.ndarray:
    """Return (m <= n, 2) uniform random points inside a polygon (rejection from its box)."""
    minx, miny, maxx, maxy = polygon.bounds
    xy = rng.uniform([minx, miny], [maxx, maxy], size=(n, 2))
    return xy[shapely.contains_xy(polygon, xy[:, 0], xy[:, 1])]


def population_centres(outline: Polygon, river: River, radius: float, n_towns: int,
                       rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return (xy, peak, decay) of the core, two secondary towns (one per bank) and market towns."""
    pts = random_points_in(outline.buffer(-0.04 * radius), 50 * n_towns + 400, rng)
    dist = np.hypot(pts[:, 0], pts[:, 1])
    north = river.left_bank(pts[:, 0], pts[:, 1])
    middle = (dist > 0.35 * radius) & (dist < 0.8 * radius)
    secondary = np.vstack([pts[middle & north][:1], pts[middle & ~north][:1]])
    towns = pts[dist > 0.3 * radius][: n_towns]
    xy = np.vstack([[0.0, 0.0], secondary, towns])
    peak = np.concatenate([[1.0], np.full(len(secondary), 0.35), rng.uniform(0.05, 0.12, len(towns))])
    decay = np.concatenate([[0.14], np.full(len(secondary), 0.06), np.full(len(towns), 0.025)]) * radius
    return xy, peak, decay


def industrial_parks(outline: Polygon, river: River, radius: float, count: int,
                     rng: np.random.Generator) -> tuple[Polygon, ...]:
    """Return ``count`` irregular parks along the river, downstream south and upstream north."""
    area = 0.012 * np.pi * radius**2
    park_radius = np.sqrt(area / np.pi)
    placements = ((0.45, -1.0), (-0.35, 1.0))[:count]
    inner = outline.buffer(-0.02 * radius).difference(river.polygon.buffer(150))
    parks = []
    for along, side in placements:
        u = along * radius
        v = river.centre_v(u) + side * (0.06 * radius + park_radius)
        c, s = np.cos(river.angle), np.sin(river.angle)
        blob = noisy_blob((u * c - v * s, u * s + v * c), area, (1.3, 0.8), river.angle, 0.15, rng)
        parks.append(largest_part(blob.intersection(inner)))
    return tuple(parks)


def venue_point(outline: Polygon, river: River, radius: float) -> Point:
    """Return the sports centre's site: 0.12 radius from the core, away from the river."""
    c, s = np.cos(river.angle), np.sin(river.angle)
    candidate = Point(0.12 * radius * s, -0.12 * radius * c)
    on_land = outline.contains(candidate) and not river.polygon.contains(candidate)
    return candidate if on_land else Point(0.0, 0.0)


def make_plan(n_grids: int, n_streets: int, n_parks: int, rng: np.random.Generator) -> CityPlan:
    """Return the city's outline, river, population centres, parks and venue."""
    radius = float(np.sqrt(city_area_km2(n_grids) * 1e6 / np.pi))
    angle = rng.uniform(-0.25, 0.25)
    river = make_river(radius, angle, rng)
    c, s = np.cos(angle), np.sin(angle)
    centre = (0.2 * radius * c - 0.05 * radius * s, 0.2 * radius * s + 0.05 * radius * c)
    outline = noisy_blob(centre, np.pi * radius**2, (1.25, 0.8), angle, 0.3, rng)
    river = River(angle, river.offset, river.amplitude, river.wavelength, river.phase,
                  river_water(river, outline, radius, rng))
    xy, peak, decay = population_centres(outline, river, radius, max(3, n_streets // 2), rng)
    parks = industrial_parks(outline, river, radius, n_parks, rng)
    return CityPlan(radius, outline, river, xy, peak, decay, 0.012, parks, venue_point(outline, river, radius))


def nearest_within(xy: np.ndarray, parent: np.ndarray, seed_xy: np.ndarray, seed_parent: np.ndarray) -> np.ndarray:
    """Return, per point, the index of the nearest seed that has the same parent."""
    # Shifting each parent's points far along x makes a plain nearest query respect parents.
    tree = shapely.STRtree(shapely.points(seed_xy[:, 0] + seed_parent * SIBLING_OFFSET_M, seed_xy[:, 1]))
    query = shapely.points(xy[:, 0] + parent * SIBLING_OFFSET_M, xy[:, 1])
    pairs = tree.query_nearest(query, all_matches=False)
    nearest = np.empty(len(xy), dtype=np.int64)
    nearest[pairs[0]] = pairs[1]
    return nearest


def weighted_means(xy: np.ndarray, weight: np.ndarray, label: np.ndarray, previous: np.ndarray) -> np.ndarray:
    """Return each label's weighted mean position (its previous one when it has no points)."""
    total = np.bincount(label, weight, minlength=len(previous))
    mx = np.bincount(label, weight * xy[:, 0], minlength=len(previous))
    my = np.bincount(label, weight * xy[:, 1], minlength=len(previous))
    keep = total <= 0
    safe = np.where(keep, 1.0, total)
    return np.where(keep[:, None], previous, np.column_stack([mx / safe, my / safe]))


def first_k_per_parent(parent: np.ndarray, key: np.ndarray, k: np.ndarray) -> np.ndarray:
    """Return indices of the k[p] smallest keys within each parent p, grouped by parent."""
    order = np.lexsort((key, parent))
    sorted_parent = parent[order]
    rank = np.arange(len(order)) - np.searchsorted(sorted_parent, sorted_parent, side="left")
    return order[rank < k[sorted_parent]]


def partition(xy: np.ndarray, weight: np.ndarray, parent: np.ndarray, k: np.ndarray,
              rng: np.random.Generator, iterations: int = 10) -> np.ndarray:
    """Return a group id per point from weighted k-means with k[p] groups inside each parent p.

    Group ids are 0..g-1, grouped by parent in ascending parent order; a parent's group
    that ends up empty is dropped, so a parent may get slightly fewer than k[p] groups.
    """
    # Efraimidis-Spirakis keys: weighted sampling without replacement of the first seeds.
    key = rng.exponential(size=len(xy)) / np.maximum(weight, 1e-12)
    chosen = first_k_per_parent(parent, key, k)
    seed_xy, seed_parent = xy[chosen], parent[chosen]
    for _ in range(iterations):
        label = nearest_within(xy, parent, seed_xy, seed_parent)
        seed_xy = weighted_means(xy, weight, label, seed_xy)
    label = nearest_within(xy, parent, seed_xy, seed_parent)
    return np.unique(label, return_inverse=True)[1]


def allocate(total: int, share: np.ndarray, cap: np.ndarray) -> np.ndarray:
    """Return integer counts in [1, cap] proportional to share, summing to ~total (largest remainder)."""
    raw = total * share / share.sum()
    counts = np.floor(raw).astype(np.int64)
    missing = int(total - counts.sum())
    counts[np.argsort(counts - raw, kind="stable")[:max(missing, 0)]] += 1
    return np.clip(counts, 1, cap)


def grid_seeds(plan: CityPlan, n: int, rng: np.random.Generator, iterations: int = 6) -> np.ndarray:
    """Return ~n grid seeds spaced like density**0.75 (weighted Lloyd relaxation on samples)."""
    land = plan.outline.difference(plan.river.polygon)
    pool = random_points_in(plan.outline, 20 * n, rng)
    weight = plan.density(pool[:, 0], pool[:, 1]) ** SEED_DENSITY_EXPONENT
    samples = pool[rng.choice(len(pool), size=8 * n, p=weight / weight.sum())]
    seeds = samples[rng.choice(len(samples), size=n, replace=False)]
    ones = np.ones(len(samples))
    for _ in range(iterations):
        label = nearest_within(samples, np.zeros(len(samples), np.int64), seeds, np.zeros(n, np.int64))
        seeds = weighted_means(samples, ones, label, seeds)
    seeds = np.unique(seeds, axis=0)
    return seeds[shapely.contains_xy(land.buffer(-1.0), seeds[:, 0], seeds[:, 1])]


def voronoi_cells(seeds: np.ndarray, outline: Polygon) -> np.ndarray:
    """Return the Voronoi cell of each seed, in seed order; together they cover the outline."""
    envelope = outline.envelope.buffer(0.1 * outline.length)
    return shapely.get_parts(shapely.voronoi_polygons(shapely.multipoints(seeds), extend_to=envelope, ordered=True))
