//! Pluggable rule generators: the built-in synthesizer, or any command that
//! reads a fix as JSON and prints rule YAML.

use std::io::{Read, Write};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use rsolv_core::OrgId;
use serde::Serialize;

use crate::synth::{RuleSynthesizer, Synthesis, SynthesisOptions};
use crate::{Error, Result, SecurityFix};

/// What a generator is asked to learn from.
#[derive(Debug, Clone)]
pub struct GenerationRequest<'a> {
    /// The fix.
    pub fix: &'a SecurityFix,
    /// The organization the rule is for.
    pub org: &'a OrgId,
    /// The codebase the rule will run on (for generators that look at it).
    pub codebase: &'a [PathBuf],
}

/// One candidate rule from a generator; it still has to pass
/// [`validate_candidate`](crate::validate_candidate).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GeneratedRule {
    /// The generator's name.
    pub generator: String,
    /// The candidate as rule YAML (one rule).
    pub yaml: String,
    /// The synthesizer's ladder, when the synthesizer made it.
    pub synthesis: Option<Synthesis>,
}

/// Something that proposes rules for a fix.
#[async_trait]
pub trait RuleGenerator: Send + Sync + std::fmt::Debug {
    /// A short name for reports (`synthesizer`, `command`, …).
    fn name(&self) -> &str;

    /// Candidate rules for the fix, best first. An error is reported and
    /// the next generator tried.
    async fn generate(&self, request: &GenerationRequest<'_>) -> Result<Vec<GeneratedRule>>;
}

/// The default generator: [`RuleSynthesizer`].
#[derive(Debug, Clone, Copy, Default)]
pub struct SynthesizerGenerator;

#[async_trait]
impl RuleGenerator for SynthesizerGenerator {
    fn name(&self) -> &str {
        "synthesizer"
    }

    async fn generate(&self, request: &GenerationRequest<'_>) -> Result<Vec<GeneratedRule>> {
        let options = SynthesisOptions {
            org: Some(request.org.clone()),
            codebase: request.codebase.to_vec(),
            rule_id: None,
        };
        let fix = request.fix.clone();
        // Synthesis parses and scans: CPU work, off the async runtime.
        let synthesis =
            tokio::task::spawn_blocking(move || RuleSynthesizer::new(options).synthesize(&fix))
                .await
                .map_err(|e| Error::Generator {
                    generator: "synthesizer".into(),
                    message: e.to_string(),
                })??;
        Ok(vec![GeneratedRule {
            generator: self.name().to_owned(),
            yaml: synthesis.yaml.clone(),
            synthesis: Some(synthesis),
        }])
    }
}

/// A generator that runs a shell command: the request goes to its stdin as
/// JSON (`{"before", "after", "language", "vulnerability_type", "path",
/// "issue", "organization_id"}`), rule YAML comes back on its stdout.
#[derive(Debug, Clone)]
pub struct ExternalCommandGenerator {
    command: String,
    timeout: Duration,
}

#[derive(Serialize)]
struct ExternalRequest<'a> {
    before: &'a str,
    after: &'a str,
    language: &'a str,
    vulnerability_type: Option<&'a str>,
    path: Option<String>,
    issue: Option<&'a str>,
    organization_id: &'a str,
}

impl ExternalCommandGenerator {
    /// Run `command` (through `sh -c`), killed after `timeout`.
    pub fn new(command: impl Into<String>, timeout: Duration) -> Self {
        Self {
            command: command.into(),
            timeout,
        }
    }

    fn run(&self, input: Vec<u8>) -> Result<String> {
        let fail = |message: String| Error::Generator {
            generator: self.command.clone(),
            message,
        };
        let mut child = Command::new("sh")
            .arg("-c")
            .arg(&self.command)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| fail(format!("cannot start: {e}")))?;
        let mut stdin = child.stdin.take();
        let writer = std::thread::spawn(move || {
            if let Some(stdin) = stdin.as_mut() {
                // A command that ignores its input closes the pipe early.
                let _ = stdin.write_all(&input);
            }
        });
        let mut stdout = child.stdout.take();
        let reader = std::thread::spawn(move || {
            let mut text = String::new();
            if let Some(out) = stdout.as_mut() {
                let _ = out.read_to_string(&mut text);
            }
            text
        });
        let mut stderr = child.stderr.take();
        let err_reader = std::thread::spawn(move || {
            let mut text = String::new();
            if let Some(err) = stderr.as_mut() {
                let _ = err.read_to_string(&mut text);
            }
            text
        });
        let deadline = Instant::now() + self.timeout;
        let status = loop {
            match child.try_wait() {
                Ok(Some(status)) => break status,
                Ok(None) if Instant::now() >= deadline => {
                    let _ = child.kill();
                    let _ = child.wait();
                    return Err(fail(format!("timed out after {:?}", self.timeout)));
                }
                Ok(None) => std::thread::sleep(Duration::from_millis(10)),
                Err(e) => return Err(fail(e.to_string())),
            }
        };
        let _ = writer.join();
        let out = reader.join().unwrap_or_default();
        let err = err_reader.join().unwrap_or_default();
        if !status.success() {
            return Err(fail(format!("exited with {status}: {}", err.trim())));
        }
        Ok(out)
    }
}

#[async_trait]
impl RuleGenerator for ExternalCommandGenerator {
    fn name(&self) -> &str {
        &self.command
    }

    async fn generate(&self, request: &GenerationRequest<'_>) -> Result<Vec<GeneratedRule>> {
        let fix = request.fix;
        let body = ExternalRequest {
            before: &fix.before,
            after: &fix.after,
            language: fix.language.as_str(),
            vulnerability_type: fix.vuln_class.map(|c| c.as_str()),
            path: fix.path.as_ref().map(|p| p.to_string_lossy().into_owned()),
            issue: fix.issue.as_deref(),
            organization_id: request.org.as_str(),
        };
        let input = serde_json::to_vec(&body).map_err(|e| Error::Generator {
            generator: self.command.clone(),
            message: e.to_string(),
        })?;
        let this = self.clone();
        let yaml = tokio::task::spawn_blocking(move || this.run(input))
            .await
            .map_err(|e| Error::Generator {
                generator: self.command.clone(),
                message: e.to_string(),
            })??;
        Ok(vec![GeneratedRule {
            generator: format!("command: {}", self.command),
            yaml,
            synthesis: None,
        }])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rsolv_core::Language;

    fn request_for(fix: &SecurityFix, org: &OrgId) -> GenerationRequest<'static> {
        let fix: &'static SecurityFix = Box::leak(Box::new(fix.clone()));
        let org: &'static OrgId = Box::leak(Box::new(org.clone()));
        GenerationRequest {
            fix,
            org,
            codebase: &[],
        }
    }

    #[tokio::test]
    async fn external_command_gets_json_and_returns_yaml() {
        let fix = SecurityFix::new("eval(x)\n", "int(x)\n", Language::Python);
        let org = OrgId::new("acme").unwrap();
        let command = "python3 -c 'import json,sys; r=json.load(sys.stdin); print(\"lang:\", r[\"language\"], r[\"organization_id\"])'";
        let generator = ExternalCommandGenerator::new(command, Duration::from_secs(20));
        let out = generator.generate(&request_for(&fix, &org)).await.unwrap();
        assert_eq!(out[0].yaml.trim(), "lang: python acme");
    }

    #[tokio::test]
    async fn external_command_times_out_and_failures_are_errors() {
        let fix = SecurityFix::new("eval(x)\n", "int(x)\n", Language::Python);
        let org = OrgId::new("acme").unwrap();
        let slow = ExternalCommandGenerator::new("sleep 5", Duration::from_millis(200));
        let err = slow.generate(&request_for(&fix, &org)).await.unwrap_err();
        assert!(err.to_string().contains("timed out"), "{err}");
        let failing =
            ExternalCommandGenerator::new("echo nope >&2; exit 3", Duration::from_secs(5));
        let err = failing
            .generate(&request_for(&fix, &org))
            .await
            .unwrap_err();
        assert!(err.to_string().contains("nope"), "{err}");
    }
}
