//! `rsolv classify`, `rsolv eval`, `rsolv dataset` and `rsolv suppress`.

use predicates::prelude::*;

use crate::Sandbox;

/// CI smoke test: the bundled default model labels clear findings right.
#[test]
fn bundled_model_labels_obvious_findings() {
    let sandbox = Sandbox::new();
    let cases = [
        (
            "Raw query built with string formatting",
            "cursor.execute(\"SELECT * FROM users WHERE id = %s\" % user_id) in the orders view",
            "app/views.py",
            "sqli",
        ),
        (
            "Reflected input in search results page",
            "The q parameter is written into the HTML response with innerHTML, no escaping.",
            "static/search.js",
            "xss",
        ),
        (
            "requests.get called with a URL from the request",
            "The preview endpoint downloads any URL the user supplies, including the cloud metadata address.",
            "preview/api.py",
            "ssrf",
        ),
        (
            "AWS secret key committed",
            "settings.py contains AWS_SECRET_ACCESS_KEY as a string literal.",
            "config/settings.py",
            "hardcoded_secret",
        ),
        (
            "Passwords hashed with MD5",
            "User passwords are stored as unsalted md5 hex digests.",
            "users/models.py",
            "weak_hash",
        ),
    ];
    for (title, description, file, label) in cases {
        let json = sandbox.json(
            "acme",
            &[
                "classify",
                "--title",
                title,
                "--description",
                description,
                "--file",
                file,
            ],
        );
        assert_eq!(json["label"], label, "{title}: {json}");
        assert!(
            json["confidence"]
                .as_f64()
                .is_some_and(|c| c > 0.0 && c <= 1.0)
        );
        assert_eq!(json["top3"].as_array().map(Vec::len), Some(3));
    }
}

#[test]
fn classifies_jsonl_keeping_input_fields() {
    let sandbox = Sandbox::new();
    let input = sandbox.path().join("in.jsonl");
    std::fs::write(
        &input,
        "{\"title\":\"Possible SQL injection\",\"description\":\"query concatenation\",\"filename\":\"a.py\",\"ticket\":7}\n\
         {\"title\":\"Cookie without Secure flag\",\"description\":\"session cookie lacks HttpOnly\"}\n",
    )
    .expect("write input");
    let output = sandbox.path().join("out.jsonl");
    sandbox
        .rsolv(
            "acme",
            &["classify", "--input", "in.jsonl", "--output", "out.jsonl"],
        )
        .assert()
        .success()
        .stderr(predicate::str::contains("classified 2 finding(s)"));
    let text = std::fs::read_to_string(output).expect("output");
    let lines: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).expect("JSON line"))
        .collect();
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0]["ticket"], 7);
    assert_eq!(lines[0]["label"], "sqli");
    assert_eq!(lines[1]["label"], "insecure_cookie");
    assert_eq!(lines[1]["top3"][0]["label"], "insecure_cookie");
}

#[test]
fn classifies_scan_results() {
    let sandbox = Sandbox::new();
    let scan = sandbox.path().join("scan.json");
    std::fs::write(
        &scan,
        r#"{"results": [
            {"check_id": "python.flask.security.subprocess-shell-true", "path": "app/tools.py",
             "start": {"line": 3, "col": 1}, "extra": {"message": "subprocess called with shell=True and a formatted string"}},
            {"check_id": "javascript.express.security.open-redirect", "path": "routes/login.js",
             "start": {"line": 9, "col": 1}, "extra": {"message": "res.redirect with the next query parameter"}}
        ], "errors": []}"#,
    )
    .expect("write scan");
    let json = sandbox.json("acme", &["classify", "--from-scan", "scan.json"]);
    let results = json["results"].as_array().expect("results");
    assert_eq!(
        results[0]["extra"]["rsolv_classification"]["label"],
        "command_injection"
    );
    assert_eq!(
        results[1]["extra"]["rsolv_classification"]["label"],
        "open_redirect"
    );
}

#[test]
fn suppressions_add_list_remove_and_apply() {
    let sandbox = Sandbox::new();
    let added = sandbox.json(
        "acme",
        &[
            "suppress",
            "add",
            "--label",
            "information_disclosure",
            "--path",
            "tests/**",
            "--reason",
            "fixtures",
        ],
    );
    let id = added["id"].as_i64().expect("id");
    let listed = sandbox.json("acme", &["suppress", "list"]);
    assert_eq!(listed.as_array().map(Vec::len), Some(1));
    // Another organization sees none.
    let other = sandbox.json("globex", &["suppress", "list"]);
    assert_eq!(other.as_array().map(Vec::len), Some(0));

    let finding = [
        "classify",
        "--title",
        "Stack trace returned to client on error",
        "--description",
        "The error handler sends the traceback in the 500 response body.",
    ];
    let mut in_tests = finding.to_vec();
    in_tests.extend(["--file", "tests/test_api.py"]);
    let json = sandbox.json("acme", &in_tests);
    assert_eq!(json["label"], "information_disclosure");
    assert_eq!(json["suppressed_by"], id);
    let mut in_src = finding.to_vec();
    in_src.extend(["--file", "src/api.py"]);
    assert!(sandbox.json("acme", &in_src).get("suppressed_by").is_none());

    sandbox
        .rsolv("acme", &["suppress", "remove", &id.to_string()])
        .assert()
        .success();
    sandbox
        .rsolv("acme", &["suppress", "remove", &id.to_string()])
        .assert()
        .code(2);
}

#[test]
fn dataset_generate_is_reproducible_and_validates() {
    let sandbox = Sandbox::new();
    for out in ["a.jsonl", "b.jsonl"] {
        sandbox
            .rsolv(
                "acme",
                &[
                    "dataset",
                    "generate",
                    "--out",
                    out,
                    "--per-label",
                    "3",
                    "--seed",
                    "11",
                ],
            )
            .assert()
            .success();
    }
    let a = std::fs::read(sandbox.path().join("a.jsonl")).expect("a");
    let b = std::fs::read(sandbox.path().join("b.jsonl")).expect("b");
    assert_eq!(a, b);
    assert_eq!(a.iter().filter(|&&c| c == b'\n').count(), 3 * 54);

    std::fs::write(
        sandbox.path().join("bad.jsonl"),
        "{\"title\":\"x\",\"label\":\"sqli\"}\n{\"title\":\"y\",\"label\":\"sql_injection\"}\n",
    )
    .expect("write");
    sandbox
        .rsolv("acme", &["dataset", "validate", "bad.jsonl"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "bad.jsonl:2: unknown label `sql_injection`",
        ));
}

#[test]
fn eval_reports_markdown_json_and_svg() {
    let sandbox = Sandbox::new();
    let data = sandbox.path().join("test.jsonl");
    std::fs::write(
        &data,
        "{\"title\":\"Possible SQL injection\",\"description\":\"query concatenation\",\"label\":\"sqli\"}\n\
         {\"title\":\"Cookie without Secure flag\",\"description\":\"session cookie lacks HttpOnly\",\"label\":\"insecure_cookie\"}\n",
    )
    .expect("write");
    let json = sandbox.json(
        "acme",
        &[
            "eval",
            "--data",
            "test.jsonl",
            "--approach",
            "keyword",
            "--approach",
            "ngram",
            "--report-dir",
            "report",
        ],
    );
    assert_eq!(json["samples"], 2);
    assert_eq!(json["approaches"][0]["name"], "keyword");
    assert_eq!(json["approaches"][1]["name"], "ngram");
    assert_eq!(json["approaches"][1]["determinism_agreement"], 1.0);
    let report = sandbox.path().join("report");
    let md = std::fs::read_to_string(report.join("report.md")).expect("md");
    assert!(md.contains("| ngram |"), "{md}");
    let svg = std::fs::read_to_string(report.join("confusion-ngram.svg")).expect("svg");
    assert!(svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"));
}

#[test]
fn scan_drops_suppressed_findings_and_counts_them() {
    let sandbox = Sandbox::new();
    std::fs::create_dir_all(sandbox.path().join("src/tests")).expect("dirs");
    std::fs::write(
        sandbox.path().join("rules.yaml"),
        "rules:\n- id: debug-print\n  pattern: print_stack()\n  message: stack trace printed\n  languages: [python]\n  severity: WARNING\n  metadata:\n    vulnerability_type: information_disclosure\n",
    )
    .expect("rules");
    std::fs::write(sandbox.path().join("src/app.py"), "print_stack()\n").expect("app");
    std::fs::write(sandbox.path().join("src/tests/t.py"), "print_stack()\n").expect("test");
    let scan = |expected: usize| {
        let json = sandbox.json("acme", &["scan", "--config", "rules.yaml", "src"]);
        assert_eq!(
            json["results"].as_array().map(Vec::len),
            Some(expected),
            "{json}"
        );
    };
    scan(2);
    sandbox.json(
        "acme",
        &[
            "suppress",
            "add",
            "--label",
            "information_disclosure",
            "--path",
            "src/tests/**",
        ],
    );
    scan(1);
    sandbox
        .rsolv("acme", &["scan", "--config", "rules.yaml", "src"])
        .assert()
        .success()
        .stderr(predicate::str::contains("1 suppressed"));
    // Another organization's scan keeps both.
    let json = sandbox.json("globex", &["scan", "--config", "rules.yaml", "src"]);
    assert_eq!(json["results"].as_array().map(Vec::len), Some(2));
}

#[test]
fn dataset_generate_merges_and_balances_user_data() {
    let sandbox = Sandbox::new();
    std::fs::write(
        sandbox.path().join("mine.jsonl"),
        "{\"title\":\"Our custom finding\",\"label\":\"other\"}\n",
    )
    .expect("write");
    let json = sandbox.json(
        "acme",
        &[
            "dataset",
            "generate",
            "--out",
            "merged.jsonl",
            "--per-label",
            "2",
            "--seed",
            "3",
            "--extra",
            "mine.jsonl",
            "--balance",
            "4",
        ],
    );
    assert_eq!(json["samples"], 4 * 54);
    assert_eq!(json["labels"]["other"], 4);
    let text = std::fs::read_to_string(sandbox.path().join("merged.jsonl")).expect("merged");
    assert!(text.contains("\"source\":\"user\""));
    assert!(text.contains("#1\""), "upsampled copies get a suffix");
}

/// The tiny BERT fixture of rsolv-classify (2 layers, 32 wide).
fn tiny_bert() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../rsolv-classify/tests/fixtures/parity/bert-tiny")
}

#[test]
fn knn_votes_with_a_given_labeled_set_and_caches_its_embeddings() {
    let sandbox = Sandbox::new();
    std::fs::write(
        sandbox.path().join("labeled.jsonl"),
        "{\"title\":\"sql injection\",\"description\":\"user input reaches the raw query\",\"label\":\"sqli\"}\n\
         {\"title\":\"cross site scripting\",\"description\":\"user input in the html response\",\"label\":\"xss\"}\n\
         {\"title\":\"open redirect\",\"description\":\"redirect to user url\",\"label\":\"open_redirect\"}\n",
    )
    .expect("write");
    let base = tiny_bert();
    let args = [
        "classify",
        "--approach",
        "knn",
        "--base",
        base.to_str().expect("utf-8 path"),
        "--knn-data",
        "labeled.jsonl",
        "--knn-k",
        "1",
        "--knn-cache",
        "cache",
        "--no-suppress",
        "--title",
        "sql injection",
        "--description",
        "user input reaches the raw query",
    ];
    let json = sandbox.json("acme", &args);
    assert_eq!(json["label"], "sqli");
    let cached = std::fs::read_dir(sandbox.path().join("cache"))
        .expect("cache dir")
        .count();
    assert_eq!(cached, 1);
    // The second run reads the cache and answers the same.
    assert_eq!(sandbox.json("acme", &args), json);
}

#[test]
fn the_encoder_approach_needs_a_model_directory() {
    let sandbox = Sandbox::new();
    sandbox
        .rsolv(
            "acme",
            &["classify", "--approach", "encoder", "--title", "x"],
        )
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--model DIR"));
    std::fs::write(
        sandbox.path().join("test.jsonl"),
        "{\"title\":\"sql injection\",\"label\":\"sqli\"}\n",
    )
    .expect("write");
    sandbox
        .rsolv(
            "acme",
            &["eval", "--data", "test.jsonl", "--approach", "encoder"],
        )
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--model DIR"));
}
