// SCRATCH: per-call timing; delete after measuring.
use std::sync::Arc;
use std::time::{Duration as StdDuration, Instant};
use chrono::{Duration, TimeZone, Utc};
use cofocus::clock::ManualClock;
use cofocus::core::booking_rules::check_new_booking;
use cofocus::core::model::CommunitySettings;
use cofocus::core::schedule::{booking_jobs, slot_jobs};
use cofocus::engine::{Actor, Engine, RunnerSettings};
use cofocus::platform::shell::ShellPlatform;
use cofocus::store::{NewBookingRequest, NewJob, Store};

const N: usize = 3000;

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    let dir = tempfile::tempdir().unwrap();
    let now = Utc.with_ymd_and_hms(2026, 11, 30, 0, 0, 0).unwrap();
    let settings = CommunitySettings::default();
    for round in 0..2 {
        let url = format!("sqlite://{}", dir.path().join(format!("s{round}.sqlite")).display());
        let store = Store::connect_and_migrate(&url).await.unwrap();
        let mut t = [StdDuration::ZERO; 4];
        let mut commits = Vec::new();
        let total = Instant::now();
        for i in 0..N {
            let name = format!("member{i}");
            let start = Utc.with_ymd_and_hms(2026, 12, 1, 0, 0, 0).unwrap() + Duration::minutes(15 * (i as i64 % 96));
            let s = Instant::now();
            let c = store.ensure_community("shell", "bench", &settings).await.unwrap();
            t[0] += s.elapsed(); let s = Instant::now();
            let m = store.ensure_member(&c, &name, &name, now).await.unwrap();
            t[1] += s.elapsed(); let s = Instant::now();
            let req = NewBookingRequest { community_id: c.id, member_id: m.id, starts_at: start, length_minutes: 50, recurring_weekly: false, created_at: now };
            store.create_booking_with_jobs(&req, |e| check_new_booking(now, start, 50, &settings, e), |slot, b| slot_jobs(slot, &settings).into_iter().chain(booking_jobs(b, &settings)).map(NewJob::from).collect()).await.unwrap().unwrap();
            t[2] += s.elapsed(); commits.push(s.elapsed());
        }
        let tot = total.elapsed();
        for (k, d) in ["ensure_community", "ensure_member (new)", "create_booking_with_jobs"].iter().zip(t) { println!("{k:28} {:8.1} us/booking", d.as_secs_f64() * 1e6 / N as f64); }
        commits.sort(); let n = commits.len(); let big: StdDuration = commits.iter().filter(|d| d.as_micros() > 1000).sum();
        println!("   txn p50 {:?} p90 {:?} p99 {:?}; >1ms: {} txns, {:.1} us/booking", commits[n/2], commits[n*9/10], commits[n*99/100], commits.iter().filter(|d| d.as_micros() > 1000).count(), big.as_secs_f64()*1e6/N as f64);
        println!("total {:8.1} us/booking", tot.as_secs_f64() * 1e6 / N as f64);
    }
    // whole engine
    let url = format!("sqlite://{}", dir.path().join("e.sqlite").display());
    let store = Store::connect_and_migrate(&url).await.unwrap();
    let clock = Arc::new(ManualClock::new(now));
    let engine = Engine::new(store, Arc::new(ShellPlatform::new()), clock, CommunitySettings::default(), RunnerSettings::default());
    let commands: Vec<(Actor, String)> = (0..N).map(|index| { let name = format!("member{index}"); let start = Utc.with_ymd_and_hms(2026, 12, 1, 0, 0, 0).unwrap() + Duration::minutes(15 * (index as i64 % 96)); (Actor::new("shell", "bench", &name, &name), format!("book {} 50m", start.format("%Y-%m-%dT%H:%MZ"))) }).collect();
    let s = Instant::now();
    for (a, text) in &commands { let r = engine.handle_text(a, text).await.render_plain(); assert!(r.contains("Booked"), "{r}"); }
    println!("engine total {:8.1} us/booking", s.elapsed().as_secs_f64() * 1e6 / N as f64);
    // second booking by the same (now existing) members
    let commands2: Vec<(Actor, String)> = commands.iter().map(|(a, t)| (a.clone(), t.replace("T", "T1").replace("T10", "T1").to_string())).collect();
    let _ = commands2;
}
