//! Per-file match cost of the embedded engine: one generated source file
//! per language, scanned with the example rules plus a taint rule, and the
//! cost of compiling a rule set (parsing every pattern).
//!
//! ```sh
//! cargo bench --bench engine
//! ```
//!
//! Whole-codebase timings against real Semgrep are `scripts/bench-scan`'s.

use std::hint::black_box;
use std::path::Path;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use rsolv::core::Language;
use rsolv::rules::{CompiledRule, Engine, parse_rules};

/// Taint rules, one per language benchmarked, so the dataflow is measured
/// too.
const TAINT_RULES: &str = r#"
rules:
  - id: bench-python-taint
    message: request data reaches a shell
    languages: [python]
    severity: ERROR
    mode: taint
    pattern-sources:
      - pattern: request.args.get(...)
    pattern-sanitizers:
      - pattern: shlex.quote(...)
    pattern-sinks:
      - pattern: os.system(...)
  - id: bench-js-taint
    message: request data reaches eval
    languages: [javascript]
    severity: ERROR
    mode: taint
    pattern-sources:
      - pattern: req.query.$X
    pattern-sinks:
      - pattern: eval(...)
  - id: bench-java-taint
    message: request data reaches a query
    languages: [java]
    severity: ERROR
    mode: taint
    pattern-sources:
      - pattern: (HttpServletRequest $R).getParameter(...)
    pattern-sinks:
      - pattern: (Statement $S).executeQuery(...)
"#;

fn rules() -> Vec<CompiledRule> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut out = Vec::new();
    for name in ["python.yaml", "javascript.yaml", "java-go-ruby.yaml"] {
        let path = root.join("examples/rules").join(name);
        let text = std::fs::read_to_string(&path).expect("example rules");
        out.extend(
            parse_rules(&text, &path)
                .expect("parses")
                .compile()
                .expect("compiles"),
        );
    }
    let taint = parse_rules(TAINT_RULES, Path::new("bench.yaml")).expect("parses");
    out.extend(taint.compile().expect("compiles"));
    out
}

/// A source file of `functions` functions, each mixing safe and unsafe
/// calls, assignments, branches and loops.
fn source(lang: Language, functions: usize) -> String {
    let mut s = String::new();
    match lang {
        Language::Python => {
            s.push_str(
                "import os\nimport subprocess\nimport requests\nfrom flask import request\n\n",
            );
            for i in 0..functions {
                s.push_str(&format!(
                    "def handler_{i}(cur, items):\n    name = request.args.get('n{i}')\n    total = 0\n    for item in items:\n        if item.price > {i}:\n            total += item.price * 2\n    cur.execute(\"SELECT * FROM t WHERE id = %s\", (name,))\n    if total > 10:\n        os.system('echo ' + name)\n    requests.get('https://example.com/{i}', timeout=5)\n    return total\n\n"
                ));
            }
        }
        Language::JavaScript => {
            s.push_str("const express = require('express');\nconst app = express();\n\n");
            for i in 0..functions {
                s.push_str(&format!(
                    "function handler{i}(req, res) {{\n  const id = req.query.id{i};\n  let total = 0;\n  for (const x of req.body.items || []) {{\n    if (x.price > {i}) {{ total += x.price * 2; }}\n  }}\n  res.setHeader('X-Total', String(total));\n  if (total > 10) {{ eval(id); }}\n  res.send(`<p>${{total}}</p>`);\n}}\napp.get('/h{i}', handler{i});\n\n"
                ));
            }
        }
        Language::Java => {
            s.push_str(
                "import java.sql.*;\nimport javax.servlet.http.*;\n\npublic class Handlers {\n",
            );
            for i in 0..functions {
                s.push_str(&format!(
                    "  public int handler{i}(HttpServletRequest request, Connection conn) throws SQLException {{\n    String id = request.getParameter(\"id{i}\");\n    int total = 0;\n    for (int k = 0; k < {i}; k++) {{\n      if (k % 3 == 0) {{ total += k * 2; }}\n    }}\n    Statement st = conn.createStatement();\n    st.executeQuery(\"SELECT * FROM t WHERE id = \" + id);\n    return total;\n  }}\n\n"
                ));
            }
            s.push_str("}\n");
        }
        _ => unreachable!("not benchmarked"),
    }
    s
}

fn match_file(c: &mut Criterion) {
    let engine = Engine::new(rules());
    let mut group = c.benchmark_group("match_file");
    for (lang, path) in [
        (Language::Python, "bench.py"),
        (Language::JavaScript, "bench.js"),
        (Language::Java, "Handlers.java"),
    ] {
        for functions in [10, 100] {
            let text = source(lang, functions);
            // Measure real work: the rules find something in every file.
            let found = engine.scan_source(Path::new(path), lang, &text).matches;
            assert!(
                found.len() >= functions,
                "{lang} bench file: {} findings",
                found.len()
            );
            group.throughput(Throughput::Bytes(text.len() as u64));
            group.bench_with_input(
                BenchmarkId::new(lang.as_str(), format!("{} lines", text.lines().count())),
                &text,
                |b, text| {
                    b.iter(|| {
                        let result = engine.scan_source(Path::new(path), lang, black_box(text));
                        black_box(result.matches.len())
                    })
                },
            );
        }
    }
    group.finish();
}

fn compile_rules(c: &mut Criterion) {
    c.bench_function("engine_new/example_rules", |b| {
        b.iter(|| black_box(Engine::new(rules())))
    });
}

criterion_group!(benches, match_file, compile_rules);
criterion_main!(benches);
