-- Subjects as given, the index of their identifiers, indicators and the
-- latest verdict per subject. Times are microseconds since 1970 UTC, 0 for
-- none, so both dialects store them alike.

-- pk is the integer key the index refers to: 8 bytes at most in every
-- index entry instead of the id's text. identifiers is the subject's
-- identifiers as given (a JSON array, see store.EncodeIdentifiers); the
-- index holds only what finds subjects. raw comes last so that reading the
-- other columns does not walk its overflow pages.
CREATE TABLE subjects (
	pk INTEGER PRIMARY KEY,
	id TEXT NOT NULL UNIQUE,
	kind TEXT NOT NULL DEFAULT '',
	fingerprint INTEGER NOT NULL,
	updated_at INTEGER NOT NULL,
	identifiers BLOB NOT NULL,
	raw BLOB NOT NULL
);

-- The index from values to subjects: one row per (kind, value, subject),
-- for the kinds store.Indexed names. The primary key is the lookup "who
-- has this value", so a lookup reads one contiguous range. There is no
-- index by subject: a changed subject's old rows are deleted by their
-- keys, read from subjects.identifiers, and subjects are never deleted.
CREATE TABLE subject_identifiers (
	kind TEXT NOT NULL,
	value TEXT NOT NULL,
	subject_pk INTEGER NOT NULL REFERENCES subjects (pk),
	PRIMARY KEY (kind, value, subject_pk)
) WITHOUT ROWID;

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
