//! Full-text search over rules with SQLite FTS5.

use rsolv_core::OrgId;
use rusqlite::{Connection, params};

use super::row::{RULE_COLUMN_COUNT, RULE_COLUMNS, RuleRow};
use crate::{Result, SearchHit};

/// Turns user text into an FTS5 query that cannot be a syntax error.
///
/// Each whitespace-separated word becomes a quoted prefix phrase
/// (`"word"*`), so operators (`AND`, `NEAR(`), parentheses, column filters
/// and stray quotes are searched for as text instead of parsed; the words
/// are ANDed. Words without a letter or digit would tokenize to nothing and
/// are dropped. `None` if nothing is left to search for.
pub(crate) fn fts_query(text: &str) -> Option<String> {
    let terms: Vec<String> = text
        .split_whitespace()
        .filter(|word| word.chars().any(char::is_alphanumeric))
        .map(|word| format!("\"{}\"*", word.replace('"', "\"\"")))
        .collect();
    (!terms.is_empty()).then(|| terms.join(" "))
}

/// The organization's rules matching `text`, best first.
pub(super) fn search(
    conn: &Connection,
    org: &OrgId,
    text: &str,
    limit: usize,
) -> Result<Vec<SearchHit>> {
    let Some(query) = fts_query(text) else {
        return Ok(Vec::new());
    };
    if limit == 0 {
        return Ok(Vec::new());
    }
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    // BM25 weights per column: rule_id, message, yaml, vulnerability_type.
    // A hit in the id or message says more than one somewhere in the YAML.
    let sql = format!(
        "SELECT {RULE_COLUMNS},
                -bm25(rules_fts, 10.0, 4.0, 1.0, 2.0),
                snippet(rules_fts, -1, '[', ']', '…', 12)
         FROM rules_fts JOIN organization_rules r ON r.id = rules_fts.rowid
         WHERE rules_fts MATCH ?1 AND r.org_id = ?2
         ORDER BY bm25(rules_fts, 10.0, 4.0, 1.0, 2.0), r.rule_id
         LIMIT ?3"
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map(params![query, org.as_str(), limit], |row| {
        Ok((
            RuleRow::read(row)?,
            row.get::<_, f64>(RULE_COLUMN_COUNT)?,
            row.get::<_, String>(RULE_COLUMN_COUNT + 1)?,
        ))
    })?;
    rows.map(|row| {
        let (rule, rank, snippet) = row?;
        Ok(SearchHit {
            rule: rule.into_rule()?.1,
            rank,
            snippet,
        })
    })
    .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_become_quoted_prefixes() {
        assert_eq!(
            fts_query("sql inject").as_deref(),
            Some("\"sql\"* \"inject\"*")
        );
        assert_eq!(
            fts_query("\"foo AND (").as_deref(),
            Some("\"\"\"foo\"* \"AND\"*")
        );
        assert_eq!(fts_query("NEAR(").as_deref(), Some("\"NEAR(\"*"));
        assert_eq!(fts_query("* ( ) \" -"), None);
        assert_eq!(fts_query("   "), None);
    }
}
