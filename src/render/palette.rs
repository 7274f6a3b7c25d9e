//! Fixed, colour-blind-safe colours (Okabe & Ito, 2008, "Color Universal Design").
//!
//! Label maps use fixed colours per class so a picture means the same thing on every run
//! and every machine; the eight Okabe-Ito colours stay distinguishable under the common
//! colour-vision deficiencies.

use eframe::egui::Color32;

/// The Okabe-Ito palette.
pub mod okabe_ito {
    use super::Color32;
    pub const BLACK: Color32 = Color32::from_rgb(0x00, 0x00, 0x00);
    pub const ORANGE: Color32 = Color32::from_rgb(0xE6, 0x9F, 0x00);
    pub const SKY_BLUE: Color32 = Color32::from_rgb(0x56, 0xB4, 0xE9);
    pub const BLUISH_GREEN: Color32 = Color32::from_rgb(0x00, 0x9E, 0x73);
    pub const YELLOW: Color32 = Color32::from_rgb(0xF0, 0xE4, 0x42);
    pub const BLUE: Color32 = Color32::from_rgb(0x00, 0x72, 0xB2);
    pub const VERMILLION: Color32 = Color32::from_rgb(0xD5, 0x5E, 0x00);
    pub const REDDISH_PURPLE: Color32 = Color32::from_rgb(0xCC, 0x79, 0xA7);
}

use okabe_ito::*;

/// Classification classes: 0 background (not drawn), 1 atom, 2 neighbour.
pub const CLASS_NAMES: [&str; 3] = ["background", "atom", "neighbour"];
pub const CLASS_COLOURS: [Color32; 3] = [BLACK, VERMILLION, SKY_BLUE];

/// Atom types: 0 none (not drawn), CA 1, CB 2, C 3, O 4, N 5.
pub const TYPE_NAMES: [&str; 6] = ["none", "CA", "CB", "C", "O", "N"];
pub const TYPE_COLOURS: [Color32; 6] = [BLACK, ORANGE, REDDISH_PURPLE, YELLOW, VERMILLION, BLUE];

/// Continuous layers: regression labels and the simulated map.
pub const REGRESSION_COLOUR: Color32 = BLUISH_GREEN;
pub const SIMULATED_COLOUR: Color32 = REDDISH_PURPLE;
/// The contour outline drawn on the experimental map.
pub const CONTOUR_COLOUR: Color32 = YELLOW;
/// Voxels whose class changed with the last parameter change.
pub const CHANGED_COLOUR: Color32 = Color32::WHITE;
/// Atom dots.
pub const ATOM_COLOUR: Color32 = ORANGE;
/// Unmodelled density outlines (label quality): magenta, apart from every other layer.
pub const UNMODELLED_COLOUR: Color32 = Color32::from_rgb(0xFF, 0x40, 0xFF);

/// Viridis (perceptually uniform, colour-blind safe; matplotlib's), `t` in 0..=1; used for
/// Q-scores. Nine stops of the published table, linearly interpolated.
pub fn viridis(t: f32) -> Color32 {
    const STOPS: [[u8; 3]; 9] = [
        [68, 1, 84],
        [71, 44, 122],
        [59, 81, 139],
        [44, 113, 142],
        [33, 144, 141],
        [39, 173, 129],
        [92, 200, 99],
        [170, 220, 50],
        [253, 231, 37],
    ];
    let t = if t.is_finite() { t.clamp(0.0, 1.0) } else { 0.0 } * (STOPS.len() - 1) as f32;
    let i = (t.floor() as usize).min(STOPS.len() - 2);
    let f = t - i as f32;
    let c = |k: usize| (STOPS[i][k] as f32 + (STOPS[i + 1][k] as f32 - STOPS[i][k] as f32) * f).round() as u8;
    Color32::from_rgb(c(0), c(1), c(2))
}
