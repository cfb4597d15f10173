"""Maps of a portrait de territoire: territory contours read from GeoJSON (as IGN publishes the
ADMIN EXPRESS communes and INSEE the IRIS contours), checked and simplified, and a choropleth of
one figure by territory drawn as accessible SVG by matplotlib on the server — no tile server, no
JavaScript, the numbers in a table beside it.

Coordinates are longitude/latitude (WGS 84, EPSG:4326, GeoJSON's own). A file in Lambert 93 is
refused with a message that says how to export it, rather than drawn somewhere off France."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from html import escape

import shapely
from matplotlib.figure import Figure
from matplotlib.patches import PathPatch
from matplotlib.path import Path
from shapely.geometry import MultiPolygon, Polygon, mapping, shape

from .charts import _svg, french_number
from .territories import COMMUNE, IRIS, code_error, normalise_code

MAX_FEATURES = 40_000  # more than France's communes: a file beyond is not a contour file
# About 50 m at French latitudes: invisible on a commune or IRIS map, and it divides a full
# ADMIN EXPRESS commune by ten or more.
SIMPLIFY_DEGREES = 0.0005
DIGITS = 5  # about one metre

CODE_PROPERTIES = {
    COMMUNE: ("INSEE_COM", "insee_com", "CODE_INSEE", "code_insee", "INSEE", "insee", "CODGEO",
              "codgeo", "com", "code"),
    IRIS: ("CODE_IRIS", "code_iris", "DCOMIRIS", "dcomiris", "CODGEO", "codgeo", "iris", "code"),
}  # fmt: skip
NAME_PROPERTIES = ("NOM", "nom", "NOM_COM", "nom_com", "NOM_IRIS", "nom_iris", "LIBGEO",
                   "libgeo", "LIBIRIS", "libiris", "name", "NAME")  # fmt: skip

# ColorBrewer's sequential Blues: told apart in grey and by colour-blind readers.
CLASS_COLOURS = {
    1: ("#3182bd",),
    2: ("#9ecae1", "#3182bd"),
    3: ("#deebf7", "#9ecae1", "#3182bd"),
    4: ("#eff3ff", "#bdd7e7", "#6baed6", "#2171b5"),
    5: ("#eff3ff", "#bdd7e7", "#6baed6", "#3182bd", "#08519c"),
}
NO_DATA_COLOUR = "#f3f4f6"
NO_DATA_HATCH = "//"
NO_DATA_HATCH_COLOUR = "#9ca3af"
EDGE_COLOUR = "#374151"


@dataclass
class Contour:
    code: str
    name: str
    geometry: dict  # GeoJSON Polygon or MultiPolygon, simplified and rounded


@dataclass
class ContourFile:
    contours: list[Contour] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # the file is refused
    rejected: list[str] = field(default_factory=list)  # features left out, each with its reason
    repaired: int = 0  # invalid polygons (self-crossing rings…) made valid


def _property(properties: dict, names: tuple[str, ...]) -> tuple[str | None, str]:
    for name in names:
        value = properties.get(name)
        if value not in (None, ""):
            return name, str(value).strip()
    return None, ""


def _rounded(coordinates):
    if coordinates and isinstance(coordinates[0], (int, float)):
        return [round(coordinates[0], DIGITS), round(coordinates[1], DIGITS)]
    return [_rounded(part) for part in coordinates]


def _projected(geometry) -> bool:
    minx, miny, maxx, maxy = geometry.bounds
    return not (-180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90)


def read_contours(raw: bytes, level: str, *, code_property: str | None = None) -> ContourFile:
    """The contours of a GeoJSON FeatureCollection for territories of `level` (commune or
    IRIS). The territory code is read from `code_property`, else from the first usual column
    (INSEE_COM, CODE_IRIS, CODGEO…). A feature whose code is missing or malformed, or whose
    geometry is not a polygon, is left out with its number and the reason; a file that is not
    GeoJSON, is projected, or has no usable feature is refused."""
    result = ContourFile()
    try:
        data = json.loads(raw.decode("utf-8-sig"))
    except UnicodeDecodeError:
        result.errors.append("Le fichier n'est pas en UTF-8 : un GeoJSON l'est toujours.")
        return result
    except json.JSONDecodeError as error:
        result.errors.append(
            f"Le fichier n'est pas un GeoJSON lisible : JSON mal formé ligne {error.lineno}, "
            f"colonne {error.colno}."
        )
        return result
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
        result.errors.append(
            "Le fichier n'est pas une collection d'objets GeoJSON (« FeatureCollection »)."
        )
        return result
    features = data.get("features")
    if not isinstance(features, list) or not features:
        result.errors.append("Le fichier ne contient aucun contour (« features » est vide).")
        return result
    if len(features) > MAX_FEATURES:
        result.errors.append(
            f"Le fichier contient {len(features)} objets : {MAX_FEATURES} au plus."
        )
        return result
    names = (code_property,) if code_property else CODE_PROPERTIES[level]
    seen: dict[str, int] = {}
    for number, feature in enumerate(features, start=1):
        where = f"Objet {number}"
        properties = feature.get("properties") if isinstance(feature, dict) else None
        if not isinstance(properties, dict):
            result.rejected.append(f"{where} : pas de propriétés, donc pas de code de territoire.")
            continue
        found, code = _property(properties, names)
        if found is None:
            result.rejected.append(f"{where} : aucune propriété de code ({', '.join(names[:4])}…).")
            continue
        code = normalise_code(code)
        problem = code_error(code, level)
        if problem:
            result.rejected.append(f"{where} ({found} = « {code} ») : {problem}")
            continue
        if code in seen:
            result.rejected.append(
                f"{where} : le code {code} est déjà celui de l'objet {seen[code]}."
            )
            continue
        try:
            geometry = shape(feature.get("geometry") or {})
        except (AttributeError, KeyError, TypeError, ValueError, shapely.errors.GEOSException):
            result.rejected.append(f"{where} ({code}) : géométrie illisible.")
            continue
        if not isinstance(geometry, (Polygon, MultiPolygon)) or geometry.is_empty:
            result.rejected.append(
                f"{where} ({code}) : la géométrie est un {geometry.geom_type}, pas un polygone."
            )
            continue
        if _projected(geometry):
            result.errors.append(
                f"{where} ({code}) : les coordonnées ne sont pas des longitudes et latitudes. "
                "Le fichier est sans doute en Lambert 93 : exportez-le en WGS 84 (EPSG:4326), "
                "par exemple avec QGIS ou « ogr2ogr -t_srs EPSG:4326 »."
            )
            return result
        if not geometry.is_valid:
            geometry = shapely.make_valid(geometry)
            polygons = [
                part for part in getattr(geometry, "geoms", [geometry])
                if isinstance(part, (Polygon, MultiPolygon))
            ]  # fmt: skip
            geometry = shapely.union_all(polygons) if polygons else geometry
            if not isinstance(geometry, (Polygon, MultiPolygon)) or geometry.is_empty:
                result.rejected.append(f"{where} ({code}) : polygone invalide et irréparable.")
                continue
            result.repaired += 1
        simplified = geometry.simplify(SIMPLIFY_DEGREES, preserve_topology=True)
        if simplified.is_empty:
            simplified = geometry
        seen[code] = number
        _, name = _property(properties, NAME_PROPERTIES)
        shaped = mapping(simplified)
        result.contours.append(
            Contour(
                code,
                name[:200],
                {"type": shaped["type"], "coordinates": _rounded(shaped["coordinates"])},
            )
        )
    if not result.contours:
        result.errors.append("Aucun contour utilisable dans le fichier : voir les objets rejetés.")
    return result


# --- choropleth ----------------------------------------------------------------------------------


@dataclass
class MapClass:
    low: float
    high: float
    colour: str
    count: int = 0


@dataclass
class Choropleth:
    svg: str
    classes: list[MapClass]
    no_data: int  # territories drawn without a figure (missing, secret)
    method: str  # how the classes were cut, as the legend says it


def class_breaks(values: list[float], wanted: int = 5) -> list[tuple[float, float]]:
    """Classes of equal counts (quantiles), at most `wanted`, fewer when there are fewer
    distinct values; each class as (lowest, highest) of the values it holds."""
    ordered = sorted(set(values))
    if not ordered:
        return []
    count = min(wanted, len(ordered))
    every = sorted(values)
    bounds = []
    for index in range(count):
        low = every[math.floor(index * len(every) / count)]
        high = every[math.ceil((index + 1) * len(every) / count) - 1]
        if bounds and low <= bounds[-1][1]:
            low = min((v for v in ordered if v > bounds[-1][1]), default=None)
            if low is None or low > high:
                continue
        bounds.append((low, high))
    return bounds


def _paths(geometry: dict, scale: float) -> Path:
    """One matplotlib path of a polygon or multipolygon, holes included (even-odd filling)."""
    polygons = (
        [geometry["coordinates"]] if geometry["type"] == "Polygon" else geometry["coordinates"]
    )
    vertices, codes = [], []
    for polygon in polygons:
        for ring in polygon:
            points = [(x * scale, y) for x, y in ring]
            vertices.extend(points)
            codes.extend([Path.MOVETO] + [Path.LINETO] * (len(points) - 2) + [Path.CLOSEPOLY])
    return Path(vertices, codes)


def choropleth(
    map_id: str,
    title: str,
    description: str,
    shapes: list[tuple[str, str, dict]],
    values: dict[str, float | None],
    *,
    unit: str = "",
    notes: dict[str, str] | None = None,
) -> Choropleth:
    """A map of `shapes` (code, name, GeoJSON geometry), each filled by the class of its value;
    a territory without a value is left light grey and hatched, with its note (« secret
    statistique ») in its tooltip. The legend states each class's bounds and how many
    territories it holds."""
    notes = notes or {}
    known = [value for code, _, _ in shapes if (value := values.get(code)) is not None]
    breaks = class_breaks(known)
    colours = CLASS_COLOURS.get(len(breaks), ())
    classes = [MapClass(low, high, colour) for (low, high), colour in zip(breaks, colours)]

    def class_of(value: float) -> MapClass | None:
        return next((c for c in classes if c.low <= value <= c.high), None)

    latitudes = [
        y
        for _, _, geometry in shapes
        for polygon in (
            [geometry["coordinates"]] if geometry["type"] == "Polygon" else geometry["coordinates"]
        )
        for ring in polygon
        for _, y in ring
    ]
    # Equirectangular, shrunk by the cosine of the middle latitude: true to shape at a town's or
    # a département's size.
    scale = math.cos(math.radians((min(latitudes) + max(latitudes)) / 2)) if latitudes else 1.0
    figure = Figure(figsize=(5.2, 4.6))
    axes = figure.add_axes((0, 0, 1, 1))
    no_data = 0
    tooltips = {}
    for index, (code, name, geometry) in enumerate(shapes):
        value = values.get(code)
        found = class_of(value) if value is not None else None
        if found is not None:
            found.count += 1
            shown = f"{french_number(value)}{(' ' + unit) if unit else ''}"
        else:
            no_data += 1
            shown = notes.get(code) or "pas de donnée"
        patch = PathPatch(
            _paths(geometry, scale),
            facecolor=found.colour if found else NO_DATA_COLOUR,
            edgecolor=EDGE_COLOUR,
            linewidth=0.6,
            hatch=None if found else NO_DATA_HATCH,
            hatchcolor=NO_DATA_HATCH_COLOUR,
        )
        patch.set_gid(f"zone-{index}")
        axes.add_patch(patch)
        tooltips[f"zone-{index}"] = f"{name or code} : {shown}"
    axes.autoscale_view()
    axes.set_aspect("equal")
    axes.axis("off")
    svg = _svg(figure, map_id, title, description)
    # A tooltip on each territory: its name and its figure, as the table beside says them.
    for gid, tooltip in tooltips.items():
        marker = f'<g id="{map_id}-{gid}">'
        svg = svg.replace(marker, f"{marker}<title>{escape(tooltip)}</title>", 1)
    svg = svg.replace('class="chart"', 'class="chart map"', 1)
    return Choropleth(svg, classes, no_data, "classes d'effectifs égaux (quantiles)")
