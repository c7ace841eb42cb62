//! Taint unit tests: a source `source(...)`, a sink `sink(...)`, a
//! sanitizer `clean(...)`, one snippet per language, the sink lines found.

use crate::engine::tests::scan_with_rule;

fn sink_lines(lang: &str, code: &str) -> Vec<usize> {
    let yaml = format!(
        "rules:\n  - id: t\n    mode: taint\n    message: m\n    severity: ERROR\n    languages: [{lang}]\n    pattern-sources: [{{pattern: source(...)}}]\n    pattern-sanitizers: [{{pattern: clean(...)}}]\n    pattern-sinks: [{{pattern: sink(...)}}]\n"
    );
    let result = scan_with_rule(&yaml, lang, code);
    for m in &result.matches {
        assert!(m.dataflow_trace.is_some());
    }
    result.matches.iter().map(|m| m.start.line).collect()
}

#[test]
fn python_assignments_concatenation_and_kills() {
    let code = "def f():\n    x = source()\n    y = 'a' + x\n    sink(y)\n    y = 1\n    sink(y)\n    sink(clean(x))\n";
    assert_eq!(sink_lines("python", code), [4]);
}

#[test]
fn branches_may_taint_and_loops_carry_taint() {
    let code = "def f(c):\n    if c:\n        v = source()\n    else:\n        v = 1\n    sink(v)\n    a = 1\n    for i in c:\n        sink(a)\n        a = source()\n";
    assert_eq!(sink_lines("python", code), [6, 9]);
}

#[test]
fn javascript_template_and_fields() {
    let code =
        "function f(o) {\n  o.x = source();\n  const t = `a${o.x}`;\n  sink(t);\n  sink(o.y);\n}\n";
    assert_eq!(sink_lines("javascript", code), [4]);
}

#[test]
fn go_java_ruby_flows() {
    let go =
        "package main\nfunc f() {\n\tx := source()\n\ty := fmt.Sprintf(\"%s\", x)\n\tsink(y)\n}\n";
    assert_eq!(sink_lines("go", go), [5]);
    let java = "class A {\n  void f() {\n    String x = source();\n    sink(\"a\" + x);\n    x = \"b\";\n    sink(x);\n  }\n}\n";
    assert_eq!(sink_lines("java", java), [4]);
    let ruby = "def f\n  x = source()\n  sink(\"#{x}\")\nend\n";
    assert_eq!(sink_lines("ruby", ruby), [3]);
}

#[test]
fn functions_do_not_share_taint() {
    let code = "def f():\n    x = source()\n\ndef g():\n    sink(x)\n";
    assert!(sink_lines("python", code).is_empty());
}

#[test]
fn nested_hits_of_one_specification_are_dropped() {
    use super::drop_nested;
    use super::flow::Hit;
    use crate::engine::matcher::{Env, RangeMatch};
    let hit = |spec, start, end| Hit {
        spec,
        m: RangeMatch {
            start,
            end,
            env: Env::default(),
        },
    };
    let mut hits = vec![
        hit(0, 5, 8),
        hit(0, 0, 10),
        hit(1, 2, 4),
        hit(0, 0, 10),
        hit(0, 10, 12),
        hit(0, 0, 3),
    ];
    drop_nested(&mut hits);
    let left: Vec<(usize, u32, u32)> = hits.iter().map(|h| (h.spec, h.m.start, h.m.end)).collect();
    assert_eq!(left, [(0, 0, 10), (1, 2, 4), (0, 0, 10), (0, 10, 12)]);
}

#[test]
fn safe_scalar_options_stop_boolean_and_number_values() {
    let yaml = "rules:\n  - id: t\n    mode: taint\n    message: m\n    severity: ERROR\n    languages: [java]\n    options: {taint_assume_safe_booleans: true, taint_assume_safe_numbers: true}\n    pattern-sources: [{pattern: source(...)}]\n    pattern-sinks: [{pattern: sink(...)}]\n";
    let code = "class A {\n  void f(int n) {\n    String x = source();\n    sink(x == null);\n    int k = x.length();\n    sink(k);\n    sink(x.trim());\n  }\n}\n";
    let result = crate::engine::tests::scan_with_rule(yaml, "java", code);
    let lines: Vec<usize> = result.matches.iter().map(|m| m.start.line).collect();
    assert_eq!(lines, [7]);
}

/// Sink lines with intrafile taint on.
fn intrafile_sink_lines(lang: &str, code: &str) -> Vec<usize> {
    use std::path::Path;

    use rsolv_core::Language;

    use crate::{Engine, parse_rules};
    let yaml = format!(
        "rules:\n  - id: t\n    mode: taint\n    message: m\n    severity: ERROR\n    languages: [{lang}]\n    pattern-sources: [{{pattern: source(...)}}]\n    pattern-sanitizers: [{{pattern: clean(...)}}]\n    pattern-sinks: [{{pattern: sink(...)}}]\n"
    );
    let rules = parse_rules(&yaml, Path::new("t.yaml"))
        .and_then(|l| l.compile())
        .expect("valid rule");
    let mut engine = Engine::new(rules);
    engine.set_taint_intrafile(true);
    let language: Language = lang.parse().expect("language");
    let path = format!("t.{}", language.extensions()[0]);
    let result = engine.scan_source(Path::new(&path), language, code);
    result.matches.iter().map(|m| m.start.line).collect()
}

#[test]
fn intrafile_taint_follows_arguments_into_same_file_functions() {
    // Off by default, as in Semgrep's free engine.
    let py = "def run(a, b):\n    sink(a)\n    sink(b)\n\ndef main():\n    run(source(), 'x')\n    run(clean(source()), 'y')\n";
    assert_eq!(sink_lines("python", py), Vec::<usize>::new());
    // Only the parameter that receives tainted data; sanitized arguments
    // taint nothing.
    assert_eq!(intrafile_sink_lines("python", py), [2]);
    // Methods called on self/this skip the receiver; two calls deep.
    let py_method = "class A:\n    def inner(self, v):\n        sink(v)\n\n    def outer(self, w):\n        self.inner(w)\n\n    def main(self):\n        self.outer(source())\n";
    assert_eq!(intrafile_sink_lines("python", py_method), [3]);
    let js = "function run(a, b) {\n  sink(b);\n}\nfunction main() {\n  run('x', source());\n}\n";
    assert_eq!(intrafile_sink_lines("javascript", js), [2]);
    let java = "class A {\n  void run(String a) {\n    sink(a);\n  }\n  void main() {\n    this.run(source());\n  }\n}\n";
    assert_eq!(intrafile_sink_lines("java", java), [3]);
    // A name defined twice is not followed (which one runs is unknown).
    let twice = "def run(a):\n    sink(a)\n\ndef run(a):\n    pass\n\nrun(source())\n";
    assert_eq!(intrafile_sink_lines("python", twice), Vec::<usize>::new());
}
