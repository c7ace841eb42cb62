//! The 54-label vulnerability taxonomy shared by the classifier, the rule
//! metadata and the suppressions.
//!
//! The table is `data/taxonomy.tsv` (label, family, definition, CWE ids); the
//! enum below mirrors it and a test keeps the two identical.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::Error;

/// The taxonomy as tab-separated text: `label`, `family`, `definition`, `cwe`.
pub const TAXONOMY_TSV: &str = include_str!("../data/taxonomy.tsv");

macro_rules! families {
    ($($variant:ident = $id:literal;)*) => {
        /// A group of related vulnerability classes.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum VulnFamily {
            $(
                #[doc = concat!("The `", $id, "` family.")]
                $variant,
            )*
        }

        impl VulnFamily {
            /// Every family, in taxonomy order.
            pub const ALL: &'static [VulnFamily] = &[$(VulnFamily::$variant),*];

            /// The stable string id.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $(VulnFamily::$variant => $id,)*
                }
            }
        }
    };
}

macro_rules! classes {
    ($($variant:ident = $id:literal, $family:ident, [$($cwe:literal),*], $def:literal;)*) => {
        /// One of the 54 labels a security finding is classified into.
        ///
        /// The string ids (`sqli`, `xss`, `authz_missing`, …) are stable: they
        /// are stored in databases, rule metadata and model files.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum VulnClass {
            $(
                #[doc = $def]
                $variant,
            )*
        }

        impl VulnClass {
            /// Every label, in taxonomy order (the order of the classifier's
            /// output units).
            pub const ALL: &'static [VulnClass] = &[$(VulnClass::$variant),*];

            /// The stable string id.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $(VulnClass::$variant => $id,)*
                }
            }

            /// The family the label belongs to.
            pub const fn family(self) -> VulnFamily {
                match self {
                    $(VulnClass::$variant => VulnFamily::$family,)*
                }
            }

            /// The one-sentence definition used in prompts and docs.
            pub const fn definition(self) -> &'static str {
                match self {
                    $(VulnClass::$variant => $def,)*
                }
            }

            /// The CWE ids the label covers, most specific first.
            pub const fn cwes(self) -> &'static [u32] {
                match self {
                    $(VulnClass::$variant => &[$($cwe),*],)*
                }
            }
        }
    };
}

families! {
    Injection = "injection";
    Web = "web";
    AccessControl = "access_control";
    Authentication = "authentication";
    CryptoSecrets = "crypto_secrets";
    DataExposure = "data_exposure";
    Files = "files";
    Availability = "availability";
    Memory = "memory";
    Dependencies = "dependencies";
    Configuration = "configuration";
}

classes! {
    Sqli = "sqli", Injection, [89],
        "Untrusted data reaches a SQL query built by string concatenation or formatting instead of parameters.";
    NosqlInjection = "nosql_injection", Injection, [943],
        "Untrusted data shapes a NoSQL query or operator object (MongoDB $where, $ne, query objects built from request bodies).";
    LdapInjection = "ldap_injection", Injection, [90],
        "Untrusted data is placed into an LDAP filter or DN without escaping.";
    XpathInjection = "xpath_injection", Injection, [643],
        "Untrusted data is placed into an XPath or XQuery expression without escaping.";
    CommandInjection = "command_injection", Injection, [77, 78, 88],
        "Untrusted data reaches an operating-system command or shell (exec, system, spawn with shell=true).";
    Rce = "rce", Injection, [94, 95, 470],
        "Attacker-controlled input is evaluated or loaded as code (eval, Function, dynamic import, unsafe reflection that executes code).";
    Ssti = "ssti", Injection, [1336],
        "Untrusted data is rendered as a server-side template, letting the attacker run template expressions.";
    Xxe = "xxe", Injection, [611, 776],
        "An XML parser resolves external entities or DTDs on untrusted XML.";
    LogInjection = "log_injection", Injection, [117],
        "Untrusted data is written to logs without neutralising newlines or control characters, forging log entries.";
    HeaderInjection = "header_injection", Injection, [93, 113],
        "Untrusted data with CR/LF reaches HTTP headers, enabling response splitting or header injection.";
    CsvInjection = "csv_injection", Injection, [1236],
        "Untrusted data is exported to CSV/spreadsheets where leading = + - @ lets formulas execute.";
    PromptInjection = "prompt_injection", Injection, [1427],
        "Untrusted content reaches an LLM prompt or tool call so it can override instructions or trigger actions.";
    Xss = "xss", Web, [79, 80],
        "Untrusted data is rendered into HTML or JavaScript without context-aware escaping (reflected, stored or DOM XSS).";
    Csrf = "csrf", Web, [352],
        "A state-changing endpoint accepts requests without CSRF tokens or SameSite protection.";
    OpenRedirect = "open_redirect", Web, [601],
        "A redirect target is taken from user input without an allow-list.";
    OpenCors = "open_cors", Web, [942, 346],
        "CORS allows arbitrary or reflected origins, especially with credentials.";
    MissingSecurityHeaders = "missing_security_headers", Web, [693, 1021],
        "Responses lack protective headers (CSP, HSTS, X-Frame-Options/frame-ancestors), e.g. enabling clickjacking.";
    PrototypePollution = "prototype_pollution", Web, [1321],
        "Untrusted keys such as __proto__ or constructor are merged into objects, polluting JavaScript prototypes.";
    Ssrf = "ssrf", Web, [918],
        "The server fetches a URL or host that the user controls, reaching internal services or metadata endpoints.";
    AuthzMissing = "authz_missing", AccessControl, [862],
        "An endpoint or operation performs no authorization check at all for a privileged action.";
    Idor = "idor", AccessControl, [639],
        "An object is fetched or changed by a user-supplied identifier without checking that the caller owns or may access it.";
    ExcessivePrivileges = "excessive_privileges", AccessControl, [250, 269],
        "A process, token, role or service account is granted more permissions than it needs.";
    AuthBypass = "auth_bypass", AccessControl, [287, 288, 289, 290, 306],
        "Authentication can be skipped or defeated through a flawed check, alternate path or logic error.";
    MassAssignment = "mass_assignment", AccessControl, [915],
        "Request data is bound wholesale onto a model, letting users set fields such as role or isAdmin.";
    WeakAuthentication = "weak_authentication", Authentication, [307, 521, 640],
        "Authentication is weak: no brute-force protection, weak password policy, missing MFA, guessable reset tokens.";
    SessionManagement = "session_management", Authentication, [384, 613],
        "Sessions are mishandled: fixation, no rotation on login, no expiry, no invalidation on logout.";
    InsecureCookie = "insecure_cookie", Authentication, [614, 1004, 1275],
        "Cookies holding sessions or secrets lack Secure, HttpOnly or SameSite attributes.";
    JwtMisuse = "jwt_misuse", Authentication, [347],
        "JWTs are accepted without verifying signature or algorithm (alg none, decode without verify, weak secret).";
    TimingAttack = "timing_attack", Authentication, [208],
        "Secrets, tokens or passwords are compared with a non-constant-time comparison.";
    HardcodedSecret = "hardcoded_secret", CryptoSecrets, [798, 259, 321],
        "A password, API key, private key or token is embedded in source code or committed config.";
    WeakCrypto = "weak_crypto", CryptoSecrets, [327, 326, 329],
        "A broken or risky cipher, mode or key size is used (DES, RC4, ECB, RSA-1024, static IV).";
    WeakHash = "weak_hash", CryptoSecrets, [328, 916, 759],
        "A weak or unsalted hash (MD5, SHA-1, fast hash) protects passwords or integrity.";
    InsecureRandomness = "insecure_randomness", CryptoSecrets, [330, 338],
        "A non-cryptographic random generator produces tokens, keys, nonces or passwords.";
    TlsValidationDisabled = "tls_validation_disabled", CryptoSecrets, [295, 297],
        "TLS certificate or hostname verification is turned off.";
    CleartextTransmission = "cleartext_transmission", CryptoSecrets, [319],
        "Sensitive data is sent over an unencrypted channel (HTTP, plain FTP/SMTP, unencrypted sockets).";
    CleartextStorage = "cleartext_storage", CryptoSecrets, [312, 313, 922],
        "Sensitive data (passwords, tokens, PII) is stored unencrypted on disk, in a database or in browser storage.";
    InformationDisclosure = "information_disclosure", DataExposure, [200, 209, 497, 215],
        "Internal details leak to users: stack traces, verbose errors, debug endpoints, internal paths, version banners.";
    SensitiveDataLogging = "sensitive_data_logging", DataExposure, [532],
        "Passwords, tokens or personal data are written to logs.";
    PathTraversal = "path_traversal", Files, [22, 23, 35, 73],
        "A file path built from user input can escape the intended directory (../, absolute paths, zip slip).";
    UnrestrictedFileUpload = "unrestricted_file_upload", Files, [434],
        "Uploaded files are accepted without type, size or location checks, allowing dangerous content.";
    InsecureFilePermissions = "insecure_file_permissions", Files, [732, 276],
        "Files or directories are created world-writable/readable or with overly broad permissions.";
    InsecureDeserialization = "insecure_deserialization", Files, [502],
        "Untrusted data is deserialized with a format that can instantiate arbitrary types (pickle, Java serialization, YAML load).";
    ResourceExhaustion = "resource_exhaustion", Availability, [400, 770, 674, 1325],
        "Unbounded work, memory, recursion or request rates let an attacker exhaust resources (no limits, no pagination, zip bombs).";
    Redos = "redos", Availability, [1333],
        "A regular expression with catastrophic backtracking runs on untrusted input.";
    MemorySafety = "memory_safety", Memory, [119, 120, 125, 416, 787, 415],
        "Out-of-bounds access, use-after-free, double free or unsafe pointer use.";
    IntegerOverflow = "integer_overflow", Memory, [190, 191],
        "Integer arithmetic can overflow or wrap, breaking size checks or allocations.";
    RaceCondition = "race_condition", Memory, [362, 367],
        "A check-then-act or shared-state race (TOCTOU) that an attacker can exploit.";
    SupplyChainRisk = "supply_chain_risk", Dependencies, [829, 494, 1357],
        "Risky dependency sourcing: unpinned versions, untrusted registries, typosquats, install scripts, unverified downloads.";
    VulnerableDependency = "vulnerable_dependency", Dependencies, [1395, 937, 1104],
        "A dependency version with a known vulnerability (CVE/GHSA) is used.";
    LanguageVersion = "language_version", Dependencies, [1104],
        "The runtime, language or framework version is outdated or end-of-life.";
    InsecureDefaults = "insecure_defaults", Configuration, [1188, 16, 489],
        "A security-relevant setting is left at an unsafe default or misconfigured (debug on, permissive bind, disabled protections).";
    BusinessLogicFlaw = "business_logic_flaw", Configuration, [840, 841],
        "The application's own rules can be abused (negative quantities, skipped workflow steps, double spending).";
    NonSecurityNitpick = "non_security_nitpick", Configuration, [],
        "A code-quality or style remark with no realistic security impact.";
    Other = "other", Configuration, [],
        "A security issue that fits none of the other labels.";
}

impl VulnClass {
    /// The number of labels.
    pub const COUNT: usize = Self::ALL.len();

    /// The position of the label in [`VulnClass::ALL`].
    pub fn index(self) -> usize {
        self as usize
    }

    /// The label at `index` in [`VulnClass::ALL`].
    pub fn from_index(index: usize) -> Option<Self> {
        Self::ALL.get(index).copied()
    }

    /// The labels whose CWE list contains `cwe`, in taxonomy order.
    ///
    /// A CWE can belong to more than one label (CWE-1104 is both
    /// `vulnerable_dependency` and `language_version`).
    pub fn for_cwe(cwe: u32) -> impl Iterator<Item = VulnClass> {
        Self::ALL
            .iter()
            .copied()
            .filter(move |class| class.cwes().contains(&cwe))
    }

    /// The first label that lists `cwe`, if any.
    pub fn from_cwe(cwe: u32) -> Option<Self> {
        Self::for_cwe(cwe).next()
    }

    /// The label for a CWE written the way rule metadata writes it:
    /// `CWE-89`, `"CWE-89: Improper Neutralization ..."`, `cwe-89` or `89`.
    pub fn from_cwe_str(text: &str) -> Option<Self> {
        parse_cwe(text).and_then(Self::from_cwe)
    }
}

impl VulnFamily {
    /// The labels that belong to this family, in taxonomy order.
    pub fn classes(self) -> impl Iterator<Item = VulnClass> {
        VulnClass::ALL
            .iter()
            .copied()
            .filter(move |class| class.family() == self)
    }
}

/// Extract the number from a CWE reference such as `CWE-89: SQL Injection`.
pub fn parse_cwe(text: &str) -> Option<u32> {
    let text = text.trim();
    let rest = match text.get(..3) {
        Some(prefix) if prefix.eq_ignore_ascii_case("cwe") => {
            text[3..].trim_start_matches(['-', ' ', '_'])
        }
        _ => text,
    };
    let digits: &str = &rest[..rest.bytes().take_while(u8::is_ascii_digit).count()];
    digits.parse().ok()
}

macro_rules! string_id_impls {
    ($ty:ident, $err:ident) => {
        impl fmt::Display for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl FromStr for $ty {
            type Err = Error;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                let wanted = s.trim();
                Self::ALL
                    .iter()
                    .copied()
                    .find(|item| item.as_str().eq_ignore_ascii_case(wanted))
                    .ok_or_else(|| Error::$err(s.to_owned()))
            }
        }

        impl Serialize for $ty {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> Deserialize<'de> for $ty {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let s = String::deserialize(deserializer)?;
                s.parse().map_err(serde::de::Error::custom)
            }
        }
    };
}

string_id_impls!(VulnClass, UnknownVulnClass);
string_id_impls!(VulnFamily, UnknownFamily);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn enum_matches_the_tsv_exactly() {
        let mut lines = TAXONOMY_TSV.lines();
        assert_eq!(lines.next(), Some("label\tfamily\tdefinition\tcwe"));
        let rows: Vec<Vec<&str>> = lines.map(|l| l.split('\t').collect()).collect();
        assert_eq!(rows.len(), 54);
        assert_eq!(VulnClass::COUNT, 54);
        for (row, class) in rows.iter().zip(VulnClass::ALL) {
            assert_eq!(row[0], class.as_str());
            assert_eq!(row[1], class.family().as_str());
            assert_eq!(row[2], class.definition());
            let cwes: Vec<u32> = row[3].split(',').filter_map(|c| c.parse().ok()).collect();
            assert_eq!(cwes, class.cwes(), "{}", class);
        }
    }

    #[test]
    fn copy_is_in_sync_with_shared_taxonomy() {
        // The team's copy lives beside the repository; CI has it, a crate
        // consumer does not, hence the embedded copy and this check.
        let shared =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/taxonomy.tsv");
        if let Ok(text) = std::fs::read_to_string(shared) {
            assert_eq!(
                text, TAXONOMY_TSV,
                "rsolv-core/data/taxonomy.tsv is out of date"
            );
        }
    }

    #[test]
    fn ids_round_trip_and_index() {
        for (i, class) in VulnClass::ALL.iter().enumerate() {
            assert_eq!(class.to_string().parse::<VulnClass>().ok(), Some(*class));
            assert_eq!(class.index(), i);
            assert_eq!(VulnClass::from_index(i), Some(*class));
        }
        assert!("sql_injection".parse::<VulnClass>().is_err());
    }

    #[test]
    fn cwe_lookup() {
        assert_eq!(VulnClass::from_cwe(89), Some(VulnClass::Sqli));
        assert_eq!(
            VulnClass::from_cwe_str("CWE-79: Improper Neutralization"),
            Some(VulnClass::Xss)
        );
        assert_eq!(
            VulnClass::from_cwe_str("cwe-78"),
            Some(VulnClass::CommandInjection)
        );
        assert_eq!(VulnClass::from_cwe_str("918"), Some(VulnClass::Ssrf));
        assert_eq!(VulnClass::from_cwe(1), None);
        let both: Vec<_> = VulnClass::for_cwe(1104).collect();
        assert_eq!(
            both,
            [VulnClass::VulnerableDependency, VulnClass::LanguageVersion]
        );
    }

    #[test]
    fn families() {
        assert_eq!(VulnClass::Idor.family(), VulnFamily::AccessControl);
        assert_eq!(VulnFamily::Injection.classes().count(), 12);
        let total: usize = VulnFamily::ALL.iter().map(|f| f.classes().count()).sum();
        assert_eq!(total, 54);
        assert_eq!("web".parse::<VulnFamily>().ok(), Some(VulnFamily::Web));
    }

    #[test]
    fn serde_uses_string_ids() {
        let json = serde_json::to_string(&VulnClass::OpenRedirect).unwrap_or_default();
        assert_eq!(json, "\"open_redirect\"");
        assert!(serde_json::from_str::<VulnClass>("\"nope\"").is_err());
    }
}
