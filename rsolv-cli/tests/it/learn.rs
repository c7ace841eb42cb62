//! `rsolv learn`, `synthesize`, `feedback`, `optimize`, `profile`, `demo`.

use predicates::prelude::*;

use crate::Sandbox;

const BEFORE: &str =
    "import subprocess\n\ndef run(cmd):\n    return subprocess.call(cmd, shell=True)\n";
const AFTER: &str =
    "import subprocess\n\ndef run(cmd):\n    return subprocess.call(cmd, shell=False)\n";

fn write_fix(sb: &Sandbox) {
    std::fs::write(sb.path().join("before.py"), BEFORE).expect("test step");
    std::fs::write(sb.path().join("after.py"), AFTER).expect("test step");
    let app = sb.path().join("app");
    std::fs::create_dir_all(&app).expect("test step");
    std::fs::write(
        app.join("a.py"),
        "import subprocess\nsubprocess.call(user_cmd, shell=True)\n",
    )
    .expect("test step");
    std::fs::write(app.join("b.py"), "import subprocess\ndef f(c):\n    subprocess.call(c, shell=True)\n    subprocess.call(c, shell=False)\n").expect("test step");
}

#[test]
fn learn_then_feedback_optimize_profile() {
    let sb = Sandbox::new();
    write_fix(&sb);
    let result = sb.json(
        "acme",
        &[
            "learn",
            "--before",
            "before.py",
            "--after",
            "after.py",
            "--type",
            "command_injection",
            "--issue",
            "7",
            "--scan",
            "app",
        ],
    );
    let id = result["rule"]["id"].as_str().expect("test step").to_owned();
    assert!(
        id.starts_with("learned.python.command-injection.subprocess-call-"),
        "{id}"
    );
    let findings = result["additional_findings"].as_array().expect("test step");
    assert_eq!(findings.len(), 2, "{result:#}");
    assert_eq!(result["fixes"].as_array().expect("test step").len(), 2);
    assert_eq!(result["fixes_applied"], 0);
    // Only proposed: the files are untouched.
    let a = std::fs::read_to_string(sb.path().join("app/a.py")).expect("test step");
    assert!(a.contains("shell=True"));

    let first = findings[0]["finding_id"]
        .as_i64()
        .expect("test step")
        .to_string();
    let fb = sb.json(
        "acme",
        &["feedback", &first, "--fp", "--reason", "constant command"],
    );
    assert_eq!(fb["metrics"]["false_positives"], 1);
    let second = findings[1]["finding_id"]
        .as_i64()
        .expect("test step")
        .to_string();
    sb.json("acme", &["feedback", &second, "--tp"]);

    let report = sb.json("acme", &["optimize"]);
    assert_eq!(
        report["refined"].as_array().expect("test step").len(),
        1,
        "{report:#}"
    );
    let history = sb.json("acme", &["rules", "history", &id]);
    assert_eq!(
        history["versions"].as_array().map(Vec::len),
        Some(2),
        "{history:#}"
    );

    let profile = sb.json("acme", &["profile", "--html", "profile.html"]);
    assert_eq!(profile["learned_rules"], 1);
    assert_eq!(profile["false_positive_rate"], 0.5);
    let html = std::fs::read_to_string(sb.path().join("profile.html")).expect("test step");
    assert!(html.contains("<svg"));

    // The learned rule exports as a Semgrep test that passes.
    sb.rsolv("acme", &["rules", "export-tests", "tests"])
        .assert()
        .success();
    sb.rsolv("acme", &["test", "tests"]).assert().success();

    // Another organization sees none of it.
    let other = sb.json("globex", &["rules", "list"]);
    assert_eq!(other.as_array().map(Vec::len), Some(0));
}

#[test]
fn learn_apply_fixes_files_and_synthesize_is_deterministic() {
    let sb = Sandbox::new();
    write_fix(&sb);
    sb.rsolv(
        "acme",
        &[
            "learn",
            "--before",
            "before.py",
            "--after",
            "after.py",
            "--scan",
            "app",
            "--apply",
        ],
    )
    .assert()
    .success()
    .stdout(predicate::str::contains("fixed 1 instance(s)"));
    let b = std::fs::read_to_string(sb.path().join("app/b.py")).expect("test step");
    assert!(!b.contains("shell=True"), "{b}");

    let run = || {
        sb.rsolv(
            "acme",
            &["synthesize", "--before", "before.py", "--after", "after.py"],
        )
        .assert()
        .success()
        .get_output()
        .stdout
        .clone()
    };
    let (one, two) = (run(), run());
    assert_eq!(one, two);
    assert!(String::from_utf8_lossy(&one).contains("subprocess.$SINK($CMD, shell=True)"));
}

#[test]
fn a_failing_generator_command_stores_nothing() {
    let sb = Sandbox::new();
    write_fix(&sb);
    sb.rsolv(
        "acme",
        &[
            "learn",
            "--before",
            "before.py",
            "--after",
            "after.py",
            "--generator-cmd",
            "echo 'rules: [not yaml'",
        ],
    )
    .assert()
    .code(2)
    .stderr(predicate::str::contains("rejected candidate"));
    let rules = sb.json("acme", &["rules", "list"]);
    assert_eq!(rules.as_array().map(Vec::len), Some(0));
}

#[test]
fn learn_from_a_git_commit() {
    let sb = Sandbox::new();
    let repo = sb.path().join("repo");
    std::fs::create_dir_all(&repo).expect("test step");
    let git = |args: &[&str]| {
        let ok = std::process::Command::new("git")
            .arg("-C")
            .arg(&repo)
            .args(["-c", "user.name=t", "-c", "user.email=t@example.com"])
            .args(args)
            .status()
            .expect("test step")
            .success();
        assert!(ok, "git {args:?}");
    };
    git(&["init", "-q"]);
    std::fs::write(repo.join("run.py"), BEFORE).expect("test step");
    git(&["add", "."]);
    git(&["commit", "-q", "-m", "vulnerable"]);
    std::fs::write(repo.join("run.py"), AFTER).expect("test step");
    git(&["commit", "-q", "-am", "fix"]);
    let result = sb.json("acme", &["learn", "--repo", "repo", "--commit", "HEAD"]);
    assert!(result["rule"]["id"].as_str().is_some(), "{result:#}");
}

#[test]
fn demo_runs_the_whole_loop() {
    let sb = Sandbox::new();
    let out = sb.json("acme", &["demo"]);
    assert_eq!(out["remaining_findings"], 0, "{out:#}");
    assert_eq!(
        out["learning"]["additional_findings"]
            .as_array()
            .map(Vec::len),
        Some(3)
    );
    assert_eq!(out["profile"]["true_positives"], 3);
}

#[test]
fn scan_autofix_adds_the_imports_a_learned_fix_needs() {
    let sb = Sandbox::new();
    std::fs::write(
        sb.path().join("before.py"),
        "import os\ndef run(cmd):\n    os.system(cmd)\n",
    )
    .expect("test step");
    std::fs::write(
        sb.path().join("after.py"),
        "import os\nimport shlex\ndef run(cmd):\n    os.system(shlex.quote(cmd))\n",
    )
    .expect("test step");
    let app = sb.path().join("app");
    std::fs::create_dir_all(&app).expect("test step");
    std::fs::write(
        app.join("tool.py"),
        "\"\"\"Tool.\"\"\"\nimport os\nimport sys\n\ndef go(x):\n    os.popen(x)\n    return os.system(sys.argv[1])\n",
    )
    .expect("test step");
    sb.rsolv(
        "acme",
        &["learn", "--before", "before.py", "--after", "after.py"],
    )
    .assert()
    .success();
    sb.rsolv("acme", &["scan", "app", "--autofix"])
        .assert()
        .success();
    let fixed = std::fs::read_to_string(app.join("tool.py")).expect("test step");
    assert_eq!(
        fixed,
        "\"\"\"Tool.\"\"\"\nimport os\nimport sys\nimport shlex\n\ndef go(x):\n    os.popen(shlex.quote(x))\n    return os.system(shlex.quote(sys.argv[1]))\n"
    );
}
