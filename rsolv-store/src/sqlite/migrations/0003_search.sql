-- Full-text index over the searchable columns of organization_rules,
-- kept in sync by triggers (so it commits or rolls back with the rows).

CREATE VIRTUAL TABLE rules_fts USING fts5 (
    rule_id,
    message,
    yaml,
    vulnerability_type,
    content = 'organization_rules',
    content_rowid = 'id'
);

CREATE TRIGGER rules_fts_insert AFTER INSERT ON organization_rules
BEGIN
    INSERT INTO rules_fts (rowid, rule_id, message, yaml, vulnerability_type)
    VALUES (new.id, new.rule_id, new.message, new.yaml, new.vulnerability_type);
END;

CREATE TRIGGER rules_fts_delete AFTER DELETE ON organization_rules
BEGIN
    INSERT INTO rules_fts (rules_fts, rowid, rule_id, message, yaml, vulnerability_type)
    VALUES ('delete', old.id, old.rule_id, old.message, old.yaml, old.vulnerability_type);
END;

CREATE TRIGGER rules_fts_update
AFTER UPDATE OF rule_id, message, yaml, vulnerability_type ON organization_rules
BEGIN
    INSERT INTO rules_fts (rules_fts, rowid, rule_id, message, yaml, vulnerability_type)
    VALUES ('delete', old.id, old.rule_id, old.message, old.yaml, old.vulnerability_type);
    INSERT INTO rules_fts (rowid, rule_id, message, yaml, vulnerability_type)
    VALUES (new.id, new.rule_id, new.message, new.yaml, new.vulnerability_type);
END;

-- Index the rules stored before this migration.
INSERT INTO rules_fts (rules_fts) VALUES ('rebuild');
