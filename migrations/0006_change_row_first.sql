-- The changes row of a write is inserted when the write begins, so that the
-- versions it writes can be checked against it as they are copied in (issue
-- 3: the deferred checks of a million-plot ingest ran at commit, a serial
-- tail of seconds with nothing else to do): the writer sets the foreign
-- keys of migrations/0003 IMMEDIATE in its transaction. They stay
-- DEFERRABLE, so a binary older than this migration (which inserts the row
-- at commit) still writes during a rolling deploy. The row's counts are
-- known only at the end: the writing transaction fills them in before it
-- commits, or removes the row if it wrote nothing. Only that transaction
-- may: to every other one, and after the commit to all, the change log
-- stays append-only. A row is the transaction's own when its xmin is the
-- transaction's id and the transaction has named its seq in the
-- transaction-local setting cadastre.change_seq (the 32-bit xmin alone
-- could, after a wraparound, match an old frozen row).
CREATE OR REPLACE FUNCTION forbid_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF TG_TABLE_NAME = 'changes'
		AND current_setting('cadastre.change_seq', true) = OLD.seq::text
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
