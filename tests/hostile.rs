//! Hostile input: malformed maps and models the readers must refuse (or warn about) with a
//! message naming the file, never a panic or an absurd allocation; exports that stay whole
//! when the process is killed. The table in docs/README-hostile.md names each test here.

mod common;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use cryolabel::engine::model::parse_model;
use cryolabel::engine::{Durability, Grid, MapError, Volume, read_map, read_map_bytes, write_map};

/// A valid little-endian 4x4x4 float32 map (1024-byte header + 256 bytes).
fn small_map() -> Vec<u8> {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("m.mrc");
    let vol = Volume { grid: Grid::new([4, 4, 4], [1.0; 3], [0.0; 3]), data: (0..64).map(|v| v as f32).collect() };
    write_map(&p, &vol, "hostile", Durability::Renamed).unwrap();
    std::fs::read(p).unwrap()
}

fn set_i32(bytes: &mut [u8], word: usize, v: i32) {
    bytes[word * 4..word * 4 + 4].copy_from_slice(&v.to_le_bytes());
}

fn set_f32(bytes: &mut [u8], word: usize, v: f32) {
    bytes[word * 4..word * 4 + 4].copy_from_slice(&v.to_le_bytes());
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    e.write_all(bytes).unwrap();
    e.finish().unwrap()
}

/// The map must be refused with `needle` in a message that names the file.
fn refused(bytes: &[u8], name: &str, needle: &str) -> MapError {
    let e = read_map_bytes(bytes, Path::new(name)).expect_err(needle);
    let msg = e.to_string();
    assert!(msg.contains(needle), "{msg:?} should contain {needle:?}");
    assert!(msg.contains(name), "{msg:?} should name {name}");
    e
}

#[test]
fn path_and_bytes_readers_agree() {
    let bytes = small_map();
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("a.mrc");
    std::fs::write(&p, &bytes).unwrap();
    let a = read_map(&p).unwrap();
    let b = read_map_bytes(&bytes, &p).unwrap();
    let c = read_map_bytes(&gzip(&bytes), &p).unwrap();
    assert_eq!(a.volume.grid, b.volume.grid);
    assert_eq!(a.volume.data, b.volume.data);
    assert_eq!(a.volume.data, c.volume.data);
}

#[test]
fn truncated_voxel_data_plain_and_gzipped() {
    let bytes = small_map();
    refused(&bytes[..1100], "short.mrc", "truncated");
    refused(&gzip(&bytes[..1100]), "short.mrc.gz", "truncated");
    refused(&bytes[..500], "head.mrc", "truncated");
}

#[test]
fn negative_dims_are_refused() {
    let mut b = small_map();
    set_i32(&mut b, 1, -4);
    refused(&b, "neg.mrc", "not all positive");
}

#[test]
fn dims_whose_product_overflows_are_refused() {
    let mut b = small_map();
    for w in 0..3 {
        set_i32(&mut b, w, i32::MAX);
    }
    let e = refused(&b, "overflow.mrc", "more than this machine can hold");
    assert!(matches!(e, MapError::TooLarge { .. }));
}

#[test]
fn gzip_claiming_more_than_it_holds_is_refused_without_reserving_it() {
    // 800^3 float32 = 2 GB claimed by a ~200-byte gz: the buffer is bounded by what the
    // compressed bytes could expand to (deflate's 1032:1), so this costs kilobytes.
    let mut b = small_map();
    for w in 0..3 {
        set_i32(&mut b, w, 800);
    }
    let gz = gzip(&b);
    let e = read_map_bytes(&gz, Path::new("bomb.mrc.gz")).unwrap_err().to_string();
    assert!(e.contains("truncated") || e.contains("more than this machine can hold"), "{e}");
    assert!(e.contains("bomb.mrc.gz"), "{e}");
}

#[test]
fn complex_and_unknown_modes_are_refused() {
    for (mode, needle) in [(3, "complex"), (4, "complex"), (7, "unknown data mode 7"), (101, "4-bit")] {
        let mut b = small_map();
        set_i32(&mut b, 3, mode);
        refused(&b, "mode.mrc", needle);
    }
}

#[test]
fn extended_header_longer_than_the_file_is_refused() {
    let mut b = small_map();
    set_i32(&mut b, 23, 1 << 30);
    // Exactly header + data: EMDB's NSYMBT-without-bytes quirk, read with a warning.
    let m = read_map_bytes(&b, Path::new("ext.mrc")).unwrap();
    assert!(m.warnings.iter().any(|w| w.contains("absent")), "{:?}", m.warnings);
    // Some extended bytes, far fewer than claimed: truncated.
    b.splice(1024..1024, [0u8; 100]);
    refused(&b, "ext.mrc", "truncated");
    refused(&gzip(&b), "ext.mrc.gz", "truncated");
    set_i32(&mut b, 23, -5);
    refused(&b, "ext.mrc", "negative extended-header size");
}

#[test]
fn nan_and_inf_values_are_read_with_a_warning() {
    let mut b = small_map();
    set_f32(&mut b, 256, f32::NAN);
    set_f32(&mut b, 257, f32::INFINITY);
    let m = read_map_bytes(&b, Path::new("nan.mrc")).unwrap();
    assert!(m.warnings.iter().any(|w| w.starts_with("2 of 64 voxels are NaN or infinite")), "{:?}", m.warnings);
}

#[test]
fn impossible_cell_angles_are_refused_synthetic() {
    // a non-orthogonal cell is read (resampled: tests/real_maps.rs); angles that enclose no
    // volume describe no cell at all
    let mut b = small_map();
    for w in [13, 14, 15] {
        set_f32(&mut b, w, 120.0);
    }
    refused(&b, "flat.mrc", "describe no cell");
    set_f32(&mut b, 13, 190.0);
    refused(&b, "wide.mrc", "describe no cell");
}

#[test]
fn axis_order_must_be_a_permutation_synthetic() {
    let mut b = small_map();
    set_i32(&mut b, 17, 3);
    set_i32(&mut b, 18, 3);
    refused(&b, "axes.mrc", "not a permutation");
}

#[test]
fn huge_sampling_and_nstart_do_not_overflow() {
    // Found by reasoning about the fuzz target: 10 * MX overflowed i32 in the NSTART bound.
    let mut b = small_map();
    set_i32(&mut b, 7, i32::MAX);
    set_i32(&mut b, 4, i32::MIN);
    let m = read_map_bytes(&b, Path::new("mx.mrc")).unwrap();
    assert!(!m.warnings.is_empty());
}

const PDB_LINE: &str = "ATOM      1  CA  ALA A   1      10.000  10.000  10.000  1.00 10.00           C";

#[test]
fn duplicate_atoms_follow_the_preset() {
    // The published script's reader (Biopython) drops an atom name repeated in a residue
    // ("Atom defined twice"), and says so here; `precise` keeps both records, as gemmi does.
    let text = format!("{PDB_LINE}\n{PDB_LINE}\n");
    let m = parse_model(text.as_bytes(), Path::new("dup.pdb")).unwrap();
    assert_eq!(m.atoms.len(), 1);
    assert_eq!(m.altlocs_dropped, 0);
    assert_eq!(m.duplicates_dropped, 1);
    assert!(m.warnings.iter().any(|w| w.contains("1 atom(s) dropped")), "{:?}", m.warnings);
    let opts = cryolabel::engine::ReadOptions { altlocs: cryolabel::engine::AltlocRule::HighestOccupancy };
    let m = cryolabel::engine::model::parse_model_with(text.as_bytes(), Path::new("dup.pdb"), opts).unwrap();
    assert_eq!(m.atoms.len(), 2);
}

#[test]
fn mmcif_altlocs_keep_the_highest_occupancy() {
    let cif = "data_x\nloop_\n_atom_site.group_PDB\n_atom_site.label_atom_id\n_atom_site.label_alt_id\n\
_atom_site.label_comp_id\n_atom_site.auth_asym_id\n_atom_site.auth_seq_id\n_atom_site.Cartn_x\n\
_atom_site.Cartn_y\n_atom_site.Cartn_z\n_atom_site.occupancy\n\
ATOM N A ALA A 1 1.0 2.0 3.0 0.3\nATOM N B ALA A 1 5.0 2.0 3.0 0.7\nATOM CA . ALA A 1 6.0 2.0 3.0 1.0\n#\n";
    let m = parse_model(cif.as_bytes(), Path::new("alt.cif")).unwrap();
    assert_eq!(m.atoms.len(), 2);
    assert_eq!(m.atoms[0].pos.x, 5.0);
    assert_eq!(m.altlocs_dropped, 1);
}

#[test]
fn mmcif_nan_coordinate_is_refused() {
    let cif = "data_x\nloop_\n_atom_site.label_atom_id\n_atom_site.Cartn_x\n_atom_site.Cartn_y\n_atom_site.Cartn_z\nCA nan 1 2\n";
    let e = parse_model(cif.as_bytes(), Path::new("nan.cif")).unwrap_err().to_string();
    assert!(e.contains("non-finite x coordinate") && e.contains("nan.cif"), "{e}");
}

/// Hybrid-36 for a field of `width` digits: decimal below 10^width, then A000.., then a000...
fn hy36(n: usize, width: u32) -> String {
    let dec = 10usize.pow(width);
    if n < dec {
        return format!("{n:>w$}", w = width as usize);
    }
    let v = n - dec + 10 * 36usize.pow(width - 1);
    let mut s = Vec::new();
    let mut x = v;
    for _ in 0..width {
        s.push(b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"[x % 36]);
        x /= 36;
    }
    s.reverse();
    String::from_utf8(s).unwrap()
}

#[test]
fn hundred_thousand_atoms_with_hybrid36_serials_and_residues() {
    let n = 100_010;
    let mut text = String::with_capacity(n * 81);
    for i in 0..n {
        let serial = hy36(i + 1, 5);
        let res = hy36(i / 5 + 1, 4);
        let name = [" N  ", " CA ", " C  ", " O  ", " CB "][i % 5];
        let chain = (b'A' + ((i / 200_000) as u8)) as char;
        let (x, y, z) = ((i % 100) as f32, ((i / 100) % 100) as f32, (i / 10_000) as f32);
        text += &format!(
            "ATOM  {serial} {name} ALA {chain}{res}    {x:8.3}{y:8.3}{z:8.3}  1.00 10.00           {}\n",
            &name[1..2]
        );
    }
    assert_eq!(hy36(100_000, 5), "A0000");
    assert_eq!(hy36(10_000, 4), "A000");
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("big.pdb");
    std::fs::write(&p, &text).unwrap();
    let m = cryolabel::engine::read_model(&p).unwrap();
    assert_eq!(m.atoms.len(), n);
    assert_eq!(m.residues, n / 5);
    assert_eq!(m.atoms.last().unwrap().res_seq, (n / 5) as isize);
}

// ---- exports under SIGKILL ----

fn final_names(dir: &Path) -> Vec<PathBuf> {
    let Ok(rd) = std::fs::read_dir(dir) else { return Vec::new() };
    rd.map(|e| e.unwrap().path()).filter(|p| !p.file_name().unwrap().to_string_lossy().starts_with('.')).collect()
}

#[test]
fn killed_export_leaves_no_partial_file() {
    let dir = tempfile::tempdir().unwrap();
    let n = 128;
    let grid = Grid::new([n; 3], [1.0; 3], [0.0; 3]);
    let vol = Volume { grid, data: (0..n * n * n).map(|i| (i % 7) as f32 + 0.5).collect() };
    let map = dir.path().join("big.mrc");
    write_map(&map, &vol, "kill test", Durability::Renamed).unwrap();
    let mut pdb = String::new();
    for i in 0..2000 {
        let (x, y, z) = (5 + i % 110, 5 + (i / 110) % 110, 5 + (i * 7) % 110);
        pdb += &format!(
            "ATOM  {:>5}  CA  ALA A{:>4}    {:8.3}{:8.3}{:8.3}  1.00 10.00           C\n",
            i + 1,
            i % 9999 + 1,
            x as f32,
            y as f32,
            z as f32
        );
    }
    let model = dir.path().join("m.pdb");
    std::fs::write(&model, pdb).unwrap();
    let out = dir.path().join("out");
    let args = [
        "label",
        "--map",
        map.to_str().unwrap(),
        "--model",
        model.to_str().unwrap(),
        "--simulated",
        map.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ];
    // Proof that a kill lands mid-export: watch for a temporary `.<name>.part-<pid>` holding
    // some but not all of the file, SIGKILL at that moment, then find the temporary still there
    // and no file under the final name.
    let spawn_quiet = || {
        Command::new(common::bin())
            .args(args)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap()
    };
    let full = 1024 + 4 * n * n * n;
    let mut caught = None;
    for attempt in 0..20 {
        let _ = std::fs::remove_dir_all(&out);
        let mut child = spawn_quiet();
        let prefix = format!(".part-{}", child.id());
        let t0 = std::time::Instant::now();
        let part = loop {
            let partial = std::fs::read_dir(&out).into_iter().flatten().flatten().find_map(|e| {
                let name = e.file_name().to_string_lossy().to_string();
                let len = e.metadata().map(|m| m.len()).unwrap_or(0) as usize;
                (name.ends_with(&prefix) && len > 0 && len < full).then(|| (e.path(), name, len))
            });
            if partial.is_some() || child.try_wait().unwrap().is_some() || t0.elapsed() > Duration::from_secs(60) {
                break partial;
            }
            std::thread::sleep(Duration::from_micros(200));
        };
        let _ = child.kill(); // SIGKILL
        let _ = child.wait();
        // (if the write finished between the look and the kill, the temporary is gone: try again)
        if let Some((_, name, len)) = part.filter(|p| p.0.is_file()) {
            let final_name = name.trim_start_matches('.').trim_end_matches(&prefix).to_string();
            assert!(!out.join(&final_name).exists(), "{final_name} must not exist: its write was cut off");
            caught = Some((attempt, final_name, len));
            break;
        }
    }
    let (attempt, name, len) = caught.expect("no kill landed while a temporary file was being written");
    eprintln!("killed on attempt {attempt} while {name} held {len} of {full} bytes");

    let mut seen_final = 0;
    for delay_ms in [0u64, 30, 80, 150, 250, 400, 600, 900, 1300, 2000] {
        let _ = std::fs::remove_dir_all(&out);
        let mut child = spawn_quiet();
        std::thread::sleep(Duration::from_millis(delay_ms));
        let _ = child.kill(); // SIGKILL
        let _ = child.wait();
        for f in final_names(&out) {
            let m = read_map(&f)
                .unwrap_or_else(|e| panic!("after a kill at {delay_ms} ms, {} is partial: {e}", f.display()));
            assert_eq!(m.volume.grid.shape, [n; 3]);
            seen_final += 1;
        }
    }
    // A run to the end writes all three and, on Linux, sweeps the killed runs' temporaries.
    let ok = Command::new(common::bin()).args(args).output().unwrap();
    assert!(ok.status.success(), "{}", String::from_utf8_lossy(&ok.stderr));
    let names: Vec<_> =
        std::fs::read_dir(&out).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().to_string()).collect();
    assert_eq!(final_names(&out).len(), 3, "{names:?}");
    if cfg!(target_os = "linux") {
        assert_eq!(names.len(), 3, "stale .part files swept: {names:?}");
    }
    eprintln!("{seen_final} final-name files seen after kills, all complete");
}

#[test]
fn stale_part_files_of_dead_writers_are_swept() {
    let dir = tempfile::tempdir().unwrap();
    let stale = dir.path().join(".x.mrc.part-999999999"); // above any Linux pid_max
    let other = dir.path().join(".y.mrc.part-999999999"); // another file's: left alone
    std::fs::write(&stale, b"half").unwrap();
    std::fs::write(&other, b"half").unwrap();
    let vol = Volume { grid: Grid::new([2; 3], [1.0; 3], [0.0; 3]), data: vec![1.0f32; 8] };
    write_map(&dir.path().join("x.mrc"), &vol, "t", Durability::Renamed).unwrap();
    assert_eq!(stale.exists(), !cfg!(target_os = "linux"));
    assert!(other.exists());
}
