-- Chunked write transactions (issue 3): one transaction may take a million
-- plots in chunks. It takes its change seq when it begins (under the write
-- lock, so seq order stays commit order) and stamps every row with it, but
-- it knows its counts only at the end, and the change log is append-only
-- (no UPDATE). So the changes row is inserted last, at commit, and the
-- references to it are checked at commit time.
ALTER TABLE sheets ALTER CONSTRAINT sheets_change_seq_fkey DEFERRABLE INITIALLY DEFERRED;
ALTER TABLE plots ALTER CONSTRAINT plots_change_seq_fkey DEFERRABLE INITIALLY DEFERRED;
