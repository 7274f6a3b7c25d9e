//! Atoms as sticks: colours (by element as ChimeraX, by atom-type label with the slices'
//! palette, or by a per-atom scalar through viridis) and the sphere + stick instances the
//! scene draws. Pure: no GPU here, so the colouring and geometry are unit-tested.

use std::sync::Arc;

use glam::Vec3;

use super::palette::TYPE_COLOURS;
use crate::engine::Atom;

/// How atoms are coloured.
#[derive(Clone, Debug, PartialEq)]
pub enum ColourBy {
    /// ChimeraX's element colours (carbon tan).
    Element,
    /// The atom-type label at each atom's voxel, in the slice view's palette (0: grey).
    AtomTypeLabel,
    /// One value per atom (e.g. Q-score), mapped through viridis over `range`; NaN is grey.
    Scalar { name: String, values: Arc<Vec<f32>>, range: [f32; 2] },
}

/// Colour of atoms that have no type label or no value.
pub const UNLABELLED: [f32; 3] = [0.55, 0.55, 0.55];
/// Stick colour of the selected residue (ChimeraX highlights the selection in green).
pub const SELECTED: [f32; 3] = [0.2, 1.0, 0.2];

/// ChimeraX's element colours (Jmol's, with carbon tan), sRGB 0-1.
pub fn element_colour(element: &str) -> [f32; 3] {
    let rgb = |r: u8, g: u8, b: u8| [r as f32 / 255.0, g as f32 / 255.0, b as f32 / 255.0];
    match element {
        "C" => rgb(210, 180, 140),
        "N" => rgb(48, 80, 248),
        "O" => rgb(255, 13, 13),
        "S" => rgb(255, 255, 48),
        "P" => rgb(255, 128, 0),
        "H" | "D" => rgb(255, 255, 255),
        "SE" => rgb(255, 161, 0),
        "FE" => rgb(224, 102, 51),
        "ZN" => rgb(125, 128, 176),
        "MG" => rgb(138, 255, 0),
        "CA" => rgb(61, 255, 0),
        "NA" => rgb(171, 92, 242),
        "K" => rgb(143, 64, 212),
        "CL" => rgb(31, 240, 31),
        "F" => rgb(144, 224, 80),
        "MN" => rgb(156, 122, 199),
        _ => rgb(255, 20, 147),
    }
}

/// Viridis at t in [0, 1] (matplotlib's, 9 stops, linearly interpolated), sRGB 0-1.
pub fn viridis(t: f32) -> [f32; 3] {
    const STOPS: [[f32; 3]; 9] = [
        [0.267, 0.005, 0.329],
        [0.283, 0.141, 0.458],
        [0.254, 0.265, 0.530],
        [0.207, 0.372, 0.553],
        [0.164, 0.471, 0.558],
        [0.128, 0.567, 0.551],
        [0.135, 0.659, 0.518],
        [0.267, 0.749, 0.441],
        [0.993, 0.906, 0.144],
    ];
    let t = if t.is_finite() { t.clamp(0.0, 1.0) } else { 0.0 } * 8.0;
    let i = (t.floor() as usize).min(7);
    let f = t - i as f32;
    [0, 1, 2].map(|k| STOPS[i][k] * (1.0 - f) + STOPS[i + 1][k] * f)
}

/// One colour per atom. `type_label(i)` gives the atom-type label at atom i's voxel.
pub fn atom_colours(atoms: &[Atom], by: &ColourBy, type_label: impl Fn(usize) -> u8) -> Vec<[f32; 3]> {
    atoms
        .iter()
        .enumerate()
        .map(|(i, a)| match by {
            ColourBy::Element => element_colour(&a.element),
            ColourBy::AtomTypeLabel => match type_label(i) as usize {
                0 => UNLABELLED,
                t => TYPE_COLOURS.get(t).map_or(UNLABELLED, |c| [c.r(), c.g(), c.b()].map(|v| v as f32 / 255.0)),
            },
            ColourBy::Scalar { values, range, .. } => match values.get(i) {
                Some(v) if v.is_finite() => viridis((v - range[0]) / (range[1] - range[0]).max(1e-12)),
                _ => UNLABELLED,
            },
        })
        .collect()
}

/// Instances for the scene: spheres [x, y, z, r, red, green, blue, 1] at every atom and
/// sticks [a xyz, r, b xyz, 0, colour a rgba, colour b rgba], each half of a stick in its own
/// atom's colour (ChimeraX's look). Bonded atoms get the stick radius so joints are round;
/// atoms with no bond (ions, waters) get `ball` so they stay visible.
pub fn stick_instances(
    positions: &[Vec3],
    bonds: &[[u32; 2]],
    colours: &[[f32; 3]],
    stick: f32,
    ball: f32,
) -> (Vec<[f32; 8]>, Vec<[f32; 16]>) {
    let mut bonded = vec![false; positions.len()];
    let mut sticks = Vec::with_capacity(bonds.len());
    for &[i, j] in bonds {
        let (i, j) = (i as usize, j as usize);
        let (Some(a), Some(b)) = (positions.get(i), positions.get(j)) else { continue };
        bonded[i] = true;
        bonded[j] = true;
        let (ca, cb) = (colours.get(i).copied().unwrap_or(UNLABELLED), colours.get(j).copied().unwrap_or(UNLABELLED));
        sticks.push([a.x, a.y, a.z, stick, b.x, b.y, b.z, 0.0, ca[0], ca[1], ca[2], 1.0, cb[0], cb[1], cb[2], 1.0]);
    }
    let spheres = positions
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let c = colours.get(i).copied().unwrap_or(UNLABELLED);
            [p.x, p.y, p.z, if bonded[i] { stick } else { ball }, c[0], c[1], c[2], 1.0]
        })
        .collect();
    (spheres, sticks)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn element_type_and_scalar_colours() {
        let atoms = vec![
            Atom::new("CA", "C", "ALA", Vec3::ZERO),
            Atom::new("N", "N", "ALA", Vec3::X),
            Atom::new("O", "O", "ALA", Vec3::Y),
        ];
        let el = atom_colours(&atoms, &ColourBy::Element, |_| 0);
        assert!(el[1][2] > 0.9 && el[1][0] < 0.3, "N blue");
        assert!(el[2][0] > 0.9 && el[2][1] < 0.1, "O red");
        let ty = atom_colours(&atoms, &ColourBy::AtomTypeLabel, |i| [1, 0, 4][i]);
        assert_eq!(ty[1], UNLABELLED);
        assert_eq!(ty[0], [0xE6, 0x9F, 0x00].map(|v| v as f32 / 255.0), "CA orange as on the slices");
        let q = ColourBy::Scalar { name: "Q".into(), values: Arc::new(vec![0.0, 1.0, f32::NAN]), range: [0.0, 1.0] };
        let qc = atom_colours(&atoms, &q, |_| 0);
        assert!(qc[0][2] > qc[0][1] && qc[1][0] > 0.9 && qc[2] == UNLABELLED, "{qc:?}");
    }

    #[test]
    fn sticks_take_each_atoms_colour_and_lone_atoms_are_balls() {
        let p = [Vec3::ZERO, Vec3::X * 1.5, Vec3::Y * 9.0];
        let c = [[1.0, 0.0, 0.0], [0.0, 0.0, 1.0], [0.0, 1.0, 0.0]];
        let (spheres, sticks) = stick_instances(&p, &[[0, 1]], &c, 0.2, 0.5);
        assert_eq!(sticks.len(), 1);
        assert_eq!(&sticks[0][8..11], &[1.0, 0.0, 0.0]);
        assert_eq!(&sticks[0][12..15], &[0.0, 0.0, 1.0]);
        assert_eq!(spheres.iter().map(|s| s[3]).collect::<Vec<_>>(), vec![0.2, 0.2, 0.5]);
    }
}
