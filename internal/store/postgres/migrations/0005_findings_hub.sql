-- Findings other analyses make about stored subjects (laptop-farm detection
-- from telemetry, answers of the consortium hub), which screening turns into
-- signals; the case sources an analyst marked shareable with the consortium;
-- and, for a database serving as a consortium hub, its members, collections,
-- TAXII objects and statuses, OPRF keys and registered blinded tokens.
CREATE TABLE findings (
	source TEXT COLLATE "C" NOT NULL,
	finding_id TEXT COLLATE "C" NOT NULL,
	subject_id TEXT COLLATE "C" NOT NULL,
	kind TEXT NOT NULL,
	level TEXT NOT NULL DEFAULT '',
	points BIGINT NOT NULL DEFAULT 0,
	explanation TEXT NOT NULL DEFAULT '',
	detail TEXT NOT NULL DEFAULT '{}',
	first_at BIGINT NOT NULL DEFAULT 0,
	last_at BIGINT NOT NULL DEFAULT 0,
	updated_at BIGINT NOT NULL,
	PRIMARY KEY (source, finding_id, subject_id)
);
CREATE INDEX findings_subject ON findings (subject_id);

CREATE TABLE shared_sources (
	source TEXT COLLATE "C" PRIMARY KEY,
	actor TEXT NOT NULL DEFAULT '',
	created_at BIGINT NOT NULL
);

-- A member's blinded-token cache: the token of an identifier (keyed by a
-- hash of the blinded input) under an epoch's hub key, so a daily sync
-- evaluates only identifiers it has not seen.
CREATE TABLE token_cache (
	epoch BIGINT NOT NULL,
	input_hash TEXT COLLATE "C" NOT NULL,
	token TEXT NOT NULL,
	PRIMARY KEY (epoch, input_hash)
);

CREATE TABLE hub_members (
	id TEXT COLLATE "C" PRIMARY KEY,
	name TEXT NOT NULL DEFAULT '',
	kind TEXT NOT NULL,
	disabled BOOLEAN NOT NULL DEFAULT FALSE,
	created_at BIGINT NOT NULL
);

CREATE TABLE hub_collections (
	id TEXT COLLATE "C" PRIMARY KEY,
	title TEXT NOT NULL,
	description TEXT NOT NULL DEFAULT '',
	alias TEXT NOT NULL DEFAULT '',
	default_tlp TEXT NOT NULL DEFAULT '',
	allow_guests BOOLEAN NOT NULL DEFAULT FALSE,
	created_at BIGINT NOT NULL
);

-- member '*' grants every member (not guests).
CREATE TABLE hub_rights (
	collection TEXT COLLATE "C" NOT NULL,
	member TEXT COLLATE "C" NOT NULL,
	can_read BOOLEAN NOT NULL DEFAULT FALSE,
	can_write BOOLEAN NOT NULL DEFAULT FALSE,
	PRIMARY KEY (collection, member)
);

-- seq orders objects that share a date_added, so pages neither lose nor
-- repeat them. version is the object's modified time in microseconds.
CREATE TABLE taxii_objects (
	seq BIGSERIAL PRIMARY KEY,
	collection TEXT COLLATE "C" NOT NULL,
	id TEXT COLLATE "C" NOT NULL,
	type TEXT NOT NULL,
	spec_version TEXT NOT NULL DEFAULT '',
	version BIGINT NOT NULL,
	date_added BIGINT NOT NULL,
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
	id TEXT COLLATE "C" PRIMARY KEY,
	member TEXT COLLATE "C" NOT NULL,
	created_at BIGINT NOT NULL,
	body TEXT NOT NULL
);

CREATE TABLE hub_keys (
	epoch INTEGER PRIMARY KEY,
	secret TEXT NOT NULL,
	created_at BIGINT NOT NULL,
	retired_at BIGINT NOT NULL DEFAULT 0
);

-- A member's registered tokens of one epoch are replaced as a whole, so a
-- worker who left stops counting.
CREATE TABLE hub_tokens (
	epoch BIGINT NOT NULL,
	token TEXT COLLATE "C" NOT NULL,
	member TEXT COLLATE "C" NOT NULL,
	fraud BOOLEAN NOT NULL DEFAULT FALSE,
	registered_at BIGINT NOT NULL,
	PRIMARY KEY (epoch, token, member)
);
CREATE INDEX hub_tokens_member ON hub_tokens (member, epoch);

CREATE TABLE hub_usage (
	member TEXT COLLATE "C" NOT NULL,
	day TEXT NOT NULL,
	evaluated BIGINT NOT NULL DEFAULT 0,
	PRIMARY KEY (member, day)
);
