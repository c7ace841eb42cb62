//! The seeded generator of synthetic labeled findings.
//!
//! Each sample combines one label's templates (`data/templates/*.txt`) in
//! one of several writing styles: a scanner's terse rule id and message, a
//! code reviewer's prose with impact and fix, a pentest report's sections,
//! a bug-bounty ticket, a title naming the weakness, a bare finding without
//! the label's keyword, a title with no description, or a hand-written hard
//! case at the border of a confusable label. Slots (parameter, function and route names), file
//! names, casing and punctuation vary too. The same seed gives the same
//! bytes.

use std::collections::HashSet;

use rsolv_core::VulnClass;

use super::Sample;
use super::rng::SplitMix64;
use super::templates::{self, LabelTemplates};
use crate::{Error, Result};

/// What to generate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GeneratorConfig {
    /// Samples per label (every label gets exactly this many).
    pub per_label: usize,
    /// The random seed.
    pub seed: u64,
}

impl Default for GeneratorConfig {
    fn default() -> Self {
        GeneratorConfig {
            per_label: 100,
            seed: 7,
        }
    }
}

/// Generate `config.per_label` distinct samples for every label, shuffled.
///
/// Sample ids are `gen-<label>-<n>`, sources `gen:<style>`.
pub fn generate(config: &GeneratorConfig) -> Result<Vec<Sample>> {
    if config.per_label == 0 {
        return Err(Error::InvalidArgument(
            "per_label must be at least 1".into(),
        ));
    }
    let all = templates::load()?;
    let mut rng = SplitMix64::new(config.seed);
    let mut samples = Vec::with_capacity(config.per_label * all.len());
    for (&label, t) in VulnClass::ALL.iter().zip(&all) {
        let mut seen = HashSet::new();
        let mut attempts = 0;
        while seen.len() < config.per_label {
            attempts += 1;
            if attempts > config.per_label * 50 {
                return Err(Error::InvalidArgument(format!(
                    "the templates of `{label}` cannot make {} distinct samples",
                    config.per_label
                )));
            }
            let (style, title, description, filename) = compose(t, &mut rng);
            if !seen.insert((title.clone(), description.clone())) {
                continue;
            }
            samples.push(Sample {
                id: format!("gen-{label}-{:05}", seen.len()),
                title,
                description,
                filename,
                label,
                source: format!("gen:{style}"),
            });
        }
    }
    rng.shuffle(&mut samples);
    Ok(samples)
}

const PARAMS: &[&str] = &[
    "id", "user_id", "q", "name", "file", "url", "next", "path", "host", "order_id", "filter",
    "sort", "template", "query", "token", "email", "cmd", "doc_id", "account", "redirect", "page",
    "target", "username", "callback", "key", "lang", "format", "report", "search",
];

const FUNCS: &[&str] = &[
    "get_user",
    "handleSearch",
    "export_report",
    "UserController.update",
    "processUpload",
    "download_file",
    "checkout",
    "run_job",
    "loginHandler",
    "ReportService.generate",
    "api_v1_orders",
    "resolveInvoice",
    "update_profile",
    "ImportWorker.perform",
    "serveFile",
    "previewLink",
    "do_login",
    "AdminController#destroy",
    "createSession",
    "HandleWebhook",
    "render_page",
    "sync_accounts",
    "PaymentsHandler.ServeHTTP",
    "onMessage",
    "fetch_avatar",
];

const ROUTES: &[&str] = &[
    "/api/v1/users",
    "/login",
    "/admin/export",
    "/search",
    "/files/download",
    "/checkout",
    "/api/orders/:id",
    "/settings/profile",
    "/webhooks/github",
    "/reports/run",
    "/preview",
    "/oauth/callback",
    "/graphql",
    "/upload",
];

/// Files that say nothing about the label, so the models also learn from
/// the text when the path carries no hint.
const NEUTRAL_FILES: &[&str] = &[
    "app.py",
    "main.go",
    "server.js",
    "index.ts",
    "src/handlers.rs",
    "src/App.java",
    "lib/service.rb",
    "index.php",
    "Program.cs",
    "src/routes.ts",
    "api/views.py",
    "internal/server/server.go",
    "src/main/kotlin/App.kt",
    "web/app.js",
    "",
];

const DIR_PREFIXES: &[&str] = &[
    "backend/",
    "services/api/",
    "packages/server/",
    "monorepo/apps/web/",
    "legacy/",
];

const REVIEW_OPENERS: &[&str] = &[
    "",
    "",
    "In {file}, ",
    "Looking at {func}: ",
    "I noticed that ",
    "While reviewing this change: ",
    "Heads up - ",
    "Flagging this: ",
];

const FIX_PREFIXES: &[&str] = &[
    "",
    "Suggested fix: ",
    "Recommendation: ",
    "Consider this: ",
    "To fix: ",
    "Fix: ",
    "Please change it. ",
];

const REPORT_HEADINGS: &[[&str; 3]] = &[
    ["Observation: ", "Risk: ", "Recommendation: "],
    ["Description: ", "Impact: ", "Remediation: "],
    ["Details:\n", "Business impact:\n", "Mitigation:\n"],
    ["## Finding\n", "## Impact\n", "## Fix\n"],
];

const TICKET_PREFIXES: &[&str] = &[
    "Reported via bug bounty: ",
    "From the external pentest: ",
    "Customer security team writes: ",
    "Internal red team note: ",
    "",
];

const LANG_FRAMEWORKS: &[(&[&str], &str, &[&str])] = &[
    (&["py"], "python", &["flask", "django", "fastapi", "lang"]),
    (
        &["js", "jsx", "vue"],
        "javascript",
        &["express", "react", "browser", "lang"],
    ),
    (
        &["ts", "tsx"],
        "typescript",
        &["express", "nestjs", "react", "lang"],
    ),
    (
        &["java", "kt"],
        "java",
        &["spring", "servlets", "jax-rs", "lang"],
    ),
    (&["go", "mod", "sum"], "go", &["net-http", "gin", "lang"]),
    (
        &["rb", "erb", "rake"],
        "ruby",
        &["rails", "sinatra", "lang"],
    ),
    (&["php"], "php", &["laravel", "symfony", "lang"]),
    (
        &["cs", "cshtml", "csproj"],
        "csharp",
        &["dotnet", "aspnet", "lang"],
    ),
    (&["c", "cpp", "h"], "c", &["lang"]),
    (&["rs"], "rust", &["lang"]),
];

fn rule_prefix(filename: &str) -> String {
    let ext = filename.rsplit('.').next().unwrap_or("");
    for (exts, lang, frameworks) in LANG_FRAMEWORKS {
        if exts.contains(&ext) {
            // The framework is chosen by the file name, not the RNG, so the
            // stream of random numbers does not depend on it.
            let f = frameworks[filename.len() % frameworks.len()];
            return format!("{lang}.{f}.security.");
        }
    }
    "generic.secrets.security.".to_owned()
}

/// One sample's `(style, title, description, filename)`.
fn compose(t: &LabelTemplates, rng: &mut SplitMix64) -> (&'static str, String, String, String) {
    let filename = pick_file(t, rng);
    let param = *rng.pick(PARAMS);
    let func = *rng.pick(FUNCS);
    let route = *rng.pick(ROUTES);
    let base = filename.rsplit('/').next().unwrap_or(&filename).to_owned();
    let slot = |text: &str| {
        templates::fill(text, |name| match name {
            "param" => param.to_owned(),
            "func" => func.to_owned(),
            "route" => route.to_owned(),
            "file" if base.is_empty() => "this file".to_owned(),
            "file" => base.clone(),
            _ => String::new(),
        })
    };
    let find = slot(one(rng, &t.findings));
    let impact = slot(one(rng, &t.impacts));
    let fix = slot(one(rng, &t.fixes));
    let keyword = *rng.pick(&t.keywords);
    let style_roll = rng.below(100);
    let hard_share = if t.hard.is_empty() { 0 } else { 20 };
    let (style, title, description) = if style_roll < hard_share {
        let (title, description) = rng.pick(&t.hard);
        let mut description = slot(description);
        if rng.chance(0.5) {
            description = format!("{description} {}{fix}", rng.pick(FIX_PREFIXES));
        }
        ("hard", slot(title), description)
    } else {
        match rng.below(7) {
            0 => {
                let rule = *rng.pick(&t.rules);
                let title = if rng.chance(0.6) {
                    format!("{}{rule}", rule_prefix(&filename))
                } else {
                    rule.to_owned()
                };
                ("scanner", title, find)
            }
            1 => {
                let opener = slot(one(rng, REVIEW_OPENERS));
                let mut description = join_sentence(&opener, &find);
                if rng.chance(0.7) {
                    description = format!("{description} {impact}");
                }
                if rng.chance(0.7) {
                    description = format!("{description} {}{fix}", rng.pick(FIX_PREFIXES));
                }
                ("review", slot(one(rng, &t.titles)), description)
            }
            2 => {
                let [a, b, c] = *rng.pick(REPORT_HEADINGS);
                let title = if rng.chance(0.5) {
                    format!("{} in {route}", capitalize(keyword))
                } else {
                    slot(one(rng, &t.titles))
                };
                let description = format!("{a}{find}\n{b}{impact}\n{c}{fix}");
                ("pentest", title, description)
            }
            3 => {
                let prefix = *rng.pick(TICKET_PREFIXES);
                let title = format!("[security] {}", slot(one(rng, &t.titles)).to_lowercase());
                ("ticket", title, format!("{prefix}{find} {impact}"))
            }
            4 => {
                let title = match rng.below(4) {
                    0 => format!("Possible {keyword}"),
                    1 => format!("{} in {func}", capitalize(keyword)),
                    2 => format!("{} ({base})", capitalize(keyword)),
                    _ => format!("Potential {keyword} detected"),
                };
                let description = if rng.chance(0.5) {
                    format!("{find} {impact}")
                } else {
                    find
                };
                ("keyword", title, description)
            }
            5 if rng.chance(0.3) => {
                // A scanner or report line with no description at all.
                ("title", slot(one(rng, &t.titles)), String::new())
            }
            5 => ("terse", slot(one(rng, &t.titles)), find),
            _ => {
                let description = format!("{find} {}{fix}", rng.pick(FIX_PREFIXES));
                ("fix", slot(one(rng, &t.titles)), description)
            }
        }
    };
    let title = vary_case(title, rng);
    (style, title, description, filename)
}

fn one(rng: &mut SplitMix64, items: &[&'static str]) -> &'static str {
    items[rng.below(items.len())]
}

fn pick_file(t: &LabelTemplates, rng: &mut SplitMix64) -> String {
    // Report findings often name no file, so the text alone has to decide.
    if rng.chance(0.15) {
        return String::new();
    }
    if rng.chance(0.25) {
        return (*rng.pick(NEUTRAL_FILES)).to_owned();
    }
    let file = *rng.pick(&t.files);
    if rng.chance(0.2) {
        format!("{}{file}", rng.pick(DIR_PREFIXES))
    } else {
        file.to_owned()
    }
}

fn vary_case(title: String, rng: &mut SplitMix64) -> String {
    match rng.below(10) {
        0 => title.to_lowercase(),
        1 => format!("{title}."),
        _ => title,
    }
}

fn capitalize(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// `opener` + `sentence`, lower-casing the sentence's first word when the
/// opener leads into it ("I noticed that the handler …").
fn join_sentence(opener: &str, sentence: &str) -> String {
    if opener.is_empty() || opener.ends_with(": ") || opener.ends_with("- ") {
        return format!("{opener}{sentence}");
    }
    let mut chars = sentence.chars();
    match chars.next() {
        Some(c) if c.is_uppercase() && chars.clone().next().is_some_and(char::is_lowercase) => {
            format!("{opener}{}{}", c.to_lowercase(), chars.as_str())
        }
        _ => format!("{opener}{sentence}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_samples() {
        let config = GeneratorConfig {
            per_label: 5,
            seed: 1,
        };
        assert_eq!(generate(&config).ok(), generate(&config).ok());
        let other = generate(&GeneratorConfig { seed: 2, ..config }).ok();
        assert_ne!(generate(&config).ok(), other);
    }

    #[test]
    fn every_label_gets_exactly_per_label() {
        let samples = generate(&GeneratorConfig {
            per_label: 7,
            seed: 3,
        })
        .expect("generates");
        for class in VulnClass::ALL {
            assert_eq!(samples.iter().filter(|s| s.label == *class).count(), 7);
        }
        assert!(samples.iter().all(|s| !s.title.contains("{param}")));
    }

    #[test]
    fn joins_openers() {
        assert_eq!(
            join_sentence("I noticed that ", "The handler runs."),
            "I noticed that the handler runs."
        );
        assert_eq!(
            join_sentence("Flagging this: ", "The x"),
            "Flagging this: The x"
        );
    }
}
