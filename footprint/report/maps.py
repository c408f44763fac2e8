"""Maps of a plan: ``network.gpkg``, ``map.png`` and ``map.html``, all made offline.

- ``network.gpkg`` (GeoPackage, via geopandas, WGS84) with layers ``sites`` (every active site:
  open or not, tier, printers, units made, cost), ``zones`` (demand and what is served),
  ``flows`` (one line per row of ``flows.csv`` with its attributes) and, with stock,
  ``transfers`` (one line per row of ``transfers.csv``);
- ``map.png``: country outlines, flows as lines coloured by mode (width by units), sites sized by
  the units they make and coloured by tier (candidate sites left closed as small grey marks);
- ``map.html``: the same as one self-contained page (inline SVG and a few lines of script, no
  tiles, no library from the web), with a check box per layer and a pop-up per site and flow.

Country outlines are Natural Earth's 1:110 m admin-0 countries (public domain), shipped with the
package (``countries.geojson``, taken from the geopandas 0.14 sample data): nothing is downloaded
at run time. Sites and zones without coordinates are left off the maps (and said in the page).
"""

from __future__ import annotations

import html
from pathlib import Path

import numpy as np

COUNTRIES = Path(__file__).with_name("countries.geojson")
MODE_COLOURS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf"]
TIER_COLOURS = ["#1b9e77", "#d95f02", "#7570b3", "#e7298a", "#66a61e", "#e6ab02"]


def network_layers(result) -> dict:
    """The plan's sites, zones and flows as GeoDataFrames (EPSG:4326), placed by the coordinates
    the result carries (``result.geo``: the case's sites and zones with lat, lon, demand)."""
    import geopandas as gpd
    from shapely.geometry import LineString

    sites_in = result.geo["sites"].set_index("site")
    zones_in = result.geo["zones"].set_index("zone")
    sites = result.tables["sites"].copy()
    sites["lat"] = sites["site"].map(sites_in["lat"]).astype(float)
    sites["lon"] = sites["site"].map(sites_in["lon"]).astype(float)
    printers = result.tables["printers"].groupby("site")["printers"].sum()
    sites["printers"] = sites["site"].map(printers).fillna(0).astype(int)
    sites = sites.dropna(subset=["lat", "lon"])
    site_layer = gpd.GeoDataFrame(sites.drop(columns=["lat", "lon"]), crs="EPSG:4326",
                                  geometry=gpd.points_from_xy(sites["lon"], sites["lat"]))
    served = result.tables["flows"].groupby("zone")["units"].sum()
    zones = zones_in.reset_index()[["zone", "name", "country", "lat", "lon", "demand"]].dropna(subset=["lat", "lon"])
    zones = zones.assign(served=zones["zone"].map(served).fillna(0.0))
    zone_layer = gpd.GeoDataFrame(zones.drop(columns=["lat", "lon"]), crs="EPSG:4326",
                                  geometry=gpd.points_from_xy(zones["lon"], zones["lat"]))
    flows = result.tables["flows"].copy()
    ends = []
    for s, z in zip(flows["site"], flows["zone"]):
        a, b = (sites_in.at[s, "lon"], sites_in.at[s, "lat"]), (zones_in.at[z, "lon"], zones_in.at[z, "lat"])
        ends.append(LineString([a, b]) if not (np.isnan(a).any() or np.isnan(b).any()) else None)
    flow_layer = gpd.GeoDataFrame(flows.assign(on_time=flows["on_time"].astype(bool)), crs="EPSG:4326",
                                  geometry=ends)
    flow_layer = flow_layer[flow_layer.geometry.notna()]
    layers = {"sites": site_layer, "zones": zone_layer, "flows": flow_layer}
    moved = result.tables.get("transfers")
    if moved is not None and len(moved):
        # Stock sent to warehouses: without it a warehouse would seem to ship from nowhere.
        lines = [LineString([(sites_in.at[a, "lon"], sites_in.at[a, "lat"]), (sites_in.at[b, "lon"], sites_in.at[b, "lat"])])
                 for a, b in zip(moved["from_site"], moved["to_site"])]
        layers["transfers"] = gpd.GeoDataFrame(moved.copy(), crs="EPSG:4326", geometry=lines)
    return layers


def write_maps(result, folder: Path) -> list[Path]:
    """network.gpkg, map.png and map.html into ``folder``; returns the paths written (none when
    the result carries no coordinates)."""
    if not getattr(result, "geo", None):
        return []
    layers = network_layers(result)
    gpkg = folder / "network.gpkg"
    for name, layer in layers.items():
        layer.to_file(gpkg, layer=name, driver="GPKG")
    return [gpkg, _png(result, layers, folder / "map.png"), _html(result, layers, folder / "map.html")]


def _extent(layers) -> tuple[float, float, float, float]:
    """The map's frame (lon, lat): around the demand, where the planner looks; a far plant's
    flows leave the frame toward it (its name in the legend)."""
    points = layers["zones"].geometry if len(layers["zones"]) else layers["sites"].geometry
    xs, ys = points.x.to_numpy(float), points.y.to_numpy(float)
    if not len(xs):
        return -10.0, 35.0, 30.0, 70.0
    pad_x, pad_y = max(2.0, 0.08 * (xs.max() - xs.min())), max(2.0, 0.08 * (ys.max() - ys.min()))
    return xs.min() - pad_x, ys.min() - pad_y, xs.max() + pad_x, ys.max() + pad_y


def _png(result, layers, path: Path) -> Path:
    import geopandas as gpd
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    x0, y0, x1, y1 = _extent(layers)
    # Degrees of longitude shrink with latitude: size the figure like the map it holds.
    ratio = (y1 - y0) / max((x1 - x0) * np.cos(np.radians((y0 + y1) / 2)), 1e-9)
    fig = Figure(figsize=(10, float(np.clip(10 * ratio, 4, 12)) + 0.6), layout="constrained")
    FigureCanvasAgg(fig)
    ax = fig.subplots()
    countries = gpd.read_file(COUNTRIES).cx[x0:x1, y0:y1]
    if len(countries):  # a case in the open sea (the tests' lat 0, lon 0) has none
        countries.plot(ax=ax, color="#f2f2f2", edgecolor="#9e9e9e", linewidth=0.5)
    flows = layers["flows"]
    modes = sorted(flows["mode"].unique()) if len(flows) else []
    top = float(flows["units"].max()) if len(flows) else 1.0
    for i, mode in enumerate(modes):
        part = flows[flows["mode"] == mode]
        part.plot(ax=ax, color=MODE_COLOURS[i % len(MODE_COLOURS)], alpha=0.25,
                  linewidth=0.2 + 2.5 * part["units"].to_numpy(float) / top, label=f"flows by {mode}")
    if "transfers" in layers:
        layers["transfers"].plot(ax=ax, color="black", linewidth=1.6, linestyle="--", label="transfers to stock")
    sites = layers["sites"]
    shut = sites[~sites["open"].astype(bool)]
    if len(shut):
        shut.plot(ax=ax, color="#bdbdbd", markersize=8, marker="x", label="candidate, closed")
    opened = sites[sites["open"].astype(bool)]
    tiers = sorted(opened["tier"].unique())
    inside = opened[(opened.geometry.x >= x0) & (opened.geometry.x <= x1) & (opened.geometry.y >= y0)
                    & (opened.geometry.y <= y1)]
    # Sized against the largest site in the frame (a far plant would shrink every other mark).
    biggest = float(inside["units_made"].max()) if len(inside) and inside["units_made"].max() > 0 else 1.0
    for i, tier in enumerate(tiers):
        part = opened[opened["tier"] == tier]
        part.plot(ax=ax, color=TIER_COLOURS[i % len(TIER_COLOURS)], edgecolor="black", linewidth=0.6,
                  markersize=30 + 600 * np.minimum(part["units_made"].to_numpy(float) / biggest, 1.0),
                  label=f"open: {tier}", zorder=3)
        for row in part.itertuples():
            ax.annotate(row.site, (row.geometry.x, row.geometry.y), fontsize=7, xytext=(4, 4),
                        textcoords="offset points")
    outside = opened[(opened.geometry.x < x0) | (opened.geometry.x > x1) | (opened.geometry.y < y0)
                     | (opened.geometry.y > y1)]
    if len(outside):
        ax.text(0.99, 0.01, "outside the frame: " + ", ".join(outside["site"]), transform=ax.transAxes,
                ha="right", va="bottom", fontsize=8)
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.set_aspect(1 / np.cos(np.radians((y0 + y1) / 2)))
    ax.set_title(f"{result.case_name}: {len(opened)} open sites, {result.objective:,.0f} "
                 f"{result.settings.get('currency') or ''} a year (site size: units made)")
    if ax.get_legend_handles_labels()[0]:
        ax.legend(loc="lower left", fontsize=8, markerscale=0.5)
    ax.set_axis_off()
    fig.savefig(path, dpi=100)
    return path


def _html(result, layers, path: Path) -> Path:
    """A self-contained SVG page: one group per layer, a check box each, pop-ups on click."""
    import geopandas as gpd

    x0, y0, x1, y1 = _extent(layers)
    # Degrees of longitude shrink with latitude: the frame's height scaled as on the ground.
    squeeze = float(np.cos(np.radians((y0 + y1) / 2)))
    width, height = 1000.0, 1000.0 * (y1 - y0) / max((x1 - x0) * squeeze, 1e-9)

    def xy(lon, lat):
        return (lon - x0) / (x1 - x0) * width, (y1 - lat) / (y1 - y0) * height

    parts = []
    countries = gpd.read_file(COUNTRIES).cx[x0:x1, y0:y1]
    paths = []
    for geom in countries.geometry:
        polys = getattr(geom, "geoms", [geom])
        for poly in polys:
            pts = " ".join("{:.1f},{:.1f}".format(*xy(x, y)) for x, y in poly.exterior.coords)
            paths.append(f'<polygon points="{pts}"/>')
    parts.append(f'<g id="countries" fill="#f2f2f2" stroke="#9e9e9e" stroke-width="0.6">{"".join(paths)}</g>')
    flows = layers["flows"]
    modes = sorted(flows["mode"].unique()) if len(flows) else []
    top = float(flows["units"].max()) if len(flows) else 1.0
    lines = []
    for row in flows.itertuples():
        (ax_, ay_), (bx, by) = (xy(*row.geometry.coords[0]), xy(*row.geometry.coords[-1]))
        colour = MODE_COLOURS[modes.index(row.mode) % len(MODE_COLOURS)]
        info = (f"{row.site} → {row.zone}: {row.units:,.0f} × {row.product} by {row.mode}, "
                f"{row.lead_time_days:.2f} days" if row.lead_time_days == row.lead_time_days else
                f"{row.site} → {row.zone}: {row.units:,.0f} × {row.product} by {row.mode}")
        lines.append(f'<line x1="{ax_:.1f}" y1="{ay_:.1f}" x2="{bx:.1f}" y2="{by:.1f}" stroke="{colour}" '
                     f'stroke-opacity="0.4" stroke-width="{0.4 + 3 * row.units / top:.2f}" '
                     f'data-info="{html.escape(info)}"><title>{html.escape(info)}</title></line>')
    parts.append(f'<g id="flows">{"".join(lines)}</g>')
    moves = []
    for row in (layers["transfers"].itertuples() if "transfers" in layers else []):
        (ax_, ay_), (bx, by) = (xy(*row.geometry.coords[0]), xy(*row.geometry.coords[-1]))
        info = f"transfer {row.from_site} → {row.to_site}: {row.units:,.0f} × {row.product} by {row.mode} into stock"
        moves.append(f'<line x1="{ax_:.1f}" y1="{ay_:.1f}" x2="{bx:.1f}" y2="{by:.1f}" stroke="black" '
                     f'stroke-dasharray="6,3" stroke-width="2" data-info="{html.escape(info)}">'
                     f'<title>{html.escape(info)}</title></line>')
    parts.append(f'<g id="transfers">{"".join(moves)}</g>')
    zones = []
    for row in layers["zones"].itertuples():
        x, y = xy(row.geometry.x, row.geometry.y)
        info = f"zone {row.zone} ({row.name}): demand {row.demand:,.0f}, served {row.served:,.0f}"
        zones.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="2" fill="#555" data-info="{html.escape(info)}">'
                     f'<title>{html.escape(info)}</title></circle>')
    parts.append(f'<g id="zones">{"".join(zones)}</g>')
    sites = layers["sites"]
    opened = sites[sites["open"].astype(bool)]
    tiers = sorted(opened["tier"].unique())
    biggest = float(opened["units_made"].max()) if len(opened) and opened["units_made"].max() > 0 else 1.0
    marks = []
    for row in sites.itertuples():
        x, y = xy(row.geometry.x, row.geometry.y)
        if row.open:
            colour = TIER_COLOURS[tiers.index(row.tier) % len(TIER_COLOURS)]
            radius = 4 + 16 * np.sqrt(row.units_made / biggest)
            info = (f"{row.site} ({row.name}), {row.tier}: {row.printers} printers, {row.units_made:,.0f} units, "
                    f"cost {row.total:,.0f} a year")
            marks.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{radius:.1f}" fill="{colour}" stroke="black" '
                         f'data-info="{html.escape(info)}"><title>{html.escape(info)}</title></circle>'
                         f'<text x="{x + radius + 2:.1f}" y="{y:.1f}" font-size="10">{html.escape(row.site)}</text>')
        else:
            info = f"{row.site} ({row.name}): candidate, closed in this plan"
            marks.append(f'<rect x="{x - 2:.1f}" y="{y - 2:.1f}" width="4" height="4" fill="#bdbdbd" '
                         f'data-info="{html.escape(info)}"><title>{html.escape(info)}</title></rect>')
    parts.append(f'<g id="sites">{"".join(marks)}</g>')
    boxes = "".join(f'<label><input type="checkbox" checked data-layer="{name}"> {name}</label> '
                    for name in ("countries", "flows", "transfers", "zones", "sites"))
    legend = " · ".join(f'<span style="color:{MODE_COLOURS[i % len(MODE_COLOURS)]}">━ {html.escape(m)}</span>'
                        for i, m in enumerate(modes))
    legend += " · " + " · ".join(f'<span style="color:{TIER_COLOURS[i % len(TIER_COLOURS)]}">● {html.escape(t)}</span>'
                                 for i, t in enumerate(tiers))
    title = html.escape(f"{result.case_name}: {len(opened)} open sites, {result.objective:,.0f} "
                        f"{result.settings.get('currency') or ''} a year")
    page = f"""<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>{title}</title>
<style>body{{font-family:sans-serif;margin:12px}} #popup{{min-height:1.4em;background:#ffffe0;padding:4px}}
svg{{border:1px solid #ccc;max-width:100%;height:auto}}</style></head>
<body><h3>{title}</h3><div>{boxes}</div><div>{legend}</div><div id="popup">click a site or a flow</div>
<svg id="map" viewBox="0 0 {width:.0f} {height:.0f}" width="{width:.0f}" height="{height:.0f}">{"".join(parts)}</svg>
<script>
document.querySelectorAll('input[data-layer]').forEach(function (box) {{
  box.addEventListener('change', function () {{
    document.getElementById(box.dataset.layer).style.display = box.checked ? '' : 'none';
  }});
}});
document.getElementById('map').addEventListener('click', function (event) {{
  var info = event.target.getAttribute('data-info');
  if (info) {{ document.getElementById('popup').textContent = info; }}
}});
// map.html#hide=flows,zones opens with those layers off (a link to a view; the tests use it too)
var hide = (location.hash.match(/hide=([\\w,]+)/) || [null, ''])[1].split(',');
document.querySelectorAll('input[data-layer]').forEach(function (box) {{
  if (hide.indexOf(box.dataset.layer) >= 0) {{ box.checked = false; box.dispatchEvent(new Event('change')); }}
}});
document.body.setAttribute('data-ready', 'yes');
</script></body></html>
"""
    path.write_text(page, encoding="utf-8")
    return path
