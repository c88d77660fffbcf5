-- Issue 15. A token may carry an expiry, fixed when it is created: from
-- then on it authorizes nothing, as a revoked one. The guard of 0007 still
-- allows no change to a row but its revocation, so the expiry cannot be
-- moved later (make a new token instead).
ALTER TABLE tokens ADD COLUMN expires_at timestamptz,
	ADD CONSTRAINT tokens_expiry CHECK (expires_at IS NULL OR expires_at > created_at);

-- A fourth role reads /metrics and nothing else (a scraper needs no
-- right to ingest).
ALTER TABLE tokens DROP CONSTRAINT tokens_role_check,
	ADD CONSTRAINT tokens_role_check CHECK (role IN ('admin', 'registrar', 'surveyor', 'monitor'));

-- When a token last authorized a request: operational data, updated in
-- place, so it lives beside the token's record and not in it.
CREATE TABLE token_uses (
	token_id     bigint PRIMARY KEY REFERENCES tokens (id),
	last_used_at timestamptz NOT NULL
);

-- What each token stored in extracts per day (the quota of
-- ChargeExtractBytes): one row per token and day, its bytes only grow.
CREATE TABLE token_extract_bytes (
	token_id bigint NOT NULL REFERENCES tokens (id),
	day      date NOT NULL,
	bytes    bigint NOT NULL CHECK (bytes >= 0),
	PRIMARY KEY (token_id, day)
);
