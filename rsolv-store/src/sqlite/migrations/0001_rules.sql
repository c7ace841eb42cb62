-- Rules and what hangs off them, after RFC 003's four tables.
--
-- Unlike the RFC, children reference the row key `organization_rules.id`:
-- `rule_id` alone is unique only within an organization, so it cannot be
-- the target of a foreign key.

CREATE TABLE organization_rules (
    id                 INTEGER PRIMARY KEY,
    org_id             TEXT    NOT NULL CHECK (length(org_id) BETWEEN 1 AND 64),
    rule_id            TEXT    NOT NULL CHECK (length(rule_id) > 0),
    yaml               TEXT    NOT NULL,
    message            TEXT    NOT NULL,
    severity           TEXT    NOT NULL,
    languages          TEXT    NOT NULL DEFAULT '[]'
                       CHECK (json_valid(languages) AND json_type(languages) = 'array'),
    vulnerability_type TEXT,
    created_from_issue TEXT,
    confidence         REAL    CHECK (confidence IS NULL OR confidence BETWEEN 0.0 AND 1.0),
    enabled            INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),
    version            INTEGER NOT NULL CHECK (version >= 1),
    created_at         TEXT    NOT NULL,
    updated_at         TEXT    NOT NULL,
    UNIQUE (org_id, rule_id)
);

CREATE TABLE rule_metrics (
    rule_pk         INTEGER PRIMARY KEY
                    REFERENCES organization_rules (id) ON DELETE CASCADE,
    matches         INTEGER NOT NULL DEFAULT 0 CHECK (matches >= 0),
    true_positives  INTEGER NOT NULL DEFAULT 0 CHECK (true_positives >= 0),
    false_positives INTEGER NOT NULL DEFAULT 0 CHECK (false_positives >= 0),
    last_matched_at TEXT,
    precision       REAL GENERATED ALWAYS AS (
        CASE WHEN true_positives + false_positives > 0
             THEN CAST(true_positives AS REAL) / (true_positives + false_positives)
        END
    ) VIRTUAL
);

CREATE TABLE rule_test_cases (
    id          INTEGER PRIMARY KEY,
    rule_pk     INTEGER NOT NULL REFERENCES organization_rules (id) ON DELETE CASCADE,
    kind        TEXT    NOT NULL CHECK (kind IN ('positive', 'negative')),
    language    TEXT    NOT NULL,
    code        TEXT    NOT NULL,
    description TEXT,
    created_at  TEXT    NOT NULL
);
CREATE INDEX rule_test_cases_rule ON rule_test_cases (rule_pk);

-- Every version's full content, so that a rollback restores the indexed
-- fields along with the YAML.
CREATE TABLE rule_evolution (
    id                 INTEGER PRIMARY KEY,
    rule_pk            INTEGER NOT NULL REFERENCES organization_rules (id) ON DELETE CASCADE,
    version            INTEGER NOT NULL CHECK (version >= 1),
    yaml               TEXT    NOT NULL,
    message            TEXT    NOT NULL,
    severity           TEXT    NOT NULL,
    languages          TEXT    NOT NULL CHECK (json_valid(languages)),
    vulnerability_type TEXT,
    created_from_issue TEXT,
    confidence         REAL,
    change_type        TEXT    NOT NULL CHECK (change_type IN ('created', 'updated', 'rolled_back')),
    reason             TEXT    NOT NULL,
    actor              TEXT    NOT NULL CHECK (length(actor) > 0),
    created_at         TEXT    NOT NULL,
    UNIQUE (rule_pk, version)
);
