-- Identity across the 2025 commune mergers (issue 18): from the date a
-- merger took effect, the plot (sheet) known by a former key is the one
-- under its new key. Written by `cadastre merge` in the transaction that
-- writes the renumbered versions (change_seq); rows are never changed or
-- deleted, and a former key has one successor at most.
CREATE TABLE plot_lineage (
	from_unit  text NOT NULL,
	from_sheet integer NOT NULL CHECK (from_sheet > 0),
	from_plot  integer NOT NULL CHECK (from_plot > 0),
	to_unit    text NOT NULL,
	to_sheet   integer NOT NULL CHECK (to_sheet > 0),
	to_plot    integer NOT NULL CHECK (to_plot > 0),
	effective  date NOT NULL,
	note       text NOT NULL,
	change_seq bigint NOT NULL REFERENCES changes (seq),
	PRIMARY KEY (from_unit, from_sheet, from_plot)
);
CREATE INDEX plot_lineage_to ON plot_lineage (to_unit, to_sheet, to_plot);

CREATE TABLE sheet_lineage (
	from_unit  text NOT NULL,
	from_sheet integer NOT NULL CHECK (from_sheet > 0),
	to_unit    text NOT NULL,
	to_sheet   integer NOT NULL CHECK (to_sheet > 0),
	effective  date NOT NULL,
	note       text NOT NULL,
	change_seq bigint NOT NULL REFERENCES changes (seq),
	PRIMARY KEY (from_unit, from_sheet)
);

CREATE FUNCTION guard_lineage() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	RAISE EXCEPTION '% on %: lineage rows are kept as written', TG_OP, TG_TABLE_NAME
		USING ERRCODE = 'restrict_violation';
END
$$;
CREATE TRIGGER plot_lineage_guard BEFORE UPDATE OR DELETE ON plot_lineage
	FOR EACH ROW EXECUTE FUNCTION guard_lineage();
CREATE TRIGGER sheet_lineage_guard BEFORE UPDATE OR DELETE ON sheet_lineage
	FOR EACH ROW EXECUTE FUNCTION guard_lineage();
