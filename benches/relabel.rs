//! Relabel latency on a synthetic 256³ map: what the viewer waits for after a slider move.
//! Target: new labels on screen within 100 ms of a change. Run: `cargo bench --bench relabel`
//! (with `--no-default-features` it times the labels alone, without the slice images).

mod common;

use common::best_of;
use cryolabel::engine::label::{label, label_into};
use cryolabel::engine::{Atom, Grid, LabelParams, Preset, Volume};
use glam::Vec3;

/// A protein-like blob: `n` atoms in a ball of radius 80 Å centred in a 256³ 1 Å box, on a
/// smooth positive "simulated" density.
fn synthetic(n: usize) -> (Volume<f32>, Vec<Atom>) {
    let grid = Grid::new([256; 3], [1.0; 3], [0.0; 3]);
    let mut sim = Volume::<f32>::zeros(grid);
    for (o, v) in sim.data.iter_mut().enumerate() {
        let [i, j, k] = grid.ijk(o);
        let d = ((i as f32 - 128.0).powi(2) + (j as f32 - 128.0).powi(2) + (k as f32 - 128.0).powi(2)).sqrt();
        *v = if d < 90.0 { 1.0 + 0.5 * ((i + j + k) as f32 * 0.3).sin() } else { 0.0 };
    }
    let names = ["N", "CA", "C", "O", "CB"];
    let mut seed = 12345u64;
    let mut rnd = || {
        seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (seed >> 33) as f32 / (1u64 << 31) as f32
    };
    let mut atoms = Vec::with_capacity(n);
    while atoms.len() < n {
        let p = Vec3::new(rnd(), rnd(), rnd()) * 160.0 - 80.0;
        if p.length() < 80.0 {
            let name = names[atoms.len() % 5];
            atoms.push(Atom {
                pos: p + Vec3::splat(128.0),
                name: name.into(),
                element: name[..1].into(),
                res_name: "ALA".into(),
                chain: "A".into(),
                res_seq: (atoms.len() / 5) as isize,
                ins_code: None,
                hetero: false,
                occupancy: 1.0,
                b_factor: 0.0,
                model: 0,
            });
        }
    }
    (sim, atoms)
}

fn main() {
    // the viewer's process sets its allocator so (main.rs); this times the viewer's relabel
    cryolabel::engine::grid::tune_allocator();
    let (sim, atoms) = synthetic(60_000);
    println!(
        "relabel bench: 256^3 map (16.8 M voxels), {} atoms, {} threads",
        atoms.len(),
        rayon::current_num_threads()
    );
    println!("  fresh: new output buffers (the CLI's path); reused: into the labels of the relabel");
    println!("  before last (the viewer's path, engine::label::label_into). Best of 5 wall, mean CPU");
    let mut last: Option<cryolabel::engine::Labels> = None;
    for (preset, radius) in
        [(Preset::DenoiseCryoData, 6.0), (Preset::DenoiseCryoData, 3.0), (Preset::Precise, 6.0), (Preset::Precise, 3.0)]
    {
        // RELABEL_CASE=Precise:6 (say) times that case alone, for a profiler
        if std::env::var("RELABEL_CASE").is_ok_and(|c| c != format!("{preset:?}:{radius}")) {
            continue;
        }
        let mut p = LabelParams::preset(preset);
        p.radius = radius;
        let (t, cpu) = timed(5, || last = Some(label(&sim, &atoms, &p, None).unwrap()));
        // the viewer keeps the shown and the previous labels, and relabels into the older one
        let mut pool = vec![label(&sim, &atoms, &p, None).unwrap()];
        let (tr, cpur) = timed(5, || {
            let l = label_into(&sim, &atoms, &p, None, pool.pop()).unwrap();
            pool.insert(0, l);
        });
        println!(
            "label {preset:?} radius {radius}: fresh {:.1} ms ({:.1} ms CPU), reused {:.1} ms ({:.1} ms CPU): fresh/reused {:.2}x wall, {:.2}x CPU",
            ms(t),
            ms(cpu),
            ms(tr),
            ms(cpur),
            t.as_secs_f64() / tr.as_secs_f64(),
            cpu.as_secs_f64() / cpur.as_secs_f64()
        );
    }
    let labels = last.unwrap();
    if std::env::var("RELABEL_CASE").is_ok() {
        return;
    }
    // Where the time goes: the cube dilation alone on the same atom voxels.
    let atoms_only: Vec<i16> = labels.classification.data.iter().map(|&c| if c == 1 { 1 } else { 0 }).collect();
    let atom_box = cryolabel::engine::neighbours::occupied_box(&atoms_only, &sim.grid).expect("atom voxels");
    let t = best_of(3, || {
        let mut c = atoms_only.clone();
        cryolabel::engine::neighbours::dilate_cube(&mut c, &sim.grid, 6, atom_box);
    });
    let t_copy = best_of(3, || {
        std::hint::black_box(atoms_only.clone());
    });
    println!(
        "  of which dilate_cube radius 6: {:.1} ms (+ {:.1} ms to copy the input)",
        (t - t_copy).as_secs_f64() * 1e3,
        t_copy.as_secs_f64() * 1e3
    );
    #[cfg(feature = "gui")]
    slices(&sim, &labels);
}

fn ms(d: std::time::Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

/// Best wall time of `runs` calls and the mean CPU time (user + system, all threads) per call:
/// on a shared machine the wall time waits for a free core, the CPU time does not.
fn timed(runs: usize, mut f: impl FnMut()) -> (std::time::Duration, std::time::Duration) {
    let c0 = cpu();
    let t = best_of(runs, &mut f);
    (t, (cpu() - c0) / runs as u32)
}

fn cpu() -> std::time::Duration {
    // SAFETY: getrusage fills the struct it is given.
    let ru = unsafe {
        let mut ru = std::mem::zeroed::<libc::rusage>();
        libc::getrusage(libc::RUSAGE_SELF, &mut ru);
        ru
    };
    let tv = |t: libc::timeval| std::time::Duration::new(t.tv_sec as u64, t.tv_usec as u32 * 1000);
    tv(ru.ru_utime) + tv(ru.ru_stime)
}

/// Time of the slice images the viewer draws from the new labels.
#[cfg(feature = "gui")]
fn slices(sim: &Volume<f32>, labels: &cryolabel::engine::label::Labels) {
    use cryolabel::render::slice::{ClassStyle, ScalarStyle, SliceLayers, SliceStyle, build_slice};
    use cryolabel::render::{Axis, palette};
    use eframe::egui::Color32;
    let scalar = |c| ScalarStyle { visible: true, opacity: 0.6, colour: c };
    let style = SliceStyle {
        map: scalar(Color32::WHITE),
        map_window: (0.0, 2.0),
        simulated: scalar(palette::SIMULATED_COLOUR),
        simulated_max: 1.5,
        regression: scalar(palette::REGRESSION_COLOUR),
        regression_max: 1.5,
        classification: ClassStyle {
            visible: true,
            opacity: 0.5,
            colours: palette::CLASS_COLOURS.to_vec(),
            shown: vec![true; 3],
        },
        atom_types: ClassStyle {
            visible: true,
            opacity: 0.8,
            colours: palette::TYPE_COLOURS.to_vec(),
            shown: vec![true; 6],
        },
        outline: true,
        contour: Some(1.0),
        show_changed: false,
    };
    let layers = SliceLayers {
        map: Some(sim),
        simulated: Some(sim),
        regression: Some(&labels.regression),
        classification: Some(&labels.classification),
        atom_types: Some(&labels.atom_types),
        previous_classification: None,
    };
    for axis in Axis::ALL {
        let t = best_of(5, || {
            build_slice(&layers, &style, axis, 128);
        });
        println!("slice image {axis:?} (256x256, every layer on): {:.2} ms", t.as_secs_f64() * 1e3);
    }
}
