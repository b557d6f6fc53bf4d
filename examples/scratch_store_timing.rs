// SCRATCH: variant comparison; delete after measuring.
use std::time::Instant;
use chrono::{Duration, TimeZone, Utc};
use cofocus::core::booking_rules::check_new_booking;
use cofocus::core::model::CommunitySettings;
use cofocus::core::schedule::{booking_jobs, slot_jobs};
use cofocus::store::{NewBookingRequest, NewJob, Store};
use sqlx::any::AnyPoolOptions; use sqlx::{AnyPool, Executor, Row};

const N: i64 = 2000;
const MEMBER_SEL: &str = "SELECT id, community_id, platform_user_id, display_name, time_zone, reminders_enabled, sessions_attended, no_shows, late_cancels, created_at FROM members WHERE community_id = $1 AND platform_user_id = $2";
const MEMBER_INS: &str = "INSERT INTO members (community_id, platform_user_id, display_name, display_name_folded, time_zone, reminders_enabled, created_at) VALUES ($1, $2, $3, $4, $5, 1, $6) ON CONFLICT (community_id, platform_user_id) DO NOTHING RETURNING id, community_id, platform_user_id, display_name, time_zone, reminders_enabled, sessions_attended, no_shows, late_cancels, created_at";
const ACTIVE: &str = "SELECT b.id, b.community_id, b.member_id, b.slot_id, s.starts_at, s.length_minutes, b.status, b.recurring_weekly, b.created_at FROM bookings b JOIN slots s ON s.id = b.slot_id WHERE b.member_id = $1 AND b.status = 'active' AND s.starts_at + s.length_minutes * 60 > $2 ORDER BY s.starts_at, s.length_minutes, b.id";
const BOOK: &str = "INSERT INTO bookings (community_id, member_id, slot_id, status, recurring_weekly, created_at) SELECT $1, $2, s.id, 'active', $3, $4 FROM slots s WHERE s.community_id = $1 AND s.starts_at = $5 AND s.length_minutes = $6 RETURNING id, slot_id";
const SLOT_INS: &str = "INSERT INTO slots (community_id, starts_at, length_minutes) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING";
fn jobs_sql() -> String {
    let mut s = String::from("INSERT INTO jobs (key, kind, slot_id, booking_id, due_at, status, attempts) VALUES ");
    for j in 0..6 { if j > 0 { s.push_str(", "); } let b = j * 5; s.push_str(&format!("(${}, ${}, ${}, ${}, ${}, 'pending', 0)", b+1, b+2, b+3, b+4, b+5)); }
    s.push_str(" ON CONFLICT (key) DO NOTHING"); s
}
async fn raw(url: &str) -> AnyPool {
    AnyPoolOptions::new().test_before_acquire(false)
        .after_connect(|c, _| Box::pin(async move {
            c.execute("PRAGMA busy_timeout = 5000").await?; c.execute("PRAGMA foreign_keys = ON").await?;
            c.fetch_one("PRAGMA journal_mode = WAL").await?; c.execute("PRAGMA synchronous = NORMAL").await?; Ok(())
        })).connect(url).await.unwrap()
}

async fn via_store(url: &str) -> f64 {
    let store = Store::connect_and_migrate(url).await.unwrap();
    let settings = CommunitySettings::default();
    let now = Utc.with_ymd_and_hms(2026, 11, 30, 0, 0, 0).unwrap();
    let c = store.ensure_community("shell", "bench", &settings).await.unwrap();
    let s = Instant::now();
    for i in 0..N {
        let name = format!("member{i}");
        let start = Utc.with_ymd_and_hms(2026, 12, 1, 0, 0, 0).unwrap() + Duration::minutes(15 * (i % 96));
        let m = store.ensure_member(&c, &name, &name, now).await.unwrap();
        let req = NewBookingRequest { community_id: c.id, member_id: m.id, starts_at: start, length_minutes: 50, recurring_weekly: false, created_at: now };
        store.create_booking_with_jobs(&req, |e| check_new_booking(now, start, 50, &settings, e), |slot, b| slot_jobs(slot, &settings).into_iter().chain(booking_jobs(b, &settings)).map(NewJob::from).collect()).await.unwrap().unwrap();
    }
    s.elapsed().as_secs_f64() * 1e6 / N as f64
}

async fn held(url: &str, member_in_txn: bool) -> f64 {
    let store = Store::connect_and_migrate(url).await.unwrap();
    store.ensure_community("shell", "bench", &CommunitySettings::default()).await.unwrap();
    let pool = raw(&format!("{url}?mode=rwc")).await;
    let kinds = ["prepare", "announce", "attendance_check", "check_in", "close_rooms", "remind"];
    let jobs_sql = jobs_sql();
    let s = Instant::now();
    for i in 0..N {
        let name = format!("member{i}");
        let starts = 1_800_000_000_i64 + (i % 96) * 900;
        let mut c = pool.acquire().await.unwrap();
        let m = sqlx::query(MEMBER_SEL).bind(1_i64).bind(&name).fetch_optional(&mut *c).await.unwrap();
        let mut member_id = m.map(|r| r.get::<i64, _>("id"));
        if member_id.is_none() && !member_in_txn {
            let r = sqlx::query(MEMBER_INS).bind(1_i64).bind(&name).bind(&name).bind(name.to_lowercase()).bind("UTC").bind(1_700_000_000_i64).fetch_optional(&mut *c).await.unwrap();
            member_id = Some(r.unwrap().get::<i64, _>("id"));
        }
        let mut tx = sqlx::Connection::begin_with(&mut *c, "BEGIN IMMEDIATE").await.unwrap();
        if member_id.is_none() {
            let r = sqlx::query(MEMBER_INS).bind(1_i64).bind(&name).bind(&name).bind(name.to_lowercase()).bind("UTC").bind(1_700_000_000_i64).fetch_optional(&mut *tx).await.unwrap();
            member_id = Some(r.unwrap().get::<i64, _>("id"));
        }
        let member_id = member_id.unwrap();
        let _rows = sqlx::query(ACTIVE).bind(member_id).bind(1_700_000_000_i64).fetch_all(&mut *tx).await.unwrap();
        let mut r = sqlx::query(BOOK).bind(1_i64).bind(member_id).bind(0_i64).bind(1_700_000_000_i64).bind(starts).bind(50_i64).fetch_optional(&mut *tx).await.unwrap();
        if r.is_none() {
            sqlx::query(SLOT_INS).bind(1_i64).bind(starts).bind(50_i64).execute(&mut *tx).await.unwrap();
            r = sqlx::query(BOOK).bind(1_i64).bind(member_id).bind(0_i64).bind(1_700_000_000_i64).bind(starts).bind(50_i64).fetch_optional(&mut *tx).await.unwrap();
        }
        let r = r.unwrap();
        let (bid, sid) = (r.get::<i64, _>("id"), r.get::<i64, _>("slot_id"));
        let mut q = sqlx::query(sqlx::AssertSqlSafe(jobs_sql.clone()));
        for (k, kind) in kinds.iter().enumerate() {
            if k < 5 { q = q.bind(format!("{kind}:slot:{sid}")).bind(*kind).bind(Some(sid)).bind(None::<i64>).bind(starts + k as i64 * 60); }
            else { q = q.bind(format!("{kind}:booking:{bid}")).bind(*kind).bind(Some(sid)).bind(Some(bid)).bind(starts - 600); }
        }
        q.execute(&mut *tx).await.unwrap();
        tx.commit().await.unwrap();
    }
    s.elapsed().as_secs_f64() * 1e6 / N as f64
}

async fn bare(url: &str) -> f64 {
    let p = raw(&format!("{url}?mode=rwc")).await;
    p.execute("CREATE TABLE bare (id INTEGER PRIMARY KEY, member TEXT NOT NULL, starts_at INTEGER NOT NULL, length_minutes INTEGER NOT NULL, created_at INTEGER NOT NULL)").await.unwrap();
    let s = Instant::now();
    for index in 0..N {
        sqlx::query("INSERT INTO bare (member, starts_at, length_minutes, created_at) VALUES ($1, $2, $3, $4)")
            .bind(format!("member{index}")).bind(1_800_000_000_i64 + (index % 96) * 900).bind(50_i64).bind(1_700_000_000_i64).execute(&p).await.unwrap();
    }
    s.elapsed().as_secs_f64() * 1e6 / N as f64
}

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    sqlx::any::install_default_drivers();
    let dir = tempfile::tempdir().unwrap();
    let mut res: Vec<(&str, Vec<f64>)> = vec![("bare", vec![]), ("store API (3 acquires)", vec![]), ("held conn", vec![]), ("held conn, member in txn", vec![])];
    for round in 0..5 {
        let u = |n: &str| format!("sqlite://{}", dir.path().join(format!("{n}{round}.sqlite")).display());
        res[0].1.push(bare(&u("bare")).await);
        res[1].1.push(via_store(&u("store")).await);
        res[2].1.push(held(&u("held"), false).await);
        res[3].1.push(held(&u("mit"), true).await);
    }
    for (k, mut v) in res { v.sort_by(f64::total_cmp); println!("{k:28} median {:6.1} us  (all: {:?})", v[v.len()/2], v.iter().map(|x| x.round()).collect::<Vec<_>>()); }
}
