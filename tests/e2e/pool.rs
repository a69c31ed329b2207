//! The functions' MySQL pool: a connection back from a request a moment ago is handed out without a
//! ping, and one the server dropped while it sat idle is replaced, not handed out.

use std::time::Duration;

use booking_core::adapters::mysql::{options, pool};
use booking_tests::Stack;

async fn pings(pool: &sqlx::MySqlPool) -> u64 {
    let (_, n): (String, String) = sqlx::query_as("SHOW SESSION STATUS LIKE 'Com_admin_commands'")
        .fetch_one(pool)
        .await
        .unwrap();
    n.parse().unwrap()
}

#[tokio::test]
async fn a_busy_connection_is_not_pinged_and_one_dropped_while_idle_is_replaced() {
    let s = Stack::start().await;
    let one = pool(options(&s.app.config), 1);
    let first: u64 = sqlx::query_scalar("SELECT CONNECTION_ID()").fetch_one(&one).await.unwrap();
    // Two uses in a row of the one connection: sqlx pings it as each use hands it back (always),
    // and not as the next takes it (its default would, which would make 4).
    let before = pings(&one).await;
    let again: u64 = sqlx::query_scalar("SELECT CONNECTION_ID()").fetch_one(&one).await.unwrap();
    assert_eq!(again, first, "the pool has one connection");
    assert_eq!(pings(&one).await - before, 2, "no round trip before a query on a busy connection");

    // The server drops it (a failover, a timeout) while it sits idle: the next acquire pings it,
    // finds it gone and opens another, and the query runs.
    sqlx::query(&format!("KILL CONNECTION {first}")).execute(&s.db).await.unwrap();
    tokio::time::sleep(Duration::from_millis(1_300)).await;
    let replaced: u64 = sqlx::query_scalar("SELECT CONNECTION_ID()")
        .fetch_one(&one)
        .await
        .expect("a dead idle connection is never handed out");
    assert_ne!(replaced, first);
}
