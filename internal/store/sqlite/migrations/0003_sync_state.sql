-- What the last successful download of each intelligence URL left: its
-- HTTP validators for a conditional request and the digest of its body.
CREATE TABLE sync_state (
	url TEXT PRIMARY KEY,
	etag TEXT NOT NULL DEFAULT '',
	last_modified TEXT NOT NULL DEFAULT '',
	sha256 TEXT NOT NULL DEFAULT '',
	fetched_at INTEGER NOT NULL DEFAULT 0
);
