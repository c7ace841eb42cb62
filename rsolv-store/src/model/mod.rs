//! The values a [`RuleStore`](crate::RuleStore) takes and returns.

mod audit;
mod finding;
mod rule;
mod suppression;
mod test_case;

pub use audit::AuditEntry;
pub use finding::{Feedback, FeedbackRecord, NewFinding, RuleMetrics, StoredFinding};
pub use rule::{
    ChangeInfo, ChangeKind, NewRule, PutOutcome, RuleFilter, RuleVersion, SearchHit, StoredRule,
};
pub use suppression::{NewSuppression, Suppression, glob_matches};
pub use test_case::{NewTestCase, TestCase, TestCaseKind};

/// Implements `Display`/`FromStr` over a fixed table of string ids.
macro_rules! string_enum {
    ($ty:ident, $what:literal, { $($variant:ident => $id:literal),* $(,)? }) => {
        impl $ty {
            /// The stable string id, as stored in the database.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $($ty::$variant => $id,)*
                }
            }
        }

        impl std::fmt::Display for $ty {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl std::str::FromStr for $ty {
            type Err = crate::Error;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s.trim() {
                    $($id => Ok($ty::$variant),)*
                    _ => Err(crate::Error::invalid(
                        $what,
                        format!(
                            "unknown value `{s}` (expected one of: {})",
                            [$($id),*].join(", ")
                        ),
                    )),
                }
            }
        }
    };
}
pub(crate) use string_enum;
