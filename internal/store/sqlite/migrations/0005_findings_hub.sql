-- Findings other analyses make about stored subjects (laptop-farm detection
-- from telemetry, answers of the consortium hub), which screening turns into
-- signals; the case sources an analyst marked shareable with the consortium;
-- and, for a database serving as a consortium hub, its members, collections,
-- TAXII objects and statuses, OPRF keys and registered blinded tokens.
CREATE TABLE findings (
	source TEXT NOT NULL,
	finding_id TEXT NOT NULL,
	subject_id TEXT NOT NULL,
	kind TEXT NOT NULL,
	level TEXT NOT NULL DEFAULT '',
	points INTEGER NOT NULL DEFAULT 0,
	explanation TEXT NOT NULL DEFAULT '',
	detail TEXT NOT NULL DEFAULT '{}',
	first_at INTEGER NOT NULL DEFAULT 0,
	last_at INTEGER NOT NULL DEFAULT 0,
	updated_at INTEGER NOT NULL,
	PRIMARY KEY (source, finding_id, subject_id)
);
CREATE INDEX findings_subject ON findings (subject_id);

CREATE TABLE shared_sources (
	source TEXT PRIMARY KEY,
	actor TEXT NOT NULL DEFAULT '',
	created_at INTEGER NOT NULL
);

-- A member's blinded-token cache: the token of an identifier (keyed by a
-- hash of the blinded input) under an epoch's hub key, so a daily sync
-- evaluates only identifiers it has not seen.
CREATE TABLE token_cache (
	epoch INTEGER NOT NULL,
	input_hash TEXT NOT NULL,
	token TEXT NOT NULL,
	PRIMARY KEY (epoch, input_hash)
);

CREATE TABLE hub_members (
	id TEXT PRIMARY KEY,
	name TEXT NOT NULL DEFAULT '',
	kind TEXT NOT NULL,
	disabled INTEGER NOT NULL DEFAULT 0,
	created_at INTEGER NOT NULL
);

CREATE TABLE hub_collections (
	id TEXT PRIMARY KEY,
	title TEXT NOT NULL,
	description TEXT NOT NULL DEFAULT '',
	alias TEXT NOT NULL DEFAULT '',
	default_tlp TEXT NOT NULL DEFAULT '',
	allow_guests INTEGER NOT NULL DEFAULT 0,
	created_at INTEGER NOT NULL
);

-- member '*' grants every member (not guests).
CREATE TABLE hub_rights (
	collection TEXT NOT NULL,
	member TEXT NOT NULL,
	can_read INTEGER NOT NULL DEFAULT 0,
	can_write INTEGER NOT NULL DEFAULT 0,
	PRIMARY KEY (collection, member)
);

-- seq orders objects that share a date_added, so pages neither lose nor
-- repeat them. version is the object's modified time in microseconds.
CREATE TABLE taxii_objects (
	seq INTEGER PRIMARY KEY AUTOINCREMENT,
	collection TEXT NOT NULL,
	id TEXT NOT NULL,
	type TEXT NOT NULL,
	spec_version TEXT NOT NULL DEFAULT '',
	version INTEGER NOT NULL,
	date_added INTEGER NOT NULL,
	tlp TEXT NOT NULL,
	writer TEXT NOT NULL,
	created_by TEXT NOT NULL DEFAULT '',
	raw TEXT NOT NULL,
	UNIQUE (collection, id, version)
);
CREATE INDEX taxii_objects_added ON taxii_objects (collection, date_added, seq);
CREATE INDEX taxii_objects_id ON taxii_objects (collection, id, version);
-- The first member to add an identity or sign as it owns it.
CREATE INDEX taxii_objects_created_by ON taxii_objects (collection, created_by);

CREATE TABLE taxii_status (
	id TEXT PRIMARY KEY,
	member TEXT NOT NULL,
	created_at INTEGER NOT NULL,
	body TEXT NOT NULL
);

CREATE TABLE hub_keys (
	epoch INTEGER PRIMARY KEY,
	secret TEXT NOT NULL,
	created_at INTEGER NOT NULL,
	retired_at INTEGER NOT NULL DEFAULT 0
);

-- A member's registered tokens of one epoch are replaced as a whole, so a
-- worker who left stops counting.
CREATE TABLE hub_tokens (
	epoch INTEGER NOT NULL,
	token TEXT NOT NULL,
	member TEXT NOT NULL,
	fraud INTEGER NOT NULL DEFAULT 0,
	registered_at INTEGER NOT NULL,
	PRIMARY KEY (epoch, token, member)
);
CREATE INDEX hub_tokens_member ON hub_tokens (member, epoch);

CREATE TABLE hub_usage (
	member TEXT NOT NULL,
	day TEXT NOT NULL,
	evaluated INTEGER NOT NULL DEFAULT 0,
	PRIMARY KEY (member, day)
);
