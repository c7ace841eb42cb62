-- Findings with their feedback, and the append-only audit log.

CREATE TABLE findings (
    id             INTEGER PRIMARY KEY,
    rule_pk        INTEGER NOT NULL REFERENCES organization_rules (id) ON DELETE CASCADE,
    fingerprint    TEXT    NOT NULL CHECK (length(fingerprint) > 0),
    path           TEXT    NOT NULL,
    start_line     INTEGER NOT NULL,
    start_col      INTEGER NOT NULL,
    end_line       INTEGER NOT NULL,
    end_col        INTEGER NOT NULL,
    message        TEXT    NOT NULL,
    severity       TEXT    NOT NULL,
    lines          TEXT    NOT NULL,
    vuln_class     TEXT,
    times_seen     INTEGER NOT NULL DEFAULT 1 CHECK (times_seen >= 1),
    first_seen_at  TEXT    NOT NULL,
    last_seen_at   TEXT    NOT NULL,
    feedback       TEXT    CHECK (feedback IN ('true_positive', 'false_positive', 'ignored')),
    feedback_actor TEXT,
    feedback_note  TEXT,
    feedback_at    TEXT,
    CHECK ((feedback IS NULL) = (feedback_actor IS NULL)),
    -- rule_pk is unique per (organization, rule id).
    UNIQUE (rule_pk, fingerprint)
);

-- No foreign key: entries must outlive the rules they describe.
CREATE TABLE audit_log (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    org_id     TEXT NOT NULL,
    rule_id    TEXT,
    action     TEXT NOT NULL,
    actor      TEXT NOT NULL CHECK (length(actor) > 0),
    reason     TEXT NOT NULL,
    detail     TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(detail)),
    created_at TEXT NOT NULL
);
CREATE INDEX audit_log_org_rule ON audit_log (org_id, rule_id);

CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only: rows cannot be updated');
END;

CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only: rows cannot be deleted');
END;
