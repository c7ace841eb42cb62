//! The keyword baseline: weighted hits of indicator words per label.

use rsolv_core::VulnClass;

use crate::eval::{LabelScorer, softmax};
use crate::{FindingText, Result};

/// Indicator words per label, lower-case, matched on word boundaries. A
/// hit in the title counts double; the label's own names (the templates'
/// `kw` lines) count more than these hints.
const HINTS: &[(VulnClass, &str)] = &[
    (
        VulnClass::Sqli,
        "sql|select|where clause|cursor execute|jdbc|prepared statement|union|order by|query string concatenat",
    ),
    (
        VulnClass::NosqlInjection,
        "mongo|mongodb|nosql|$where|$ne|$gt|findone|couchdb|mango|operator",
    ),
    (
        VulnClass::LdapInjection,
        "ldap|directory|samaccountname|bind dn|active directory|ad filter",
    ),
    (
        VulnClass::XpathInjection,
        "xpath|xquery|selectnodes|selectsinglenode",
    ),
    (
        VulnClass::CommandInjection,
        "shell|subprocess|os system|exec|popen|child process|runtime exec|command line|shell true|metacharacters|spawn",
    ),
    (
        VulnClass::Rce,
        "eval|code execution|new function|exec builtin|reflection|class forname|script engine|vm|instance eval|arbitrary code",
    ),
    (
        VulnClass::Ssti,
        "template|jinja|jinja2|render template string|freemarker|velocity|erb|twig|handlebars|thymeleaf",
    ),
    (
        VulnClass::Xxe,
        "xml|dtd|doctype|external entity|entities|documentbuilder|saxparser|xmlreader|lxml",
    ),
    (
        VulnClass::LogInjection,
        "log|logger|newline|crlf|forged|audit log|log file",
    ),
    (
        VulnClass::HeaderInjection,
        "header|crlf|set cookie|content disposition|response splitting|location header",
    ),
    (
        VulnClass::CsvInjection,
        "csv|excel|spreadsheet|formula|xlsx|export",
    ),
    (
        VulnClass::PromptInjection,
        "llm|prompt|system prompt|chatbot|agent|rag|model|instructions|gpt",
    ),
    (
        VulnClass::Xss,
        "html|innerhtml|script|dangerouslysetinnerhtml|escape|escaping|v html|safe|dom|browser|autoescape",
    ),
    (
        VulnClass::Csrf,
        "csrf|xsrf|forgery|anti forgery|csrf exempt|token|samesite",
    ),
    (
        VulnClass::OpenRedirect,
        "redirect|next|return url|returnurl|location|302|return to",
    ),
    (
        VulnClass::OpenCors,
        "cors|origin|access control allow origin|allow credentials|cross origin",
    ),
    (
        VulnClass::MissingSecurityHeaders,
        "header|csp|content security policy|hsts|x frame options|frame ancestors|clickjacking|helmet|nosniff",
    ),
    (
        VulnClass::PrototypePollution,
        "proto|__proto__|prototype|merge|lodash|deep merge|constructor",
    ),
    (
        VulnClass::Ssrf,
        "url|fetch|requests get|metadata|169 254 169 254|internal|webhook|http get|urlopen|localhost",
    ),
    (
        VulnClass::AuthzMissing,
        "authorization|admin|role|permission|privileged|preauthorize|requireadmin|staff|guard",
    ),
    (
        VulnClass::Idor,
        "owner|ownership|id|another user|other users|belongs|tenant|object level|sequential",
    ),
    (
        VulnClass::ExcessivePrivileges,
        "iam|root|privileged|cluster admin|least privilege|permissions|scope|superuser|owner role|write all",
    ),
    (
        VulnClass::AuthBypass,
        "authentication|bypass|login|unauthenticated|skip|without credentials|backdoor",
    ),
    (
        VulnClass::MassAssignment,
        "mass assignment|isadmin|role field|permit|fields all|request body|bind|dto|attributes",
    ),
    (
        VulnClass::WeakAuthentication,
        "brute force|rate limit|lockout|password policy|mfa|otp|guess|throttl|captcha",
    ),
    (
        VulnClass::SessionManagement,
        "session|logout|session id|fixation|expire|expiry|timeout|invalidate|revoke",
    ),
    (
        VulnClass::InsecureCookie,
        "cookie|httponly|secure flag|samesite|session cookie secure",
    ),
    (
        VulnClass::JwtMisuse,
        "jwt|token|alg|none|signature|verify|claims|jsonwebtoken|exp",
    ),
    (
        VulnClass::TimingAttack,
        "timing|constant time|compare digest|timingsafeequal|equality|comparison|==",
    ),
    (
        VulnClass::HardcodedSecret,
        "password|secret|api key|private key|credential|token|hardcoded|committed|literal|aws",
    ),
    (
        VulnClass::WeakCrypto,
        "des|3des|rc4|ecb|iv|cipher|rsa|1024|encryption|encrypt|blowfish|aes",
    ),
    (
        VulnClass::WeakHash,
        "md5|sha1|sha 1|hash|hashed|unsalted|bcrypt|argon2|digest|checksum",
    ),
    (
        VulnClass::InsecureRandomness,
        "random|math random|prng|seed|predictable|securerandom|mt rand|randint",
    ),
    (
        VulnClass::TlsValidationDisabled,
        "tls|ssl|certificate|verify false|insecureskipverify|trustmanager|hostname verif|self signed",
    ),
    (
        VulnClass::CleartextTransmission,
        "http|plaintext|unencrypted|ftp|smtp|cleartext|ws|telnet|starttls",
    ),
    (
        VulnClass::CleartextStorage,
        "plaintext|stored|storage|localstorage|unencrypted|database|sharedpreferences|userdefaults|disk",
    ),
    (
        VulnClass::InformationDisclosure,
        "stack trace|traceback|error message|verbose|debug|version|banner|actuator|exposed|introspection",
    ),
    (
        VulnClass::SensitiveDataLogging,
        "log|logged|logging|logs|logger|console log|password|token",
    ),
    (
        VulnClass::PathTraversal,
        "path|traversal|directory|file|zip|sendfile|os path join|include|filename",
    ),
    (
        VulnClass::UnrestrictedFileUpload,
        "upload|uploaded|extension|multer|content type|web shell|mime",
    ),
    (
        VulnClass::InsecureFilePermissions,
        "chmod|permission|0644|0777|777|world|umask|mode|readable|writable",
    ),
    (
        VulnClass::InsecureDeserialization,
        "pickle|deserializ|unserialize|yaml load|objectinputstream|readobject|binaryformatter|marshal|gadget",
    ),
    (
        VulnClass::ResourceExhaustion,
        "dos|denial of service|limit|unbounded|memory|pagination|exhaust|bomb|depth|size",
    ),
    (
        VulnClass::Redos,
        "regex|regular expression|backtracking|redos|pattern|quantifier",
    ),
    (
        VulnClass::MemorySafety,
        "buffer|overflow|memcpy|strcpy|free|use after free|bounds|pointer|unsafe|segfault",
    ),
    (
        VulnClass::IntegerOverflow,
        "integer|overflow|wrap|underflow|multiplication|int|uint32|truncat",
    ),
    (
        VulnClass::RaceCondition,
        "race|toctou|concurrent|parallel|atomic|lock|simultaneous",
    ),
    (
        VulnClass::SupplyChainRisk,
        "curl|bash|pin|pinned|unpinned|latest|typosquat|registry|action|mirror|checksum|install",
    ),
    (
        VulnClass::VulnerableDependency,
        "cve|ghsa|advisory|vulnerable|version|upgrade|dependency|lockfile|audit",
    ),
    (
        VulnClass::LanguageVersion,
        "eol|end of life|end-of-life|unsupported|python 2|node|runtime|version|legacy",
    ),
    (
        VulnClass::InsecureDefaults,
        "default|debug true|debug|misconfigur|0 0 0 0|enabled|config|settings",
    ),
    (
        VulnClass::BusinessLogicFlaw,
        "negative|price|quantity|coupon|discount|workflow|refund|skip|trial|checkout",
    ),
    (
        VulnClass::NonSecurityNitpick,
        "unused|naming|style|nit|typo|refactor|readability|const|docstring|dead code",
    ),
    (
        VulnClass::Other,
        "dns|cname|takeover|homoglyph|confusable|cache poisoning|spoof|rebinding",
    ),
];

/// Scores labels by weighted keyword hits over title, description and
/// file name; a softmax turns scores into probabilities.
#[derive(Debug, Clone)]
pub struct KeywordScorer {
    /// Per label: `(phrase padded with spaces, weight)`.
    table: Vec<Vec<(String, f32)>>,
}

impl KeywordScorer {
    /// The scorer built from the built-in hints and the generator
    /// templates' label names.
    pub fn new() -> Result<Self> {
        let templates = crate::data::templates::load()?;
        let mut table = vec![Vec::new(); VulnClass::ALL.len()];
        for (class, hints) in HINTS {
            for hint in hints.split('|') {
                table[class.index()].push((pad(hint), 1.0));
            }
        }
        for (i, t) in templates.iter().enumerate() {
            for kw in &t.keywords {
                table[i].push((pad(kw), 3.0));
            }
        }
        Ok(KeywordScorer { table })
    }
}

/// Lower-case, non-alphanumerics (but `_` and `$`) to spaces, padded.
fn pad(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push(' ');
    let mut last_space = true;
    for c in text.chars().flat_map(char::to_lowercase) {
        if c.is_alphanumeric() || c == '_' || c == '$' || c == '=' {
            out.push(c);
            last_space = false;
        } else if !last_space {
            out.push(' ');
            last_space = true;
        }
    }
    if !last_space {
        out.push(' ');
    }
    out
}

impl LabelScorer for KeywordScorer {
    fn name(&self) -> &str {
        "keyword"
    }

    fn predict_proba(&self, finding: &FindingText) -> Vec<f32> {
        let title = pad(&finding.title);
        let rest = pad(&format!("{} {}", finding.description, finding.filename));
        let mut scores: Vec<f32> = self
            .table
            .iter()
            .map(|phrases| {
                phrases
                    .iter()
                    .map(|(phrase, w)| {
                        let in_title = title.contains(phrase.as_str()) as u8 as f32;
                        let in_rest = rest.contains(phrase.as_str()) as u8 as f32;
                        w * (2.0 * in_title + in_rest)
                    })
                    .sum()
            })
            .collect();
        // Without any hit, `other` wins.
        scores[VulnClass::Other.index()] += 0.5;
        softmax(&mut scores);
        scores
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_the_obvious() {
        let scorer = KeywordScorer::new().expect("templates");
        let finding = FindingText::new("Possible SQL injection", "query built from input", "");
        assert_eq!(scorer.predict(&finding, 3).label, VulnClass::Sqli);
        let nothing = FindingText::new("zzz", "", "");
        assert_eq!(scorer.predict(&nothing, 1).label, VulnClass::Other);
    }

    #[test]
    fn pads_words() {
        assert_eq!(pad("Hello, World!"), " hello world ");
    }
}
