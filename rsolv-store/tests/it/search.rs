//! Full-text search over rules.

use rsolv_core::VulnClass;
use rsolv_store::{RuleStore, SqliteStore};

use crate::common::{org, rule, who};

async fn store_with_rules() -> anyhow::Result<SqliteStore> {
    let store = SqliteStore::open_in_memory()?;
    let mut traversal = rule("python.flask.path-traversal.open", "open(request.args[$X])");
    traversal.message = "File path built from request arguments".into();
    traversal.vulnerability_type = Some(VulnClass::PathTraversal);
    let mut ssrf = rule("js.node.fetch-user-url", "fetch(req.query.url)");
    ssrf.message = "Outbound request to a user-supplied URL".into();
    ssrf.vulnerability_type = Some(VulnClass::Ssrf);
    store
        .put_rules(
            &org("acme"),
            vec![
                traversal,
                ssrf,
                rule("py.sqli.format", "cursor.execute($Q % ...)"),
            ],
            &who("import"),
        )
        .await?;
    Ok(store)
}

async fn ids(store: &SqliteStore, query: &str) -> anyhow::Result<Vec<String>> {
    Ok(store
        .search(&org("acme"), query, 10)
        .await?
        .into_iter()
        .map(|hit| hit.rule.rule_id)
        .collect())
}

#[tokio::test]
async fn finds_by_id_message_yaml_and_class() -> anyhow::Result<()> {
    let store = store_with_rules().await?;
    // Rule id fragments, whole and as prefixes.
    assert_eq!(
        ids(&store, "flask").await?,
        ["python.flask.path-traversal.open"]
    );
    assert_eq!(ids(&store, "fetch-user").await?, ["js.node.fetch-user-url"]);
    assert_eq!(ids(&store, "py.sqli").await?, ["py.sqli.format"]);
    // A message word.
    assert_eq!(ids(&store, "outbound").await?, ["js.node.fetch-user-url"]);
    // YAML content.
    assert_eq!(ids(&store, "cursor.execute").await?, ["py.sqli.format"]);
    assert_eq!(ids(&store, "req.query").await?, ["js.node.fetch-user-url"]);
    // The vulnerability class id.
    assert_eq!(ids(&store, "ssrf").await?, ["js.node.fetch-user-url"]);
    assert_eq!(
        ids(&store, "path_traversal").await?,
        ["python.flask.path-traversal.open"]
    );
    // Words are ANDed.
    assert!(ids(&store, "flask outbound").await?.is_empty());
    // Case does not matter.
    assert_eq!(ids(&store, "FLASK").await?.len(), 1);
    Ok(())
}

#[tokio::test]
async fn hits_carry_rank_and_snippet_and_respect_limit() -> anyhow::Result<()> {
    let store = store_with_rules().await?;
    let hits = store.search(&org("acme"), "request", 10).await?;
    assert_eq!(hits.len(), 2, "{hits:?}");
    assert!(
        hits.windows(2).all(|w| w[0].rank >= w[1].rank),
        "best first"
    );
    assert!(
        hits.iter()
            .all(|h| h.snippet.to_lowercase().contains("[request")),
        "{hits:?}"
    );
    assert_eq!(store.search(&org("acme"), "request", 1).await?.len(), 1);
    assert!(store.search(&org("acme"), "request", 0).await?.is_empty());
    Ok(())
}

#[tokio::test]
async fn hostile_input_never_errors() -> anyhow::Result<()> {
    let store = store_with_rules().await?;
    for query in [
        "\"foo AND (",
        "*",
        "NEAR(",
        "NEAR(a b, 2)",
        "rule_id: flask",
        "flask OR",
        "^flask",
        "\"",
        "\"\"\"",
        "(",
        ")",
        "-",
        "a:b:c",
        "{rule_id message}: x",
        "'; DROP TABLE organization_rules; --",
        "",
        "   ",
        "é ü ß 漢字",
        "\0",
    ] {
        let result = store.search(&org("acme"), query, 10).await;
        assert!(result.is_ok(), "{query:?}: {result:?}");
    }
    // Operators are searched as words, not obeyed.
    assert!(ids(&store, "flask OR outbound").await?.is_empty());
    assert_eq!(ids(&store, "flask AND").await?.len(), 0);
    assert_eq!(
        ids(&store, "(flask)").await?,
        ["python.flask.path-traversal.open"]
    );
    Ok(())
}

#[tokio::test]
async fn index_follows_updates_and_rollbacks() -> anyhow::Result<()> {
    let store = SqliteStore::open_in_memory()?;
    let acme = org("acme");
    store
        .put_rule(&acme, rule("r", "wombat(x)"), &who("v1"))
        .await?;
    store
        .put_rule(&acme, rule("r", "platypus(x)"), &who("v2"))
        .await?;
    assert!(ids(&store, "wombat").await?.is_empty());
    assert_eq!(ids(&store, "platypus").await?, ["r"]);
    store.rollback(&acme, "r", 1, &who("back")).await?;
    assert_eq!(ids(&store, "wombat").await?, ["r"]);
    assert!(ids(&store, "platypus").await?.is_empty());
    Ok(())
}
