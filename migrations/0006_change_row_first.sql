-- The changes row of a write is inserted when the write begins, so that the
-- versions it writes can be checked against it as they are copied in (issue
-- 3: the deferred checks of a million-plot ingest ran at commit, a serial
-- tail of seconds with nothing else to do). The row's counts are known only
-- at the end: the writing transaction fills them in before it commits, or
-- removes the row if it wrote nothing. Only that transaction may: to every
-- other one, and after the commit to all, the change log stays
-- append-only. A row is "its own" when its xmin is the transaction's id.
CREATE OR REPLACE FUNCTION forbid_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF TG_TABLE_NAME = 'changes'
		AND (SELECT c.xmin FROM changes c WHERE c.seq = OLD.seq) = pg_current_xact_id()::xid THEN
		IF TG_OP = 'DELETE' THEN
			RETURN OLD;
		END IF;
		IF (NEW.seq, NEW.at, NEW.changed_by, NEW.reason, NEW.source)
			IS NOT DISTINCT FROM (OLD.seq, OLD.at, OLD.changed_by, OLD.reason, OLD.source) THEN
			RETURN NEW; -- the counts only
		END IF;
	END IF;
	RAISE EXCEPTION '% on %: the change log is append-only', TG_OP, TG_TABLE_NAME
		USING ERRCODE = 'restrict_violation';
END
$$;

ALTER TABLE sheets ALTER CONSTRAINT sheets_change_seq_fkey NOT DEFERRABLE;
ALTER TABLE plots ALTER CONSTRAINT plots_change_seq_fkey NOT DEFERRABLE;
