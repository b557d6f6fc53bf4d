// SCRATCH: WAL frames per booking; delete after measuring.
use chrono::{Duration, TimeZone, Utc};
use cofocus::core::model::CommunitySettings;
use cofocus::core::schedule::{booking_jobs, slot_jobs};
use cofocus::store::{NewBookingRequest, NewJob, Store};
use sqlx::any::AnyPoolOptions;
use sqlx::AnyPool;
use sqlx::{Executor, Row};

const N: i64 = 1000;

async fn raw(url: &str) -> AnyPool {
    AnyPoolOptions::new()
        .max_connections(1)
        .after_connect(|c, _| {
            Box::pin(async move {
                c.execute("PRAGMA busy_timeout = 5000").await?;
                c.execute("PRAGMA foreign_keys = ON").await?;
                c.fetch_one("PRAGMA journal_mode = WAL").await?;
                c.execute("PRAGMA synchronous = NORMAL").await?;
                c.execute("PRAGMA wal_autocheckpoint = 0").await?;
                Ok(())
            })
        })
        .connect(url)
        .await
        .unwrap()
}
async fn frames(p: &AnyPool) -> i64 {
    // wal_checkpoint returns (busy, log frames, checkpointed frames); with autocheckpoint off, do a
    // no-op-ish read of the WAL size via the file instead
    let r = p.fetch_one("PRAGMA wal_checkpoint(PASSIVE)").await.unwrap();
    r.get::<i64, _>(1)
}

#[tokio::main]
async fn main() {
    sqlx::any::install_default_drivers();
    let dir = tempfile::tempdir().unwrap();
    // bare
    let bare_path = dir.path().join("bare.sqlite");
    let p = raw(&format!("sqlite://{}?mode=rwc", bare_path.display())).await;
    p.execute("CREATE TABLE bookings (id INTEGER PRIMARY KEY, member TEXT NOT NULL, starts_at INTEGER NOT NULL, length_minutes INTEGER NOT NULL, created_at INTEGER NOT NULL)").await.unwrap();
    p.execute("PRAGMA wal_checkpoint(TRUNCATE)").await.unwrap();
    for index in 0..N {
        sqlx::query("INSERT INTO bookings (member, starts_at, length_minutes, created_at) VALUES ($1, $2, $3, $4)")
            .bind(format!("member{index}")).bind(1_800_000_000_i64 + (index % 96) * 900).bind(50_i64).bind(1_700_000_000_i64).execute(&p).await.unwrap();
    }
    let f = std::fs::metadata(dir.path().join("bare.sqlite-wal"))
        .unwrap()
        .len() as f64
        / 4120.0;
    println!("bare: {:.2} WAL frames per insert", f / N as f64);

    // app: use the Store for the writes, but its pool autocheckpoints; so measure by wal size with a
    // separate connection that holds a read transaction open (prevents checkpoint from resetting the WAL)
    let path = dir.path().join("app.sqlite");
    let url = format!("sqlite://{}", path.display());
    let store = Store::connect_and_migrate(&url).await.unwrap();
    let settings = CommunitySettings::default();
    let c = store
        .ensure_community("shell", "bench", &settings)
        .await
        .unwrap();
    let now = Utc.with_ymd_and_hms(2026, 11, 30, 0, 0, 0).unwrap();
    // warm: create all 96 slots
    for i in 0..96 {
        let start = Utc.with_ymd_and_hms(2026, 12, 1, 0, 0, 0).unwrap() + Duration::minutes(15 * i);
        let m = store
            .ensure_member(&c, &format!("warm{i}"), "w", now)
            .await
            .unwrap();
        let req = NewBookingRequest {
            community_id: c.id,
            member_id: m.id,
            starts_at: start,
            length_minutes: 50,
            recurring_weekly: false,
            created_at: now,
        };
        store
            .create_booking_with_jobs(
                &req,
                |_| Ok::<(), ()>(()),
                |s, b| {
                    slot_jobs(s, &settings)
                        .into_iter()
                        .chain(booking_jobs(b, &settings))
                        .map(NewJob::from)
                        .collect()
                },
            )
            .await
            .unwrap()
            .unwrap();
    }
    let reader = raw(&format!("sqlite://{}", path.display())).await;
    reader
        .execute("PRAGMA wal_checkpoint(TRUNCATE)")
        .await
        .unwrap();
    let mut tx = reader.begin().await.unwrap();
    sqlx::query("SELECT count(*) FROM jobs")
        .fetch_one(&mut *tx)
        .await
        .unwrap(); // pins a snapshot: no checkpoint can reset the WAL
    let wal = dir.path().join("app.sqlite-wal");
    let size = || std::fs::metadata(&wal).map(|m| m.len()).unwrap_or(0) as f64 / 4120.0;
    let (mut fm, mut fb) = (0.0, 0.0);
    for i in 0..N {
        let start =
            Utc.with_ymd_and_hms(2026, 12, 1, 0, 0, 0).unwrap() + Duration::minutes(15 * (i % 96));
        let s0 = size();
        let m = store
            .ensure_member(&c, &format!("member{i}"), &format!("member{i}"), now)
            .await
            .unwrap();
        let s1 = size();
        let req = NewBookingRequest {
            community_id: c.id,
            member_id: m.id,
            starts_at: start,
            length_minutes: 50,
            recurring_weekly: false,
            created_at: now,
        };
        store
            .create_booking_with_jobs(
                &req,
                |_| Ok::<(), ()>(()),
                |s, b| {
                    slot_jobs(s, &settings)
                        .into_iter()
                        .chain(booking_jobs(b, &settings))
                        .map(NewJob::from)
                        .collect()
                },
            )
            .await
            .unwrap()
            .unwrap();
        let s2 = size();
        fm += s1 - s0;
        fb += s2 - s1;
    }
    tx.rollback().await.unwrap();
    println!(
        "app: {:.2} WAL frames per new member, {:.2} per booking txn (slot exists)",
        fm / N as f64,
        fb / N as f64
    );
    let _ = frames;
}
