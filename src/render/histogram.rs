//! Histogram of a map's values and the levels read from it.

/// Equal-width bins over [min, max] of the finite values.
#[derive(Clone, Debug, PartialEq)]
pub struct Histogram {
    pub min: f32,
    pub max: f32,
    pub counts: Vec<u64>,
    pub total: u64,
}

impl Histogram {
    pub fn of(data: &[f32], bins: usize) -> Histogram {
        let bins = bins.max(1);
        let (mut min, mut max) = (f32::INFINITY, f32::NEG_INFINITY);
        for &v in data.iter().filter(|v| v.is_finite()) {
            min = min.min(v);
            max = max.max(v);
        }
        if min > max {
            return Histogram { min: 0.0, max: 1.0, counts: vec![0; bins], total: 0 };
        }
        if max <= min {
            max = min + 1.0;
        }
        let mut counts = vec![0u64; bins];
        let scale = bins as f32 / (max - min);
        let mut total = 0;
        for &v in data.iter().filter(|v| v.is_finite()) {
            let b = (((v - min) * scale) as usize).min(bins - 1);
            counts[b] += 1;
            total += 1;
        }
        Histogram { min, max, counts, total }
    }

    pub fn bin_width(&self) -> f32 {
        (self.max - self.min) / self.counts.len() as f32
    }

    /// Centre of bin `b`.
    pub fn bin_centre(&self, b: usize) -> f32 {
        self.min + (b as f32 + 0.5) * self.bin_width()
    }

    /// The level above which `fraction` of the voxels lie (ChimeraX's initial contour
    /// encloses 1% of grid points). Resolved to one bin; interpolated inside it.
    pub fn level_enclosing(&self, fraction: f64) -> f32 {
        let want = (fraction.clamp(0.0, 1.0) * self.total as f64) as u64;
        let mut above = 0u64;
        for b in (0..self.counts.len()).rev() {
            let c = self.counts[b];
            if above + c >= want && c > 0 {
                let inside = (want - above) as f32 / c as f32;
                return self.min + (b as f32 + 1.0 - inside) * self.bin_width();
            }
            above += c;
        }
        self.min
    }

    /// The value below which `fraction` of the voxels lie.
    pub fn quantile(&self, fraction: f64) -> f32 {
        self.level_enclosing(1.0 - fraction)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_percent_level_encloses_one_percent() {
        let data: Vec<f32> = (0..10_000).map(|i| i as f32).collect();
        let h = Histogram::of(&data, 1000);
        let l = h.level_enclosing(0.01);
        let above = data.iter().filter(|&&v| v >= l).count();
        assert!((95..=105).contains(&above), "level {l} encloses {above}");
        assert!((h.quantile(0.5) - 5000.0).abs() < 20.0);
    }
}
