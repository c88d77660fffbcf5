-- Off-grid sheets (issue 13): older surveys (pre-2000, local grids, frames
-- drawn by hand) have sheets that are not cells of the Circular 25/2014
-- grid: irregular frames, frames of several parts, scales outside the six
-- of Art. 5, and often no grid number. They are stored marked off_grid;
-- a grid sheet keeps its grid number (checked against its frame by the
-- service before it is written). Frames become multipolygons (existing
-- frames as one-part multipolygons: the same area, the same points) and
-- must be valid, as plots must.
ALTER TABLE sheets
	ALTER COLUMN frame TYPE geometry(MultiPolygon) USING ST_Multi(frame),
	ALTER COLUMN frame_4326 TYPE geometry(MultiPolygon, 4326) USING ST_Multi(frame_4326),
	ADD COLUMN off_grid boolean NOT NULL DEFAULT false,
	ADD CONSTRAINT sheets_grid_number CHECK (off_grid OR grid_number <> ''),
	ADD CONSTRAINT sheets_frame_valid CHECK (ST_IsValid(frame));
