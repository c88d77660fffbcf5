// Package sampledata generates realistic, made-up cadastral data: one
// province of communes in one VN-2000 TM-3 zone (by default EPSG:9210 near
// Hồ Chí Minh City), deterministic for a seed. It feeds tests, benchmarks
// and the first start of `cadastre serve` (Sample, the committed copy).
//
// # What is generated
//
// Units: current communes with made-up 5-digit codes (27001, 27005, ...),
// each with two or three former communes merged into it on 2025-07-01
// (AdminUnit.Successor). Each former commune numbers its own sheets 1..n,
// so sheet numbers collide inside the current commune, as they really do
// since the 2025 mergers; a plot's key names the former commune.
//
// Sheets lie on the true sheet grid (grid.SheetAt): the province is made of
// 1 km cells at 1:2000; residential cells are replaced by their four 1:1000
// cells, town centres by their sixteen 1:500 cells. Sheets are numbered
// small scales first, then left to right and top to bottom.
//
// Plots tessellate each sheet frame exactly: no gap, no overlap, and a
// boundary shared by two plots has the same vertex sequence on both sides
// (mesh.go). Roads (DGT), canals (DTL) and rivers (SON) cross whole sheets
// and continue into the next sheet; house lots (ONT, ODT in a town, often
// with CLN) line the roads, rice and crops (LUC, LUK, CLN, BHK, HNK) lie
// behind them, with a few pagodas, schools, cemeteries, markets, offices
// and workshops. Some plots hold a fish pond (an NTS plot filling a hole of
// its host); some own land on both banks of a canal (two-part plots).
// Plots are numbered 1..n in each sheet in reading order (north-west
// first). Legal areas equal the measured area or differ by up to 2 %;
// roads and water have none (0). Addresses name a hamlet ("Thôn 3") or a
// residential group and quarter ("Tổ 5, Khu phố 2"). There are no owner
// names or identity numbers.
//
// # GeoJSON files
//
// WriteGeoJSON writes three files, which are also the project's own
// ingest format:
//
//   - units.json: a JSON array of spatial.AdminUnit (code, name, province,
//     epsg, successor, merged_on).
//   - sheets.geojson and plots.geojson: a FeatureCollection, one feature
//     per line, whose legacy crs member names the zone:
//     "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::9210"}}.
//     Coordinates are plane metres [E, N] (easting first) with at most
//     three decimals (millimetres); rings follow RFC 7946 orientation
//     (shells counter-clockwise, holes clockwise).
//
// Sheet features are Polygons (the frame) with properties unit (the
// 5-digit code of the commune that numbered the sheet), sheet (its number
// there), grid_number (e.g. "194 599-8"), scale (the denominator: 500,
// 1000 or 2000) and survey_year.
//
// Plot features are Polygons, or MultiPolygons for plots of several parts,
// with properties unit and sheet (the sheet's key), plot (1..n in the
// sheet), commune (the current commune), land_use (an array of Circular
// 25/2014 codes, main purpose first), legal_area (m² on the papers, 0 if
// none), area (m² measured from the coordinates, rounded to 0.1) and
// address ("" if none).
package sampledata
