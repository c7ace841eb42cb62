//! `rsolv test`: rule/test pairs judged like `semgrep --test`.

use predicates::prelude::*;

use crate::Sandbox;

const RULES: &str = "rules:
  - id: no-eval
    message: eval
    severity: ERROR
    languages: [python]
    pattern: eval(...)
";

fn write(sb: &Sandbox, name: &str, text: &str) {
    let path = sb.path().join(name);
    std::fs::create_dir_all(path.parent().expect("a parent")).expect("mkdir");
    std::fs::write(path, text).expect("write");
}

#[test]
fn passing_tests_exit_zero() {
    let sb = Sandbox::new();
    write(&sb, "rules/no-eval.yaml", RULES);
    write(
        &sb,
        "rules/no-eval.py",
        "# ruleid: no-eval\neval(x)\n# ok: no-eval\nprint(x)\n",
    );
    sb.rsolv("default", &["test", "rules"])
        .assert()
        .code(0)
        .stdout("1 passed, 0 failed\n");
}

#[test]
fn failures_exit_one_and_name_the_lines() {
    let sb = Sandbox::new();
    write(&sb, "rules/no-eval.yaml", RULES);
    write(
        &sb,
        "rules/no-eval.py",
        "# ruleid: no-eval\nprint(x)\n# ok: no-eval\neval(x)\n",
    );
    write(
        &sb,
        "rules/taint.yaml",
        "rules:
  - id: sqli
    message: m
    severity: ERROR
    languages: [python]
    mode: taint
    pattern-sources: [{pattern: source()}]
    pattern-sinks: [{pattern: sink(...)}]
",
    );
    write(&sb, "rules/taint.py", "# ruleid: sqli\nsink(source())\n");
    sb.rsolv("default", &["test", "rules"])
        .assert()
        .code(1)
        .stdout(predicate::str::contains(
            "✖ rules/no-eval.yaml\n    no-eval in rules/no-eval.py: missed lines [2] unexpected lines [4]\n",
        ))
        .stdout(predicate::str::contains("1 passed, 1 failed"));

    let json = sb.json_status("default", &["test", "rules"], 1);
    assert_eq!(json["summary"]["failed"], 1);
    assert_eq!(json["summary"]["passed"], 1);
    assert_eq!(json["summary"]["skipped"], 0);
    let check = &json["cases"][0]["checks"][0];
    assert_eq!(check["rule_id"], "no-eval");
    assert_eq!(check["missed_lines"], serde_json::json!([2]));
    assert_eq!(check["unexpected_lines"], serde_json::json!([4]));
}

#[test]
fn a_missing_path_is_fatal() {
    let sb = Sandbox::new();
    sb.rsolv("default", &["test", "nowhere"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("nowhere"));
}
