//! Builders shared by the tests.

use std::path::Path;

use rsolv_core::{OrgId, Severity, VulnClass};
use rsolv_store::{ChangeInfo, NewFinding, NewRule};

/// An organization id known to be valid.
pub(crate) fn org(name: &str) -> OrgId {
    OrgId::new(name).unwrap_or_else(|e| panic!("bad test org {name}: {e}"))
}

/// A change by the test actor.
pub(crate) fn who(reason: &str) -> ChangeInfo {
    ChangeInfo::new("tester", reason)
}

/// A Python SQL-injection rule whose YAML mentions `body`.
pub(crate) fn rule(id: &str, body: &str) -> NewRule {
    NewRule {
        languages: vec!["python".into()],
        vulnerability_type: Some(VulnClass::Sqli),
        created_from_issue: Some("https://example.test/issues/1".into()),
        confidence: Some(0.8),
        ..NewRule::new(
            id,
            format!("rules:\n- id: {id}\n  pattern: {body}\n  languages: [python]\n"),
            format!("SQL query built from {body}"),
            Severity::Error,
        )
    }
}

/// A finding of `rule_id` with fingerprint `fingerprint`.
pub(crate) fn finding(rule_id: &str, fingerprint: &str) -> NewFinding {
    NewFinding {
        rule_id: rule_id.into(),
        path: format!("app/{fingerprint}.py"),
        start_line: 3,
        start_col: 5,
        end_line: 3,
        end_col: 40,
        message: "SQL query built from input".into(),
        severity: Severity::Error,
        fingerprint: fingerprint.into(),
        lines: "cursor.execute(q % x)".into(),
        vuln_class: Some(VulnClass::Sqli),
    }
}

/// A plain connection to a store's file, bypassing the store.
pub(crate) fn raw(path: &Path) -> anyhow::Result<rusqlite::Connection> {
    let conn = rusqlite::Connection::open(path)?;
    conn.busy_timeout(std::time::Duration::from_secs(10))?;
    Ok(conn)
}

/// `SELECT count(*) FROM <table>` over a raw connection.
pub(crate) fn count(conn: &rusqlite::Connection, table: &str) -> anyhow::Result<i64> {
    Ok(conn.query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))?)
}
