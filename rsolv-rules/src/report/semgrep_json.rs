//! `semgrep --json` output.

use serde_json::{Map, Value, json};

use super::{by_id, fingerprints};
use crate::{CompiledRule, EngineError, ScanReport};

/// The version string written in `version`: rsolv's own, so consumers can
/// tell the producers apart.
const VERSION: &str = env!("CARGO_PKG_VERSION");

/// A scan report in the shape of `semgrep --json`: `version`, `results[]`
/// (`check_id`, `path`, `start`, `end`, `extra` with `message`, `severity`,
/// `metadata`, `lines`, `fix`, `metavars`, `fingerprint`), `errors[]` and
/// `paths.scanned`.
pub fn to_semgrep_json<'a>(
    report: &ScanReport,
    rules: impl Iterator<Item = &'a CompiledRule>,
) -> Value {
    let rules = by_id(rules);
    let fingerprints = fingerprints(&report.matches);
    let results: Vec<Value> = report
        .matches
        .iter()
        .zip(fingerprints)
        .map(|(m, fingerprint)| {
            let rule = rules.get(m.rule_id.as_str());
            let metadata = rule
                .map(|r| serde_json::to_value(r.metadata.as_mapping()).unwrap_or(Value::Null))
                .unwrap_or_else(|| json!({}));
            let mut extra = Map::new();
            extra.insert("message".into(), json!(m.message));
            if let Some(fix) = &m.fix {
                extra.insert("fix".into(), json!(fix));
            }
            extra.insert("metadata".into(), metadata);
            extra.insert("severity".into(), json!(m.severity.as_str()));
            extra.insert("fingerprint".into(), json!(fingerprint));
            extra.insert("lines".into(), json!(m.lines));
            extra.insert(
                "metavars".into(),
                serde_json::to_value(&m.metavars).unwrap_or(Value::Null),
            );
            extra.insert("is_ignored".into(), json!(false));
            extra.insert("engine_kind".into(), json!("OSS"));
            json!({
                "check_id": m.rule_id,
                "path": m.path,
                "start": m.start,
                "end": m.end,
                "extra": Value::Object(extra),
            })
        })
        .collect();
    json!({
        "version": VERSION,
        "results": results,
        "errors": report.errors.iter().map(error_json).collect::<Vec<_>>(),
        "paths": {
            "scanned": report.scanned,
            "skipped": report.skipped,
        },
    })
}

fn error_json(e: &EngineError) -> Value {
    let mut obj = Map::new();
    // Semgrep's codes: 3 for warnings about targets, 7 for rule problems.
    let code = if e.rule_id.is_some() && e.path.is_none() {
        7
    } else {
        3
    };
    obj.insert("code".into(), json!(code));
    obj.insert("level".into(), json!(e.level));
    obj.insert("type".into(), json!(e.kind));
    obj.insert("message".into(), json!(e.message));
    if let Some(rule) = &e.rule_id {
        obj.insert("rule_id".into(), json!(rule));
    }
    if let Some(path) = &e.path {
        obj.insert("path".into(), json!(path));
    }
    if let (Some(path), Some(start)) = (&e.path, &e.start) {
        obj.insert(
            "spans".into(),
            json!([{ "file": path, "start": start, "end": start }]),
        );
    }
    Value::Object(obj)
}
