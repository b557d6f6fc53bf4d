// SCRATCH: per-call timing; delete after measuring.
use std::time::{Duration as StdDuration, Instant};
use sqlx::any::AnyPoolOptions; use sqlx::AnyPool;
use sqlx::{Executor, Row};

const N: i64 = 3000;

async fn pool(url: &str, ping: bool) -> AnyPool {
    AnyPoolOptions::new().test_before_acquire(ping)
        .after_connect(|c, _| Box::pin(async move {
            c.execute("PRAGMA busy_timeout = 5000").await?; c.execute("PRAGMA foreign_keys = ON").await?;
            c.fetch_one("PRAGMA journal_mode = WAL").await?; c.execute("PRAGMA synchronous = NORMAL").await?; Ok(())
        })).connect(url).await.unwrap()
}

const MEMBER_SEL: &str = "SELECT id, community_id, platform_user_id, display_name, time_zone, reminders_enabled, sessions_attended, no_shows, late_cancels, created_at FROM members WHERE community_id = $1 AND platform_user_id = $2";
const MEMBER_INS: &str = "INSERT INTO members (community_id, platform_user_id, display_name, display_name_folded, time_zone, reminders_enabled, created_at) VALUES ($1, $2, $3, $4, $5, 1, $6) ON CONFLICT (community_id, platform_user_id) DO NOTHING RETURNING id, community_id, platform_user_id, display_name, time_zone, reminders_enabled, sessions_attended, no_shows, late_cancels, created_at";
const ACTIVE: &str = "SELECT b.id, b.community_id, b.member_id, b.slot_id, s.starts_at, s.length_minutes, b.status, b.recurring_weekly, b.created_at FROM bookings b JOIN slots s ON s.id = b.slot_id WHERE b.member_id = $1 AND b.status = 'active' AND s.starts_at + s.length_minutes * 60 > $2 ORDER BY s.starts_at, s.length_minutes, b.id";
const BOOK: &str = "INSERT INTO bookings (community_id, member_id, slot_id, status, recurring_weekly, created_at) SELECT $1, $2, id, 'active', $3, $4 FROM slots WHERE community_id = $1 AND starts_at = $5 AND length_minutes = $6 RETURNING id, slot_id";
const SLOT_INS: &str = "INSERT INTO slots (community_id, starts_at, length_minutes) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING";

fn jobs_sql() -> String {
    let mut s = String::from("INSERT INTO jobs (key, kind, slot_id, booking_id, due_at, status, attempts) VALUES ");
    for j in 0..6 { if j > 0 { s.push_str(", "); } let b = j * 5; s.push_str(&format!("(${}, ${}, ${}, ${}, ${}, 'pending', 0)", b+1, b+2, b+3, b+4, b+5)); }
    s.push_str(" ON CONFLICT (key) DO NOTHING"); s
}

#[derive(Default)] struct T(Vec<(&'static str, StdDuration)>);
impl T { fn add(&mut self, k: &'static str, d: StdDuration) { if let Some(e) = self.0.iter_mut().find(|e| e.0 == k) { e.1 += d } else { self.0.push((k, d)) } }
  fn print(&self, title: &str) { println!("-- {title}"); for (k, d) in &self.0 { println!("   {k:28} {:7.1} us", d.as_secs_f64()*1e6/N as f64); } } }

async fn app_like<'c>(pool: &AnyPool, held: bool, member_in_txn: bool, base: i64) -> T {
    let mut t = T::default();
    let kinds = ["prepare", "announce", "attendance_check", "check_in", "close_rooms", "remind"];
    let jobs_sql = jobs_sql();
    let start_all = Instant::now();
    let mut commits: Vec<StdDuration> = Vec::new();
    let mut conn_holder = if held { Some(pool.acquire().await.unwrap()) } else { None };
    for i in 0..N {
        let name = format!("m{}-{i}", base);
        let starts = 1_800_000_000_i64 + (i % 96) * 900;
        let s = Instant::now();
        let mut c = match conn_holder.take() { Some(c) => c, None => pool.acquire().await.unwrap() };
        t.add("acquire", s.elapsed());
        let s = Instant::now();
        let m = sqlx::query(MEMBER_SEL).bind(1_i64).bind(&name).fetch_optional(&mut *c).await.unwrap();
        t.add("member select", s.elapsed());
        let mut member_id = m.map(|r| r.get::<i64, _>("id"));
        if !held { drop(c); let s = Instant::now(); c = pool.acquire().await.unwrap(); t.add("acquire", s.elapsed()); }
        if member_id.is_none() && !member_in_txn {
            let s = Instant::now();
            let r = sqlx::query(MEMBER_INS).bind(1_i64).bind(&name).bind(&name).bind(name.to_lowercase()).bind("UTC").bind(1_700_000_000_i64).fetch_optional(&mut *c).await.unwrap();
            member_id = Some(r.unwrap().get::<i64, _>("id"));
            t.add("member insert (autocommit)", s.elapsed());
            if !held { drop(c); let s = Instant::now(); c = pool.acquire().await.unwrap(); t.add("acquire", s.elapsed()); }
        }
        let s = Instant::now();
        let mut tx = sqlx::Acquire::begin(&mut *c).await.unwrap(); // deferred, placeholder
        tx.rollback().await.unwrap();
        let _ = s;
        let s = Instant::now();
        let mut tx = sqlx::Connection::begin_with(&mut *c, "BEGIN IMMEDIATE").await.unwrap();
        t.add("BEGIN IMMEDIATE", s.elapsed());
        if member_id.is_none() {
            let s = Instant::now();
            let r = sqlx::query(MEMBER_INS).bind(1_i64).bind(&name).bind(&name).bind(name.to_lowercase()).bind("UTC").bind(1_700_000_000_i64).fetch_optional(&mut *tx).await.unwrap();
            member_id = Some(r.unwrap().get::<i64, _>("id"));
            t.add("member insert (in txn)", s.elapsed());
        }
        let member_id = member_id.unwrap();
        let s = Instant::now();
        let rows = sqlx::query(ACTIVE).bind(member_id).bind(1_700_000_000_i64).fetch_all(&mut *tx).await.unwrap();
        assert!(rows.is_empty());
        t.add("active bookings (in txn)", s.elapsed());
        let s = Instant::now();
        let mut r = sqlx::query(BOOK).bind(1_i64).bind(member_id).bind(0_i64).bind(1_700_000_000_i64).bind(starts).bind(50_i64).fetch_optional(&mut *tx).await.unwrap();
        if r.is_none() {
            sqlx::query(SLOT_INS).bind(1_i64).bind(starts).bind(50_i64).execute(&mut *tx).await.unwrap();
            r = sqlx::query(BOOK).bind(1_i64).bind(member_id).bind(0_i64).bind(1_700_000_000_i64).bind(starts).bind(50_i64).fetch_optional(&mut *tx).await.unwrap();
        }
        let r = r.unwrap();
        let (bid, sid) = (r.get::<i64, _>("id"), r.get::<i64, _>("slot_id"));
        t.add("insert booking from slot", s.elapsed());
        let s = Instant::now();
        let mut q = sqlx::query(sqlx::AssertSqlSafe(jobs_sql.clone()));
        for (k, kind) in kinds.iter().enumerate() {
            if k < 5 { q = q.bind(format!("{kind}:slot:{sid}-{base}")).bind(*kind).bind(Some(sid)).bind(None::<i64>).bind(starts + k as i64 * 60); }
            else { q = q.bind(format!("{kind}:booking:{bid}")).bind(*kind).bind(Some(sid)).bind(Some(bid)).bind(starts - 600); }
        }
        q.execute(&mut *tx).await.unwrap();
        t.add("insert 6 jobs (1 stmt)", s.elapsed());
        let s = Instant::now();
        tx.commit().await.unwrap();
        t.add("COMMIT", s.elapsed()); commits.push(s.elapsed());
        if held { conn_holder = Some(c); }
    }
    t.add("TOTAL", start_all.elapsed());
    commits.sort(); let n = commits.len(); let big: StdDuration = commits.iter().filter(|d| d.as_micros() > 1000).sum();
    println!("   commit p50 {:?} p90 {:?} p99 {:?} max {:?}; >1ms: {} commits, {:.1} us/booking", commits[n/2], commits[n*9/10], commits[n*99/100], commits[n-1], commits.iter().filter(|d| d.as_micros() > 1000).count(), big.as_secs_f64()*1e6/N as f64);
    t
}

async fn bare(pool: &AnyPool) -> StdDuration {
    let s = Instant::now();
    let mut ts = Vec::new();
    for index in 0..N { let s1 = Instant::now();
        sqlx::query("INSERT INTO bare (member, starts_at, length_minutes, created_at) VALUES ($1, $2, $3, $4)")
            .bind(format!("member{index}")).bind(1_800_000_000_i64 + (index % 96) * 900).bind(50_i64).bind(1_700_000_000_i64)
            .execute(pool).await.unwrap(); ts.push(s1.elapsed());
    }
    ts.sort(); let n = ts.len(); let big: StdDuration = ts.iter().filter(|d| d.as_micros() > 1000).sum();
    println!("   bare p50 {:?} p90 {:?} p99 {:?} max {:?}; >1ms: {} , {:.1} us/insert", ts[n/2], ts[n*9/10], ts[n*99/100], ts[n-1], ts.iter().filter(|d| d.as_micros() > 1000).count(), big.as_secs_f64()*1e6/N as f64);
    s.elapsed()
}

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("app.sqlite").display());
    let store = cofocus::store::Store::connect_and_migrate(&url).await.unwrap();
    store.ensure_community("shell", "bench", &Default::default()).await.unwrap();
    let url = format!("{url}?mode=rwc");
    let mut base = 0;
    for ping in [false] {
        let p = pool(&url, ping).await;
        p.execute("CREATE TABLE IF NOT EXISTS bare (id INTEGER PRIMARY KEY, member TEXT NOT NULL, starts_at INTEGER NOT NULL, length_minutes INTEGER NOT NULL, created_at INTEGER NOT NULL)").await.unwrap();
        for (held, mit) in [(true, false), (true, true)] {
            base += 1;
            let b = bare(&p).await;
            println!("== ping={ping} held={held} member_in_txn={mit}: bare {:.1} us", b.as_secs_f64()*1e6/N as f64);
            app_like(&p, held, mit, base).await.print("app-like");
        }
        p.close().await;
    }
}
