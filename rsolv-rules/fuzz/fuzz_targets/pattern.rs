//! Fuzz the pattern parser and the matcher together: the input is a
//! language selector byte, a pattern and a target source separated by a
//! NUL byte. Any panic, hang or crash is a bug; invalid patterns must come
//! back as rule errors.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;
use rsolv_core::Language;
use rsolv_rules::{Engine, parse_rules};

const LANGUAGES: [(Language, &str, &str); 6] = [
    (Language::Python, "python", "f.py"),
    (Language::JavaScript, "javascript", "f.js"),
    (Language::TypeScript, "typescript", "f.ts"),
    (Language::Java, "java", "F.java"),
    (Language::Go, "go", "f.go"),
    (Language::Ruby, "ruby", "f.rb"),
];

fuzz_target!(|data: &[u8]| {
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    let (lang, name, file) = LANGUAGES[usize::from(selector) % LANGUAGES.len()];
    let mut parts = rest.splitn(2, |&b| b == 0);
    let (Some(pattern), Some(source)) = (parts.next(), parts.next()) else {
        return;
    };
    let (Ok(pattern), Ok(source)) = (std::str::from_utf8(pattern), std::str::from_utf8(source))
    else {
        return;
    };
    // Build the rule through serde so any pattern text is a valid YAML string.
    let rule = serde_yaml::to_string(&serde_yaml::Value::Mapping(
        [(
            "rules".into(),
            serde_yaml::Value::Sequence(vec![serde_yaml::Value::Mapping(
                [
                    ("id", "fuzz".into()),
                    ("message", "m".into()),
                    ("severity", "INFO".into()),
                    ("languages", serde_yaml::Value::Sequence(vec![name.into()])),
                    ("pattern", pattern.into()),
                ]
                .into_iter()
                .map(|(k, v)| (k.into(), v))
                .collect(),
            )]),
        )]
        .into_iter()
        .collect(),
    ))
    .expect("serializes");
    let Ok(loaded) = parse_rules(&rule, Path::new("fuzz.yaml")) else {
        return;
    };
    let Ok(compiled) = loaded.compile() else {
        return;
    };
    let engine = Engine::new(compiled);
    let _ = engine.scan_source(Path::new(file), lang, source);
});
