//! Taint findings' dataflow traces: Semgrep JSON's `dataflow_trace` and
//! SARIF's `codeFlows`.

use serde_json::{Value, json};

use crate::{RuleMatch, TraceLocation};

fn location(m: &RuleMatch, at: &TraceLocation) -> Value {
    json!({ "path": m.path, "start": at.start, "end": at.end })
}

/// `extra.dataflow_trace` as Semgrep writes it: the source and sink as
/// `["CliLoc", [location, content]]`, the variables in between as
/// `{location, content}`.
pub(crate) fn semgrep_dataflow_trace(m: &RuleMatch) -> Option<Value> {
    let trace = m.dataflow_trace.as_ref()?;
    let cli_loc = |at: &TraceLocation| json!(["CliLoc", [location(m, at), at.content]]);
    Some(json!({
        "taint_source": cli_loc(&trace.taint_source),
        "intermediate_vars": trace
            .intermediate_vars
            .iter()
            .map(|v| json!({ "location": location(m, v), "content": v.content }))
            .collect::<Vec<_>>(),
        "taint_sink": cli_loc(&trace.taint_sink),
    }))
}

/// SARIF `codeFlows`: one thread flow from the source through the
/// intermediate variables to the sink.
pub(crate) fn sarif_code_flows(m: &RuleMatch, uri: &str) -> Option<Value> {
    let trace = m.dataflow_trace.as_ref()?;
    let step = |at: &TraceLocation, what: &str| {
        json!({
            "location": {
                "message": { "text": format!("{what}: {}", at.content) },
                "physicalLocation": {
                    "artifactLocation": { "uri": uri, "uriBaseId": "%SRCROOT%" },
                    "region": {
                        "startLine": at.start.line,
                        "startColumn": at.start.col,
                        "endLine": at.end.line,
                        "endColumn": at.end.col,
                        "snippet": { "text": at.content },
                    },
                },
            },
        })
    };
    let mut locations = vec![step(&trace.taint_source, "Source")];
    locations.extend(
        trace
            .intermediate_vars
            .iter()
            .map(|v| step(v, "Propagator")),
    );
    locations.push(step(&trace.taint_sink, "Sink"));
    Some(json!([{ "threadFlows": [{ "locations": locations }] }]))
}
