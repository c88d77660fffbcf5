-- The cadastre schema: units, the change log, and versioned sheets and plots.
--
-- History is append-only: a change inserts a new version and sets valid_to
-- on the version it supersedes; nothing else is ever updated and nothing is
-- deleted (the guard triggers below refuse it). The current version of a key
-- is the row with valid_to IS NULL; a retired plot keeps a current row with
-- retired = true, so its number is never reused.
--
-- Geometries are stored in the VN-2000 TM-3 plane of their own zone (SRID =
-- epsg, which differs between provinces, hence no SRID typmod) for
-- measurements, plus a WGS 84 copy computed by the service with the
-- EPSG:6960 shift (cadastre/spatial/crs), not with ST_Transform, which may
-- let PROJ pick EPSG:5194 in the Mekong delta blocks.

-- Administrative units (communes), former and current. Not versioned: a
-- merger names the successor and the date.
CREATE TABLE units (
	code      text PRIMARY KEY CHECK (code ~ '^[0-9]{5}$'),
	name      text NOT NULL,
	province  text NOT NULL,
	epsg      integer NOT NULL,
	successor text CHECK (successor ~ '^[0-9]{5}$'),
	merged_on date
);

-- One row per stored batch: who, when, why, and what it did. Versions point
-- here through change_seq, which the change feed follows. Writers hold a
-- transaction lock while they take a seq, so seq order is commit order.
CREATE TABLE changes (
	seq        bigserial PRIMARY KEY,
	at         timestamptz NOT NULL,
	changed_by text NOT NULL,
	reason     text NOT NULL,
	source     text NOT NULL DEFAULT '',
	inserted   integer NOT NULL DEFAULT 0, -- plots new to the store
	changed    integer NOT NULL DEFAULT 0, -- plots given a new version
	unchanged  integer NOT NULL DEFAULT 0, -- plots identical to the stored version
	retired    integer NOT NULL DEFAULT 0,
	sheets     integer NOT NULL DEFAULT 0, -- sheets inserted or changed
	units      integer NOT NULL DEFAULT 0  -- units inserted or changed
);

-- Map sheets (tờ bản đồ), every version.
CREATE TABLE sheets (
	id          bigserial PRIMARY KEY,
	unit        text NOT NULL CHECK (unit ~ '^[0-9]{5}$'),
	number      integer NOT NULL CHECK (number > 0),
	version     integer NOT NULL CHECK (version > 0),
	grid_number text NOT NULL,
	scale       integer NOT NULL CHECK (scale > 0),
	epsg        integer NOT NULL,
	frame       geometry(Polygon) NOT NULL,
	frame_4326  geometry(Polygon, 4326) NOT NULL,
	survey_year integer,
	valid_from  timestamptz NOT NULL,
	valid_to    timestamptz,
	changed_by  text NOT NULL,
	reason      text NOT NULL,
	source      text NOT NULL DEFAULT '',
	change_seq  bigint NOT NULL REFERENCES changes (seq),
	CONSTRAINT sheets_frame_srid CHECK (ST_SRID(frame) = epsg),
	CONSTRAINT sheets_period CHECK (valid_to IS NULL OR valid_to >= valid_from),
	CONSTRAINT sheets_key_version UNIQUE (unit, number, version)
);

CREATE UNIQUE INDEX sheets_current_key ON sheets (unit, number) WHERE valid_to IS NULL;
CREATE INDEX sheets_frame_4326 ON sheets USING gist (frame_4326);
CREATE INDEX sheets_change_seq ON sheets (change_seq);

-- Land plots (thửa đất), every version.
CREATE TABLE plots (
	id         bigserial PRIMARY KEY,
	unit       text NOT NULL CHECK (unit ~ '^[0-9]{5}$'),
	sheet      integer NOT NULL CHECK (sheet > 0),
	plot       integer NOT NULL CHECK (plot > 0),
	version    integer NOT NULL CHECK (version > 0),
	commune    text NOT NULL CHECK (commune ~ '^[0-9]{5}$'),
	epsg       integer NOT NULL,
	geom       geometry(MultiPolygon) NOT NULL,
	geom_4326  geometry(MultiPolygon, 4326) NOT NULL,
	land_use   text[] NOT NULL CHECK (cardinality(land_use) > 0),
	legal_area double precision NOT NULL CHECK (legal_area >= 0),
	area       double precision NOT NULL, -- m², plane, rounded to 0.1 (Circular 25 art. 7)
	address    text NOT NULL DEFAULT '',
	valid_from timestamptz NOT NULL,
	valid_to   timestamptz,
	changed_by text NOT NULL,
	reason     text NOT NULL,
	source     text NOT NULL DEFAULT '',
	retired    boolean NOT NULL DEFAULT false,
	change_seq bigint NOT NULL REFERENCES changes (seq),
	CONSTRAINT plots_geom_srid CHECK (ST_SRID(geom) = epsg),
	CONSTRAINT plots_geom_valid CHECK (NOT ST_IsEmpty(geom) AND ST_IsValid(geom)),
	CONSTRAINT plots_period CHECK (valid_to IS NULL OR valid_to >= valid_from),
	CONSTRAINT plots_key_version UNIQUE (unit, sheet, plot, version)
);

CREATE UNIQUE INDEX plots_current_key ON plots (unit, sheet, plot) WHERE valid_to IS NULL;
CREATE INDEX plots_geom_4326 ON plots USING gist (geom_4326);
CREATE INDEX plots_geom ON plots USING gist (geom);
CREATE INDEX plots_change_seq ON plots (change_seq);

-- guard_history lets an UPDATE of a version do exactly one thing: close it
-- (valid_to from NULL to a time). Everything else, and any DELETE, is refused.
CREATE FUNCTION guard_history() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
	closed record;
BEGIN
	IF TG_OP = 'UPDATE' AND OLD.valid_to IS NULL AND NEW.valid_to IS NOT NULL THEN
		closed := NEW;
		closed.valid_to := NULL;
		IF closed IS NOT DISTINCT FROM OLD THEN
			RETURN NEW;
		END IF;
	END IF;
	RAISE EXCEPTION '% on %: history is append-only; only valid_to of a current version may be set', TG_OP, TG_TABLE_NAME
		USING ERRCODE = 'restrict_violation';
END
$$;

-- forbid_change refuses any UPDATE or DELETE of the change log.
CREATE FUNCTION forbid_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	RAISE EXCEPTION '% on %: the change log is append-only', TG_OP, TG_TABLE_NAME
		USING ERRCODE = 'restrict_violation';
END
$$;

CREATE TRIGGER sheets_guard BEFORE UPDATE OR DELETE ON sheets
	FOR EACH ROW EXECUTE FUNCTION guard_history();
CREATE TRIGGER plots_guard BEFORE UPDATE OR DELETE ON plots
	FOR EACH ROW EXECUTE FUNCTION guard_history();
CREATE TRIGGER changes_guard BEFORE UPDATE OR DELETE ON changes
	FOR EACH ROW EXECUTE FUNCTION forbid_change();
