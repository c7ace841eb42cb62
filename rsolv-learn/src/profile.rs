//! An organization's security profile: what its rules cover, how precise
//! they are and how fast it learns.

use std::collections::BTreeMap;

use rsolv_core::VulnClass;
use rsolv_store::{Feedback, RuleFilter, StoredRule};
use serde::Serialize;

use crate::{Result, RuleCatalog, parse_stored};

/// A rule learned recently.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RecentLearning {
    /// The rule.
    pub rule_id: String,
    /// When it was learned (RFC 3339).
    pub learned_at: String,
    /// Its vulnerability class.
    pub vulnerability_type: Option<VulnClass>,
    /// The issue it came from.
    pub issue: Option<String>,
}

/// One point of the learning curve: learned rules so far, by day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CurvePoint {
    /// The day (`YYYY-MM-DD`).
    pub day: String,
    /// Learned rules stored up to and including that day.
    pub learned_rules: usize,
}

/// The organization's security profile.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SecurityProfile {
    /// The organization.
    pub org: String,
    /// Rules stored, enabled or not.
    pub total_rules: usize,
    /// Rules enabled.
    pub enabled_rules: usize,
    /// Rules learned from fixes.
    pub learned_rules: usize,
    /// Distinct search formulas among the enabled rules.
    pub unique_patterns: usize,
    /// Share of the 54 taxonomy labels with at least one enabled rule.
    pub coverage_score: f64,
    /// Findings recorded.
    pub findings: usize,
    /// Findings judged true positives.
    pub true_positives: usize,
    /// Findings judged false positives.
    pub false_positives: usize,
    /// False positives among judged findings, if any were judged.
    pub false_positive_rate: Option<f64>,
    /// Learned rules per 30 days since the first one.
    pub learning_velocity: f64,
    /// The vulnerability classes with the most enabled rules.
    pub top_vulnerability_types: Vec<(VulnClass, usize)>,
    /// The latest learned rules, newest first.
    pub recent_learnings: Vec<RecentLearning>,
    /// Learned rules over time.
    pub learning_curve: Vec<CurvePoint>,
}

/// Whether a stored rule was learned from a fix rather than imported.
fn is_learned(rule: &StoredRule) -> bool {
    rule.created_from_issue.is_some() || rule.yaml.contains("generator: rsolv-")
}

impl SecurityProfile {
    /// Compute the profile of `catalog`'s organization; `now` is an RFC 3339
    /// timestamp (the velocity is measured up to it).
    pub async fn compute(catalog: &RuleCatalog, now: &str) -> Result<Self> {
        let store = catalog.store();
        let org = catalog.org();
        let rules = store.list_rules(org, &RuleFilter::default()).await?;
        let enabled: Vec<&StoredRule> = rules.iter().filter(|r| r.enabled).collect();
        let mut formulas = std::collections::BTreeSet::new();
        let mut by_class: BTreeMap<VulnClass, usize> = BTreeMap::new();
        for rule in &enabled {
            if let Ok(file) = parse_stored(rule) {
                for r in file.rules {
                    formulas.insert(format!(
                        "{:?}{:?}{:?}{:?}{:?}",
                        r.languages, r.pattern, r.patterns, r.pattern_either, r.pattern_regex
                    ));
                }
            }
            if let Some(class) = rule.vulnerability_type {
                *by_class.entry(class).or_insert(0) += 1;
            }
        }
        let findings = store.findings(org, None).await?;
        let verdict = |v| {
            findings
                .iter()
                .filter(|f| f.feedback.as_ref().map(|r| r.verdict) == Some(v))
                .count()
        };
        let (tp, fp) = (
            verdict(Feedback::TruePositive),
            verdict(Feedback::FalsePositive),
        );
        let mut learned: Vec<&StoredRule> = rules.iter().filter(|r| is_learned(r)).collect();
        learned.sort_by(|a, b| (&a.created_at, &a.rule_id).cmp(&(&b.created_at, &b.rule_id)));
        let mut curve: Vec<CurvePoint> = Vec::new();
        for (i, rule) in learned.iter().enumerate() {
            let day = rule
                .created_at
                .get(..10)
                .unwrap_or(&rule.created_at)
                .to_owned();
            match curve.last_mut() {
                Some(last) if last.day == day => last.learned_rules = i + 1,
                _ => curve.push(CurvePoint {
                    day,
                    learned_rules: i + 1,
                }),
            }
        }
        let days = learned
            .first()
            .map_or(0.0, |first| days_between(&first.created_at, now));
        let velocity = if learned.is_empty() {
            0.0
        } else {
            learned.len() as f64 * 30.0 / days.max(30.0)
        };
        let mut top: Vec<(VulnClass, usize)> = by_class.into_iter().collect();
        top.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        let covered = top.len();
        top.truncate(10);
        let recent = learned
            .iter()
            .rev()
            .take(10)
            .map(|r| RecentLearning {
                rule_id: r.rule_id.clone(),
                learned_at: r.created_at.clone(),
                vulnerability_type: r.vulnerability_type,
                issue: r.created_from_issue.clone(),
            })
            .collect();
        Ok(Self {
            org: org.to_string(),
            total_rules: rules.len(),
            enabled_rules: enabled.len(),
            learned_rules: learned.len(),
            unique_patterns: formulas.len(),
            coverage_score: covered as f64 / VulnClass::ALL.len() as f64,
            findings: findings.len(),
            true_positives: tp,
            false_positives: fp,
            false_positive_rate: (tp + fp > 0).then(|| fp as f64 / (tp + fp) as f64),
            learning_velocity: (velocity * 100.0).round() / 100.0,
            top_vulnerability_types: top,
            recent_learnings: recent,
            learning_curve: curve,
        })
    }

    /// The profile as a self-contained HTML page with an inline-SVG learning
    /// curve.
    pub fn to_html(&self) -> String {
        let mut rows = String::new();
        for (label, value) in [
            ("Total rules", self.total_rules.to_string()),
            ("Enabled rules", self.enabled_rules.to_string()),
            ("Learned rules", self.learned_rules.to_string()),
            ("Unique patterns", self.unique_patterns.to_string()),
            (
                "Coverage score",
                format!("{:.1}%", 100.0 * self.coverage_score),
            ),
            (
                "False-positive rate",
                self.false_positive_rate
                    .map_or("n/a".into(), |r| format!("{:.1}%", 100.0 * r)),
            ),
            (
                "Learning velocity",
                format!("{} rules/month", self.learning_velocity),
            ),
        ] {
            rows.push_str(&format!(
                "<tr><th>{label}</th><td>{}</td></tr>\n",
                escape(&value)
            ));
        }
        let mut types = String::new();
        for (class, n) in &self.top_vulnerability_types {
            types.push_str(&format!("<li>{} — {n}</li>\n", escape(class.as_str())));
        }
        let mut recent = String::new();
        for r in &self.recent_learnings {
            recent.push_str(&format!(
                "<li><code>{}</code> {} {}</li>\n",
                escape(&r.rule_id),
                escape(&r.learned_at),
                escape(r.issue.as_deref().unwrap_or(""))
            ));
        }
        format!(
            "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>rsolv security profile: {org}</title>\n<style>body{{font-family:sans-serif;margin:2em}}th{{text-align:left;padding-right:1em}}</style></head>\n<body>\n<h1>Security profile: {org}</h1>\n<table>\n{rows}</table>\n<h2>Learning curve</h2>\n{svg}\n<h2>Top vulnerability types</h2>\n<ul>\n{types}</ul>\n<h2>Recent learnings</h2>\n<ul>\n{recent}</ul>\n</body></html>\n",
            org = escape(&self.org),
            svg = self.curve_svg(),
        )
    }

    fn curve_svg(&self) -> String {
        let (w, h, pad) = (600.0_f64, 240.0_f64, 30.0_f64);
        let n = self.learning_curve.len();
        let max = self
            .learning_curve
            .iter()
            .map(|p| p.learned_rules)
            .max()
            .unwrap_or(0)
            .max(1) as f64;
        let mut points = Vec::new();
        for (i, p) in self.learning_curve.iter().enumerate() {
            let x = if n <= 1 {
                w / 2.0
            } else {
                pad + (w - 2.0 * pad) * i as f64 / (n - 1) as f64
            };
            let y = h - pad - (h - 2.0 * pad) * p.learned_rules as f64 / max;
            points.push(format!("{x:.1},{y:.1}"));
        }
        let first = self.learning_curve.first().map_or("", |p| p.day.as_str());
        let last = self.learning_curve.last().map_or("", |p| p.day.as_str());
        format!(
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" role=\"img\" aria-label=\"learned rules over time\">\n<line x1=\"{pad}\" y1=\"{b}\" x2=\"{r}\" y2=\"{b}\" stroke=\"#888\"/>\n<line x1=\"{pad}\" y1=\"{pad}\" x2=\"{pad}\" y2=\"{b}\" stroke=\"#888\"/>\n<polyline fill=\"none\" stroke=\"#2a6\" stroke-width=\"2\" points=\"{pts}\"/>\n<text x=\"{pad}\" y=\"{t}\" font-size=\"11\">{first}</text>\n<text x=\"{r}\" y=\"{t}\" font-size=\"11\" text-anchor=\"end\">{last}</text>\n<text x=\"4\" y=\"{pad}\" font-size=\"11\">{max}</text>\n</svg>",
            b = h - pad,
            r = w - pad,
            t = h - 8.0,
            pts = points.join(" "),
            first = escape(first),
            last = escape(last),
        )
    }
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Days from one RFC 3339 date to another (by calendar date; 0 when either
/// does not parse).
fn days_between(from: &str, to: &str) -> f64 {
    match (day_number(from), day_number(to)) {
        (Some(a), Some(b)) if b >= a => (b - a) as f64,
        _ => 0.0,
    }
}

/// Days since 1970-01-01 of a `YYYY-MM-DD…` date (the civil-from-days
/// algorithm in reverse).
fn day_number(date: &str) -> Option<i64> {
    let y: i64 = date.get(0..4)?.parse().ok()?;
    let m: i64 = date.get(5..7)?.parse().ok()?;
    let d: i64 = date.get(8..10)?.parse().ok()?;
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    Some(era * 146_097 + doe - 719_468)
}

/// The current UTC time as RFC 3339 (`2026-01-31T12:00:00Z`).
pub fn now_rfc3339() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let days = i64::try_from(secs / 86_400).unwrap_or(0);
    let rem = secs % 86_400;
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// The calendar date of a day number (days since 1970-01-01).
fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_dates_round_trip() {
        for day in [0, 11_017, 20_000, 20_415] {
            let (y, m, d) = civil_from_days(day);
            assert_eq!(day_number(&format!("{y:04}-{m:02}-{d:02}")), Some(day));
        }
        assert!(now_rfc3339().ends_with('Z'));
    }

    #[test]
    fn day_numbers() {
        assert_eq!(day_number("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(day_number("2000-03-01"), Some(11_017));
        assert_eq!(days_between("2026-01-01", "2026-03-02"), 60.0);
    }
}
