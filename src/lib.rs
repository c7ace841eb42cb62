//! rsolv: turn every security fix into lasting protection.
//!
//! This facade re-exports the rsolv crates under one name, for tools that
//! embed rsolv:
//!
//! - [`core`]: shared types (languages, severities, findings, organizations,
//!   the 54-label vulnerability taxonomy);
//! - [`rules`]: the Semgrep rule model, validation and writing;
//! - [`store`]: the organization's rule database (async trait, SQLite);
//! - [`learn`]: the rule catalog and the learning loop;
//! - [`classify`]: the security-finding classifier.
//!
//! ```
//! let class: rsolv::core::VulnClass = "sqli".parse()?;
//! assert_eq!(class.family().as_str(), "injection");
//! # Ok::<(), rsolv::core::Error>(())
//! ```
#![deny(missing_docs)]

pub use rsolv_classify as classify;
pub use rsolv_core as core;
pub use rsolv_learn as learn;
pub use rsolv_rules as rules;
pub use rsolv_store as store;
