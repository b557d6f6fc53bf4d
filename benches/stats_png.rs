//! How long `stats`' heatmap takes to draw and encode as a PNG (issue 11), and how big it is.
//! A heatmap with every hour busy (the worst case for the encoder) and one with a few hours.
//! Prints the median and 95th percentile per picture.
//!
//! `cargo test --all-targets` runs this unoptimised with a few rounds as a smoke run. With
//! `FOCUSFOLK_STATS_PNG=path` it also writes the three-busy-hours picture there, to look at.

use std::time::{Duration, Instant};

use focusfolk::core::member_stats::FocusHeatmap;
use focusfolk::engine::stats_image::{heatmap_png, HEIGHT, WIDTH};

fn rounds() -> usize {
    if std::env::args().any(|arg| arg == "--bench") {
        500
    } else {
        5
    }
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

fn main() -> anyhow::Result<()> {
    let mut full = FocusHeatmap {
        minutes: [[0; 24]; 7],
    };
    for (day, hours) in full.minutes.iter_mut().enumerate() {
        for (hour, minutes) in hours.iter_mut().enumerate() {
            *minutes = ((day * 24 + hour) * 37 % 600) as u32 + 1;
        }
    }
    let mut sparse = FocusHeatmap {
        minutes: [[0; 24]; 7],
    };
    sparse.minutes[0][9] = 300;
    sparse.minutes[2][14] = 50;
    sparse.minutes[4][20] = 25;
    if let Ok(path) = std::env::var("FOCUSFOLK_STATS_PNG") {
        std::fs::write(path, heatmap_png(&sparse)?)?;
    }
    for (name, map) in [("every hour busy", &full), ("three busy hours", &sparse)] {
        let mut times = Vec::with_capacity(rounds());
        let mut size = 0;
        for _ in 0..rounds() {
            let started = Instant::now();
            let png = heatmap_png(map)?;
            times.push(started.elapsed());
            size = png.len();
        }
        times.sort();
        println!(
            "stats heatmap PNG {WIDTH}x{HEIGHT}, {name}: median {:?}, p95 {:?}, {size} bytes ({} rounds)",
            percentile(&times, 0.5),
            percentile(&times, 0.95),
            times.len()
        );
    }
    Ok(())
}
