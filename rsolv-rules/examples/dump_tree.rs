//! Print the tree-sitter syntax tree of a file (or of a pattern snippet),
//! the way the engine's grammars see it: a tool for working on the
//! matcher.
//!
//! ```text
//! cargo run --release -p rsolv-rules --example dump_tree -- FILE [LANG]
//! ```
//! LANG defaults from the extension: py, js, ts, tsx, java, go, rb.

use std::io::Write;
use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(path) = args.first() else {
        eprintln!("usage: dump_tree FILE [py|js|ts|tsx|java|go|rb]");
        return ExitCode::from(2);
    };
    let ext = args
        .get(1)
        .cloned()
        .or_else(|| path.rsplit('.').next().map(str::to_owned))
        .unwrap_or_default();
    let language: tree_sitter::Language = match ext.as_str() {
        "py" => tree_sitter_python::LANGUAGE.into(),
        "js" | "jsx" => tree_sitter_javascript::LANGUAGE.into(),
        "ts" => tree_sitter_typescript::LANGUAGE_TYPESCRIPT.into(),
        "tsx" => tree_sitter_typescript::LANGUAGE_TSX.into(),
        "java" => tree_sitter_java::LANGUAGE.into(),
        "go" => tree_sitter_go::LANGUAGE.into(),
        "rb" => tree_sitter_ruby::LANGUAGE.into(),
        other => {
            eprintln!("unknown language `{other}`");
            return ExitCode::from(2);
        }
    };
    let source = match std::fs::read_to_string(path) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("{path}: {e}");
            return ExitCode::FAILURE;
        }
    };
    let mut parser = tree_sitter::Parser::new();
    if let Err(e) = parser.set_language(&language) {
        eprintln!("{e}");
        return ExitCode::FAILURE;
    }
    let Some(tree) = parser.parse(&source, None) else {
        eprintln!("{path}: no parse");
        return ExitCode::FAILURE;
    };
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let mut cursor = tree.walk();
    let mut depth = 0usize;
    loop {
        let node = cursor.node();
        let field = cursor
            .field_name()
            .map(|f| format!("{f}: "))
            .unwrap_or_default();
        let text = if node.child_count() == 0 {
            format!(" {:?}", &source[node.byte_range()])
        } else {
            String::new()
        };
        let kind = if node.is_named() {
            node.kind().to_owned()
        } else {
            format!("\"{}\"", node.kind())
        };
        // A closed pipe (`| head`) ends the listing quietly.
        if writeln!(out, "{}{field}{kind}{text}", "  ".repeat(depth)).is_err() {
            return ExitCode::SUCCESS;
        }
        if cursor.goto_first_child() {
            depth += 1;
            continue;
        }
        while !cursor.goto_next_sibling() {
            if !cursor.goto_parent() {
                let _ = out.flush();
                return ExitCode::SUCCESS;
            }
            depth -= 1;
        }
    }
}
