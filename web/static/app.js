// The map page (issue 7). Everything it loads comes from this service:
// MapLibre's files (/web/vendor/), the tiles (/tiles/), the API (/api/v1/).
// There is no glyph server, so plot and sheet numbers are HTML markers
// placed from the tiles' label points and sheet frames.
import * as maplibregl from "/web/vendor/maplibre-gl/maplibre-gl.mjs";
import { text } from "/web/i18n.js";

const colours = {
  residential: "#e58f8f", rice: "#f3e26b", annual: "#f6c47a", perennial: "#a9d37c", forest: "#4f9a4f",
  water: "#82bde8", roads: "#c4c4c4", public: "#c7a3de", commercial: "#ee9654", other: "#dcd3b8", unused: "#f4f1ea",
};
const fallbackColour = "#ffffff";
const plotLabelZoom = 17.5; // plot numbers from here
const sheetLabelZoom = [13, 17.5]; // sheet grid numbers in this zoom range
const maxMarkers = 500;

const $ = (id) => document.getElementById(id);
let lang = localStorage.getItem("cadastre.lang") || "vi";
let config = { land_uses: [], groups: [], zones: [] };
let map;
let selected = null; // the plot shown in the panel (API answer)
const state = { ready: false, selectedId: null, lastVerdict: null };
window.cadastre = state; // read by the browser test

const t = (k) => text[lang][k] ?? text.en[k] ?? k;
// fmt writes a number in the interface language (vi: 4.866,1); a value
// that rounds to zero is written 0, not -0.
const fmt = (n, d = 1) => {
  if (n == null) return "—";
  const v = Number(n);
  return (Math.abs(v) < 0.5 * 10 ** -d ? 0 : v).toLocaleString(lang === "vi" ? "vi-VN" : "en-GB", { maximumFractionDigits: d });
};

function message(msg) {
  const el = $("message");
  el.textContent = msg || "";
  el.hidden = !msg;
  clearTimeout(message.timer);
  if (msg) message.timer = setTimeout(() => (el.hidden = true), 5000);
}

async function getJSON(url, opts) {
  const r = await fetch(url, opts);
  const body = await r.json().catch(() => ({}));
  if (!r.ok) {
    const err = new Error(body.detail || body.title || `${r.status}`);
    err.status = r.status;
    err.body = body;
    throw err;
  }
  return body;
}

// ---------- language ----------

function applyLang() {
  document.documentElement.lang = lang;
  $("lang").textContent = lang === "vi" ? "EN" : "VI";
  for (const el of document.querySelectorAll("[data-i18n]")) el.textContent = t(el.dataset.i18n);
  for (const el of document.querySelectorAll("[data-i18n-ph]")) el.placeholder = t(el.dataset.i18nPh);
  document.title = t("title");
  renderLegend();
  renderZones();
  if (selected) renderPanel(selected);
  if (state.lastReport) renderReport(state.lastReport);
}

// ---------- legend and styling ----------

function groupCodes() {
  const by = {};
  for (const lu of config.land_uses) (by[lu.group] ||= []).push(lu.code);
  return by;
}

function landUseName(code) {
  const lu = config.land_uses.find((l) => l.code === code);
  return lu ? `${code} – ${lang === "vi" ? lu.name_vi : lu.name_en}` : code;
}

function renderLegend() {
  const ul = $("legend-items");
  ul.replaceChildren();
  const by = groupCodes();
  for (const g of config.groups) {
    if (!by[g]) continue;
    const li = document.createElement("li");
    // Swatches are styled through the CSSOM: the page's Content-Security-
    // Policy refuses style attributes in markup.
    const sw = document.createElement("span");
    sw.className = "sw";
    sw.style.background = colours[g] || fallbackColour;
    li.append(sw);
    const name = document.createElement("span");
    name.innerHTML = `<span></span> <span class="codes"></span>`;
    name.firstChild.textContent = t("g_" + g);
    name.lastChild.textContent = by[g].join(" ");
    li.append(name);
    ul.append(li);
  }
  const li = document.createElement("li");
  const sw = document.createElement("span");
  sw.className = "sw sheet";
  li.append(sw);
  li.append(t("g_sheet"));
  ul.append(li);
}

// fillColour colours a plot by the group of its main (first) land-use
// code: the tiles carry "ONT+CLN", codes are three letters.
function fillColour() {
  const expr = ["match", ["slice", ["coalesce", ["get", "land_use"], ""], 0, 3]];
  for (const [g, codes] of Object.entries(groupCodes())) expr.push(codes, colours[g] || fallbackColour);
  expr.push(fallbackColour);
  return expr;
}

function style(tj) {
  const src = { type: "vector", tiles: tj.tiles, minzoom: tj.minzoom, maxzoom: Math.min(tj.maxzoom, 20), bounds: tj.bounds };
  const empty = { type: "geojson", data: { type: "FeatureCollection", features: [] } };
  return {
    version: 8,
    sources: { cadastre: src, selected: empty, measured: empty, failing: empty, audit: empty },
    layers: [
      { id: "background", type: "background", paint: { "background-color": "#f7f7f4" } },
      // Below the plots' zoom, a tile whose plots do not fit holds the
      // land-use overview and the communes instead (TileJSON cadastre:low_zoom).
      { id: "landuse-fill", type: "fill", source: "cadastre", "source-layer": "landuse", paint: { "fill-color": ["match", ["get", "group"], ...Object.entries(colours).flat(), fallbackColour], "fill-opacity": 0.85 } },
      { id: "communes-line", type: "line", source: "cadastre", "source-layer": "communes", paint: { "line-color": "#333", "line-width": 2 } },
      { id: "plots-fill", type: "fill", source: "cadastre", "source-layer": "plots", paint: { "fill-color": fillColour(), "fill-opacity": 0.85 } },
      { id: "plots-line", type: "line", source: "cadastre", "source-layer": "plots", paint: { "line-color": "#555", "line-width": ["interpolate", ["linear"], ["zoom"], 14, 0.3, 18, 1] } },
      { id: "sheets-fill", type: "fill", source: "cadastre", "source-layer": "sheets", paint: { "fill-opacity": 0 } },
      { id: "sheets-line", type: "line", source: "cadastre", "source-layer": "sheets", paint: { "line-color": "#7a1f7a", "line-width": 1.5, "line-dasharray": [4, 2] } },
      // The cleaning audit's problems (issue 18): a GeoJSON layer of one
      // commune, drawn over the plots.
      { id: "audit-fill", type: "fill", source: "audit", paint: { "fill-color": "#e00000", "fill-opacity": 0.3 } },
      { id: "audit-line", type: "line", source: "audit", paint: { "line-color": "#b00000", "line-width": 2 } },
      { id: "selected-line", type: "line", source: "selected", paint: { "line-color": "#0050d0", "line-width": 3 } },
      { id: "measured-line", type: "line", source: "measured", paint: { "line-color": "#111", "line-width": 2, "line-dasharray": [2, 1] } },
      { id: "failing-line", type: "line", source: "failing", paint: { "line-color": "#e00000", "line-width": 5 } },
    ],
  };
}

// ---------- number labels as HTML markers ----------

const markers = new Map(); // id -> maplibregl.Marker

function labelEl(textContent, cls) {
  const el = document.createElement("div");
  el.className = "label " + cls;
  el.textContent = textContent;
  return el;
}

function updateLabels() {
  const z = map.getZoom();
  const want = new Map(); // id -> {lngLat, text, cls}
  const b = map.getBounds();
  if (z >= plotLabelZoom) {
    for (const f of map.querySourceFeatures("cadastre", { sourceLayer: "plot_labels" })) {
      // The label's id is its plot's (UUUUUSSSSSPPPPP); it carries the
      // numbers itself only when the key does not fit one.
      const p = f.id ? { unit: String(Math.floor(f.id / 1e10)).padStart(5, "0"), sheet: Math.floor(f.id / 1e5) % 1e5, plot: f.id % 1e5 } : f.properties;
      const id = `p:${p.unit}/${p.sheet}/${p.plot}`;
      const [lon, lat] = f.geometry.coordinates;
      if (want.has(id) || !b.contains([lon, lat])) continue;
      want.set(id, { lngLat: [lon, lat], text: String(p.plot), cls: "plot" });
      if (want.size >= maxMarkers) break;
    }
  }
  if (z >= sheetLabelZoom[0] && z < sheetLabelZoom[1]) {
    const boxes = new Map();
    for (const f of map.querySourceFeatures("cadastre", { sourceLayer: "sheets" })) {
      const p = f.properties;
      const id = `s:${p.unit}/${p.sheet}`;
      const bb = boxes.get(id) || { w: 180, s: 90, e: -180, n: -90, text: p.grid_number || `${p.unit}/${p.sheet}` };
      for (const ring of f.geometry.type === "Polygon" ? f.geometry.coordinates : f.geometry.coordinates.flat()) {
        for (const [x, y] of ring) Object.assign(bb, { w: Math.min(bb.w, x), e: Math.max(bb.e, x), s: Math.min(bb.s, y), n: Math.max(bb.n, y) });
      }
      boxes.set(id, bb);
    }
    for (const [id, bb] of boxes) {
      // The centre of the part of the frame in view, so the number stays visible.
      const w = Math.max(bb.w, b.getWest()), e = Math.min(bb.e, b.getEast());
      const s = Math.max(bb.s, b.getSouth()), n = Math.min(bb.n, b.getNorth());
      if (w < e && s < n) want.set(id, { lngLat: [(w + e) / 2, (s + n) / 2], text: bb.text, cls: "sheet" });
    }
  }
  // Commune names where the overview shows the communes.
  const communes = new Map();
  for (const f of map.querySourceFeatures("cadastre", { sourceLayer: "communes" })) {
    const p = f.properties;
    const bb = communes.get(p.commune) || { w: 180, s: 90, e: -180, n: -90, text: p.name || p.commune };
    for (const ring of f.geometry.type === "Polygon" ? f.geometry.coordinates : f.geometry.coordinates.flat()) {
      for (const [x, y] of ring) Object.assign(bb, { w: Math.min(bb.w, x), e: Math.max(bb.e, x), s: Math.min(bb.s, y), n: Math.max(bb.n, y) });
    }
    communes.set(p.commune, bb);
  }
  for (const [code, bb] of communes) {
    const w = Math.max(bb.w, b.getWest()), e = Math.min(bb.e, b.getEast());
    const s = Math.max(bb.s, b.getSouth()), n = Math.min(bb.n, b.getNorth());
    if (w < e && s < n) want.set(`c:${code}`, { lngLat: [(w + e) / 2, (s + n) / 2], text: bb.text, cls: "commune" });
  }
  for (const [id, m] of markers) {
    if (!want.has(id)) {
      m.remove();
      markers.delete(id);
    }
  }
  for (const [id, l] of want) {
    const m = markers.get(id);
    if (m) m.setLngLat(l.lngLat);
    else markers.set(id, new maplibregl.Marker({ element: labelEl(l.text, l.cls) }).setLngLat(l.lngLat).addTo(map));
  }
}

// ---------- the plot panel ----------

async function selectPlot(unit, sheet, plot, { fly = false, at = null } = {}) {
  let p;
  try {
    p = await getJSON(`/api/v1/plots/${encodeURIComponent(unit)}/${sheet}/${plot}`);
  } catch (e) {
    message(e.status === 404 ? `${t("not_found")}: ${unit}/${sheet}/${plot}` : `${t("error")}: ${e.message}`);
    return;
  }
  p.sheetInfo = await sheetOf(p, at);
  selected = p;
  state.selectedId = p.id;
  clearExtract();
  map.getSource("selected").setData({ type: "Feature", geometry: p.geometry, properties: {} });
  renderPanel(p);
  map.resize(); // on a phone the panel takes room from the map: fit the camera to what is left
  const ex = $("ex-scale");
  if (p.sheetInfo) ex.value = String(p.sheetInfo.scale);
  // The agricultural allowances (Circular 25 art. 7: 1.5x; Circular 26: 1.2x
  // with unused land) follow the main code; the surveyor may change it.
  const cat = config.land_uses.find((l) => l.code === p.land_use?.[0])?.category;
  $("ex-agri").checked = cat === "agricultural" || cat === "unused";
  if (p.crs) $("q-zone").value = p.crs.replace("EPSG:", "");
  if (fly) {
    // cameraForBounds, not fitBounds: the panel padding must not stay on
    // the map's camera.
    const cam = map.cameraForBounds(bbox(p.geometry), { padding: panelPadding(), maxZoom: 19 });
    if (cam) map.easeTo({ center: cam.center, zoom: cam.zoom, bearing: 0, duration: 600 });
  }
}

// sheetOf finds the sheet (grid number, scale) of a plot: the plot answer
// has its key only, so ask for the sheets at a point of the plot.
async function sheetOf(p, at) {
  const pts = [];
  if (at) pts.push(at);
  const [w, s, e, n] = bbox(p.geometry);
  pts.push([(w + e) / 2, (s + n) / 2]);
  for (const [lon, lat] of pts) {
    try {
      const r = await getJSON(`/api/v1/sheets/at?lon=${lon}&lat=${lat}`);
      const sh = r.sheets?.find((x) => x.unit === p.key.unit && x.sheet === p.key.sheet);
      if (sh) return sh;
    } catch {
      /* try the next point */
    }
  }
  return null;
}

// panelPadding keeps a plot clear of the panel where it covers the map
// (on the right on a wide screen; on a phone it sits under the map).
function panelPadding() {
  const pad = { top: 50, left: 50, right: 50, bottom: 50 };
  if ($("panel").hidden) return pad;
  const r = $("panel").getBoundingClientRect(), m = $("map").getBoundingClientRect();
  const overlapW = Math.min(r.right, m.right) - Math.max(r.left, m.left);
  const overlapH = Math.min(r.bottom, m.bottom) - Math.max(r.top, m.top);
  if (overlapW > 0 && overlapH > 0) pad.right += Math.min(overlapW, m.width / 2);
  return pad;
}

function bbox(g) {
  let w = 180, s = 90, e = -180, n = -90;
  const walk = (c) => {
    if (typeof c[0] === "number") {
      w = Math.min(w, c[0]); e = Math.max(e, c[0]); s = Math.min(s, c[1]); n = Math.max(n, c[1]);
    } else c.forEach(walk);
  };
  walk(g.coordinates);
  return [w, s, e, n];
}

function renderPanel(p) {
  $("panel").hidden = false;
  $("p-number").textContent = String(p.key.plot);
  const sh = p.sheetInfo;
  const facts = [
    ["key", p.id],
    ["plot_no", p.key.plot],
    ["sheet_no", p.key.sheet],
    ["survey_unit", p.survey_unit || p.key.unit],
    ["commune", p.commune],
    ["land_use", (p.land_use || []).map(landUseName).join("; ")],
    ["legal_area", p.legal_area == null ? "—" : `${fmt(p.legal_area)} m²`],
    ["measured_area", `${fmt(p.area)} m²`],
    ["grid", sh ? sh.grid_number : "—"],
    ["scale", sh ? `1:${sh.scale}` : "—"],
    ["crs", p.crs],
    ["address", p.address || "—"],
  ];
  // Numbers before the 2025 mergers (issue 18): a former key asked for
  // answers the current plot; the panel names both.
  const former = (p.identities?.former || []).filter((m) => `${m.from.unit}/${m.from.sheet}/${m.from.plot}` !== p.id);
  if (former.length) facts.splice(1, 0, ["former_keys", former.map((m) => `${m.from.unit}/${m.from.sheet}/${m.from.plot} (${m.note})`).join("; ")]);
  const dl = $("p-facts");
  dl.replaceChildren();
  for (const [k, v] of facts) {
    const dt = document.createElement("dt");
    dt.textContent = t(k);
    const dd = document.createElement("dd");
    dd.textContent = v;
    dd.id = "f-" + k;
    dl.append(dt, dd);
  }
  const tb = $("p-versions").tBodies[0];
  tb.replaceChildren();
  for (const v of p.versions || []) {
    const tr = tb.insertRow();
    tr.insertCell().textContent = v.version + (v.retired ? ` (${t("retired")})` : "");
    tr.insertCell().textContent = v.valid_from ? new Date(v.valid_from).toLocaleDateString(lang === "vi" ? "vi-VN" : "en-GB") : "—";
    const a = tr.insertCell();
    a.textContent = fmt(v.area);
    a.className = "num";
    tr.insertCell().textContent = [v.reason, v.changed_by].filter(Boolean).join(" · ");
  }
}

// ---------- search ----------

function renderZones() {
  const sel = $("q-zone");
  const keep = sel.value;
  sel.replaceChildren();
  const rows = [];
  for (const z of config.zones) for (const prov of z.provinces) rows.push([prov, z]);
  rows.sort((a, b) => a[0].localeCompare(b[0], "vi"));
  for (const [prov, z] of rows) {
    const o = document.createElement("option");
    o.value = String(z.epsg);
    const d = Math.floor(z.central_meridian), m = Math.round((z.central_meridian - d) * 60);
    o.textContent = `${prov} – EPSG:${z.epsg} (${d}°${String(m).padStart(2, "0")}′)`;
    sel.append(o);
  }
  sel.value = keep || "9210";
}

async function search(ev) {
  ev.preventDefault();
  const mode = $("search-mode").value;
  if (mode === "key") {
    const parts = $("q-key").value.trim().split(/[\s/,.-]+/);
    if (parts.length !== 3 || !/^\d{5}$/.test(parts[0]) || !/^\d+$/.test(parts[1]) || !/^\d+$/.test(parts[2])) return message(t("bad_key"));
    return selectPlot(parts[0], Number(parts[1]), Number(parts[2]), { fly: true });
  }
  let q, at;
  if (mode === "lonlat") {
    const lon = parseFloat($("q-lon").value.replace(",", ".")), lat = parseFloat($("q-lat").value.replace(",", "."));
    if (!isFinite(lon) || !isFinite(lat)) return message(t("bad_number"));
    q = `lon=${lon}&lat=${lat}`;
    at = [lon, lat];
  } else {
    // Survey tables write X = northing, Y = easting; the API takes x = easting.
    const X = parseFloat($("q-x").value.replace(",", ".")), Y = parseFloat($("q-y").value.replace(",", "."));
    if (!isFinite(X) || !isFinite(Y)) return message(t("bad_number"));
    q = `x=${Y}&y=${X}&crs=EPSG:${$("q-zone").value}`;
  }
  try {
    const r = await getJSON(`/api/v1/plots/at?${q}&nearest=5`);
    const p = r.plots?.[0] || r.nearest;
    if (!p) return message(t("no_plot_here"));
    await selectPlot(p.key.unit, p.key.sheet, p.key.plot, { fly: true, at });
  } catch (e) {
    message(`${t("error")}: ${e.message}`);
  }
}

// ---------- the cleaning audit (issue 18) ----------

async function runAudit(ev) {
  ev.preventDefault();
  const unit = $("audit-unit").value.trim();
  if (!/^\d{5}$/.test(unit)) return message(t("bad_unit"));
  message(t("loading"));
  let fc;
  try {
    fc = await getJSON(`/api/v1/audit?unit=${unit}&format=geojson`);
  } catch (e) {
    return message(e.status === 404 ? `${t("not_found")}: ${unit}` : `${t("error")}: ${e.message}`);
  }
  message("");
  map.getSource("audit").setData(fc);
  const counts = {};
  for (const f of fc.features) counts[f.properties.kind] = (counts[f.properties.kind] || 0) + 1;
  state.audit = counts;
  $("audit-summary").textContent = `${fc.features.length} ${t("problems")}`;
  const tb = $("audit-counts").tBodies[0];
  tb.replaceChildren();
  for (const [k, n] of Object.entries(counts).sort((a, b) => b[1] - a[1])) {
    const tr = tb.insertRow();
    tr.insertCell().textContent = t("k_" + k);
    const c = tr.insertCell();
    c.textContent = String(n);
    c.className = "num";
  }
  const csv = $("audit-csv");
  csv.href = `/api/v1/audit?unit=${unit}&format=csv`;
  csv.hidden = false;
  const withGeom = fc.features.filter((f) => f.geometry);
  if (withGeom.length) {
    const bs = withGeom.map((f) => bbox(f.geometry));
    const b = [Math.min(...bs.map((x) => x[0])), Math.min(...bs.map((x) => x[1])), Math.max(...bs.map((x) => x[2])), Math.max(...bs.map((x) => x[3]))];
    map.fitBounds(b, { padding: 40, maxZoom: 18, duration: 0 });
  }
}

// ---------- extracts (surveyors) ----------

function clearExtract() {
  state.lastReport = null;
  state.lastVerdict = null;
  $("ex-result").hidden = true;
  for (const s of ["measured", "failing"]) map.getSource(s)?.setData({ type: "FeatureCollection", features: [] });
}

// readBoundary turns the chosen file into the request's boundary: a
// GeoJSON object (a FeatureCollection gives its first feature) or the
// coordinate table's text, sent as it is; the service parses both.
async function readBoundary(file) {
  const body = await file.text();
  const trimmed = body.trimStart();
  if (trimmed.startsWith("{")) {
    const gj = JSON.parse(trimmed);
    const boundary = gj.type === "FeatureCollection" ? gj.features?.[0] : gj;
    if (!boundary) throw new Error("empty FeatureCollection");
    const geom = boundary.type === "Feature" ? boundary.geometry : boundary;
    return { boundary, crs: gj.crs?.properties?.name, rings: geoRings(geom) };
  }
  return { table: body, rings: tableRings(body) };
}

function geoRings(g) {
  if (!g) return [];
  if (g.type === "Polygon") return g.coordinates;
  if (g.type === "MultiPolygon") return g.coordinates.flat();
  return [];
}

// tableRings reads the drawing of a coordinate table: columns x and y
// (X = northing, Y = easting, as survey tables write them), part and ring
// if present, in row order. The service's parser is the one that counts;
// this only draws.
function tableRings(text) {
  const lines = text.replace(/^\uFEFF/, "").split(/\r?\n/).filter((l) => l.trim());
  if (lines.length < 2) return [];
  const sep = lines[0].includes(";") ? ";" : ",";
  const head = lines[0].split(sep).map((h) => h.trim().toLowerCase());
  const ix = head.indexOf("x"), iy = head.indexOf("y"), ip = head.indexOf("part"), ir = head.indexOf("ring");
  if (ix < 0 || iy < 0) return [];
  const rings = new Map();
  for (const l of lines.slice(1)) {
    const c = l.split(sep);
    const X = parseFloat(c[ix]), Y = parseFloat(c[iy]);
    if (!isFinite(X) || !isFinite(Y)) continue;
    const k = `${ip >= 0 ? c[ip] : 0}/${ir >= 0 ? c[ir] : 0}`;
    if (!rings.has(k)) rings.set(k, []);
    rings.get(k).push([Y, X]); // easting, northing
  }
  return [...rings.values()].map((r) => (r.length && (r[0][0] !== r.at(-1)[0] || r[0][1] !== r.at(-1)[1]) ? [...r, r[0]] : r));
}

// planeToLonLat returns a function drawing plane coordinates of the
// plot's zone on the map: the affine map fitted (least squares) between
// the plot's own plane and WGS 84 vertices. Over one plot the projection
// is affine to well under a millimetre; it is used for drawing only, every
// measurement is the service's, on the plane.
function planeToLonLat(p) {
  const P = flatVertices(p.geometry_plane), G = flatVertices(p.geometry);
  const n = Math.min(P.length, G.length);
  if (n < 3) return null;
  const [e0, n0] = P[0];
  // Normal equations for [a b c] with lon = a*de + b*dn + c (same for lat).
  const A = [[0, 0, 0], [0, 0, 0], [0, 0, 0]], bx = [0, 0, 0], by = [0, 0, 0];
  for (let i = 0; i < n; i++) {
    const r = [P[i][0] - e0, P[i][1] - n0, 1];
    for (let j = 0; j < 3; j++) {
      for (let k = 0; k < 3; k++) A[j][k] += r[j] * r[k];
      bx[j] += r[j] * G[i][0];
      by[j] += r[j] * G[i][1];
    }
  }
  const cx = solve3(A, bx), cy = solve3(A, by);
  if (!cx || !cy) return null;
  return ([e, nn]) => [cx[0] * (e - e0) + cx[1] * (nn - n0) + cx[2], cy[0] * (e - e0) + cy[1] * (nn - n0) + cy[2]];
}

function solve3(A, b) {
  const det = (m) => m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1]) - m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0]) + m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0]);
  const d = det(A);
  if (Math.abs(d) < 1e-12) return null;
  return [0, 1, 2].map((c) => det(A.map((row, i) => row.map((v, j) => (j === c ? b[i] : v)))) / d);
}

// flatVertices lists the vertices of a (Multi)Polygon in ring order
// without the closing point: the numbering of the report's stored vertices.
function flatVertices(g) {
  return ringsOf(g).flatMap((r) => r.slice(0, -1));
}

function ringsOf(g) {
  return g.type === "Polygon" ? g.coordinates : g.type === "MultiPolygon" ? g.coordinates.flat() : [];
}

// storedEdgeLine is the stored boundary from vertex number a to b (1-based,
// numbered over every ring), along the ring.
function storedEdgeLine(g, a, b) {
  let base = 0;
  for (const r of ringsOf(g)) {
    const n = r.length - 1;
    if (a > base && a <= base + n && b > base && b <= base + n) {
      const line = [];
      for (let i = a - base - 1; ; i = (i + 1) % n) {
        line.push(r[i]);
        if (i === b - base - 1 || line.length > n) break;
      }
      return line.length > 1 ? line : null;
    }
    base += n;
  }
  return null;
}

async function submitExtract(ev) {
  ev.preventDefault();
  if (!selected) return;
  const file = $("ex-file").files[0];
  const token = $("ex-token").value.trim();
  sessionStorage.setItem("cadastre.token", token);
  let b;
  try {
    b = await readBoundary(file);
  } catch (e) {
    return showVerdict("error", `${t("error")}: ${e.message}`);
  }
  const req = {
    plot: selected.key,
    scale: Number($("ex-scale").value),
    agricultural: $("ex-agri").checked,
    stated_area: $("ex-area").value ? Number($("ex-area").value.replace(",", ".")) : 0,
    crs: b.crs || selected.crs,
    boundary: b.boundary,
    table: b.table,
  };
  showVerdict("", t("sending"));
  drawMeasured(b);
  let rec;
  try {
    rec = await getJSON("/api/v1/extracts", {
      method: "POST",
      headers: { "Content-Type": "application/json", Authorization: `Bearer ${token}` },
      body: JSON.stringify(req),
    });
  } catch (e) {
    if (e.status === 404 && /no route/.test(e.message)) return showVerdict("error", t("no_extract_api"));
    const details = (e.body?.errors || []).map((x) => [x.feature, x.field, x.reason].filter(Boolean).join(": "));
    return showVerdict("error", [`${t("error")} ${e.status || ""}: ${e.message}`, ...details].join("\n"));
  }
  state.lastReport = rec;
  state.extractId = rec.id;
  renderReport(rec);
}

// drawMeasured draws the measured boundary of the file: lon/lat as it is,
// plane coordinates (a VN-2000 zone) through the plot's affine map.
function drawMeasured(b) {
  const lonlat = b.rings.every((r) => r.every(([x, y]) => Math.abs(x) <= 180 && Math.abs(y) <= 90));
  const f = lonlat ? (c) => c : planeToLonLat(selected);
  if (!f || !b.rings.length) return;
  const coords = b.rings.map((r) => r.map(f));
  map.getSource("measured").setData({ type: "Feature", geometry: { type: "MultiLineString", coordinates: coords }, properties: {} });
}

function showVerdict(cls, msg) {
  $("ex-result").hidden = false;
  const v = $("ex-verdict");
  v.className = cls;
  v.textContent = msg;
  $("ex-reasons").replaceChildren();
  $("ex-edges").tBodies[0].replaceChildren();
}

// renderReport shows the verdict, its reasons and the edge table, and
// highlights the failing edges on the stored boundary.
function renderReport(rec) {
  const r = rec.report || {};
  const verdict = rec.verdict || r.verdict || rec.status || "—";
  state.lastVerdict = verdict;
  showVerdict(verdict, `${t(verdict)} (#${rec.id})`);
  for (const x of r.reasons || []) {
    const li = document.createElement("li");
    li.textContent = x;
    $("ex-reasons").append(li);
  }
  const tb = $("ex-edges").tBodies[0];
  const failing = [];
  for (const e of r.edges || []) {
    const tr = tb.insertRow();
    if (!e.pass) tr.className = "fail";
    tr.insertCell().textContent = `${e.from}–${e.to}` + (e.from_point ? ` (${e.from_point}–${e.to_point})` : "");
    for (const v of [e.stored_length, e.measured_length, e.difference, e.allowed]) {
      const c = tr.insertCell();
      c.className = "num";
      c.textContent = v == null ? "—" : fmt(v, 3);
    }
    tr.insertCell().textContent = e.pass ? "✓" : "✗";
    const line = !e.pass && selected && storedEdgeLine(selected.geometry, e.from, e.to);
    if (line) failing.push({ type: "Feature", geometry: { type: "LineString", coordinates: line }, properties: {} });
  }
  state.failingEdges = failing.length;
  $("ex-result").scrollIntoView({ block: "nearest" });
  map.getSource("failing").setData({ type: "FeatureCollection", features: failing });
}

// ---------- start ----------

async function start() {
  applyLang();
  $("lang").onclick = () => {
    lang = lang === "vi" ? "en" : "vi";
    localStorage.setItem("cadastre.lang", lang);
    applyLang();
  };
  $("search-mode").onchange = () => {
    for (const el of document.querySelectorAll("#search .fields")) el.hidden = el.dataset.mode !== $("search-mode").value;
  };
  $("search").onsubmit = search;
  $("audit-form").onsubmit = runAudit;
  $("panel-close").onclick = () => {
    $("panel").hidden = true;
    map.resize();
    selected = null;
    state.selectedId = null;
    map.getSource("selected").setData({ type: "FeatureCollection", features: [] });
    clearExtract();
  };
  $("extract-form").onsubmit = submitExtract;
  $("ex-token").value = sessionStorage.getItem("cadastre.token") || "";

  const [cfg, tj] = await Promise.all([getJSON("/web/config.json"), getJSON("/tiles/cadastre.json")]);
  config = cfg;
  applyLang();
  map = new maplibregl.Map({
    container: "map",
    style: style(tj),
    bounds: tj.bounds,
    fitBoundsOptions: { padding: 20 },
    maxZoom: 22,
    attributionControl: false,
  });
  state.map = map;
  map.addControl(new maplibregl.NavigationControl({ showCompass: false }), "top-left");
  map.addControl(new maplibregl.ScaleControl({ unit: "metric" }), "bottom-right");
  map.on("click", "plots-fill", (e) => {
    const p = e.features[0].properties;
    selectPlot(p.unit, p.sheet, p.plot, { at: [e.lngLat.lng, e.lngLat.lat] });
  });
  map.on("click", "audit-fill", (e) => message(e.features[0].properties.detail));
  map.on("mouseenter", "plots-fill", () => (map.getCanvas().style.cursor = "pointer"));
  map.on("mouseleave", "plots-fill", () => (map.getCanvas().style.cursor = ""));
  if (matchMedia("(max-width: 700px)").matches) $("legend").open = false;
  const plotsMinZoom = tj.vector_layers?.find((l) => l.id === "plots")?.minzoom ?? 14;
  const zoomHint = () => {
    if (map.getZoom() < plotsMinZoom) message(t("zoom_in"));
    else if ($("message").textContent === t("zoom_in")) message("");
  };
  map.on("zoomend", zoomHint);
  map.once("load", zoomHint);
  map.on("idle", () => {
    updateLabels();
    state.ready = true;
  });
  map.on("movestart", () => (state.ready = false));
  map.on("resize", () => (state.ready = false));
}

start().catch((e) => {
  message(String(e.message).includes("maplibre") ? t("no_maplibre") : `${t("error")}: ${e.message}`);
  state.error = String(e);
});
