-- Tokens can be revoked (`cadastre token revoke ID`): a leaked or retired
-- secret then authorizes nothing. The row stays, with who revoked it and
-- when, as the record of what the token could do and until when; rows are
-- never deleted, and the only change a row takes is its revocation, once.
ALTER TABLE tokens
	ADD COLUMN revoked_at timestamptz,
	ADD COLUMN revoked_by text CHECK (revoked_by <> ''),
	ADD CONSTRAINT tokens_revoked CHECK ((revoked_at IS NULL) = (revoked_by IS NULL));

CREATE FUNCTION guard_token() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
	unrevoked record;
BEGIN
	IF TG_OP = 'UPDATE' AND OLD.revoked_at IS NULL AND NEW.revoked_at IS NOT NULL THEN
		unrevoked := NEW;
		unrevoked.revoked_at := NULL;
		unrevoked.revoked_by := NULL;
		IF unrevoked IS NOT DISTINCT FROM OLD THEN
			RETURN NEW; -- the revocation, and nothing else
		END IF;
	END IF;
	RAISE EXCEPTION '% on tokens: a token row is kept; it may only be revoked, once', TG_OP
		USING ERRCODE = 'restrict_violation';
END
$$;

CREATE TRIGGER tokens_guard BEFORE UPDATE OR DELETE ON tokens
	FOR EACH ROW EXECUTE FUNCTION guard_token();
CREATE TRIGGER tokens_no_truncate BEFORE TRUNCATE ON tokens
	FOR EACH STATEMENT EXECUTE FUNCTION guard_token();
