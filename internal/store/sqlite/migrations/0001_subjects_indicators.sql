-- Subjects as given, the index of their identifiers, indicators and the
-- latest verdict per subject. Times are microseconds since 1970 UTC, 0 for
-- none, so both dialects store them alike.
CREATE TABLE subjects (
	id TEXT PRIMARY KEY,
	kind TEXT NOT NULL DEFAULT '',
	raw BLOB NOT NULL,
	fingerprint INTEGER NOT NULL,
	updated_at INTEGER NOT NULL
);

-- One row per (value, subject, field): the primary key is the lookup
-- "who has this value", so lookups read one contiguous range.
CREATE TABLE subject_identifiers (
	kind TEXT NOT NULL,
	value TEXT NOT NULL,
	subject_id TEXT NOT NULL REFERENCES subjects (id) ON DELETE CASCADE,
	attribute TEXT NOT NULL,
	role TEXT NOT NULL DEFAULT '',
	position INTEGER NOT NULL,
	PRIMARY KEY (kind, value, subject_id, attribute)
) WITHOUT ROWID;
CREATE INDEX subject_identifiers_subject ON subject_identifiers (subject_id);

CREATE TABLE indicators (
	id INTEGER PRIMARY KEY,
	source TEXT NOT NULL,
	kind TEXT NOT NULL,
	value TEXT NOT NULL,
	label TEXT NOT NULL DEFAULT '',
	severity TEXT NOT NULL DEFAULT '',
	confidence INTEGER NOT NULL DEFAULT 0,
	source_ref TEXT NOT NULL DEFAULT '',
	tlp TEXT NOT NULL DEFAULT 'clear',
	first_seen INTEGER NOT NULL DEFAULT 0,
	last_seen INTEGER NOT NULL DEFAULT 0,
	valid_until INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX indicators_source ON indicators (source, kind, value);
CREATE INDEX indicators_value ON indicators (kind, value);

CREATE TABLE verdicts (
	subject_id TEXT PRIMARY KEY,
	score INTEGER NOT NULL,
	level TEXT NOT NULL,
	hits BLOB,
	screened_at INTEGER NOT NULL
);
