//! Shared domain types for rsolv.
//!
//! Every other rsolv crate speaks in these types: the [`Language`] of a file
//! or rule, a rule's [`Severity`], where a match is ([`Location`], [`Span`],
//! [`Position`]), what was found ([`Finding`]), which organization owns the
//! data ([`OrgId`]), a change to a file ([`CodeFix`]) and the 54-label
//! vulnerability taxonomy ([`VulnClass`], [`VulnFamily`]).
//!
//! ```
//! use rsolv_core::{Language, OrgId, VulnClass, VulnFamily};
//!
//! let lang: Language = "py".parse()?;
//! assert_eq!(lang, Language::Python);
//!
//! let class = VulnClass::from_cwe_str("CWE-89: SQL Injection").expect("known CWE");
//! assert_eq!(class.as_str(), "sqli");
//! assert_eq!(class.family(), VulnFamily::Injection);
//!
//! assert!(OrgId::new("acme-corp").is_ok());
//! assert!(OrgId::new("../etc").is_err());
//! # Ok::<(), rsolv_core::Error>(())
//! ```
#![deny(missing_docs)]

mod error;
mod finding;
mod language;
mod location;
mod org;
mod severity;
mod taxonomy;

pub use error::{Error, Result};
pub use finding::{CodeFix, Finding};
pub use language::Language;
pub use location::{Location, Position, Span};
pub use org::OrgId;
pub use severity::Severity;
pub use taxonomy::{TAXONOMY_TSV, VulnClass, VulnFamily, parse_cwe};
