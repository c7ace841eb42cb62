//! `rsolv scan`.

use std::path::Path;

use predicates::prelude::*;

use crate::{Sandbox, fixture};

/// A copy of the fixture project in the sandbox, with its `.gitignore`.
fn project(sb: &Sandbox) -> std::path::PathBuf {
    let dest = sb.path().join("project");
    copy_dir(Path::new(&fixture("project")), &dest);
    std::fs::rename(dest.join("gitignore.txt"), dest.join(".gitignore"))
        .expect("copy the fixture project");
    dest
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("copy the fixture project");
    for entry in std::fs::read_dir(from).expect("copy the fixture project") {
        let entry = entry.expect("copy the fixture project");
        let target = to.join(entry.file_name());
        if entry
            .file_type()
            .expect("copy the fixture project")
            .is_dir()
        {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).expect("copy the fixture project");
        }
    }
}

#[test]
fn json_output_has_semgreps_shape() {
    let sb = Sandbox::new();
    let dir = project(&sb);
    let json = sb.json(
        "acme",
        &[
            "scan",
            "-c",
            &fixture("scan-rules.yaml"),
            dir.to_str().unwrap(),
        ],
    );
    let results = json["results"].as_array().unwrap();
    assert_eq!(results.len(), 1, "{json:#}");
    let r = &results[0];
    assert_eq!(r["check_id"], "python-eval-user-input");
    assert!(r["path"].as_str().unwrap().ends_with("src/app.py"));
    assert_eq!(r["start"]["line"], 5);
    assert_eq!(r["start"]["col"], 12);
    assert_eq!(r["end"]["col"], 22);
    assert_eq!(
        r["extra"]["message"],
        "eval() of blob executes arbitrary code"
    );
    assert_eq!(r["extra"]["severity"], "ERROR");
    assert_eq!(r["extra"]["fix"], "ast.literal_eval(blob)");
    assert_eq!(r["extra"]["lines"], "    data = eval(blob)");
    assert_eq!(r["extra"]["metavars"]["$X"]["abstract_content"], "blob");
    assert_eq!(r["extra"]["metadata"]["cwe"], "CWE-95: Eval Injection");
    assert_eq!(r["extra"]["fingerprint"].as_str().unwrap().len(), 64);
    // .gitignore'd vendor code is not scanned.
    let scanned: Vec<&str> = json["paths"]["scanned"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p.as_str().unwrap())
        .collect();
    assert!(scanned.iter().all(|p| !p.contains("vendor")), "{scanned:?}");
}

#[test]
fn sarif_output_is_sarif_2_1_0() {
    let sb = Sandbox::new();
    let dir = project(&sb);
    let out = sb
        .rsolv(
            "acme",
            &[
                "scan",
                "--sarif",
                "-c",
                &fixture("scan-rules.yaml"),
                dir.to_str().unwrap(),
            ],
        )
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let sarif: serde_json::Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(sarif["version"], "2.1.0");
    let run = &sarif["runs"][0];
    assert_eq!(run["tool"]["driver"]["name"], "rsolv");
    assert_eq!(
        run["tool"]["driver"]["rules"][0]["id"],
        "python-eval-user-input"
    );
    assert!(
        run["tool"]["driver"]["rules"][0]["properties"]["tags"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t.as_str().unwrap().starts_with("CWE-95"))
    );
    let result = &run["results"][0];
    assert_eq!(result["level"], "error");
    assert_eq!(
        result["locations"][0]["physicalLocation"]["region"]["startLine"],
        5
    );
    assert!(result["partialFingerprints"]["rsolv/v1"].is_string());
    assert_eq!(
        result["fixes"][0]["artifactChanges"][0]["replacements"][0]["insertedContent"]["text"],
        "ast.literal_eval(blob)"
    );
}

#[test]
fn error_flag_sets_exit_code_one() {
    let sb = Sandbox::new();
    let dir = project(&sb);
    sb.rsolv(
        "acme",
        &[
            "scan",
            "--error",
            "-c",
            &fixture("scan-rules.yaml"),
            dir.to_str().unwrap(),
        ],
    )
    .assert()
    .code(1)
    .stdout(predicate::str::contains(
        "src/app.py:5:12  ERROR  python-eval-user-input",
    ));
    let clean = sb.path().join("clean");
    std::fs::create_dir_all(&clean).unwrap();
    std::fs::write(clean.join("ok.py"), "print('hi')\n").unwrap();
    sb.rsolv(
        "acme",
        &[
            "scan",
            "--error",
            "-c",
            &fixture("scan-rules.yaml"),
            clean.to_str().unwrap(),
        ],
    )
    .assert()
    .success()
    .stderr(predicate::str::contains("0 finding(s)"));
}

#[test]
fn autofix_dryrun_shows_a_diff_and_autofix_writes() {
    let sb = Sandbox::new();
    let dir = project(&sb);
    let app = dir.join("src/app.py");
    let before = std::fs::read_to_string(&app).unwrap();
    sb.rsolv(
        "acme",
        &[
            "scan",
            "--autofix",
            "--dryrun",
            "-c",
            &fixture("scan-rules.yaml"),
            dir.to_str().unwrap(),
        ],
    )
    .assert()
    .success()
    .stderr(
        predicate::str::contains("-    data = eval(blob)").and(predicate::str::contains(
            "+    data = ast.literal_eval(blob)",
        )),
    );
    assert_eq!(
        std::fs::read_to_string(&app).unwrap(),
        before,
        "dry run wrote the file"
    );
    sb.rsolv(
        "acme",
        &[
            "scan",
            "--autofix",
            "-c",
            &fixture("scan-rules.yaml"),
            dir.to_str().unwrap(),
        ],
    )
    .assert()
    .success();
    let after = std::fs::read_to_string(&app).unwrap();
    assert_eq!(
        after,
        before.replace("eval(blob)", "ast.literal_eval(blob)")
    );
    // A second scan finds nothing left to fix.
    let json = sb.json(
        "acme",
        &[
            "scan",
            "-c",
            &fixture("scan-rules.yaml"),
            dir.to_str().unwrap(),
        ],
    );
    assert_eq!(json["results"].as_array().unwrap().len(), 0);
}

#[test]
fn scans_with_the_organizations_stored_rules() {
    let sb = Sandbox::new();
    let dir = project(&sb);
    sb.rsolv("acme", &["scan", dir.to_str().unwrap()])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("rsolv rules add"));
    sb.rsolv("acme", &["rules", "add", &fixture("scan-rules.yaml")])
        .assert()
        .success();
    let json = sb.json("acme", &["scan", dir.to_str().unwrap()]);
    assert_eq!(json["results"].as_array().unwrap().len(), 1);
    // Another organization has no rules.
    sb.rsolv("globex", &["rules", "add", &fixture("js-pack.yaml")])
        .assert()
        .success();
    let json = sb.json("globex", &["scan", dir.to_str().unwrap()]);
    assert_eq!(json["results"].as_array().unwrap().len(), 0);
    // Disabled rules do not run.
    sb.rsolv("acme", &["rules", "disable", "python-eval-user-input"])
        .assert()
        .success();
    sb.rsolv("acme", &["scan", dir.to_str().unwrap()])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no enabled rules"));
}

#[test]
fn invalid_config_exits_seven_and_bad_files_do_not_stop_the_scan() {
    let sb = Sandbox::new();
    let dir = project(&sb);
    sb.rsolv(
        "acme",
        &[
            "scan",
            "-c",
            &fixture("malformed.yaml"),
            dir.to_str().unwrap(),
        ],
    )
    .assert()
    .code(7)
    .stderr(predicate::str::contains("malformed.yaml:2:5"));
    // Broken syntax, invalid UTF-8 and a binary file are reported or
    // skipped, never fatal.
    std::fs::write(dir.join("src/broken.py"), "def f(:\n    eval(x)\n").unwrap();
    std::fs::write(dir.join("src/latin1.py"), b"s = '\xe9'\neval(y)\n").unwrap();
    std::fs::write(dir.join("src/blob.py"), b"\x00\x01\x02eval(z)").unwrap();
    let json = sb.json(
        "acme",
        &[
            "scan",
            "-c",
            &fixture("scan-rules.yaml"),
            dir.to_str().unwrap(),
        ],
    );
    let paths: Vec<String> = json["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["path"].as_str().unwrap().to_owned())
        .collect();
    assert!(paths.iter().any(|p| p.ends_with("latin1.py")), "{paths:?}");
    assert!(
        json["paths"]["skipped"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s["path"].as_str().unwrap().ends_with("blob.py"))
    );
    assert!(
        json["errors"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["type"] == "Syntax error")
    );
}
