-- Tokens can be revoked (`cadastre token revoke ID`): a leaked or retired
-- secret then authorizes nothing. The row stays, with who revoked it and
-- when, as the record of what the token could do and until when; rows are
-- never deleted, and the only change a row takes is its revocation, once.
ALTER TABLE tokens
	ADD COLUMN revoked_at timestamptz,
	ADD COLUMN revoked_by text,
	ADD CONSTRAINT tokens_revoked CHECK ((revoked_at IS NULL) = (revoked_by IS NULL));

CREATE FUNCTION guard_token() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF TG_OP = 'UPDATE' AND OLD.revoked_at IS NULL AND NEW.revoked_at IS NOT NULL
		AND (NEW.id, NEW.name, NEW.role, NEW.hash, NEW.created_at, NEW.created_by)
			IS NOT DISTINCT FROM (OLD.id, OLD.name, OLD.role, OLD.hash, OLD.created_at, OLD.created_by) THEN
		RETURN NEW;
	END IF;
	RAISE EXCEPTION '% on tokens: a token row is kept; it may only be revoked, once', TG_OP
		USING ERRCODE = 'restrict_violation';
END
$$;

CREATE TRIGGER tokens_guard BEFORE UPDATE OR DELETE ON tokens
	FOR EACH ROW EXECUTE FUNCTION guard_token();
