// SCRATCH: cost of WAL frames; delete after measuring.
use sqlx::any::AnyPoolOptions;
use sqlx::AnyPool;
use sqlx::Executor;
use std::time::Instant;
const N: i64 = 3000;
async fn pool(url: &str) -> AnyPool {
    AnyPoolOptions::new()
        .after_connect(|c, _| {
            Box::pin(async move {
                c.execute("PRAGMA busy_timeout = 5000").await?;
                c.execute("PRAGMA foreign_keys = ON").await?;
                c.fetch_one("PRAGMA journal_mode = WAL").await?;
                c.execute("PRAGMA synchronous = NORMAL").await?;
                if std::env::var("NOCKPT").is_ok() {
                    c.execute("PRAGMA wal_autocheckpoint = 0").await?;
                }
                Ok(())
            })
        })
        .connect(url)
        .await
        .unwrap()
}
#[tokio::main(flavor = "multi_thread")]
async fn main() {
    sqlx::any::install_default_drivers();
    let dir = tempfile::tempdir().unwrap();
    for round in 0..3 {
        for idx in [0usize, 11] {
            let path = dir.path().join(format!("t{round}-{idx}.sqlite"));
            let p = pool(&format!("sqlite://{}?mode=rwc", path.display())).await;
            let cols: Vec<String> = (0..11).map(|i| format!("c{i} INTEGER NOT NULL")).collect();
            p.execute(sqlx::AssertSqlSafe(format!(
                "CREATE TABLE t (id INTEGER PRIMARY KEY, {})",
                cols.join(", ")
            )))
            .await
            .unwrap();
            for i in 0..idx {
                p.execute(sqlx::AssertSqlSafe(format!(
                    "CREATE INDEX i{i} ON t (c{i})"
                )))
                .await
                .unwrap();
            }
            let sql = format!(
                "INSERT INTO t ({}) VALUES ({})",
                (0..11)
                    .map(|i| format!("c{i}"))
                    .collect::<Vec<_>>()
                    .join(", "),
                (1..=11)
                    .map(|i| format!("${i}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            );
            let s = Instant::now();
            for n in 0..N {
                let mut q = sqlx::query(sqlx::AssertSqlSafe(sql.clone()));
                // spread each index's keys over ~100 distinct leaf positions, like the app's indexes
                for i in 0..11 {
                    q = q.bind(((n * 7919 + i as i64 * 104729) % 97) * 1_000_000 + n);
                }
                q.execute(&p).await.unwrap();
            }
            let us = s.elapsed().as_secs_f64() * 1e6 / N as f64;
            println!("round {round}: {idx:2} secondary indexes: {us:6.1} us/insert");
            p.close().await;
        }
    }
}
