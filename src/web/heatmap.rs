//! The weekday × hour heatmap as inline SVG, with a text alternative: the figure's caption
//! names the busiest hours, and every square has a `<title>` a screen reader or a hover shows.

use maud::{html, Markup};

use crate::core::web_page::{weekday_from_monday, Heatmap};

const CELL: u32 = 14;
const LEFT: u32 = 34;
const TOP: u32 = 14;

/// "Mon 09:00–10:00 (12)" for the busiest cells, for captions and alt text.
pub fn busiest_text(map: &Heatmap, n: usize) -> String {
    let busiest = map.busiest(n);
    if busiest.is_empty() {
        return "No sessions booked yet.".to_string();
    }
    busiest
        .iter()
        .map(|(day, hour, count)| {
            format!(
                "{day} {hour:02}:00–{:02}:00 ({count} booked)",
                (hour + 1) % 24
            )
        })
        .collect::<Vec<_>>()
        .join(", ")
}

pub fn heatmap_figure(map: &Heatmap, caption: &str) -> Markup {
    let max = map.max().max(1);
    let width = LEFT + 24 * CELL;
    let height = TOP + 7 * CELL;
    let summary = format!("{caption}. Busiest: {}", busiest_text(map, 3));
    html! {
        figure.heatmap {
            svg role="img" aria-label=(summary) viewBox=(format!("0 0 {width} {height}"))
                xmlns="http://www.w3.org/2000/svg" data-total=(map.total()) {
                @for hour in (0..24).step_by(3) {
                    text x=(LEFT + hour * CELL) y="10" font-size="9" { (format!("{hour:02}")) }
                }
                @for day in 0..7usize {
                    text x="0" y=(TOP + day as u32 * CELL + 10) font-size="9" {
                        (weekday_from_monday(day).to_string())
                    }
                    @for hour in 0..24usize {
                        @let count = map.counts[day][hour];
                        rect x=(LEFT + hour as u32 * CELL) y=(TOP + day as u32 * CELL)
                            width=(CELL - 2) height=(CELL - 2) rx="2"
                            fill=(if count == 0 { "#eef1f4".to_string() } else { format!("rgba(31, 111, 235, {:.2})", 0.2 + 0.8 * count as f64 / max as f64) }) {
                            title { (format!("{} {hour:02}:00: {count} booked", weekday_from_monday(day))) }
                        }
                    }
                }
            }
            figcaption { (summary) }
        }
    }
}
