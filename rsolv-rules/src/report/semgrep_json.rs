//! `semgrep --json` output.

use serde::Serialize;
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
    let rules: Vec<&CompiledRule> = rules.collect();
    serde_json::to_value(SemgrepJson::new(report, &rules)).unwrap_or(Value::Null)
}

/// [`to_semgrep_json`] written straight to `out` (pretty-printed), without
/// building the whole document in memory first: a scan with ten thousand
/// findings would otherwise hold it several times over.
pub fn write_semgrep_json<'a>(
    out: impl std::io::Write,
    report: &ScanReport,
    rules: impl Iterator<Item = &'a CompiledRule>,
) -> serde_json::Result<()> {
    let rules: Vec<&CompiledRule> = rules.collect();
    serde_json::to_writer_pretty(out, &SemgrepJson::new(report, &rules))
}

#[derive(Serialize)]
struct SemgrepJson<'a> {
    version: &'static str,
    results: Vec<ResultJson<'a>>,
    errors: Vec<Value>,
    paths: PathsJson<'a>,
}

#[derive(Serialize)]
struct PathsJson<'a> {
    scanned: &'a [std::path::PathBuf],
    skipped: &'a [crate::SkippedPath],
}

#[derive(Serialize)]
struct ResultJson<'a> {
    check_id: &'a str,
    path: &'a std::path::Path,
    start: rsolv_core::Position,
    end: rsolv_core::Position,
    extra: ExtraJson<'a>,
}

#[derive(Serialize)]
struct ExtraJson<'a> {
    message: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    fix: Option<&'a str>,
    metadata: &'a serde_yaml::Mapping,
    severity: &'static str,
    fingerprint: String,
    lines: &'a str,
    metavars: &'a std::collections::BTreeMap<String, crate::MetavarValue>,
    is_ignored: bool,
    engine_kind: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    dataflow_trace: Option<serde_json::Value>,
}

static NO_METADATA: std::sync::LazyLock<serde_yaml::Mapping> =
    std::sync::LazyLock::new(serde_yaml::Mapping::new);

impl<'a> SemgrepJson<'a> {
    fn new(report: &'a ScanReport, rules: &[&'a CompiledRule]) -> Self {
        let rules = by_id(rules.iter().copied());
        let results = report
            .matches
            .iter()
            .zip(fingerprints(&report.matches))
            .map(|(m, fingerprint)| ResultJson {
                check_id: &m.rule_id,
                path: &m.path,
                start: m.start,
                end: m.end,
                extra: ExtraJson {
                    message: &m.message,
                    fix: m.fix.as_deref(),
                    metadata: rules
                        .get(m.rule_id.as_str())
                        .map_or(&*NO_METADATA, |r| r.metadata.as_mapping()),
                    severity: m.severity.as_str(),
                    fingerprint,
                    lines: &m.lines,
                    metavars: &m.metavars,
                    is_ignored: false,
                    engine_kind: "OSS",
                    dataflow_trace: super::dataflow::semgrep_dataflow_trace(m),
                },
            })
            .collect();
        Self {
            version: VERSION,
            results,
            errors: report.errors.iter().map(error_json).collect(),
            paths: PathsJson {
                scanned: &report.scanned,
                skipped: &report.skipped,
            },
        }
    }
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
