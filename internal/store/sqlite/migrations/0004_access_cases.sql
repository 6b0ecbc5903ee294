-- Who may sign in (users, their sessions) and which programs may call
-- (API keys); cases about one subject, assigned to an analyst and decided;
-- files attached to cases as evidence; and the suppressions a cleared
-- decision leaves. Columns added to released tables have defaults, so the
-- cases, events and alerts of an older database read back unchanged.
ALTER TABLE cases ADD COLUMN subject_id TEXT NOT NULL DEFAULT '';
ALTER TABLE cases ADD COLUMN assignee TEXT NOT NULL DEFAULT '';
ALTER TABLE cases ADD COLUMN decision TEXT NOT NULL DEFAULT '';
CREATE INDEX cases_assignee ON cases (assignee, id);

ALTER TABLE case_events ADD COLUMN decision TEXT NOT NULL DEFAULT '';
ALTER TABLE case_events ADD COLUMN tlp TEXT NOT NULL DEFAULT '';

-- The alert queue sorted by score (AlertQuery.Sort = score), read
-- backwards for highest first.
CREATE INDEX alerts_score ON alerts (score, id);

CREATE TABLE users (
	name TEXT PRIMARY KEY,
	role TEXT NOT NULL,
	password_hash TEXT NOT NULL DEFAULT '',
	disabled INTEGER NOT NULL DEFAULT 0,
	created_at INTEGER NOT NULL
);

-- A key's secret is never stored, only its hash. revoked_at is 0 while the
-- key is valid.
CREATE TABLE api_keys (
	id TEXT PRIMARY KEY,
	name TEXT NOT NULL DEFAULT '',
	role TEXT NOT NULL,
	owner TEXT NOT NULL DEFAULT '',
	secret_hash TEXT NOT NULL,
	created_at INTEGER NOT NULL,
	revoked_at INTEGER NOT NULL DEFAULT 0
);

-- id is the hash of the cookie's token. Expired sessions are deleted by
-- expires_at.
CREATE TABLE sessions (
	id TEXT PRIMARY KEY,
	user_name TEXT NOT NULL,
	csrf TEXT NOT NULL,
	created_at INTEGER NOT NULL,
	expires_at INTEGER NOT NULL
);
CREATE INDEX sessions_expires ON sessions (expires_at);

-- Evidence is append-only like the case's log that names it. data comes
-- last so that listing a case's attachments does not walk its overflow
-- pages.
CREATE TABLE case_attachments (
	id INTEGER PRIMARY KEY AUTOINCREMENT,
	case_id INTEGER NOT NULL REFERENCES cases (id),
	name TEXT NOT NULL,
	content_type TEXT NOT NULL DEFAULT '',
	size INTEGER NOT NULL,
	sha256 TEXT NOT NULL,
	added_by TEXT NOT NULL DEFAULT '',
	added_at INTEGER NOT NULL,
	data BLOB NOT NULL
);
CREATE INDEX case_attachments_case ON case_attachments (case_id, id);
CREATE TRIGGER case_attachments_no_update BEFORE UPDATE ON case_attachments
BEGIN SELECT RAISE(ABORT, 'case_attachments is append-only'); END;
CREATE TRIGGER case_attachments_no_delete BEFORE DELETE ON case_attachments
BEGIN SELECT RAISE(ABORT, 'case_attachments is append-only'); END;

-- One suppression per subject; rules is a JSON array of rule names.
CREATE TABLE suppressions (
	subject_id TEXT PRIMARY KEY,
	fingerprint TEXT NOT NULL DEFAULT '',
	rules TEXT NOT NULL DEFAULT '[]',
	case_id INTEGER NOT NULL DEFAULT 0,
	actor TEXT NOT NULL DEFAULT '',
	created_at INTEGER NOT NULL
);
