//! `stats`' heatmap as a PNG, drawn in memory: seven rows (Monday at the top), 24 columns
//! (midnight at the left), darker blue for more minutes of focus, and tick marks above the
//! grid at 00, 06, 12 and 18 h. The picture carries no text on purpose: plotters draws text
//! through system fonts (fontconfig), which a container may not have, so the reply's message
//! carries the legend ([`LEGEND`]) instead and the picture renders the same everywhere.

use plotters::prelude::*;

use super::reply::Attachment;
use crate::core::member_stats::FocusHeatmap;

pub const PNG_MEDIA_TYPE: &str = "image/png";

/// One hour's square, in pixels, and the gap between squares.
pub const CELL: u32 = 24;
const GAP: u32 = 3;
/// Room above the grid for the hour ticks, and around it.
pub const TOP: u32 = 14;
pub const MARGIN: u32 = 8;

pub const WIDTH: u32 = MARGIN * 2 + 24 * CELL;
pub const HEIGHT: u32 = TOP + 7 * CELL + MARGIN;

/// What the picture shows, for the message it goes with.
pub const LEGEND: &str = "The picture shows your last 12 weeks: one row per weekday (Monday at \
the top), one square per hour (midnight at the left, a tick above every 6 hours), darker for \
more minutes of focus.";

const BACKGROUND: RGBColor = RGBColor(255, 255, 255);
const EMPTY: RGBColor = RGBColor(236, 239, 243);
const TICK: RGBColor = RGBColor(120, 128, 140);
/// The lightest and darkest blue a busy square takes.
const LIGHT: (f64, f64, f64) = (189.0, 215.0, 238.0);
const DARK: (f64, f64, f64) = (8.0, 48.0, 107.0);

/// The top-left pixel of the square for `day` (0 = Monday) and `hour`.
pub fn cell_origin(day: usize, hour: usize) -> (u32, u32) {
    (MARGIN + hour as u32 * CELL, TOP + day as u32 * CELL)
}

fn cell_colour(minutes: u32, max: u32) -> RGBColor {
    if minutes == 0 || max == 0 {
        return EMPTY;
    }
    // Any minute is visibly blue; the busiest hour is the darkest.
    let t = 0.15 + 0.85 * (minutes as f64 / max as f64);
    let mix = |light: f64, dark: f64| (light + (dark - light) * t).round() as u8;
    RGBColor(
        mix(LIGHT.0, DARK.0),
        mix(LIGHT.1, DARK.1),
        mix(LIGHT.2, DARK.2),
    )
}

/// The heatmap as RGB pixels, `WIDTH` × `HEIGHT`, row by row.
pub fn heatmap_pixels(map: &FocusHeatmap) -> anyhow::Result<Vec<u8>> {
    let mut buffer = vec![0u8; (WIDTH * HEIGHT * 3) as usize];
    {
        let root = BitMapBackend::with_buffer(&mut buffer, (WIDTH, HEIGHT)).into_drawing_area();
        let failed =
            |error: DrawingAreaErrorKind<_>| anyhow::anyhow!("draw the heatmap: {error:?}");
        root.fill(&BACKGROUND).map_err(failed)?;
        let max = map.max();
        for (day, hours) in map.minutes.iter().enumerate() {
            for (hour, minutes) in hours.iter().enumerate() {
                let (x, y) = cell_origin(day, hour);
                let corners = [
                    (x as i32, y as i32),
                    ((x + CELL - GAP) as i32, (y + CELL - GAP) as i32),
                ];
                root.draw(&Rectangle::new(
                    corners,
                    cell_colour(*minutes, max).filled(),
                ))
                .map_err(failed)?;
            }
        }
        for hour in [0u32, 6, 12, 18] {
            let x = (MARGIN + hour * CELL) as i32;
            let height = if hour == 12 { 10 } else { 6 };
            let top = (TOP - 2) as i32 - height;
            root.draw(&Rectangle::new(
                [(x, top), (x + 1, (TOP - 2) as i32)],
                TICK.filled(),
            ))
            .map_err(failed)?;
        }
        root.present().map_err(failed)?;
    }
    Ok(buffer)
}

/// The heatmap as a PNG file's bytes.
pub fn heatmap_png(map: &FocusHeatmap) -> anyhow::Result<Vec<u8>> {
    let pixels = heatmap_pixels(map)?;
    let mut bytes = Vec::new();
    let mut encoder = png::Encoder::new(&mut bytes, WIDTH, HEIGHT);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    let mut writer = encoder.write_header()?;
    writer.write_image_data(&pixels)?;
    writer.finish()?;
    Ok(bytes)
}

/// The PNG as a reply's attachment.
pub fn heatmap_attachment(map: &FocusHeatmap) -> anyhow::Result<Attachment> {
    Ok(Attachment {
        file_name: "focus-heatmap.png".to_string(),
        media_type: PNG_MEDIA_TYPE,
        bytes: heatmap_png(map)?,
    })
}
