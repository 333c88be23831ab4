// Build the desk UI's offline assets from the npm packages installed by `npm ci` (see package.json).
//
//   node web/build.mjs            (or: make web)
//
// Writes build outputs only (never committed, listed in .gitignore):
//   src/airparley/web/static/vendor/   Leaflet, Leaflet-Geoman: the dist files the page loads, and their licences
//   src/airparley/web/static/basemap/  Natural Earth countries (world-atlas TopoJSON -> GeoJSON), clipped to the
//                                      theatre and rounded, so the map needs no tile server and no network
//   src/airparley/node/docs_assets/    Swagger UI and ReDoc for the node's /docs and /redoc (the node serves
//                                      them itself: on an offline network a CDN page would be blank)
// Nothing here fetches anything: it reads web/node_modules and writes files.

import { copyFileSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const require = createRequire(import.meta.url);
const topojson = require("topojson-client");

const here = dirname(fileURLToPath(import.meta.url));
const modules = join(here, "node_modules");
const staticDir = join(here, "..", "src", "airparley", "web", "static");
const vendor = join(staticDir, "vendor");
const basemap = join(staticDir, "basemap");
// The node's own folder (the node must not import web, so the API docs' assets are not under web/static).
const docsAssets = join(here, "..", "src", "airparley", "node", "docs_assets");

// The theatre: the eastern Mediterranean to the far shore of the Caspian, the Gulf to the Black Sea
// (WGS84 degrees: west, south, east, north). Countries are clipped to it; the map cannot pan outside it.
const THEATRE = [20, 12, 70, 50];
// 1e-4 degree is about 11 m: far below what a 1:10m basemap can show.
const DECIMALS = 4;

function copy(from, to) {
  mkdirSync(dirname(to), { recursive: true });
  copyFileSync(from, to);
}

function copyDir(from, to) {
  for (const name of readdirSync(from)) copy(join(from, name), join(to, name));
}

function vendorFiles() {
  rmSync(vendor, { recursive: true, force: true });
  const leaflet = join(modules, "leaflet");
  copy(join(leaflet, "dist", "leaflet.js"), join(vendor, "leaflet", "leaflet.js"));
  copy(join(leaflet, "dist", "leaflet.css"), join(vendor, "leaflet", "leaflet.css"));
  copyDir(join(leaflet, "dist", "images"), join(vendor, "leaflet", "images"));
  copy(join(leaflet, "LICENSE"), join(vendor, "leaflet", "LICENSE"));
  const geoman = join(modules, "@geoman-io", "leaflet-geoman-free");
  copy(join(geoman, "dist", "leaflet-geoman.min.js"), join(vendor, "geoman", "leaflet-geoman.min.js"));
  copy(join(geoman, "dist", "leaflet-geoman.css"), join(vendor, "geoman", "leaflet-geoman.css"));
  copy(join(geoman, "LICENSE"), join(vendor, "geoman", "LICENSE"));
  const versions = {};
  for (const name of ["leaflet", "@geoman-io/leaflet-geoman-free", "topojson-client", "world-atlas"]) {
    versions[name] = JSON.parse(readFileSync(join(modules, name, "package.json"), "utf8")).version;
  }
  writeFileSync(join(vendor, "versions.json"), JSON.stringify(versions, null, 2) + "\n");
  return versions;
}

// Sutherland-Hodgman: a ring clipped to an axis-aligned box (the box is convex, so this is exact).
function clipRing(ring, [west, south, east, north]) {
  const edges = [
    (p) => p[0] >= west, (a, b) => at(a, b, 0, west),
    (p) => p[0] <= east, (a, b) => at(a, b, 0, east),
    (p) => p[1] >= south, (a, b) => at(a, b, 1, south),
    (p) => p[1] <= north, (a, b) => at(a, b, 1, north),
  ];
  let points = ring.slice(0, -1);
  for (let i = 0; i < edges.length && points.length; i += 2) {
    const inside = edges[i];
    const cross = edges[i + 1];
    const out = [];
    for (let j = 0; j < points.length; j++) {
      const current = points[j];
      const previous = points[(j + points.length - 1) % points.length];
      if (inside(current)) {
        if (!inside(previous)) out.push(cross(previous, current));
        out.push(current);
      } else if (inside(previous)) {
        out.push(cross(previous, current));
      }
    }
    points = out;
  }
  if (points.length < 3) return null;
  const rounded = points.map(([x, y]) => [round(x), round(y)]);
  const deduped = rounded.filter((p, i) => i === 0 || p[0] !== rounded[i - 1][0] || p[1] !== rounded[i - 1][1]);
  if (deduped.length < 3) return null;
  deduped.push(deduped[0]);
  return deduped;
}

function at(a, b, axis, value) {
  const t = (value - a[axis]) / (b[axis] - a[axis]);
  const point = [a[0] + t * (b[0] - a[0]), a[1] + t * (b[1] - a[1])];
  point[axis] = value;
  return point;
}

function round(value) {
  const factor = 10 ** DECIMALS;
  return Math.round(value * factor) / factor;
}

function clipPolygon(rings) {
  const outer = clipRing(rings[0], THEATRE);
  if (outer === null) return null;
  return [outer, ...rings.slice(1).map((ring) => clipRing(ring, THEATRE)).filter((ring) => ring !== null)];
}

function basemapFiles(versions) {
  rmSync(basemap, { recursive: true, force: true });
  mkdirSync(basemap, { recursive: true });
  const topology = JSON.parse(readFileSync(join(modules, "world-atlas", "countries-10m.json"), "utf8"));
  const countries = topojson.feature(topology, topology.objects.countries);
  const features = [];
  for (const feature of countries.features) {
    if (!feature.geometry) continue;
    const polygons = feature.geometry.type === "Polygon" ? [feature.geometry.coordinates] : feature.geometry.coordinates;
    const kept = polygons.map(clipPolygon).filter((polygon) => polygon !== null);
    if (!kept.length) continue;
    features.push({
      type: "Feature",
      properties: { name: feature.properties.name },
      geometry: { type: "MultiPolygon", coordinates: kept },
    });
  }
  features.sort((a, b) => a.properties.name.localeCompare(b.properties.name));
  const document = {
    type: "FeatureCollection",
    source: `Natural Earth 1:10m admin-0 countries, via world-atlas ${versions["world-atlas"]} (public domain)`,
    bbox: THEATRE,
    features,
  };
  writeFileSync(join(basemap, "countries.geojson"), JSON.stringify(document));
  copy(join(modules, "world-atlas", "LICENSE"), join(basemap, "LICENSE-world-atlas"));
  return features.length;
}

function docsFiles() {
  rmSync(docsAssets, { recursive: true, force: true });
  const swagger = join(modules, "swagger-ui-dist");
  for (const name of ["swagger-ui-bundle.js", "swagger-ui.css", "favicon-32x32.png", "LICENSE", "NOTICE"]) {
    copy(join(swagger, name), join(docsAssets, "swagger-ui", name));
  }
  const redoc = join(modules, "redoc");
  copy(join(redoc, "bundles", "redoc.standalone.js"), join(docsAssets, "redoc", "redoc.standalone.js"));
  copy(join(redoc, "bundles", "redoc.standalone.js.LICENSE.txt"), join(docsAssets, "redoc", "THIRD-PARTY-LICENSES"));
  copy(join(redoc, "LICENSE"), join(docsAssets, "redoc", "LICENSE"));
  const versions = {};
  for (const name of ["swagger-ui-dist", "redoc"]) {
    versions[name] = JSON.parse(readFileSync(join(modules, name, "package.json"), "utf8")).version;
  }
  writeFileSync(join(docsAssets, "versions.json"), JSON.stringify(versions, null, 2) + "\n");
  return versions;
}

const versions = vendorFiles();
const docsVersions = docsFiles();
const count = basemapFiles(versions);
console.log(
  `web assets built: leaflet ${versions.leaflet}, leaflet-geoman ${versions["@geoman-io/leaflet-geoman-free"]}, ` +
    `${count} countries (world-atlas ${versions["world-atlas"]}) -> ${staticDir}; ` +
    `swagger-ui ${docsVersions["swagger-ui-dist"]}, redoc ${docsVersions.redoc} -> ${docsAssets}`,
);
