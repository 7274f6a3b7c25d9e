//! Where a map's voxels sit in space, from its MRC/CCP4 header alone: axis permutation,
//! voxel size, ORIGIN against NSTART, and the cell's angles. Worked out before any voxel
//! data is read, so the memory check knows every array the read will make.

use glam::DVec3;

use super::grid::Grid;
use super::skew::{SkewedGrid, cell_axes, is_orthogonal};

/// A map header's geometry.
pub(crate) struct Placement {
    /// File axis (column, row, section) -> x, y, z index.
    pub axis: [usize; 3],
    /// Voxels along x, y, z.
    pub shape: [usize; 3],
    /// The grid the map is handed out on: its own lattice when orthogonal, else the orthogonal
    /// grid the skewed lattice is resampled onto.
    pub grid: Grid,
    /// The stored lattice when the cell is not orthogonal.
    pub skewed: Option<SkewedGrid>,
}

/// The geometry of a header that `check_header` accepted; what is odd goes into `warnings`.
pub(crate) fn placement(h: &mrc::Header, warnings: &mut Vec<String>) -> Placement {
    // Columns, rows, sections -> x, y, z.
    let axis = [(h.mapc - 1) as usize, (h.mapr - 1) as usize, (h.maps - 1) as usize];
    let n_crs = [h.nx as usize, h.ny as usize, h.nz as usize];
    let mut shape = [0usize; 3];
    let mut nstart = [0i32; 3];
    let start_crs = [h.nxstart, h.nystart, h.nzstart];
    for d in 0..3 {
        shape[axis[d]] = n_crs[d];
        nstart[axis[d]] = start_crs[d];
    }
    let m = [h.mx, h.my, h.mz];
    let cell = [h.xlen, h.ylen, h.zlen];
    let mut voxel = [1.0f32; 3];
    for a in 0..3 {
        if m[a] > 0 && cell[a] > 0.0 && cell[a].is_finite() {
            voxel[a] = cell[a] / m[a] as f32;
        } else {
            warnings.push(format!(
                "axis {a}: cell length {} / sampling {} is unusable; voxel size 1 Å assumed",
                cell[a], m[a]
            ));
        }
    }
    if (voxel[0] - voxel[1]).abs() > 1e-4 * voxel[0] || (voxel[0] - voxel[2]).abs() > 1e-4 * voxel[0] {
        warnings.push(format!("non-cubic voxels {:.4} x {:.4} x {:.4} Å", voxel[0], voxel[1], voxel[2]));
    }
    // ChimeraX's placement rule: ORIGIN where any component is non-zero (and sane), else NSTART x voxel.
    let sane_origin = h.origin.iter().zip(voxel).all(|(o, v)| o.is_finite() && o + v != *o);
    // i64: a hostile MX near i32::MAX must not overflow the bound.
    let limit = 10 * [m[0], m[1], m[2], h.nx, h.ny, h.nz].into_iter().map(i64::from).max().unwrap_or(1);
    if nstart.iter().any(|&s| i64::from(s).abs() > limit) {
        warnings.push(format!("NSTART {nstart:?} looks uninitialised; treated as 0"));
        nstart = [0; 3];
    }
    let use_origin = h.origin.iter().any(|&o| o != 0.0) && sane_origin;
    if use_origin && nstart != [0; 3] {
        warnings
            .push(format!("both ORIGIN {:?} and NSTART {:?} are set; ORIGIN wins (ChimeraX rule)", h.origin, nstart));
    }
    if !sane_origin {
        warnings.push(format!("ORIGIN {:?} is not usable; NSTART used", h.origin));
    }
    let header_origin = if sane_origin { h.origin } else { [0.0; 3] };
    // 0 means "not set" in old headers: 90 degrees
    let angles = [h.alpha, h.beta, h.gamma].map(|a| if a == 0.0 { 90.0 } else { f64::from(a) });
    if !is_orthogonal([h.alpha, h.beta, h.gamma]) && cell_axes(angles).is_some() {
        let mut lattice = SkewedGrid { shape, step: voxel.map(f64::from), angles, origin: DVec3::ZERO };
        // NSTART counts lattice steps along the skewed axes (ChimeraX's scale_and_skew).
        lattice.origin =
            if use_origin { DVec3::from_array(h.origin.map(f64::from)) } else { lattice.skew(nstart.map(f64::from)) };
        let grid = lattice.orthogonal_grid(None);
        return Placement { axis, shape, grid, skewed: Some(lattice) };
    }
    let origin = if use_origin { h.origin } else { std::array::from_fn(|a| nstart[a] as f32 * voxel[a]) };
    Placement { axis, shape, grid: Grid { shape, voxel, origin, header_origin, nstart }, skewed: None }
}
