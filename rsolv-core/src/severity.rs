//! Rule and finding severities.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::Error;

/// A Semgrep severity: the classic `ERROR`/`WARNING`/`INFO` levels and the
/// newer `CRITICAL`/`HIGH`/`MEDIUM`/`LOW` ones.
///
/// Both vocabularies are kept as written so that a rule round-trips
/// unchanged; [`Severity::rank`] puts them on one scale for sorting and
/// thresholds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Severity {
    /// Classic level: a likely vulnerability.
    Error,
    /// Classic level: worth a look.
    Warning,
    /// Classic level: informational.
    Info,
    /// New level: critical.
    Critical,
    /// New level: high.
    High,
    /// New level: medium.
    Medium,
    /// New level: low.
    Low,
    /// Semgrep's `EXPERIMENT` level, used while a rule is trialled.
    Experiment,
    /// Semgrep's `INVENTORY` level, for non-security inventory rules.
    Inventory,
}

impl Severity {
    /// Every severity.
    pub const ALL: [Severity; 9] = [
        Severity::Critical,
        Severity::Error,
        Severity::High,
        Severity::Warning,
        Severity::Medium,
        Severity::Low,
        Severity::Info,
        Severity::Experiment,
        Severity::Inventory,
    ];

    /// The name as Semgrep writes it (upper case).
    pub const fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "ERROR",
            Severity::Warning => "WARNING",
            Severity::Info => "INFO",
            Severity::Critical => "CRITICAL",
            Severity::High => "HIGH",
            Severity::Medium => "MEDIUM",
            Severity::Low => "LOW",
            Severity::Experiment => "EXPERIMENT",
            Severity::Inventory => "INVENTORY",
        }
    }

    /// A common 0–4 scale: 4 critical, 3 high/error, 2 medium/warning,
    /// 1 low/info, 0 experiment/inventory.
    pub const fn rank(self) -> u8 {
        match self {
            Severity::Critical => 4,
            Severity::Error | Severity::High => 3,
            Severity::Warning | Severity::Medium => 2,
            Severity::Info | Severity::Low => 1,
            Severity::Experiment | Severity::Inventory => 0,
        }
    }

    /// The SARIF `level` this severity maps to (`error`, `warning`, `note`).
    pub const fn sarif_level(self) -> &'static str {
        match self.rank() {
            3 | 4 => "error",
            2 => "warning",
            _ => "note",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Severity {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Severity::ALL
            .into_iter()
            .find(|sev| sev.as_str().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| Error::UnknownSeverity(s.to_owned()))
    }
}

impl Serialize for Severity {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Severity {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = String::deserialize(deserializer)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_both_vocabularies() {
        assert_eq!("ERROR".parse::<Severity>().ok(), Some(Severity::Error));
        assert_eq!("warning".parse::<Severity>().ok(), Some(Severity::Warning));
        assert_eq!(
            "CRITICAL".parse::<Severity>().ok(),
            Some(Severity::Critical)
        );
        assert!("SEVERE".parse::<Severity>().is_err());
    }

    #[test]
    fn ranks_align_the_two_scales() {
        assert_eq!(Severity::Error.rank(), Severity::High.rank());
        assert!(Severity::Critical.rank() > Severity::Error.rank());
        assert_eq!(Severity::Info.sarif_level(), "note");
    }

    #[test]
    fn display_round_trips() {
        for sev in Severity::ALL {
            assert_eq!(sev.to_string().parse::<Severity>().ok(), Some(sev));
        }
    }
}
