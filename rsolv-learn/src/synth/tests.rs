use super::*;
use rsolv_core::VulnClass;

fn synth(before: &str, after: &str, lang: Language) -> Synthesis {
    let fix = SecurityFix::new(before, after, lang).with_class(Some(VulnClass::Sqli));
    match RuleSynthesizer::default().synthesize(&fix) {
        Ok(s) => s,
        Err(e) => panic!("{e}"),
    }
}

#[test]
fn python_sql_concatenation() {
    let before = "def find(cursor, name):\n    cursor.execute(\"SELECT * FROM users WHERE name = '\" + name + \"'\")\n";
    let after = "def find(cursor, name):\n    cursor.execute(\"SELECT * FROM users WHERE name = %s\", (name,))\n";
    let s = synth(before, after, Language::Python);
    // The sink stays, the concatenation becomes any string built from data.
    assert_eq!(
        s.pattern, "$CURSOR.execute($DYN, ...)",
        "{:#?}",
        s.candidates
    );
    assert!(
        matches!(s.level.as_str(), "dynamic-strings" | "data-arguments"),
        "{}",
        s.level
    );
    assert!(s.yaml.contains("metavariable-pattern"), "{}", s.yaml);
    assert!(s.yaml.contains("pattern-not"), "{}", s.yaml);
    let engine = Engine::new(vec![
        rsolv_rules::CompiledRule::compile(&s.rule).expect("the rule compiles"),
    ]);
    let other = "def g(cursor, uid):\n    cursor.execute(f\"DELETE FROM t WHERE id = {uid}\")\n    cursor.execute(\"SELECT 1\")\n    cursor.execute(\"SELECT * FROM t WHERE id = %s\", (uid,))\n    cursor.execute(\"SELECT {}\".format(uid))\n";
    let lines: Vec<usize> = engine
        .scan_source(std::path::Path::new("g.py"), Language::Python, other)
        .matches
        .iter()
        .map(|m| m.start.line)
        .collect();
    assert_eq!(lines, vec![2, 5], "{}", s.yaml);
    assert!(s.yaml.contains("vulnerability_type: sqli"), "{}", s.yaml);
    assert!(s.yaml.contains("CWE-89"), "{}", s.yaml);
}

#[test]
fn output_is_deterministic() {
    let before = "import os\ndef run(cmd):\n    os.system(cmd)\n";
    let after = "import os, shlex\ndef run(cmd):\n    os.system(shlex.quote(cmd))\n";
    let a = synth(before, after, Language::Python);
    let b = synth(before, after, Language::Python);
    assert_eq!(a.yaml, b.yaml);
    assert_eq!(
        a.rule.fix.as_deref(),
        Some("os.$SINK(shlex.quote($CMD))"),
        "{:#?}",
        a.candidates
    );
}

#[test]
fn javascript_go_java_ruby() {
    let s = synth(
        "function f(req, res) { res.send(eval(req.query.x)); }\n",
        "function f(req, res) { res.send(JSON.parse(req.query.x)); }\n",
        Language::JavaScript,
    );
    assert!(s.pattern.starts_with("eval("), "{:#?}", s.candidates);
    let s = synth(
        "package main\nimport \"database/sql\"\nfunc f(db *sql.DB, id string) {\n\tdb.Query(\"SELECT * FROM t WHERE id = \" + id)\n}\n",
        "package main\nimport \"database/sql\"\nfunc f(db *sql.DB, id string) {\n\tdb.Query(\"SELECT * FROM t WHERE id = ?\", id)\n}\n",
        Language::Go,
    );
    // database/sql's query and exec methods are one family.
    assert_eq!(s.pattern, "$DB.$SINK($DYN, ...)", "{:#?}", s.candidates);
    let s = synth(
        "class A { void f(java.sql.Statement st, String id) throws Exception { st.executeQuery(\"SELECT * FROM t WHERE id = \" + id); } }\n",
        "class A { void f(java.sql.Connection c, String id) throws Exception { c.prepareStatement(\"SELECT * FROM t WHERE id = ?\").executeQuery(); } }\n",
        Language::Java,
    );
    // JDBC's execute methods are one family.
    assert!(s.pattern.contains(".$SINK($DYN"), "{:#?}", s.candidates);
    assert!(s.yaml.contains("executeQuery|execute|"), "{}", s.yaml);
    let s = synth(
        "def show(params)\n  User.where(\"name = '#{params[:name]}'\")\nend\n",
        "def show(params)\n  User.where(name: params[:name])\nend\n",
        Language::Ruby,
    );
    assert!(s.pattern.starts_with("User.where("), "{:#?}", s.candidates);
}

#[test]
fn no_change_is_an_error() {
    let fix = SecurityFix::new("f(x)\n", "f(x)\n", Language::Python);
    assert!(matches!(
        RuleSynthesizer::default().synthesize(&fix),
        Err(Error::NoChange)
    ));
}

#[test]
fn an_aliased_module_is_spelled_in_full() {
    let before = "import subprocess as sp\ndef run(cmd):\n    sp.call(cmd, shell=True)\n";
    let after = "import subprocess as sp\ndef run(cmd):\n    sp.call(cmd, shell=False)\n";
    let s = synth(before, after, Language::Python);
    assert!(
        s.pattern.starts_with("subprocess.call("),
        "{:#?}",
        s.candidates
    );
    // The engine resolves the import: both spellings match.
    let engine = Engine::new(vec![
        rsolv_rules::CompiledRule::compile(&s.rule).expect("the rule compiles"),
    ]);
    let other = "import subprocess\nfrom subprocess import call\nsubprocess.call(a, shell=True)\ncall(b, shell=True)\n";
    let found = engine
        .scan_source(std::path::Path::new("o.py"), Language::Python, other)
        .matches
        .len();
    assert_eq!(found, 2, "{}", s.yaml);
}

#[test]
fn keyword_arguments_the_fix_added_are_excluded_from_open_lists() {
    let before = "def f(resp, v):\n    resp.set_cookie(\"k\", v)\n";
    let after = "def f(resp, v):\n    resp.set_cookie(\"k\", v, secure=True, httponly=True)\n";
    let s = synth(before, after, Language::Python);
    let open = s
        .candidates
        .iter()
        .find(|c| c.level == "open-literals")
        .expect("an open-literals rung");
    assert_eq!(open.pattern, "$RESP.set_cookie($ARG, $V, ...)");
    assert_eq!(
        open.added_not.as_deref(),
        Some("$RESP2.set_cookie(..., secure=True, httponly=True, ...)"),
        "{:#?}",
        s.candidates
    );
    let rule = rule::draft("t", Language::Python, open);
    let engine = Engine::new(vec![
        rsolv_rules::CompiledRule::compile(&rule).expect("the rule compiles"),
    ]);
    let other = "def g(r, x):\n    r.set_cookie(\"a\", x, samesite=\"Lax\")\n    r.set_cookie(\"a\", x, secure=True, httponly=True, samesite=\"Lax\")\n";
    let lines: Vec<usize> = engine
        .scan_source(std::path::Path::new("g.py"), Language::Python, other)
        .matches
        .iter()
        .map(|m| m.start.line)
        .collect();
    assert_eq!(lines, vec![2]);
}

#[test]
fn a_fix_that_only_inserts_into_the_construct_has_a_counterpart() {
    // The fix added a property and a comment-annotated keyword: the fixed
    // object is the counterpart, excluded with `pattern-not`.
    let before =
        "window.intercomSettings = {\n  // who\n  app_id: appId,\n  name: myUserName,\n};\n";
    let after = "window.intercomSettings = {\n  // who\n  app_id: appId,\n  name: myUserName,\n  user_hash: \"h\",\n};\n";
    let s = synth(before, after, Language::JavaScript);
    assert!(s.site.after.is_some(), "{:#?}", s.site);
    assert!(s.rule.patterns.as_ref().is_some_and(|p| p.len() >= 2));
    // No comment text in the patterns.
    assert!(!s.pattern.contains("// who"), "{}", s.pattern);
    assert!(s.candidates.iter().all(|c| !c.pattern.contains("//")));
}

#[test]
fn a_fix_that_only_added_arguments_keeps_the_argument_list() {
    let before = "import jinja2\ndef f(loader):\n    jinja2.Environment(loader=loader)\n";
    let after =
        "import jinja2\ndef f(loader):\n    jinja2.Environment(loader=loader, autoescape=True)\n";
    let s = synth(before, after, Language::Python);
    // Nothing the fix changed to keep: no `(...)` that matches every call.
    assert!(
        s.candidates
            .iter()
            .all(|c| c.pattern != "jinja2.Environment(...)"),
        "{:#?}",
        s.candidates
    );
}

#[test]
fn a_change_lines_below_the_construct_start_is_what_the_rule_reports() {
    let before =
        "app.use(session({\n  name: \"sid\",\n  secret: \"hardcoded\",\n  resave: false,\n}));\n";
    let after = "app.use(session({\n  name: \"sid\",\n  secret: process.env.SECRET,\n  resave: false,\n}));\n";
    let s = synth(before, after, Language::JavaScript);
    assert!(s.yaml.contains("focus-metavariable"), "{}", s.yaml);
    assert!(s.rule.fix.is_none());
    let engine = Engine::new(vec![
        rsolv_rules::CompiledRule::compile(&s.rule).expect("the rule compiles"),
    ]);
    let lines = |code: &str| -> Vec<usize> {
        engine
            .scan_source(std::path::Path::new("a.js"), Language::JavaScript, code)
            .matches
            .iter()
            .map(|m| m.start.line)
            .collect()
    };
    // Reported on the secret's line, not where the call starts.
    assert_eq!(lines(before), vec![3], "{}", s.yaml);
    assert_eq!(lines(after), Vec::<usize>::new(), "{}", s.yaml);
}

#[test]
fn a_fix_that_made_an_argument_constant_generalizes_the_data_argument() {
    let before =
        "def f(request):\n    code = request.args.get('c')\n    eval(compile(code, 'x', 'exec'))\n";
    let after = "def f(request):\n    code = request.args.get('c')\n    eval(\"1 + 1\")\n";
    let s = synth(before, after, Language::Python);
    let data = s
        .candidates
        .iter()
        .find(|c| c.level == "data-arguments")
        .expect("a data-arguments rung");
    assert_eq!(data.pattern, "eval($ARG, ...)", "{:#?}", s.candidates);
    assert_eq!(data.pattern_not.as_deref(), Some("eval(\"...\")"));
    // Without a constant in the fix, the rung adds nothing.
    let s = synth(
        "def f(a, b):\n    eval(g(a))\n",
        "def f(a, b):\n    eval(h(b))\n",
        Language::Python,
    );
    let data = s
        .candidates
        .iter()
        .find(|c| c.level == "data-arguments")
        .expect("a data-arguments rung");
    assert_eq!(data.verdict, Verdict::Duplicate, "{:#?}", s.candidates);
}

#[test]
fn runtime_globals_stay_concrete() {
    let s = synth(
        "function f(x) { document.write('<b>' + x + '</b>'); }\n",
        "function f(x) { document.write(escapeHtml('<b>' + x + '</b>')); }\n",
        Language::JavaScript,
    );
    assert!(
        s.candidates
            .iter()
            .all(|c| !c.pattern.contains("$DOCUMENT")),
        "{:#?}",
        s.candidates
    );
}

/// Scan `code` with the synthesized rule and return the lines it
/// flags.
/// The candidate that became the rule.
fn chosen(s: &Synthesis) -> &Candidate {
    s.candidates
        .iter()
        .find(|c| c.verdict == Verdict::Chosen)
        .expect("a chosen candidate")
}

fn flagged_lines(s: &Synthesis, path: &str, lang: Language, code: &str) -> Vec<usize> {
    let engine = Engine::new(vec![
        rsolv_rules::CompiledRule::compile(&s.rule).expect("the rule compiles"),
    ]);
    engine
        .scan_source(std::path::Path::new(path), lang, code)
        .matches
        .iter()
        .map(|m| m.start.line)
        .collect()
}

#[test]
fn a_fix_that_passes_a_constant_excludes_every_constant() {
    let before = "class Q {\n  static final String FIXED = \"SELECT 1\";\n  void run(Peer peer, String input) {\n    peer.executeQuery(input);\n  }\n}\n";
    let after = "class Q {\n  static final String FIXED = \"SELECT 1\";\n  void run(Peer peer, String input) {\n    peer.executeQuery(FIXED);\n  }\n}\n";
    let s = synth(before, after, Language::Java);
    // The fixed shape passes a name holding a constant: `"..."` stands for
    // any constant, so other constant queries are not flagged either.
    let not = s.candidates.iter().find(|c| c.verdict == Verdict::Chosen);
    assert!(
        not.and_then(|c| c.pattern_not.as_deref())
            .is_some_and(|n| n.contains("\"...\"")),
        "{:#?}",
        s.candidates
    );
    let other = "class R {\n  void a(Peer p, String user) {\n    String q = \"SELECT 2\";\n    p.executeQuery(q);\n    p.executeQuery(\"SELECT 3\");\n    p.executeQuery(user);\n  }\n}\n";
    assert_eq!(
        flagged_lines(&s, "R.java", Language::Java, other),
        vec![6],
        "{}",
        s.yaml
    );
}

#[test]
fn a_constant_the_vulnerable_code_passes_too_stays_as_written() {
    // Both sides pass constants: the fix changed which one, so the fixed
    // shape keeps its name instead of excluding every constant.
    let before = "import re\nBAD = r\"^(a+)+$\"\nGOOD = r\"^a+$\"\ndef f(s):\n    return re.compile(BAD).match(s)\n";
    let after = "import re\nBAD = r\"^(a+)+$\"\nGOOD = r\"^a+$\"\ndef f(s):\n    return re.compile(GOOD).match(s)\n";
    let s = synth(before, after, Language::Python);
    assert!(
        s.candidates.iter().any(|c| c.verdict == Verdict::Chosen),
        "{:#?}",
        s.candidates
    );
    assert_eq!(
        flagged_lines(&s, "f.py", Language::Python, before),
        vec![5],
        "{}",
        s.yaml
    );
}

#[test]
fn a_sanitized_copy_before_the_call_is_excluded_in_both_forms() {
    let before = "import os\ndef run(cmd):\n    os.system(cmd)\n";
    let after =
        "import os, shlex\ndef run(cmd):\n    safe = shlex.quote(cmd)\n    os.system(safe)\n";
    let s = synth(before, after, Language::Python);
    let chosen = chosen(&s);
    assert_eq!(s.pattern, "os.$SINK($CMD)", "{:#?}", s.candidates);
    assert_eq!(
        chosen.pattern_not_inside.as_deref(),
        Some("$SAFE = shlex.quote($CMD2)\n...\nos.$SINK($SAFE)"),
        "{:#?}",
        s.candidates
    );
    // The fix replays the sanitizer inline, on whichever sibling matched.
    assert_eq!(s.rule.fix.as_deref(), Some("os.$SINK(shlex.quote($CMD))"));
    let other = "import os, shlex\ndef a(c):\n    os.system(c)\ndef b(c):\n    os.system(shlex.quote(c))\ndef c(c):\n    q = shlex.quote(c)\n    print(q)\n    os.system(q)\ndef d(c, m):\n    q = shlex.quote(c)\n    os.system(m)\n";
    assert_eq!(
        flagged_lines(&s, "o.py", Language::Python, other),
        vec![3, 12],
        "{}",
        s.yaml
    );
}

#[test]
fn a_java_sanitized_copy_gives_a_statement_sequence_semgrep_parses() {
    let before = "class A {\n  void run(Runtime rt, String name) throws Exception {\n    rt.exec(\"ls \" + name);\n  }\n}\n";
    let after = "class A {\n  void run(Runtime rt, String name) throws Exception {\n    String safe = Quoting.shell(name);\n    rt.exec(\"ls \" + safe);\n  }\n}\n";
    let s = synth(before, after, Language::Java);
    // Declarator names become the metavariable too, and the sequence ends
    // in a semicolon as Java statements do.
    assert!(
        s.yaml.contains(
            "String $SAFE = Quoting.shell($NAME);\n      ...\n      $RT2.exec(\"...\" + $SAFE);"
        ),
        "{}",
        s.yaml
    );
    let other = "class B {\n  void a(Runtime rt, String n) throws Exception {\n    rt.exec(\"ls \" + n);\n  }\n  void b(Runtime rt, String n) throws Exception {\n    String q = Quoting.shell(n);\n    Process p = rt.exec(\"ls \" + q);\n  }\n}\n";
    assert_eq!(
        flagged_lines(&s, "B.java", Language::Java, other),
        vec![3],
        "{}",
        s.yaml
    );
}

#[test]
fn a_sink_handed_a_constant_is_no_instance() {
    // Learned from a variable query: the same call with a constant query,
    // written out or held by a variable, is excluded; one mutated after
    // its constant assignment still counts.
    let before = "def find(cur, name):\n    query = \"SELECT * FROM t WHERE n = '\" + name + \"'\"\n    cur.execute(query)\n";
    let after = "def find(cur, name):\n    query = \"SELECT * FROM t WHERE n = %s\"\n    cur.execute(query, (name,))\n";
    let s = synth(before, after, Language::Python);
    assert!(!chosen(&s).constant_not.is_empty(), "{:#?}", s.candidates);
    let other = "def a(cur, x):\n    q = x\n    cur.execute(q)\n\ndef b(cur):\n    q = \"SELECT 1\"\n    cur.execute(q)\n\ndef c(cur, x):\n    q = \"SELECT \"\n    q.join(x)\n    cur.execute(q)\n";
    let lines = flagged_lines(&s, "g.py", Language::Python, other);
    assert_eq!(lines, vec![3, 12], "{}", s.yaml);
}

#[test]
fn a_hard_coded_constant_keeps_its_sink() {
    // The vulnerable call itself passes a constant: no constant exclusion.
    let before =
        "import jwt\nSECRET = \"hunter2\"\ndef sign(p):\n    return jwt.encode(p, SECRET)\n";
    let after = "import jwt, os\nSECRET = \"hunter2\"\ndef sign(p):\n    return jwt.encode(p, os.environ[\"KEY\"])\n";
    let s = synth(before, after, Language::Python);
    assert!(!s.yaml.contains("jwt.encode($P, \"...\")"), "{}", s.yaml);
}

#[test]
fn sibling_sinks_widen_the_rule() {
    // Learned from os.system: os.popen runs a shell command too.
    let before = "import os\ndef run(cmd):\n    os.system(\"ls \" + cmd)\n";
    let after = "import os, shlex\ndef run(cmd):\n    os.system(\"ls \" + shlex.quote(cmd))\n";
    let s = synth(before, after, Language::Python);
    assert_eq!(s.level, "sibling-sinks", "{:#?}", s.candidates);
    assert!(
        s.yaml.contains("^(system|popen|popen2|popen3|popen4)$"),
        "{}",
        s.yaml
    );
    let other = "import os, shlex\ndef f(x):\n    os.popen(\"cat \" + x)\n    os.spawnl(\"x\" + x)\n    os.popen2(\"x\" + shlex.quote(x))\n    my.popen(\"x\" + x)\n";
    let lines = flagged_lines(&s, "f.py", Language::Python, other);
    assert_eq!(lines, vec![3], "{}", s.yaml);
}

#[test]
fn a_fix_the_siblings_cannot_share_keeps_the_sink() {
    let before = "import yaml\ndef load(p):\n    return yaml.load(p)\n";
    let after = "import yaml\ndef load(p):\n    return yaml.safe_load(p)\n";
    let s = synth(before, after, Language::Python);
    assert_eq!(
        s.rule.fix.as_deref(),
        Some("yaml.safe_load($P)"),
        "{}",
        s.yaml
    );
    assert!(!s.yaml.contains("$SINK"), "{}", s.yaml);
}

#[test]
fn a_lone_metavariable_is_never_a_rule() {
    let before = "class A < ActionController::Base\n  skip_forgery_protection\nend\n";
    let after = "class A < ActionController::Base\n  protect_from_forgery with: :exception\nend\n";
    let fix = SecurityFix::new(before, after, Language::Ruby);
    if let Ok(s) = RuleSynthesizer::default().synthesize(&fix) {
        assert!(!s.pattern.trim().starts_with('$'), "{}", s.yaml);
    }
}

#[test]
fn anchors_are_the_words_that_pin_a_pattern() {
    let words = |p| anchors(p).into_iter().collect::<Vec<_>>();
    assert_eq!(words("$CUR.execute(\"...\" + $X, ...)"), vec!["execute"]);
    assert_eq!(words("os.$SINK($CMD)"), vec!["os"]);
    assert_eq!(
        words("requests.get($URL, verify=False)"),
        vec!["False", "get", "requests", "verify"]
    );
    // A rung that only generalizes how the argument was built keeps them
    // all: more sites there are more instances, not an explosion.
    assert!(
        anchors("$E.execute($DYN, ...)")
            .is_superset(&anchors("$E.execute(\"...\" + $N + \"...\", ...)"))
    );
    assert!(!anchors("$R.$M($U)").is_superset(&anchors("requests.get($U)")));
}

#[test]
fn an_inserted_guard_becomes_pattern_not_inside() {
    // The fix only inserted a check before an unchanged call.
    let before =
        "def read(base, name):\n    path = join(base, name)\n    return open(path).read()\n";
    let after = "def read(base, name):\n    path = join(base, name)\n    check_inside(base, path)\n    return open(path).read()\n";
    let s = synth(before, after, Language::Python);
    let chosen = chosen(&s);
    assert!(s.pattern.starts_with("open($PATH"), "{:#?}", s.candidates);
    assert_eq!(
        chosen.pattern_not_inside.as_deref(),
        Some("check_inside($BASE, $PATH)\n..."),
        "{:#?}",
        s.candidates
    );
    // A guard cannot be replayed by replacing the call.
    assert_eq!(s.rule.fix, None);
    let other = "def a(r, u):\n    p = join(r, u)\n    return open(p).read()\n\ndef b(r, u):\n    p = join(r, u)\n    check_inside(r, p)\n    return open(p).read()\n\ndef c(r, u):\n    p = join(r, u)\n    check_inside(r, u)\n    return open(p).read()\n";
    assert_eq!(
        flagged_lines(&s, "g.py", Language::Python, other),
        vec![3, 13]
    );

    // Java: a factory configured before use; the feature stays as written.
    let before = "class X {\n  void parse(String path) throws Exception {\n    DocumentBuilderFactory dbf = DocumentBuilderFactory.newInstance();\n    dbf.newDocumentBuilder().parse(path);\n  }\n}\n";
    let after = "class X {\n  void parse(String path) throws Exception {\n    DocumentBuilderFactory dbf = DocumentBuilderFactory.newInstance();\n    dbf.setFeature(\"http://apache.org/xml/features/disallow-doctype-decl\", true);\n    dbf.newDocumentBuilder().parse(path);\n  }\n}\n";
    let s = synth(before, after, Language::Java);
    assert!(
        s.yaml.contains(
            "$DBF.setFeature(\"http://apache.org/xml/features/disallow-doctype-decl\", true);"
        ),
        "{}",
        s.yaml
    );
}
