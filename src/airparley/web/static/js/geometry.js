// Notice volumes as Leaflet layers. Shapes (docs/formats.md): polygon, circle (centre + radius_nm),
// corridor (centreline + half_width_nm, round ends), orbit (two points + radius_nm, a racetrack).
// Curved shapes are drawn in a local flat frame per segment: for display only, the node's geometry
// (geodesic, WGS84) is what conflicts are computed on.

const NM_PER_DEG_LAT = 60.0;
const METRES_PER_NM = 1852.0;

function capsule(a, b, radiusNm, steps = 24) {
  const lat0 = ((a[1] + b[1]) / 2) * (Math.PI / 180);
  const kx = NM_PER_DEG_LAT * Math.cos(lat0);
  const toXY = ([lon, lat]) => [lon * kx, lat * NM_PER_DEG_LAT];
  const toLatLng = ([x, y]) => [y / NM_PER_DEG_LAT, x / kx];
  const pa = toXY(a);
  const pb = toXY(b);
  const heading = Math.atan2(pb[1] - pa[1], pb[0] - pa[0]);
  const ring = [];
  for (const [centre, from] of [[pb, heading - Math.PI / 2], [pa, heading + Math.PI / 2]]) {
    for (let i = 0; i <= steps; i++) {
      const angle = from + (Math.PI * i) / steps;
      ring.push(toLatLng([centre[0] + radiusNm * Math.cos(angle), centre[1] + radiusNm * Math.sin(angle)]));
    }
  }
  return ring;
}

const ringLatLngs = (ring) => ring.map(([lon, lat]) => [lat, lon]);

/** A Leaflet layer for one notice volume (a GeoJSON Feature of the node's notices document). */
export function volumeLayer(feature, style) {
  const props = feature.properties || {};
  const geometry = feature.geometry || {};
  const shape = props.shape || "polygon";
  const options = { ...style, pmIgnore: true };
  if (shape === "circle" && geometry.type === "Point") {
    const [lon, lat] = geometry.coordinates;
    return L.circle([lat, lon], { ...options, radius: props.radius_nm * METRES_PER_NM });
  }
  if ((shape === "corridor" || shape === "orbit") && geometry.type === "LineString") {
    const radius = shape === "corridor" ? props.half_width_nm : props.radius_nm;
    const points = geometry.coordinates;
    const parts = [];
    for (let i = 0; i + 1 < points.length; i++) parts.push(capsule(points[i], points[i + 1], radius));
    return L.polygon(parts.length === 1 ? parts[0] : parts.map((p) => [p]), options);
  }
  if (geometry.type === "Polygon") return L.polygon(geometry.coordinates.map(ringLatLngs), options);
  if (geometry.type === "MultiPolygon") {
    return L.polygon(geometry.coordinates.map((polygon) => polygon.map(ringLatLngs)), options);
  }
  return L.geoJSON(geometry, { ...options, style: () => style });
}

/** A GeoJSON geometry (a conflict's overlap footprint) as a Leaflet layer. */
export function footprintLayer(geometry, style) {
  return L.geoJSON(geometry, { pmIgnore: true, style: () => style, interactive: true });
}

/** Default widths for a line drawn as a corridor (half width) or an orbit (radius), NM. */
export const DEFAULT_HALF_WIDTH_NM = 5;
export const DEFAULT_ORBIT_RADIUS_NM = 10;

function isLine(layer) {
  return layer instanceof L.Polyline && !(layer instanceof L.Polygon);
}

/** A drawn layer (Leaflet-Geoman) as a notice's geometry and shape properties. ``shape`` says what a
 * drawn line stands for: a corridor (its centreline) or an orbit (its two turn points). */
export function drawnGeometry(layer, shape = null) {
  if (layer instanceof L.Circle) {
    const centre = layer.getLatLng();
    return {
      geometry: { type: "Point", coordinates: [round(centre.lng), round(centre.lat)] },
      shape: "circle",
      radius_nm: Math.round((layer.getRadius() / METRES_PER_NM) * 100) / 100,
    };
  }
  if (isLine(layer)) {
    const flat = layer.getLatLngs().flat(Infinity);
    let coordinates = flat.map((p) => [round(p.lng), round(p.lat)]);
    if (shape === "orbit") coordinates = coordinates.length > 2 ? [coordinates[0], coordinates[coordinates.length - 1]] : coordinates;
    return {
      geometry: { type: "LineString", coordinates },
      shape: shape === "orbit" ? "orbit" : "corridor",
    };
  }
  const latlngs = layer.getLatLngs();
  const outer = Array.isArray(latlngs[0]) ? latlngs[0] : latlngs;
  const ring = outer.map((p) => [round(p.lng), round(p.lat)]);
  if (ring.length && (ring[0][0] !== ring[ring.length - 1][0] || ring[0][1] !== ring[ring.length - 1][1])) {
    ring.push([...ring[0]]);
  }
  return { geometry: { type: "Polygon", coordinates: [ring] }, shape: "polygon" };
}

/** An editable Leaflet layer for a notice volume (to revise it): the polygon, the circle, or the line
 * of a corridor or orbit (its width is a field of the form). */
export function editableLayer(feature, style) {
  const props = feature.properties || {};
  const geometry = feature.geometry || {};
  const shape = props.shape || "polygon";
  if (shape === "circle" && geometry.type === "Point") {
    const [lon, lat] = geometry.coordinates;
    return L.circle([lat, lon], { ...style, radius: props.radius_nm * METRES_PER_NM });
  }
  if (geometry.type === "LineString") return L.polyline(ringLatLngs(geometry.coordinates), style);
  if (geometry.type === "Polygon") return L.polygon(ringLatLngs(geometry.coordinates[0].slice(0, -1)), style);
  return null;
}

/** The display outline of a corridor or orbit being drawn: its line widened by ``widthNm``. */
export function widenedLayer(coordinates, shape, widthNm, style) {
  if (!(widthNm > 0) || coordinates.length < 2) return null;
  const properties = shape === "orbit" ? { shape, radius_nm: widthNm } : { shape: "corridor", half_width_nm: widthNm };
  return volumeLayer({ geometry: { type: "LineString", coordinates }, properties }, { ...style, interactive: false });
}

const FT_PER_M = 1 / 0.3048;

/** A notice altitude (a number of feet MSL, or {value, unit, ref}) in feet MSL; FL under the standard atmosphere. */
export function altitudeFt(alt) {
  if (typeof alt === "number") return alt;
  if (!alt || typeof alt !== "object" || typeof alt.value !== "number") return null;
  if (alt.ref === "FL") return alt.value * 100;
  return alt.unit === "m" ? alt.value * FT_PER_M : alt.value;
}

/** "lon lat" positions, one per line (or separated by ";"), as [[lon, lat], ...]; throws on bad input. */
export function parsePositions(text) {
  const positions = [];
  for (const part of String(text).split(/[\n;]+/).map((p) => p.trim()).filter(Boolean)) {
    const numbers = part.split(/[\s,]+/).filter(Boolean).map(Number);
    if (numbers.length !== 2 || !numbers.every(Number.isFinite)) throw new Error(`"${part}" is not "lon lat"`);
    const [lon, lat] = numbers;
    if (Math.abs(lon) > 180 || Math.abs(lat) > 90) throw new Error(`"${part}" is outside lon -180..180, lat -90..90`);
    positions.push([lon, lat]);
  }
  return positions;
}

/** [[lon, lat], ...] as "lon lat" lines. */
export function formatPositions(positions) {
  return positions.map(([lon, lat]) => `${lon} ${lat}`).join("\n");
}

function round(value) {
  return Math.round(value * 1e5) / 1e5;
}
