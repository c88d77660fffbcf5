// Package offline writes rendered tiles into single-file packages for
// field maps without a network: PMTiles v3 (protomaps/go-pmtiles builds the
// header and directories) and MBTiles 1.3 (SQLite).
package offline

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"

	"github.com/protomaps/go-pmtiles/pmtiles"
	_ "modernc.org/sqlite" // registers the "sqlite" driver

	"cadastre/tiles"
)

// Tile is one tile: its address and its gzip-compressed MVT.
type Tile struct {
	Z    uint8
	X, Y uint32
	Data []byte
}

// Meta describes the package: its TileJSON (tiles.Options.Describe) and
// the MBTiles-style metadata GDAL reads (tiles.Options.GDALMetadata).
type Meta struct {
	TileJSON tiles.TileJSON
	GDAL     map[string]string
}

// WritePMTiles writes a clustered PMTiles v3 archive: tiles in tile-id
// order, identical consecutive tiles stored once (run length), gzip
// directories, and the TileJSON as metadata.
func WritePMTiles(w io.Writer, ts []Tile, m Meta) error {
	if len(ts) == 0 {
		return fmt.Errorf("offline: no tile to write")
	}
	type idTile struct {
		id uint64
		t  Tile
	}
	ids := make([]idTile, len(ts))
	for i, t := range ts {
		ids[i] = idTile{pmtiles.ZxyToID(t.Z, t.X, t.Y), t}
	}
	slices.SortFunc(ids, func(a, b idTile) int {
		switch {
		case a.id < b.id:
			return -1
		case a.id > b.id:
			return 1
		}
		return 0
	})
	var data bytes.Buffer
	var entries []pmtiles.EntryV3
	contents := 0
	for i, t := range ids {
		if i > 0 && t.id == ids[i-1].id {
			return fmt.Errorf("offline: tile %d/%d/%d twice", t.t.Z, t.t.X, t.t.Y)
		}
		if n := len(entries); n > 0 && entries[n-1].TileID+uint64(entries[n-1].RunLength) == t.id &&
			bytes.Equal(ids[i-1].t.Data, t.t.Data) {
			entries[n-1].RunLength++
			continue
		}
		entries = append(entries, pmtiles.EntryV3{TileID: t.id, Offset: uint64(data.Len()), Length: uint32(len(t.t.Data)), RunLength: 1})
		data.Write(t.t.Data)
		contents++
	}
	root, leaves, _ := pmtiles.BuildDirectories(entries, 16384-pmtiles.HeaderV3LenBytes, pmtiles.Gzip)
	var meta map[string]any
	raw, err := json.Marshal(m.TileJSON)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(raw, &meta); err != nil {
		return err
	}
	metaBytes, err := pmtiles.SerializeMetadata(meta, pmtiles.Gzip)
	if err != nil {
		return fmt.Errorf("offline: metadata: %w", err)
	}
	tj := m.TileJSON
	minZ, maxZ := ids[0].t.Z, ids[0].t.Z
	for _, t := range ids {
		minZ, maxZ = min(minZ, t.t.Z), max(maxZ, t.t.Z)
	}
	h := pmtiles.HeaderV3{
		SpecVersion: 3, Clustered: true, InternalCompression: pmtiles.Gzip, TileCompression: pmtiles.Gzip, TileType: pmtiles.Mvt,
		MinZoom: minZ, MaxZoom: maxZ,
		MinLonE7: e7(tj.Bounds[0]), MinLatE7: e7(tj.Bounds[1]), MaxLonE7: e7(tj.Bounds[2]), MaxLatE7: e7(tj.Bounds[3]),
		CenterZoom: uint8(min(max(tj.Center[2], float64(minZ)), float64(maxZ))), CenterLonE7: e7(tj.Center[0]), CenterLatE7: e7(tj.Center[1]),
		AddressedTilesCount: uint64(len(ids)), TileEntriesCount: uint64(len(entries)), TileContentsCount: uint64(contents),
	}
	h.RootOffset = pmtiles.HeaderV3LenBytes
	h.RootLength = uint64(len(root))
	h.MetadataOffset = h.RootOffset + h.RootLength
	h.MetadataLength = uint64(len(metaBytes))
	h.LeafDirectoryOffset = h.MetadataOffset + h.MetadataLength
	h.LeafDirectoryLength = uint64(len(leaves))
	h.TileDataOffset = h.LeafDirectoryOffset + h.LeafDirectoryLength
	h.TileDataLength = uint64(data.Len())
	for _, b := range [][]byte{pmtiles.SerializeHeader(h), root, metaBytes, leaves, data.Bytes()} {
		if _, err := w.Write(b); err != nil {
			return err
		}
	}
	return nil
}

func e7(deg float64) int32 { return int32(math.Round(deg * 1e7)) }

// WriteMBTiles writes an MBTiles 1.3 file at path (which must not exist):
// table tiles with TMS rows, and the metadata GDAL and MapLibre read,
// in one transaction.
func WriteMBTiles(ctx context.Context, path string, ts []Tile, m Meta) error {
	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		return err
	}
	defer db.Close()
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	for _, q := range []string{
		`CREATE TABLE metadata (name TEXT NOT NULL, value TEXT)`,
		`CREATE TABLE tiles (zoom_level INTEGER NOT NULL, tile_column INTEGER NOT NULL, tile_row INTEGER NOT NULL, tile_data BLOB NOT NULL)`,
		`CREATE UNIQUE INDEX tile_index ON tiles (zoom_level, tile_column, tile_row)`,
		`CREATE UNIQUE INDEX name ON metadata (name)`,
	} {
		if _, err := tx.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("offline: mbtiles schema: %w", err)
		}
	}
	meta := map[string]string{}
	for k, v := range m.GDAL {
		meta[k] = v
	}
	meta["format"], meta["type"], meta["version"] = "pbf", "overlay", "1.3"
	if len(ts) > 0 {
		minZ, maxZ := ts[0].Z, ts[0].Z
		for _, t := range ts {
			minZ, maxZ = min(minZ, t.Z), max(maxZ, t.Z)
		}
		meta["minzoom"], meta["maxzoom"] = strconv.Itoa(int(minZ)), strconv.Itoa(int(maxZ))
	}
	for _, k := range slices.Sorted(func(yield func(string) bool) {
		for k := range meta {
			if !yield(k) {
				return
			}
		}
	}) {
		if _, err := tx.ExecContext(ctx, `INSERT INTO metadata (name, value) VALUES (?, ?)`, k, meta[k]); err != nil {
			return err
		}
	}
	st, err := tx.PrepareContext(ctx, `INSERT INTO tiles (zoom_level, tile_column, tile_row, tile_data) VALUES (?, ?, ?, ?)`)
	if err != nil {
		return err
	}
	defer st.Close()
	for _, t := range ts {
		row := (uint32(1)<<t.Z - 1) - t.Y // MBTiles rows are TMS: y up
		if _, err := st.ExecContext(ctx, int(t.Z), int(t.X), int(row), t.Data); err != nil {
			return fmt.Errorf("offline: tile %d/%d/%d: %w", t.Z, t.X, t.Y, err)
		}
	}
	return tx.Commit()
}
