//! Generated rules also run in real Semgrep. Needs `semgrep` on PATH:
//! `cargo test -p rsolv-learn --test it -- --ignored real_semgrep`.

use std::process::Command;

use rsolv_core::{Language, VulnClass};
use rsolv_learn::{RuleSynthesizer, SecurityFix};

fn semgrep_lines(rule: &str, target: &std::path::Path) -> Vec<u64> {
    let dir = target.parent().expect("test step");
    let config = dir.join("rule.yaml");
    std::fs::write(&config, rule).expect("test step");
    let out = Command::new("semgrep")
        .env("SEMGREP_ENABLE_VERSION_CHECK", "0")
        .env("SEMGREP_SEND_METRICS", "off")
        .args(["scan", "--quiet", "--json", "--metrics=off", "--config"])
        .arg(&config)
        .arg(target)
        .output()
        .expect("semgrep runs");
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("semgrep JSON");
    json["results"]
        .as_array()
        .expect("test step")
        .iter()
        .map(|r| r["start"]["line"].as_u64().expect("test step"))
        .collect()
}

#[test]
#[ignore = "needs semgrep on PATH"]
fn real_semgrep_agrees_on_generated_rules() {
    let cases: [(Language, &str, &str, &str); 4] = [
        (
            Language::Python,
            "py",
            "import yaml\ndef f(p):\n    return yaml.load(p, Loader=yaml.Loader)\n",
            "import yaml\ndef f(p):\n    return yaml.safe_load(p)\n",
        ),
        (
            Language::Python,
            "py",
            "def q(cur, name):\n    cur.execute(\"SELECT * FROM t WHERE n = '\" + name + \"'\")\n",
            "def q(cur, name):\n    cur.execute(\"SELECT * FROM t WHERE n = %s\", (name,))\n",
        ),
        (
            Language::JavaScript,
            "js",
            "const cp = require('child_process');\nfunction f(x) { cp.exec('ls ' + x); }\n",
            "const cp = require('child_process');\nfunction f(x) { cp.execFile('ls', [x]); }\n",
        ),
        (
            Language::Go,
            "go",
            "package main\nimport \"crypto/md5\"\nfunc h(b []byte) { md5.Sum(b) }\n",
            "package main\nimport \"crypto/sha256\"\nfunc h(b []byte) { sha256.Sum256(b) }\n",
        ),
    ];
    for (lang, ext, before, after) in cases {
        let fix = SecurityFix::new(before, after, lang).with_class(Some(VulnClass::Sqli));
        let s = RuleSynthesizer::default()
            .synthesize(&fix)
            .expect("test step");
        let dir = tempfile::tempdir().expect("test step");
        let target = dir.path().join(format!("t.{ext}"));
        std::fs::write(&target, before).expect("test step");
        let line = before[..s.site.before.start].matches('\n').count() as u64 + 1;
        assert_eq!(semgrep_lines(&s.yaml, &target), [line], "{}", s.yaml);
        std::fs::write(&target, after).expect("test step");
        assert!(semgrep_lines(&s.yaml, &target).is_empty(), "{}", s.yaml);
    }
}
