//! Re-contouring speed: a synthetic 256^3 map (blobs on a noisy background) contoured at a
//! few levels, rayon surface nets against the same algorithm on one thread.
//!
//! cargo bench --profile dev --config 'profile.dev.package.cryolabel.opt-level=3' --bench isosurface

use std::time::Instant;

use cryolabel::render::isosurface::{Field, extract, extract_serial};

fn synthetic(n: usize) -> Field {
    let mut data = vec![0f32; n * n * n];
    let blobs: Vec<[f32; 3]> = (0..200)
        .map(|i| {
            let h = |k: u32| ((i as u32).wrapping_mul(2654435761).wrapping_add(k * 40503) % 1000) as f32 / 1000.0;
            [h(1) * n as f32, h(2) * n as f32, h(3) * n as f32]
        })
        .collect();
    for (o, v) in data.iter_mut().enumerate() {
        let (x, y, z) = ((o % n) as f32, ((o / n) % n) as f32, (o / (n * n)) as f32);
        let noise = ((o as u32).wrapping_mul(747796405) >> 16) as f32 / 65536.0 * 0.1;
        *v = noise + (0.05 * x).sin() * (0.05 * y).cos() * (0.05 * z).sin() * 0.3;
    }
    for b in &blobs {
        let r = 8i64;
        let c = b.map(|v| v as i64);
        for z in (c[2] - r).max(0)..(c[2] + r).min(n as i64) {
            for y in (c[1] - r).max(0)..(c[1] + r).min(n as i64) {
                for x in (c[0] - r).max(0)..(c[0] + r).min(n as i64) {
                    let d2 = ((x - c[0]).pow(2) + (y - c[1]).pow(2) + (z - c[2]).pow(2)) as f32;
                    data[x as usize + n * (y as usize + n * z as usize)] += (-d2 / 20.0).exp();
                }
            }
        }
    }
    Field { data, dims: [n; 3], origin: [0.0; 3], spacing: [1.0; 3] }
}

fn main() {
    let n = 256;
    let t = Instant::now();
    let f = synthetic(n);
    println!(
        "synthetic {n}^3 map built in {:.0} ms; {} rayon threads",
        t.elapsed().as_secs_f64() * 1e3,
        rayon::current_num_threads()
    );
    for level in [0.5f32, 0.25, 0.15] {
        let _ = extract(&f, level); // warm the allocator and page cache
        let mut par = f64::MAX;
        let mut ser = f64::MAX;
        let mut tris = 0;
        for _ in 0..3 {
            let t = Instant::now();
            let m = extract(&f, level);
            par = par.min(t.elapsed().as_secs_f64() * 1e3);
            tris = m.triangles();
            let t = Instant::now();
            let _ = extract_serial(&f, level);
            ser = ser.min(t.elapsed().as_secs_f64() * 1e3);
        }
        println!(
            "level {level:>5}: {tris:>9} triangles  parallel {par:7.1} ms  single-thread {ser:7.1} ms  speed-up {:.2}x",
            ser / par
        );
    }
}
