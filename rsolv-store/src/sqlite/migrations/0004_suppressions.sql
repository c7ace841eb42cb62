-- Suppressions: an organization's decisions to drop findings of one
-- vulnerability class under matching paths (e.g. information_disclosure in
-- tests/**). Scoped by org_id like every other table.

CREATE TABLE suppressions (
    id         INTEGER PRIMARY KEY,
    org_id     TEXT NOT NULL,
    label      TEXT NOT NULL,
    path_glob  TEXT NOT NULL,
    reason     TEXT,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    UNIQUE (org_id, label, path_glob)
);

CREATE INDEX suppressions_by_org ON suppressions (org_id);
