//! One axis-aligned slice of the experimental map with the label maps over it, as an image.
//!
//! Built on the CPU: a slice is at most a few hundred pixels square, so this costs well under
//! a millisecond per layer and avoids any GPU state that tests or screenshots would have to
//! reproduce. Label maps are sampled nearest-neighbour (one voxel = one pixel) and never blended
//! between voxels: a class is a category, not a value.

use eframe::egui::{Color32, ColorImage};

use crate::engine::{Grid, Volume};

/// The axis normal to a slice.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Axis {
    X,
    Y,
    Z,
}

impl Axis {
    pub const ALL: [Axis; 3] = [Axis::X, Axis::Y, Axis::Z];

    pub fn index(self) -> usize {
        self as usize
    }

    pub fn name(self) -> &'static str {
        ["X", "Y", "Z"][self as usize]
    }

    /// Grid axes shown left-to-right (u) and bottom-to-top (v): right-handed when viewed
    /// from the positive end of the normal axis, like ChimeraX's orthoplanes.
    pub fn plane(self) -> (usize, usize) {
        match self {
            Axis::X => (1, 2),
            Axis::Y => (0, 2),
            Axis::Z => (0, 1),
        }
    }

    /// Image size in pixels (width, height) for a grid.
    pub fn size(self, grid: &Grid) -> [usize; 2] {
        let (u, v) = self.plane();
        [grid.shape[u], grid.shape[v]]
    }

    /// Voxel shown at pixel (col, row) of slice `s`; row 0 is the top (largest v).
    pub fn voxel(self, grid: &Grid, s: usize, col: usize, row: usize) -> [usize; 3] {
        let (u, v) = self.plane();
        let mut ijk = [0; 3];
        ijk[self.index()] = s;
        ijk[u] = col;
        ijk[v] = grid.shape[v] - 1 - row;
        ijk
    }
}

/// A continuous layer's look.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ScalarStyle {
    pub visible: bool,
    pub opacity: f32,
    pub colour: Color32,
}

/// A label layer's look: one colour and one visibility switch per class (napari's labels).
#[derive(Clone, Debug, PartialEq)]
pub struct ClassStyle {
    pub visible: bool,
    pub opacity: f32,
    pub colours: Vec<Color32>,
    pub shown: Vec<bool>,
}

impl ClassStyle {
    fn colour_of(&self, class: usize) -> Option<Color32> {
        (self.visible && class != 0 && *self.shown.get(class)? && self.opacity > 0.0).then(|| self.colours[class])
    }
}

/// Everything that decides a slice's pixels besides the data: compared between frames so a
/// slice texture is rebuilt only when something that shows changed.
#[derive(Clone, Debug, PartialEq)]
pub struct SliceStyle {
    pub map: ScalarStyle,
    /// Grey ramp: values at or below .0 are black, at or above .1 white.
    pub map_window: (f32, f32),
    pub simulated: ScalarStyle,
    pub simulated_max: f32,
    pub regression: ScalarStyle,
    pub regression_max: f32,
    pub classification: ClassStyle,
    pub atom_types: ClassStyle,
    /// Label maps as outlines (class boundaries within the slice) instead of filled.
    pub outline: bool,
    /// Contour level drawn as an outline plus a faint tint above it.
    pub contour: Option<f32>,
    /// Mark voxels whose class differs from the previous labels.
    pub show_changed: bool,
}

/// The volumes a slice draws, all on the same grid (the experimental map's).
#[derive(Clone, Copy, Default)]
pub struct SliceLayers<'a> {
    pub map: Option<&'a Volume<f32>>,
    pub simulated: Option<&'a Volume<f32>>,
    pub regression: Option<&'a Volume<f32>>,
    pub classification: Option<&'a Volume<i16>>,
    pub atom_types: Option<&'a Volume<f32>>,
    pub previous_classification: Option<&'a Volume<i16>>,
}

impl SliceLayers<'_> {
    pub fn grid(&self) -> Option<Grid> {
        self.map.map(|v| v.grid).or(self.classification.map(|v| v.grid))
    }
}

/// Values of one slice in image order (row 0 at the top).
fn extract<T: Copy + Default>(vol: &Volume<T>, axis: Axis, s: usize) -> Vec<T> {
    let g = &vol.grid;
    let [w, h] = axis.size(g);
    let mut out = Vec::with_capacity(w * h);
    for row in 0..h {
        for col in 0..w {
            out.push(vol.at(axis.voxel(g, s, col, row)));
        }
    }
    out
}

/// True where a pixel's 4-neighbourhood (inside the slice) holds a different value.
fn boundary<T: PartialEq + Copy>(vals: &[T], w: usize, h: usize, p: usize) -> bool {
    let (c, r) = (p % w, p / w);
    let v = vals[p];
    (c > 0 && vals[p - 1] != v)
        || (c + 1 < w && vals[p + 1] != v)
        || (r > 0 && vals[p - w] != v)
        || (r + 1 < h && vals[p + w] != v)
}

#[inline]
fn blend(c: &mut [f32; 3], col: Color32, a: f32) {
    let a = a.clamp(0.0, 1.0);
    c[0] += (col.r() as f32 - c[0]) * a;
    c[1] += (col.g() as f32 - c[1]) * a;
    c[2] += (col.b() as f32 - c[2]) * a;
}

/// Draw slice `s` normal to `axis`. Returns a 1x1 black image when there is no grid.
pub fn build_slice(layers: &SliceLayers, style: &SliceStyle, axis: Axis, s: usize) -> ColorImage {
    let Some(grid) = layers.grid() else {
        return ColorImage::filled([1, 1], Color32::BLACK);
    };
    let s = s.min(grid.shape[axis.index()].saturating_sub(1));
    let [w, h] = axis.size(&grid);
    let n = w * h;
    let mut px = vec![[0.0f32; 3]; n];

    if let Some(map) = layers.map {
        let vals = extract(map, axis, s);
        let (lo, hi) = style.map_window;
        let span = (hi - lo).max(f32::MIN_POSITIVE);
        if style.map.visible {
            for (p, &v) in px.iter_mut().zip(&vals) {
                let g = ((v - lo) / span).clamp(0.0, 1.0) * 255.0 * style.map.opacity;
                *p = [g, g, g];
            }
        }
        if let Some(level) = style.contour {
            let above: Vec<bool> = vals.iter().map(|&v| v >= level).collect();
            for p in 0..n {
                if above[p] {
                    let a = if boundary(&above, w, h, p) { 0.9 } else { 0.12 };
                    blend(&mut px[p], crate::render::palette::CONTOUR_COLOUR, a);
                }
            }
        }
    }
    for (vol, st, max) in [
        (layers.simulated, &style.simulated, style.simulated_max),
        (layers.regression, &style.regression, style.regression_max),
    ] {
        if let (Some(vol), true) = (vol, st.visible) {
            let vals = extract(vol, axis, s);
            let max = max.max(f32::MIN_POSITIVE);
            for (p, &v) in px.iter_mut().zip(&vals) {
                if v > 0.0 {
                    blend(p, st.colour, st.opacity * (v / max).min(1.0));
                }
            }
        }
    }
    if let Some(vol) = layers.classification {
        let vals: Vec<usize> = extract(vol, axis, s).into_iter().map(|v| v.max(0) as usize).collect();
        draw_classes(&mut px, &vals, &style.classification, style.outline, w, h);
    }
    if let Some(vol) = layers.atom_types {
        let vals: Vec<usize> = extract(vol, axis, s).into_iter().map(|v| v.max(0.0) as usize).collect();
        draw_classes(&mut px, &vals, &style.atom_types, style.outline, w, h);
    }
    if let (true, Some(now), Some(before)) = (style.show_changed, layers.classification, layers.previous_classification)
        && before.grid.shape == now.grid.shape
    {
        let a = extract(now, axis, s);
        let b = extract(before, axis, s);
        for p in 0..n {
            if a[p] != b[p] {
                blend(&mut px[p], crate::render::palette::CHANGED_COLOUR, 0.85);
            }
        }
    }
    let pixels = px.into_iter().map(|[r, g, b]| Color32::from_rgb(r as u8, g as u8, b as u8)).collect();
    ColorImage::new([w, h], pixels)
}

fn draw_classes(px: &mut [[f32; 3]], vals: &[usize], st: &ClassStyle, outline: bool, w: usize, h: usize) {
    if !st.visible {
        return;
    }
    for p in 0..vals.len() {
        if let Some(col) = st.colour_of(vals[p])
            && (!outline || boundary(vals, w, h, p))
        {
            blend(&mut px[p], col, st.opacity);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::palette::CLASS_COLOURS;

    #[test]
    fn voxel_mapping_puts_v_up() {
        let g = Grid::new([4, 5, 6], [1.0; 3], [0.0; 3]);
        assert_eq!(Axis::Z.size(&g), [4, 5]);
        assert_eq!(Axis::Z.voxel(&g, 2, 1, 0), [1, 4, 2]);
        assert_eq!(Axis::X.voxel(&g, 3, 0, 5), [3, 0, 0]);
    }

    #[test]
    fn classes_show_in_their_colour() {
        let g = Grid::new([3, 3, 1], [1.0; 3], [0.0; 3]);
        let mut c = Volume::<i16>::zeros(g);
        c.data[4] = 1;
        let style = SliceStyle {
            map: ScalarStyle { visible: true, opacity: 1.0, colour: Color32::WHITE },
            map_window: (0.0, 1.0),
            simulated: ScalarStyle { visible: false, opacity: 1.0, colour: Color32::WHITE },
            simulated_max: 1.0,
            regression: ScalarStyle { visible: false, opacity: 1.0, colour: Color32::WHITE },
            regression_max: 1.0,
            classification: ClassStyle {
                visible: true,
                opacity: 1.0,
                colours: CLASS_COLOURS.to_vec(),
                shown: vec![true; 3],
            },
            atom_types: ClassStyle { visible: false, opacity: 1.0, colours: vec![], shown: vec![] },
            outline: false,
            contour: None,
            show_changed: false,
        };
        let layers = SliceLayers { classification: Some(&c), ..Default::default() };
        let img = build_slice(&layers, &style, Axis::Z, 0);
        assert_eq!(img.pixels[4], CLASS_COLOURS[1]);
        assert_eq!(img.pixels[0], Color32::BLACK);
    }
}
