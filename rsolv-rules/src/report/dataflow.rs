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

#[cfg(test)]
mod tests {
    use std::path::Path;

    use rsolv_core::Language;

    use super::*;
    use crate::{Engine, parse_rules};

    #[test]
    fn taint_findings_carry_semgrep_and_sarif_traces() {
        let yaml = "rules:\n  - id: t\n    mode: taint\n    message: m\n    severity: ERROR\n    languages: [python]\n    pattern-sources: [{pattern: source()}]\n    pattern-sinks: [{pattern: sink(...)}]\n";
        let rules = parse_rules(yaml, Path::new("t.yaml"))
            .and_then(|l| l.compile())
            .expect("valid rule");
        let code = "def f():\n    x = source()\n    sink(x)\n";
        let result = Engine::new(rules).scan_source(Path::new("t.py"), Language::Python, code);
        let m = &result.matches[0];
        let trace = semgrep_dataflow_trace(m).expect("a trace");
        assert_eq!(trace["taint_source"][0], "CliLoc");
        assert_eq!(trace["taint_source"][1][1], "source()");
        assert_eq!(trace["intermediate_vars"][0]["content"], "x");
        assert_eq!(
            trace["intermediate_vars"][0]["location"]["start"]["line"],
            2
        );
        assert_eq!(trace["taint_sink"][1][1], "sink(x)");
        let flows = sarif_code_flows(m, "t.py").expect("code flows");
        let steps = flows[0]["threadFlows"][0]["locations"].as_array().unwrap();
        assert_eq!(steps.len(), 3);
        assert_eq!(
            steps[2]["location"]["physicalLocation"]["region"]["startLine"],
            3
        );
    }
}
