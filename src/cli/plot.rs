//! A plain PNG plot of FSC curves: no text, just axes, a 0.1 grid in FSC and 0.05 Å⁻¹ in
//! frequency, the 0.5 (grey) and 0.143 (light grey, dashed) thresholds and the curves.
//! x = spatial frequency 0..max Nyquist (Å⁻¹), y = FSC -0.2..1.

use std::path::Path;

use anyhow::Result;
use image::{Rgb, RgbImage};

use crate::engine::FscCurve;

const W: u32 = 720;
const H: u32 = 440;
const M: i64 = 40;
const Y_LO: f64 = -0.2;

/// Colours for successive curves: blue, orange, green, red.
pub const COLOURS: [[u8; 3]; 4] = [[31, 119, 180], [255, 127, 14], [44, 160, 44], [214, 39, 40]];

fn put(img: &mut RgbImage, x: i64, y: i64, c: [u8; 3]) {
    if x >= 0 && y >= 0 && (x as u32) < W && (y as u32) < H {
        img.put_pixel(x as u32, y as u32, Rgb(c));
    }
}

/// Bresenham with a square pen of `thick` pixels.
fn line(img: &mut RgbImage, (x0, y0): (i64, i64), (x1, y1): (i64, i64), c: [u8; 3], thick: i64) {
    let (dx, dy) = ((x1 - x0).abs(), -(y1 - y0).abs());
    let (sx, sy) = (if x0 < x1 { 1 } else { -1 }, if y0 < y1 { 1 } else { -1 });
    let (mut x, mut y, mut err) = (x0, y0, dx + dy);
    loop {
        for a in 0..thick {
            for b in 0..thick {
                put(img, x + a - thick / 2, y + b - thick / 2, c);
            }
        }
        if x == x1 && y == y1 {
            break;
        }
        let e2 = 2 * err;
        if e2 >= dy {
            err += dy;
            x += sx;
        }
        if e2 <= dx {
            err += dx;
            y += sy;
        }
    }
}

/// Draw `curves` (each with a colour) into a PNG at `path`, written atomically.
pub fn write_png(path: &Path, curves: &[(&FscCurve, [u8; 3])]) -> Result<()> {
    let mut img = RgbImage::from_pixel(W, H, Rgb([255, 255, 255]));
    let fmax = curves.iter().flat_map(|(c, _)| c.shells.last().map(|s| s.freq)).fold(0.0, f64::max).max(1e-6);
    let (pw, ph) = ((W as i64 - 2 * M) as f64, (H as i64 - 2 * M) as f64);
    let px = |f: f64| M + (f / fmax * pw).round() as i64;
    let py = |v: f64| H as i64 - M - ((v.clamp(Y_LO - 0.05, 1.05) - Y_LO) / (1.0 - Y_LO) * ph).round() as i64;
    let grid = [235, 235, 235];
    for i in -2..=10 {
        let y = py(i as f64 / 10.0);
        line(&mut img, (M, y), (W as i64 - M, y), grid, 1);
    }
    let mut f = 0.05;
    while f < fmax {
        line(&mut img, (px(f), py(Y_LO)), (px(f), py(1.0)), grid, 1);
        f += 0.05;
    }
    for x in (M..W as i64 - M).step_by(8) {
        line(&mut img, (x, py(0.143)), (x + 4, py(0.143)), [170, 170, 170], 1);
    }
    line(&mut img, (M, py(0.5)), (W as i64 - M, py(0.5)), [120, 120, 120], 1);
    line(&mut img, (M, py(0.0)), (W as i64 - M, py(0.0)), [60, 60, 60], 1);
    line(&mut img, (M, py(Y_LO)), (M, py(1.0)), [0, 0, 0], 2);
    line(&mut img, (M, py(Y_LO)), (W as i64 - M, py(Y_LO)), [0, 0, 0], 2);
    for (c, colour) in curves {
        let pts: Vec<(i64, i64)> =
            c.shells.iter().filter(|s| s.fsc.is_finite()).map(|s| (px(s.freq), py(s.fsc))).collect();
        for w in pts.windows(2) {
            line(&mut img, w[0], w[1], *colour, 3);
        }
        // Short ticks on the frequency axis at the 0.5 and 0.143 crossings.
        for d in [c.d05(), c.d0143()].into_iter().flatten() {
            let x = px(1.0 / d);
            line(&mut img, (x, py(Y_LO) - 12), (x, py(Y_LO)), *colour, 3);
        }
    }
    let mut bytes = Vec::new();
    img.write_to(&mut std::io::Cursor::new(&mut bytes), image::ImageFormat::Png)?;
    crate::engine::mapio::write_atomic(path, super::durability(), |f| std::io::Write::write_all(f, &bytes))?;
    Ok(())
}
