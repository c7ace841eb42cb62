//! Sibling sinks: APIs that do the same dangerous thing with the same
//! argument (`os.system` and `os.popen` both run a shell command), so a
//! rule learned from one of them covers the others.
//!
//! A learned pattern whose sink is in a family gets the method name as a
//! metavariable restricted to the family (`os.$SINK($CMD)` with
//! `metavariable-regex: ^(system|popen|...)$`); the candidate is validated
//! and checked for explosion like every other rung.

use rsolv_core::Language;

/// A family: the text before the method name that every member shares
/// (`"os."`, or `"."` for a method on any receiver, or `""` for a bare
/// function), and the member names.
type Family = (&'static str, &'static [&'static str]);

const PYTHON: &[Family] = &[
    ("os.", &["system", "popen", "popen2", "popen3", "popen4"]),
    (
        "os.",
        &[
            "spawnl", "spawnle", "spawnlp", "spawnlpe", "spawnv", "spawnve", "spawnvp", "spawnvpe",
        ],
    ),
    (
        "os.",
        &[
            "execl", "execle", "execlp", "execlpe", "execv", "execve", "execvp", "execvpe",
        ],
    ),
    (
        "subprocess.",
        &[
            "call",
            "run",
            "Popen",
            "check_call",
            "check_output",
            "getoutput",
            "getstatusoutput",
        ],
    ),
    (
        "requests.",
        &[
            "get", "post", "put", "delete", "patch", "head", "options", "request",
        ],
    ),
    (
        "yaml.",
        &[
            "load",
            "load_all",
            "unsafe_load",
            "unsafe_load_all",
            "full_load",
            "full_load_all",
        ],
    ),
    ("pickle.", &["load", "loads", "Unpickler"]),
    ("cPickle.", &["load", "loads", "Unpickler"]),
    ("marshal.", &["load", "loads"]),
    ("", &["eval", "exec"]),
];

const JAVA: &[Family] = &[
    (
        ".",
        &[
            "executeQuery",
            "execute",
            "executeUpdate",
            "executeLargeUpdate",
            "addBatch",
        ],
    ),
    (
        ".",
        &[
            "query",
            "queryForList",
            "queryForObject",
            "queryForMap",
            "queryForRowSet",
            "queryForStream",
            "batchUpdate",
        ],
    ),
    (".", &["createQuery", "createNativeQuery", "createSQLQuery"]),
];

const GO: &[Family] = &[
    (
        ".",
        &[
            "Query",
            "QueryRow",
            "Exec",
            "QueryContext",
            "QueryRowContext",
            "ExecContext",
        ],
    ),
    ("exec.", &["Command", "CommandContext"]),
    (
        "template.",
        &["HTML", "HTMLAttr", "JS", "JSStr", "CSS", "URL", "Srcset"],
    ),
];

const RUBY: &[Family] = &[
    (
        "File.",
        &[
            "open",
            "new",
            "read",
            "readlines",
            "write",
            "binread",
            "foreach",
            "delete",
            "unlink",
            "chmod",
            "lchmod",
            "chown",
            "lchown",
            "truncate",
        ],
    ),
    (
        "Dir.",
        &[
            "chdir", "chroot", "delete", "entries", "mkdir", "rmdir", "unlink", "glob",
        ],
    ),
    ("", &["exec", "system", "spawn"]),
    (
        "Open3.",
        &[
            "popen3",
            "popen2",
            "popen2e",
            "capture2",
            "capture2e",
            "capture3",
            "pipeline",
        ],
    ),
];

const JAVASCRIPT: &[Family] = &[
    (
        "child_process.",
        &[
            "exec",
            "execSync",
            "spawn",
            "spawnSync",
            "execFile",
            "execFileSync",
        ],
    ),
    (".", &["send", "write"]),
];

fn families(lang: Language) -> &'static [Family] {
    match lang {
        Language::Python => PYTHON,
        Language::Java => JAVA,
        Language::Go => GO,
        Language::Ruby => RUBY,
        Language::JavaScript | Language::TypeScript => JAVASCRIPT,
        _ => &[],
    }
}

/// The sibling family of a call whose callee reads `callee` (`os.system`,
/// `stmt.executeQuery`): the method name and the other members, when it has
/// one.
pub(crate) fn family_of(
    lang: Language,
    callee: &str,
) -> Option<(&'static str, &'static [&'static str])> {
    let (prefix, method) = match callee.rfind(['.', ':']) {
        Some(i) => (&callee[..=i], &callee[i + 1..]),
        None => ("", callee),
    };
    families(lang).iter().find_map(|(shared, names)| {
        let member = names.iter().find(|n| **n == method)?;
        let fits = match *shared {
            "." => prefix.ends_with('.'),
            _ => prefix == *shared,
        };
        fits.then_some((*member, *names))
    })
}

/// Where `method` is called in `pattern`: the byte offset of its one
/// occurrence as a callee (followed by `(` or, for Ruby, a space, and not
/// part of a longer name). `None` unless there is exactly one.
pub(crate) fn callee_offset(pattern: &str, method: &str) -> Option<usize> {
    let is_name = |c: char| c.is_ascii_alphanumeric() || c == '_' || c == '$';
    let at: Vec<usize> = pattern
        .match_indices(method)
        .map(|(i, _)| i)
        .filter(|&i| {
            let after = &pattern[i + method.len()..];
            !pattern[..i].ends_with(is_name) && (after.starts_with('(') || after.starts_with(' '))
        })
        .collect();
    match at[..] {
        [i] => Some(i),
        _ => None,
    }
}

/// `^(system|popen|...)$`: the metavariable-regex of a family.
pub(crate) fn regex(names: &[&str]) -> String {
    format!("^({})$", names.join("|"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn families_need_the_shared_prefix() {
        assert_eq!(
            family_of(Language::Python, "os.system").map(|f| f.0),
            Some("system")
        );
        assert!(family_of(Language::Python, "my.system").is_none());
        assert_eq!(
            family_of(Language::Java, "stmt.executeQuery").map(|f| f.0),
            Some("executeQuery")
        );
        assert!(family_of(Language::Java, "executeQuery").is_none());
        assert_eq!(
            family_of(Language::Python, "eval").map(|f| f.0),
            Some("eval")
        );
    }

    #[test]
    fn the_callee_is_found_once() {
        assert_eq!(callee_offset("os.system($CMD)", "system"), Some(3));
        assert_eq!(callee_offset("$CON.exec $Q, ...", "exec"), Some(5));
        assert_eq!(callee_offset("os.system(os.system($X))", "system"), None);
        assert_eq!(callee_offset("os.xsystem($X)", "system"), None);
        assert_eq!(regex(&["a", "b"]), "^(a|b)$");
    }
}
