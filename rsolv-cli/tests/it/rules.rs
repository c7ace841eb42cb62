//! `rsolv init` and `rsolv rules ...`.

use predicates::prelude::*;

use crate::{Sandbox, fixture};

#[test]
fn init_creates_the_database_and_reports_it() {
    let sb = Sandbox::new();
    let json = sb.json("acme", &["init"]);
    assert_eq!(json["org"], "acme");
    assert!(json["schema_version"].as_u64().is_some_and(|v| v >= 1));
    assert!(sb.db().exists());
    // Idempotent.
    sb.rsolv("acme", &["init"])
        .assert()
        .success()
        .stdout(predicate::str::contains("schema v"));
}

#[test]
fn add_list_show_and_refuse_duplicates() {
    let sb = Sandbox::new();
    sb.rsolv(
        "acme",
        &[
            "rules",
            "add",
            &fixture("eval-v1.yaml"),
            &fixture("js-pack.yaml"),
        ],
    )
    .assert()
    .success()
    .stdout(predicate::str::contains(
        "3 created, 0 updated, 0 unchanged",
    ));

    let list = sb.json("acme", &["rules", "list"]);
    let ids: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["rule_id"].as_str().unwrap())
        .collect();
    assert_eq!(ids.len(), 3);
    for id in [
        "python-eval-user-input",
        "js-sql-concat",
        "js-open-redirect",
    ] {
        assert!(ids.contains(&id), "{id} missing from {ids:?}");
    }

    let shown = sb.json("acme", &["rules", "show", "python-eval-user-input"]);
    assert_eq!(shown["rule"]["vulnerability_type"], "rce");
    assert_eq!(shown["rule"]["created_from_issue"], "SEC-101");
    assert_eq!(shown["rule"]["version"], 1);
    assert!(shown["rule"]["yaml"].as_str().unwrap().contains("eval($X)"));

    // The vulnerability type comes from the CWE when not given.
    let sql = sb.json("acme", &["rules", "show", "js-sql-concat"]);
    assert_eq!(sql["rule"]["vulnerability_type"], "sqli");

    sb.rsolv("acme", &["rules", "list", "--type", "sqli"])
        .assert()
        .success()
        .stdout(
            predicate::str::contains("js-sql-concat")
                .and(predicate::str::contains("js-open-redirect").not()),
        );

    // Adding the same id again is refused and changes nothing.
    sb.rsolv("acme", &["rules", "add", &fixture("eval-v2.yaml")])
        .assert()
        .code(2)
        .stderr(
            predicate::str::contains("already exists")
                .and(predicate::str::contains("eval-v2.yaml")),
        );
    assert_eq!(
        sb.json("acme", &["rules", "show", "python-eval-user-input"])["rule"]["version"],
        1
    );
}

#[test]
fn import_versions_history_and_rollback() {
    let sb = Sandbox::new();
    sb.rsolv("acme", &["rules", "import", &fixture("eval-v1.yaml")])
        .assert()
        .success();
    sb.rsolv("acme", &["rules", "import", &fixture("eval-v1.yaml")])
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "0 created, 0 updated, 1 unchanged",
        ));
    sb.rsolv("acme", &["rules", "import", &fixture("eval-v2.yaml")])
        .assert()
        .success()
        .stdout(predicate::str::contains("0 created, 1 updated"));

    let history = sb.json("acme", &["rules", "history", "python-eval-user-input"]);
    assert_eq!(history["versions"].as_array().unwrap().len(), 2);

    let rolled = sb.json(
        "acme",
        &["rules", "rollback", "python-eval-user-input", "--to", "1"],
    );
    assert_eq!(rolled["version"], 3);
    let yaml = rolled["yaml"].as_str().unwrap();
    assert!(
        yaml.contains("pattern: eval($X)") && !yaml.contains("pattern-not"),
        "{yaml}"
    );

    let history = sb.json("acme", &["rules", "history", "python-eval-user-input"]);
    let versions: Vec<u64> = history["versions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["version"].as_u64().unwrap())
        .collect();
    assert_eq!(versions, [1, 2, 3]);

    sb.rsolv(
        "acme",
        &["rules", "rollback", "python-eval-user-input", "--to", "9"],
    )
    .assert()
    .code(2)
    .stderr(predicate::str::contains("no version 9"));

    let audit = sb.json("acme", &["rules", "audit", "python-eval-user-input"]);
    assert!(audit.as_array().unwrap().len() >= 3);
    assert!(
        audit
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["actor"] == "tester")
    );
}

#[test]
fn disable_enable_and_export() {
    let sb = Sandbox::new();
    sb.rsolv("acme", &["rules", "add", &fixture("js-pack.yaml")])
        .assert()
        .success();
    sb.rsolv(
        "acme",
        &[
            "rules",
            "disable",
            "js-open-redirect",
            "--reason",
            "too noisy",
        ],
    )
    .assert()
    .success()
    .stdout(predicate::str::contains("disabled js-open-redirect"));

    let disabled = sb.json("acme", &["rules", "list", "--disabled"]);
    assert_eq!(disabled.as_array().unwrap().len(), 1);
    let history = sb.json("acme", &["rules", "history", "js-open-redirect"]);
    assert_eq!(history["events"][0]["action"], "disabled");
    assert_eq!(history["events"][0]["reason"], "too noisy");

    let export = sb
        .rsolv("acme", &["rules", "export"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let export = String::from_utf8(export).unwrap();
    assert!(
        export.contains("js-sql-concat") && !export.contains("js-open-redirect"),
        "{export}"
    );

    // The export is itself a valid rule file that imports into another org.
    let out = sb.path().join("exported.yaml");
    sb.rsolv(
        "acme",
        &[
            "rules",
            "export",
            "--include-disabled",
            "-o",
            out.to_str().unwrap(),
        ],
    )
    .assert()
    .success();
    sb.rsolv("other", &["rules", "validate", out.to_str().unwrap()])
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "valid: 1 file(s), 2 rule(s), 0 error(s)",
        ));
    sb.rsolv("other", &["rules", "import", out.to_str().unwrap()])
        .assert()
        .success()
        .stdout(predicate::str::contains("2 created"));

    sb.rsolv("acme", &["rules", "enable", "js-open-redirect"])
        .assert()
        .success();
    assert_eq!(
        sb.json("acme", &["rules", "list", "--enabled"])
            .as_array()
            .unwrap()
            .len(),
        2
    );
}

#[test]
fn validate_reports_every_problem_with_file_and_line() {
    let sb = Sandbox::new();
    let file = fixture("malformed.yaml");
    let assert = sb
        .rsolv("acme", &["rules", "validate", &file])
        .assert()
        .code(7);
    let stderr = String::from_utf8(assert.get_output().stderr.clone()).unwrap();
    // Line numbers of the three broken rules in the fixture.
    for (line, rule) in [
        (2, "missing-message"),
        (10, "bad-regex"),
        (13, "unknown-language"),
    ] {
        let needle = format!("malformed.yaml:{line}:");
        assert!(
            stderr
                .lines()
                .any(|l| l.contains(&needle) && l.contains(rule)),
            "no diagnostic for {rule} at line {line} in:\n{stderr}"
        );
    }
    let json = sb.json_status("acme", &["rules", "validate", &file], 7);
    assert_eq!(json["errors"], 3);
    assert!(!sb.db().exists(), "validate must not create a database");
}

#[test]
fn adding_an_invalid_file_stores_nothing() {
    let sb = Sandbox::new();
    sb.rsolv(
        "acme",
        &[
            "rules",
            "add",
            &fixture("js-pack.yaml"),
            &fixture("malformed.yaml"),
        ],
    )
    .assert()
    .code(7)
    .stderr(predicate::str::contains("nothing was stored"));
    assert_eq!(
        sb.json("acme", &["rules", "list"])
            .as_array()
            .unwrap()
            .len(),
        0
    );
}

#[test]
fn organizations_are_isolated() {
    let sb = Sandbox::new();
    sb.rsolv("acme", &["rules", "add", &fixture("eval-v1.yaml")])
        .assert()
        .success();
    assert_eq!(
        sb.json("globex", &["rules", "list"])
            .as_array()
            .unwrap()
            .len(),
        0
    );
    sb.rsolv("globex", &["rules", "show", "python-eval-user-input"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "no rule `python-eval-user-input` in organization `globex`",
        ));
    sb.rsolv("globex", &["rules", "disable", "python-eval-user-input"])
        .assert()
        .code(2);
    assert_eq!(
        sb.json("globex", &["rules", "search", "eval"])
            .as_array()
            .unwrap()
            .len(),
        0
    );
    assert_eq!(
        sb.json("acme", &["rules", "search", "eval"])
            .as_array()
            .unwrap()
            .len(),
        1
    );
    assert_eq!(
        sb.json("acme", &["rules", "show", "python-eval-user-input"])["rule"]["enabled"],
        true
    );
}

#[test]
fn search_finds_rules_by_words() {
    let sb = Sandbox::new();
    sb.rsolv(
        "acme",
        &[
            "rules",
            "add",
            &fixture("js-pack.yaml"),
            &fixture("eval-v1.yaml"),
        ],
    )
    .assert()
    .success();
    let hits = sb.json("acme", &["rules", "search", "concatenating"]);
    assert_eq!(hits[0]["rule"]["rule_id"], "js-sql-concat");
    let hits = sb.json("acme", &["rules", "search", "rce"]);
    assert_eq!(hits[0]["rule"]["rule_id"], "python-eval-user-input");
    // Hostile FTS syntax is searched as text, never an error.
    sb.rsolv("acme", &["rules", "search", "\"foo AND (", "NEAR("])
        .assert()
        .success();
}

#[test]
fn user_errors_are_one_line_without_panics() {
    let sb = Sandbox::new();
    let assert = sb.rsolv("acme", &["rules", "list"]).assert().code(2);
    let stderr = String::from_utf8(assert.get_output().stderr.clone()).unwrap();
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains("rsolv init"), "{stderr}");

    sb.rsolv("bad org!", &["rules", "list"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("invalid organization id"));
    sb.rsolv("acme", &["rules", "add", "does-not-exist.yaml"])
        .assert()
        .code(2)
        .stderr(
            predicate::str::contains("does-not-exist.yaml")
                .and(predicate::str::contains("panicked").not()),
        );
}
