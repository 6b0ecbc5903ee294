-- Alerts, cases with their event log, and the audit log. Events and audit
-- entries are append-only: triggers refuse to change or remove them, so
-- not even a bug can rewrite history.
CREATE TABLE cases (
	id INTEGER PRIMARY KEY AUTOINCREMENT,
	title TEXT NOT NULL,
	status TEXT NOT NULL,
	created_by TEXT NOT NULL DEFAULT '',
	created_at INTEGER NOT NULL,
	updated_at INTEGER NOT NULL
);
CREATE INDEX cases_status ON cases (status, id);

CREATE TABLE alerts (
	id INTEGER PRIMARY KEY AUTOINCREMENT,
	subject_id TEXT NOT NULL,
	score INTEGER NOT NULL,
	level TEXT NOT NULL,
	summary TEXT NOT NULL DEFAULT '',
	evidence BLOB,
	created_at INTEGER NOT NULL,
	case_id INTEGER REFERENCES cases (id)
);
CREATE INDEX alerts_subject ON alerts (subject_id, id);
CREATE INDEX alerts_case ON alerts (case_id, id);

CREATE TABLE case_events (
	id INTEGER PRIMARY KEY AUTOINCREMENT,
	case_id INTEGER NOT NULL REFERENCES cases (id),
	at INTEGER NOT NULL,
	actor TEXT NOT NULL DEFAULT '',
	kind TEXT NOT NULL,
	body TEXT NOT NULL DEFAULT '',
	status TEXT NOT NULL DEFAULT '',
	alert_id INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX case_events_case ON case_events (case_id, id);
CREATE TRIGGER case_events_no_update BEFORE UPDATE ON case_events
BEGIN SELECT RAISE(ABORT, 'case_events is append-only'); END;
CREATE TRIGGER case_events_no_delete BEFORE DELETE ON case_events
BEGIN SELECT RAISE(ABORT, 'case_events is append-only'); END;

CREATE TABLE audit_log (
	id INTEGER PRIMARY KEY AUTOINCREMENT,
	at INTEGER NOT NULL,
	actor TEXT NOT NULL DEFAULT '',
	action TEXT NOT NULL,
	object TEXT NOT NULL DEFAULT '',
	detail TEXT NOT NULL DEFAULT ''
);
CREATE INDEX audit_log_actor ON audit_log (actor, id);
CREATE INDEX audit_log_object ON audit_log (object, id);
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
