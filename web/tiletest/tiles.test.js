// Decodes the tiles that the Go test TestNodeDecodes (tiles/node_test.go)
// wrote to $TILE_DIR with decoders we did not write (@mapbox/vector-tile,
// pbf), and checks them against what the stored plots say:
//   - every geometry command is one the spec (2.1, 4.3) allows, in the
//     order its geometry type allows; our checker is itself checked on the
//     official valid and invalid fixtures of @mapbox/mvt-fixtures;
//   - every polygon ring has at least 4 points, non-zero area, exterior
//     rings a positive and holes a negative area (surveyor's formula in
//     tile coordinates, spec 4.3.4.4);
//   - every feature is a stored plot or sheet with exactly its attributes,
//     numbers as numbers;
//   - every vertex is within one tile unit of a stored vertex (except the
//     points clipping adds on the buffer edge), and no stored vertex inside
//     the tile is lost; every label point inside the tile is there.
import {test} from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import {PbfReader} from 'pbf';
import {VectorTile} from '@mapbox/vector-tile';
import * as mvtf from '@mapbox/mvt-fixtures';

const EXTENT = 4096;
const BUFFER = 64;
const TYPES = {1: 'Point', 2: 'LineString', 3: 'Polygon'};

// commands parses the raw geometry of a feature into absolute points,
// checking each command against the spec; it throws on anything else.
export function commands(feature) {
  const pbf = feature._pbf;
  pbf.pos = feature._geometry;
  const end = pbf.readVarint() + pbf.pos;
  const out = [];
  let x = 0;
  let y = 0;
  while (pbf.pos < end) {
    const c = pbf.readVarint();
    const id = c & 7;
    const count = c >> 3;
    if (id !== 1 && id !== 2 && id !== 7) throw new Error(`unknown command ${id}`);
    if (id === 7 && count !== 1) throw new Error(`ClosePath with count ${count}`);
    if (count === 0) throw new Error(`command ${id} with count 0`);
    const pts = [];
    if (id !== 7) {
      if (pbf.pos + 2 * count > end) throw new Error(`command ${id} with count ${count} runs past the geometry`);
      for (let i = 0; i < count; i++) {
        x += pbf.readSVarint();
        y += pbf.readSVarint();
        pts.push([x, y]);
      }
      if (pbf.pos > end) throw new Error(`command ${id} runs past the geometry`);
    }
    out.push({id, count, pts});
  }
  return out;
}

// shape checks the command sequence of a geometry type and returns its
// parts (points, lines or closed rings).
export function shape(type, cmds) {
  if (cmds.length === 0) throw new Error('empty geometry');
  if (type === 1) {
    if (cmds.length !== 1 || cmds[0].id !== 1) throw new Error('a point geometry must be one MoveTo');
    return cmds[0].pts.map(p => [p]);
  }
  if (type !== 2 && type !== 3) throw new Error(`geometry type ${type}`);
  const step = type === 3 ? 3 : 2;
  if (cmds.length % step !== 0) throw new Error(`${TYPES[type]}: ${cmds.length} commands`);
  const parts = [];
  for (let i = 0; i < cmds.length; i += step) {
    const [m, l, c] = cmds.slice(i, i + step);
    if (m.id !== 1 || m.count !== 1) throw new Error(`${TYPES[type]}: part ${i / step} does not start with MoveTo(1)`);
    if (l.id !== 2 || l.count < type - 1) throw new Error(`${TYPES[type]}: part ${i / step} has no LineTo of ${type - 1}+ points`);
    if (type === 3 && c.id !== 7) throw new Error(`Polygon: ring ${i / step} does not end with ClosePath`);
    const part = [...m.pts, ...l.pts];
    if (type === 3) part.push(part[0]);
    parts.push(part);
  }
  return parts;
}

// area is the spec's surveyor's formula over a closed ring, in tile units.
function area(ring) {
  let s = 0;
  for (let i = 0; i + 1 < ring.length; i++) s += ring[i][0] * ring[i + 1][1] - ring[i + 1][0] * ring[i][1];
  return s / 2;
}

function checkRings(rings, what) {
  assert.ok(rings.length > 0, `${what}: no ring`);
  assert.ok(area(rings[0]) > 0, `${what}: the first ring is not an exterior ring (area ${area(rings[0])})`);
  for (const [i, r] of rings.entries()) {
    assert.ok(r.length >= 4, `${what}: ring ${i} has ${r.length} points`);
    assert.notEqual(area(r), 0, `${what}: ring ${i} has zero area`);
  }
}

const dist = (a, b) => Math.hypot(a[0] - b[0], a[1] - b[1]);

// segDist is the distance from q to the segment a-b.
function segDist(a, b, q) {
  const dx = b[0] - a[0];
  const dy = b[1] - a[1];
  const l2 = dx * dx + dy * dy;
  const t = l2 > 0 ? Math.max(0, Math.min(1, ((q[0] - a[0]) * dx + (q[1] - a[1]) * dy) / l2)) : 0;
  return dist([a[0] + t * dx, a[1] + t * dy], q);
}

const lineDist = (line, q) => line.slice(1).reduce((d, b, i) => Math.min(d, segDist(line[i], b, q)), Infinity);
const nearest = (ps, q) => ps.reduce((d, p) => Math.min(d, dist(p, q)), Infinity);
const onBufferEdge = p => p[0] === -BUFFER || p[1] === -BUFFER || p[0] === EXTENT + BUFFER || p[1] === EXTENT + BUFFER;
const inside = p => p[0] >= 1 && p[1] >= 1 && p[0] <= EXTENT - 1 && p[1] <= EXTENT - 1;

function features(layer) {
  const out = [];
  for (let i = 0; i < (layer ? layer.length : 0); i++) out.push(layer.feature(i));
  return out;
}

function checkProps(got, want, what) {
  assert.deepEqual({...got}, want, `${what}: attributes`);
  for (const k of ['sheet', 'plot', 'version', 'scale', 'epsg']) {
    if (k in got) assert.ok(Number.isInteger(got[k]), `${what}: ${k} = ${got[k]} is not an integer`);
  }
}

// checkGeometry: decoded vertices near stored ones (a plot's vertices, or
// a sheet's frame outline), stored vertices inside the tile not lost.
function checkGeometry(parts, w, what, low) {
  const got = parts.flat();
  for (const p of got) {
    if (onBufferEdge(p)) continue;
    const d = w.outline ? lineDist(w.outline, p) : nearest(w.vertices, p);
    assert.ok(d <= 1, `${what}: vertex ${p} is ${d.toFixed(2)} units from the stored geometry`);
  }
  if (low) return; // below the plots' zoom, rounding merges and drops vertices
  for (const v of w.vertices) {
    if (inside(v)) assert.ok(nearest(got, v) <= 1, `${what}: stored vertex ${v} lost`);
  }
}

function checkTile(t, dir) {
  const gz = fs.readFileSync(path.join(dir, t.file));
  const vt = new VectorTile(new PbfReader(zlib.gunzipSync(gz)));
  const name = `${t.layer} ${t.z}/${t.x}/${t.y}`;
  let n = 0;
  for (const [lname, layer] of Object.entries(vt.layers)) {
    assert.equal(layer.extent, EXTENT, `${name} ${lname}: extent`);
    assert.equal(layer.version, 2, `${name} ${lname}: version`);
    if (lname === 'landuse' || lname === 'communes') {
      // The overview below the plots' zoom: dissolved polygons, checked
      // for validity by PostGIS in the Go test (TestValidPolygons).
      assert.ok(t.low, `${name}: overview layer ${lname} at the plots' zoom`);
      for (const f of features(layer)) {
        assert.equal(f.type, 3, `${name} ${lname}: type`);
        checkRings(shape(f.type, commands(f)), `${name} ${lname}`);
        n++;
      }
      continue;
    }
    const want = lname === 'sheets' ? t.sheets : t.plots;
    for (const f of features(layer)) {
      const what = `${name} ${lname} #${f.id}`;
      const w = want[f.id];
      assert.ok(w, `${what}: not a stored ${lname === 'sheets' ? 'sheet' : 'plot'}`);
      const parts = shape(f.type, commands(f));
      n++;
      if (lname === 'plot_labels') {
        assert.equal(f.type, 1, `${what}: type`);
        assert.ok(w.label && dist(parts[0][0], w.label) <= 1, `${what}: label ${parts[0][0]} vs ${w.label}`);
        continue;
      }
      assert.equal(f.type, 3, `${what}: type`);
      checkProps(f.properties, w.props, what);
      checkRings(parts, what);
      checkGeometry(parts, w, what, t.low);
    }
  }
  checkComplete(t, vt, name);
  return n;
}

// checkComplete: a plot whose label lies inside the tile is in both plot
// layers; a sheet with a corner inside the tile is there.
function checkComplete(t, vt, name) {
  const ids = l => new Set(features(vt.layers[l]).map(f => String(f.id)));
  const plots = ids('plots');
  const labels = ids('plot_labels');
  for (const [id, w] of Object.entries(t.plots)) {
    if (t.low || !w.label || !inside(w.label)) continue; // below the plots' zoom, small plots collapse
    assert.ok(plots.has(id) && labels.has(id), `${name}: plot #${id} (label inside) missing`);
  }
  const sheets = ids('sheets');
  for (const [id, w] of Object.entries(t.sheets)) {
    if (w.vertices.some(inside)) assert.ok(sheets.has(id), `${name}: sheet #${id} missing`);
  }
}

test('the command checker accepts the valid and rejects the invalid spec fixtures', () => {
  const valid = ['017', '018', '019', '020', '021', '022', '053', '054', '055', '056'];
  const invalid = ['044', '045', '047', '048', '052', '058', '061'];
  const verdict = id => {
    try {
      const vt = new VectorTile(new PbfReader(mvtf.get(id).buffer));
      for (const layer of Object.values(vt.layers)) {
        for (const f of features(layer)) shape(f.type, commands(f));
      }
      return true;
    } catch {
      return false;
    }
  };
  for (const id of valid) assert.equal(verdict(id), true, `valid fixture ${id} rejected`);
  for (const id of invalid) assert.equal(verdict(id), false, `invalid fixture ${id} accepted`);
});

const dir = process.env.TILE_DIR;
test('tiles written by the Go test', {skip: dir ? false : 'TILE_DIR not set (run through go test ./tiles -run TestNodeDecodes)'}, () => {
  const m = JSON.parse(fs.readFileSync(path.join(dir, 'manifest.json'), 'utf8'));
  const zooms = new Set();
  let n = 0;
  for (const t of m.tiles) {
    n += checkTile(t, dir);
    zooms.add(t.z);
  }
  assert.ok(n > 1000, `only ${n} features decoded`);
  for (let z = 10; z <= 22; z++) assert.ok(zooms.has(z), `no tile of zoom ${z}`);
  console.log(`${m.tiles.length} tiles, ${n} features, zooms ${[...zooms].sort((a, b) => a - b).join(',')}`);
});
