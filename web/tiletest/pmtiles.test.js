// Reads a PMTiles archive written by `cadastre export --pmtiles` with the
// protomaps `pmtiles` package (the reader the map page would use offline)
// and checks it against what the Go test TestExportPackages expects:
// header, TileJSON metadata, and the features of sampled tiles.
import {test} from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import {PbfReader} from 'pbf';
import {VectorTile} from '@mapbox/vector-tile';
import {PMTiles, TileType, Compression} from 'pmtiles';

const file = process.env.PMTILES_FILE;
test('an exported PMTiles archive', {skip: file ? false : 'PMTILES_FILE not set (run through go test ./cmd/cadastre -run TestExportPackages)'}, async () => {
  const want = JSON.parse(fs.readFileSync(process.env.PMTILES_EXPECT, 'utf8'));
  const buf = fs.readFileSync(file);
  const source = {
    getKey: () => file,
    getBytes: async (offset, length) => ({data: buf.buffer.slice(buf.byteOffset + offset, buf.byteOffset + offset + length)}),
  };
  const p = new PMTiles(source);
  const h = await p.getHeader();
  assert.equal(h.specVersion, 3, 'spec version');
  assert.equal(h.clustered, true, 'clustered');
  assert.equal(h.tileType, TileType.Mvt, 'tile type');
  assert.equal(h.tileCompression, Compression.Gzip, 'tile compression');
  assert.equal(h.minZoom, want.minzoom, 'min zoom');
  assert.equal(h.maxZoom, want.maxzoom, 'max zoom');
  assert.equal(h.numAddressedTiles, want.tiles, 'addressed tiles');
  const meta = await p.getMetadata();
  assert.equal(meta.tilejson, '3.0.0', 'metadata is TileJSON');
  for (const id of ['plots', 'plot_labels', 'sheets', 'landuse', 'communes']) {
    assert.ok(meta.vector_layers.some(l => l.id === id), `metadata lacks vector layer ${id}`);
  }
  let n = 0;
  for (const t of want.sample) {
    const r = await p.getZxy(t.z, t.x, t.y);
    assert.ok(r, `tile ${t.z}/${t.x}/${t.y} missing`);
    const vt = new VectorTile(new PbfReader(new Uint8Array(r.data)));
    for (const [layer, count] of Object.entries(t.features)) {
      assert.equal(vt.layers[layer]?.length ?? 0, count, `tile ${t.z}/${t.x}/${t.y} layer ${layer}`);
      n += count;
    }
  }
  assert.equal(await p.getZxy(0, 0, 0), undefined, 'a tile outside the package');
  assert.ok(n > 1000, `only ${n} features read`);
});
