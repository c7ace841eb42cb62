//! The path tainted data took to a sink, as Semgrep's `dataflow_trace`.

use rsolv_core::Position;
use serde::Serialize;

/// One place in a dataflow trace.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TraceLocation {
    /// Where it starts.
    pub start: Position,
    /// Where it ends (exclusive).
    pub end: Position,
    /// The code there.
    pub content: String,
}

/// How tainted data reached a taint rule's sink.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DataflowTrace {
    /// The source match the data came from.
    pub taint_source: TraceLocation,
    /// The variables it was assigned to on the way, in order.
    pub intermediate_vars: Vec<TraceLocation>,
    /// The sink match it reached.
    pub taint_sink: TraceLocation,
}
