//! Import aliases, so that a pattern written with a module's full name
//! (`subprocess.call(...)`) also matches code that imported it under
//! another name (`from subprocess import call as run_it; run_it(...)`,
//! `import subprocess as sp; sp.call(...)`), as Semgrep does.

use std::collections::HashMap;

use super::lang::Grammar;
use super::tree::{NodeId, SynTree};

/// The grammar's name for the kind of node `id`.
fn kind_of<'g>(tree: &SynTree<'_>, grammar: &'g Grammar, id: NodeId) -> &'g str {
    grammar
        .language
        .node_kind_for_id(tree.node(id).kind)
        .unwrap_or("")
}

/// Local names bound by imports, mapped to the dotted names they stand for.
#[derive(Debug, Default)]
pub(crate) struct Aliases {
    /// Per local name, the imports binding it: (where the import ends,
    /// the dotted name), in source order. A later import rebinds the name.
    map: HashMap<String, Vec<(u32, String)>>,
    /// Java: a capitalized name no import binds is `java.lang.Name`.
    implicit_java_lang: bool,
}

impl Aliases {
    /// The aliases a Python module's imports introduce.
    pub(crate) fn python(tree: &SynTree<'_>, grammar: &Grammar) -> Self {
        let kind = |id: NodeId| kind_of(tree, grammar, id);
        let dotted = |id: NodeId| -> String { tree.text(id).split_whitespace().collect() };
        let mut map: HashMap<String, Vec<(u32, String)>> = HashMap::new();
        for id in tree.ids() {
            let at = tree.node(id).end;
            let mut bind =
                |local: String, full: String| map.entry(local).or_default().push((at, full));
            match kind(id) {
                "import_statement" => {
                    for &item in tree.kids(id) {
                        // `import a.b as c`: c is a.b. A plain `import a.b`
                        // binds nothing new.
                        if kind(item) == "aliased_import"
                            && let [name, .., alias] = tree.kids(item)
                        {
                            bind(tree.text(*alias).to_owned(), dotted(*name));
                        }
                    }
                }
                "import_from_statement" => {
                    let kids = tree.kids(id);
                    let Some(module) = kids
                        .iter()
                        .find(|&&k| matches!(kind(k), "dotted_name" | "relative_import"))
                    else {
                        continue;
                    };
                    let module = dotted(*module);
                    for &item in kids.iter().skip_while(|&&k| kind(k) != "import").skip(1) {
                        match kind(item) {
                            "dotted_name" => {
                                bind(dotted(item), format!("{module}.{}", dotted(item)));
                            }
                            "aliased_import" => {
                                if let [name, .., alias] = tree.kids(item) {
                                    bind(
                                        tree.text(*alias).to_owned(),
                                        format!("{module}.{}", dotted(*name)),
                                    );
                                }
                            }
                            _ => {}
                        }
                    }
                }
                _ => {}
            }
        }
        Self {
            map,
            implicit_java_lang: false,
        }
    }

    /// The names a Java file's single-type imports bind (`import a.b.C;`
    /// binds `C`; static imports bind the member). `java.lang` classes
    /// need no import.
    pub(crate) fn java(tree: &SynTree<'_>, grammar: &Grammar) -> Self {
        let kind = |id: NodeId| kind_of(tree, grammar, id);
        let mut map: HashMap<String, Vec<(u32, String)>> = HashMap::new();
        for id in tree.ids().filter(|&id| kind(id) == "import_declaration") {
            let kids = tree.kids(id);
            if kids.iter().any(|&k| kind(k) == "asterisk") {
                continue;
            }
            if let Some(&name) = kids
                .iter()
                .find(|&&k| matches!(kind(k), "scoped_identifier" | "identifier"))
            {
                let dotted: String = tree.text(name).split_whitespace().collect();
                if let Some(last) = dotted.rsplit('.').next() {
                    map.entry(last.to_owned())
                        .or_default()
                        .push((tree.node(id).end, dotted.clone()));
                }
            }
        }
        Self {
            map,
            implicit_java_lang: true,
        }
    }

    /// The package names a Go file's imports bind under another name:
    /// `import m5 "crypto/md5"` makes `m5.Sum` the `md5.Sum` of a
    /// pattern (a package is named by its path's last segment). Plain,
    /// blank (`_`) and dot imports bind nothing new.
    pub(crate) fn go(tree: &SynTree<'_>, grammar: &Grammar) -> Self {
        let kind = |id: NodeId| kind_of(tree, grammar, id);
        let mut map: HashMap<String, Vec<(u32, String)>> = HashMap::new();
        for id in tree.ids().filter(|&id| kind(id) == "import_spec") {
            let kids = tree.kids(id);
            let (Some(&name), Some(&path)) = (
                kids.iter().find(|&&k| kind(k) == "package_identifier"),
                kids.iter().find(|&&k| kind(k).ends_with("string_literal")),
            ) else {
                continue;
            };
            let path = tree.text(path).trim_matches(|c| c == '"' || c == '`');
            let package = path.rsplit('/').next().unwrap_or(path);
            if !package.is_empty() {
                map.entry(tree.text(name).to_owned())
                    .or_default()
                    .push((0, package.to_owned()));
            }
        }
        Self {
            map,
            implicit_java_lang: false,
        }
    }

    /// The names a JavaScript/TypeScript module's imports bind:
    /// `import { a as b } from 'm'` and `const { a: b } = require('m')`
    /// make `b` the `m.a` of a pattern; `import * as x from 'm'`,
    /// `import x from 'm'` and `const x = require('m')` make `x` `m`.
    pub(crate) fn javascript(tree: &SynTree<'_>, grammar: &Grammar) -> Self {
        let kind = |id: NodeId| kind_of(tree, grammar, id);
        let named = |id: NodeId| -> Vec<NodeId> {
            tree.kids(id)
                .iter()
                .copied()
                .filter(|&k| tree.node(k).named)
                .collect()
        };
        // The module a string node names (its content).
        let module = |id: NodeId| -> Option<String> {
            (kind(id) == "string")
                .then(|| tree.str_content(id).to_owned())
                .filter(|m| !m.is_empty())
        };
        let mut map: HashMap<String, Vec<(u32, String)>> = HashMap::new();
        for id in tree.ids() {
            let at = tree.node(id).end;
            let mut bind = |local: NodeId, full: String| {
                map.entry(tree.text(local).to_owned())
                    .or_default()
                    .push((at, full))
            };
            match kind(id) {
                "import_statement" => {
                    let kids = named(id);
                    let Some(m) = kids.iter().find_map(|&k| module(k)) else {
                        continue;
                    };
                    let Some(&clause) = kids.iter().find(|&&k| kind(k) == "import_clause") else {
                        continue;
                    };
                    for part in named(clause) {
                        match kind(part) {
                            "identifier" => bind(part, m.clone()),
                            "namespace_import" => {
                                if let Some(&local) = named(part).last() {
                                    bind(local, m.clone());
                                }
                            }
                            "named_imports" => {
                                for spec in named(part) {
                                    if let [name, .., local] | [name @ local] =
                                        named(spec).as_slice()
                                    {
                                        bind(*local, format!("{m}.{}", tree.text(*name)));
                                    }
                                }
                            }
                            _ => {}
                        }
                    }
                }
                "variable_declarator" => {
                    let [target, value] = named(id)[..] else {
                        continue;
                    };
                    // `require('m')`, the only argument a string.
                    let m = match named(value).as_slice() {
                        [callee, args]
                            if kind(value) == "call_expression"
                                && tree.text(*callee) == "require" =>
                        {
                            match named(*args).as_slice() {
                                [arg] => module(*arg),
                                _ => None,
                            }
                        }
                        _ => None,
                    };
                    let Some(m) = m else { continue };
                    match kind(target) {
                        "identifier" => bind(target, m),
                        "object_pattern" => {
                            for part in named(target) {
                                match (kind(part), named(part).as_slice()) {
                                    ("shorthand_property_identifier_pattern", _) => {
                                        bind(part, format!("{m}.{}", tree.text(part)));
                                    }
                                    ("pair_pattern", [key, local])
                                        if kind(*local) == "identifier" =>
                                    {
                                        bind(*local, format!("{m}.{}", tree.text(*key)));
                                    }
                                    _ => {}
                                }
                            }
                        }
                        _ => {}
                    }
                }
                _ => {}
            }
        }
        Self {
            map,
            implicit_java_lang: false,
        }
    }

    /// Whether no import introduced an alias.
    pub(crate) fn is_empty(&self) -> bool {
        self.map.is_empty() && !self.implicit_java_lang
    }

    /// The full dotted name `id` stands for through an import alias: an
    /// aliased identifier, or an attribute chain whose head is one.
    pub(crate) fn resolve(
        &self,
        tree: &SynTree<'_>,
        id: NodeId,
        attribute_kinds: &super::matcher::KindSet,
    ) -> Option<String> {
        if self.is_empty() {
            return None;
        }
        let kids = tree.kids(id);
        if kids.is_empty() {
            let name = tree.text(id);
            let at = tree.node(id).start;
            let bound = self.map.get(name).and_then(|imports| {
                // The closest import before the use: a use above every
                // import of the name is not aliased (Semgrep reads the
                // file top to bottom, function bodies included).
                imports
                    .iter()
                    .rev()
                    .find(|(pos, _)| *pos <= at)
                    .map(|(_, full)| full.clone())
            });
            return bound.or_else(|| {
                (self.implicit_java_lang && name.starts_with(|c: char| c.is_ascii_uppercase()))
                    .then(|| format!("java.lang.{name}"))
            });
        }
        if !attribute_kinds.contains(&tree.node(id).kind) {
            return None;
        }
        let (object, attr) = (*kids.first()?, *kids.last()?);
        Some(format!(
            "{}.{}",
            self.resolve(tree, object, attribute_kinds)?,
            tree.text(attr)
        ))
    }
}
