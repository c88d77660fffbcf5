-- API tokens (issue 3). Only the SHA-256 hash of a secret is stored; the
-- secret is shown once, when the token is created.
CREATE TABLE tokens (
	id         bigserial PRIMARY KEY,
	name       text NOT NULL CHECK (name <> ''),
	role       text NOT NULL CHECK (role IN ('admin', 'registrar', 'surveyor')),
	hash       bytea NOT NULL UNIQUE CHECK (length(hash) = 32),
	created_at timestamptz NOT NULL DEFAULT now(),
	created_by text NOT NULL
);
