-- What the last successful download of each intelligence URL left: its
-- HTTP validators for a conditional request and the digest of its body.
CREATE TABLE sync_state (
	url TEXT COLLATE "C" PRIMARY KEY,
	etag TEXT NOT NULL DEFAULT '',
	last_modified TEXT NOT NULL DEFAULT '',
	sha256 TEXT NOT NULL DEFAULT '',
	fetched_at BIGINT NOT NULL DEFAULT 0
);
