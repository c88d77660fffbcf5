-- Surveyors' cadastral extracts (issue 6): the submission as received, the
-- validation report and the status; the registrar's decisions one row each.
-- Nothing is deleted; only extracts.status moves forward.
CREATE TABLE extracts (
	id           bigserial PRIMARY KEY,
	unit         text NOT NULL,
	sheet        integer NOT NULL,
	plot         integer NOT NULL,
	plot_version integer NOT NULL,
	status       text NOT NULL CHECK (status IN ('submitted', 'validated', 'refused', 'accepted', 'rejected')),
	verdict      text NOT NULL DEFAULT '',
	profile      text NOT NULL,
	submitted_by text NOT NULL,
	submitted_at timestamptz NOT NULL DEFAULT now(),
	submission   json NOT NULL,  -- json, not jsonb: kept byte for byte as received
	report       jsonb
);
CREATE INDEX extracts_plot ON extracts (unit, sheet, plot);

CREATE TABLE extract_decisions (
	id           bigserial PRIMARY KEY,
	extract_id   bigint NOT NULL REFERENCES extracts (id),
	accept       boolean NOT NULL,
	reason       text NOT NULL,
	decided_by   text NOT NULL,
	decided_at   timestamptz NOT NULL DEFAULT now(),
	plot_version integer
);
CREATE INDEX extract_decisions_extract ON extract_decisions (extract_id);
