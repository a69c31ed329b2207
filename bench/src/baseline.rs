//! Raw backend limits on the same machine at the same moment, to compare the product's figures with.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use rand::Rng;

use crate::report::Tally;

/// The raw backend limit: a multi-key all-or-nothing lock in one Lua call and its release, straight
/// at Redis with the same concurrency and seat picks.
pub async fn redis_baseline(
    url: &str,
    seats: u32,
    concurrency: usize,
    duration: Duration,
) -> anyhow::Result<f64> {
    let lock = redis::Script::new(
        "for i = 1, #KEYS do if redis.call('EXISTS', KEYS[i]) == 1 then return 0 end end \
         for i = 1, #KEYS do redis.call('SET', KEYS[i], ARGV[1], 'PX', 600000) end return 1",
    );
    let unlock = redis::Script::new(
        "for i = 1, #KEYS do if redis.call('GET', KEYS[i]) == ARGV[1] then redis.call('DEL', KEYS[i]) end end return 1",
    );
    let client = redis::Client::open(url)?;
    let run = format!("bench:{}", uuid::Uuid::new_v4().simple());
    let done = Arc::new(AtomicU64::new(0));
    let deadline = Instant::now() + duration;
    let started = Instant::now();
    let mut tasks = Vec::new();
    for w in 0..concurrency {
        let mut conn = client.get_multiplexed_async_connection().await?;
        let (lock, unlock, run, done) = (lock.clone(), unlock.clone(), run.clone(), done.clone());
        tasks.push(tokio::spawn(async move {
            let mut tally = Tally::default();
            while Instant::now() < deadline {
                let keys: Vec<String> = {
                    let mut rng = rand::thread_rng();
                    let n = rng.gen_range(1..=4);
                    (0..n).map(|_| format!("{run}:{{e}}:{}", rng.gen_range(0..seats))).collect()
                };
                let t = Instant::now();
                let mut inv = lock.prepare_invoke();
                for k in &keys {
                    inv.key(k);
                }
                let ok: i64 = inv.arg(w).invoke_async(&mut conn).await.unwrap_or(-1);
                tally.latencies.push(t.elapsed().as_micros() as u64);
                *tally.by_status.entry(if ok == 1 { 201 } else { 409 }).or_default() += 1;
                if ok == 1 {
                    let mut inv = unlock.prepare_invoke();
                    for k in &keys {
                        inv.key(k);
                    }
                    let _: Result<i64, _> = inv.arg(w).invoke_async(&mut conn).await;
                    done.fetch_add(1, Ordering::Relaxed);
                }
            }
            tally
        }));
    }
    let mut tally = Tally::default();
    for t in tasks {
        tally.merge(t.await?);
    }
    let elapsed = started.elapsed();
    println!("raw Redis baseline: multi-key Lua lock + unlock, {concurrency} concurrent");
    tally.report("redis lock", elapsed);
    Ok(tally.latencies.len() as f64 / elapsed.as_secs_f64())
}

/// The raw backend limit of MySQL: a short write transaction (update one row, insert one row,
/// commit) straight at the server with the same concurrency, in a scratch database.
pub async fn mysql_baseline(
    url: &str,
    concurrency: usize,
    duration: Duration,
) -> anyhow::Result<f64> {
    use sqlx::mysql::MySqlPoolOptions;
    let admin = sqlx::MySqlPool::connect(url).await?;
    sqlx::query("CREATE DATABASE IF NOT EXISTS bench_baseline").execute(&admin).await?;
    let base = url.rsplit_once('/').map(|(b, _)| b).unwrap_or(url);
    let pool = MySqlPoolOptions::new()
        .max_connections(concurrency as u32)
        .connect(&format!("{base}/bench_baseline"))
        .await?;
    sqlx::query("CREATE TABLE IF NOT EXISTS rows_a (id INT PRIMARY KEY, v BIGINT NOT NULL DEFAULT 0, version BIGINT NOT NULL DEFAULT 0)").execute(&pool).await?;
    sqlx::query("CREATE TABLE IF NOT EXISTS log_a (id BIGINT AUTO_INCREMENT PRIMARY KEY, row_id INT NOT NULL, at DATETIME(3) NOT NULL)").execute(&pool).await?;
    let mut fill = sqlx::QueryBuilder::new("INSERT IGNORE INTO rows_a (id) ");
    fill.push_values(1..=10_000, |mut b, id| {
        b.push_bind(id);
    });
    fill.build().execute(&pool).await?;
    let deadline = Instant::now() + duration;
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..concurrency {
        let pool = pool.clone();
        tasks.push(tokio::spawn(async move {
            let mut tally = Tally::default();
            while Instant::now() < deadline {
                let id = rand::thread_rng().gen_range(1..=10_000);
                let t = Instant::now();
                let r: Result<(), sqlx::Error> = async {
                    let mut tx = pool.begin().await?;
                    sqlx::query("UPDATE rows_a SET v = v + 1, version = version + 1 WHERE id = ?")
                        .bind(id)
                        .execute(&mut *tx)
                        .await?;
                    sqlx::query("INSERT INTO log_a (row_id, at) VALUES (?, NOW(3))")
                        .bind(id)
                        .execute(&mut *tx)
                        .await?;
                    tx.commit().await
                }
                .await;
                tally.latencies.push(t.elapsed().as_micros() as u64);
                *tally.by_status.entry(if r.is_ok() { 200 } else { 500 }).or_default() += 1;
            }
            tally
        }));
    }
    let mut tally = Tally::default();
    for t in tasks {
        tally.merge(t.await?);
    }
    let elapsed = started.elapsed();
    println!("raw MySQL baseline: write transaction (update + insert + commit), {concurrency} concurrent");
    tally.report("mysql tx", elapsed);
    Ok(tally.latencies.len() as f64 / elapsed.as_secs_f64())
}

/// The idempotency store's rate on each DynamoDB endpoint (`name=url`): `concurrency` workers
/// claim a new key and complete it with a stored answer (what a keyed booking or payment does),
/// through the product's own adapter; the table is created where missing.
pub async fn dynamo(
    endpoints: &[String],
    concurrency: usize,
    duration: Duration,
) -> anyhow::Result<()> {
    use aws_sdk_dynamodb::types::{
        AttributeDefinition, BillingMode, KeySchemaElement, KeyType, ScalarAttributeType,
    };
    use booking_core::ports::{IdempotencyStore, StoredResponse};
    let table = "bench-idempotency";
    for endpoint in endpoints {
        let (name, url) = endpoint.split_once('=').unwrap_or(("dynamodb", endpoint.as_str()));
        // As the stack points the functions at DynamoDB: the service's own endpoint variable.
        std::env::set_var("AWS_ENDPOINT_URL_DYNAMODB", url);
        let config = booking_core::adapters::dynamodb::aws_config().await;
        let client = aws_sdk_dynamodb::Client::new(&config);
        let tables = client.list_tables().send().await?.table_names.unwrap_or_default();
        if !tables.iter().any(|t| t == table) {
            client
                .create_table()
                .table_name(table)
                .attribute_definitions(
                    AttributeDefinition::builder()
                        .attribute_name("pk")
                        .attribute_type(ScalarAttributeType::S)
                        .build()?,
                )
                .key_schema(
                    KeySchemaElement::builder()
                        .attribute_name("pk")
                        .key_type(KeyType::Hash)
                        .build()?,
                )
                .billing_mode(BillingMode::PayPerRequest)
                .send()
                .await?;
        }
        let store =
            Arc::new(booking_core::adapters::dynamodb::DynamoIdempotency::new(&config, table, ""));
        let answer = StoredResponse {
            status: 201,
            content_type: "application/json".into(),
            body: serde_json::json!({ "id": uuid::Uuid::new_v4(), "status": "PENDING", "seatIds": ["A-1-1", "A-1-2"] })
                .to_string(),
        };
        let deadline = Instant::now() + duration;
        let started = Instant::now();
        let tasks: Vec<_> = (0..concurrency)
            .map(|w| {
                let (store, answer) = (store.clone(), answer.clone());
                tokio::spawn(async move {
                    let mut tally = Tally::default();
                    let user = format!("bench-{w}");
                    while Instant::now() < deadline {
                        let key = uuid::Uuid::new_v4().to_string();
                        let t = Instant::now();
                        let claimed = store.claim(&user, &key, "fp", chrono::Utc::now()).await;
                        let done = match claimed {
                            Ok(_) => store.complete(&user, &key, &answer).await.is_ok(),
                            Err(_) => false,
                        };
                        tally.latencies.push(t.elapsed().as_micros() as u64);
                        *tally.by_status.entry(if done { 200 } else { 500 }).or_default() += 1;
                    }
                    tally
                })
            })
            .collect();
        let mut all = Tally::default();
        for t in tasks {
            all.merge(t.await?);
        }
        println!(
            "DynamoDB idempotency claim + complete on {name} ({url}), {concurrency} at a time:"
        );
        all.report("pair", started.elapsed());
    }
    Ok(())
}
