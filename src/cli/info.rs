//! `cryolabel info FILE`: a map's grid and header, or a model's contents.

use std::path::{Path, PathBuf};

use anyhow::Result;
use clap::Args;

use crate::engine;

#[derive(Args, Debug, Clone)]
pub struct InfoArgs {
    /// A map (.mrc, .map, .ccp4, .gz) or a model (.pdb, .pdb1, .cif, ...), or an id
    /// (emdb:3488, EMD-3488; pdb:5me2, 5me2), fetched into the cache.
    pub file: PathBuf,
    #[command(flatten)]
    pub archive: super::accession::ArchiveOptions,
}

/// Whether a path looks like a map rather than a model (by content: an MRC header has a
/// plausible mode word and "MAP " or positive dims; models are text).
pub fn looks_like_map(path: &Path) -> bool {
    let name = path.to_string_lossy().to_ascii_lowercase();
    let name = name.trim_end_matches(".gz");
    name.ends_with(".mrc") || name.ends_with(".map") || name.ends_with(".ccp4") || name.ends_with(".mrcs")
}

pub fn run(args: &InfoArgs) -> Result<()> {
    let mut args = args.clone();
    // one word, map or model: an EMDB id resolves to the map, anything else stands as the model
    super::accession::localize(None, Some(&mut args.file), &args.archive)?;
    if looks_like_map(&args.file) {
        print!("{}", map_report(&engine::read_map(&args.file)?));
    } else {
        print!("{}", model_report(&engine::read_model(&args.file)?));
    }
    Ok(())
}

pub fn map_report(m: &engine::MapFile) -> String {
    let g = &m.volume.grid;
    let h = &m.header;
    let s = engine::Stats::of(&m.volume.data);
    let (lo, hi) = g.bounds();
    let mut out = String::new();
    let mode = match h.mode {
        0 => "0 (int8)",
        1 => "1 (int16)",
        2 => "2 (float32)",
        6 => "6 (uint16)",
        12 => "12 (float16)",
        _ => "?",
    };
    out += &format!("map          {}{}\n", m.path.display(), if h.gzipped { " (gzip)" } else { "" });
    out += &format!("shape        {} x {} x {} (x, y, z)\n", g.shape[0], g.shape[1], g.shape[2]);
    out += &format!("voxel size   {:.4} x {:.4} x {:.4} Å\n", g.voxel[0], g.voxel[1], g.voxel[2]);
    out += &format!(
        "origin       ({:.3}, {:.3}, {:.3}) Å = world position of voxel 0\n",
        g.origin[0], g.origin[1], g.origin[2]
    );
    out += &format!(
        "box          x {:.2}..{:.2}, y {:.2}..{:.2}, z {:.2}..{:.2} Å (voxel centres)\n",
        lo.x, hi.x, lo.y, hi.y, lo.z, hi.z
    );
    out += &format!(
        "header       ORIGIN {:?}, NSTART (c,r,s) {:?}, MX,MY,MZ {:?}, CELLA {:?}, CELLB {:?}\n",
        h.origin_field, h.nstart_crs, h.sampling, h.cell, h.angles
    );
    out += &format!("axis order   MAPC,MAPR,MAPS = {},{},{}\n", h.axis_order[0], h.axis_order[1], h.axis_order[2]);
    out += &format!(
        "mode         {mode}, {} endian, ISPG {}, NSYMBT {}, NVERSION {}\n",
        if h.big_endian { "big" } else { "little" },
        h.ispg,
        h.nsymbt,
        h.nversion
    );
    out += &format!("values       min {:.5}, max {:.5}, mean {:.5}, sd {:.5}\n", s.min, s.max, s.mean, s.rms);
    out += &format!(
        "header stats min {:.5}, max {:.5}, mean {:.5}, rms {:.5}\n",
        h.header_stats.min, h.header_stats.max, h.header_stats.mean, h.header_stats.rms
    );
    for l in &h.labels {
        out += &format!("label        {}\n", l.trim());
    }
    for w in &m.warnings {
        out += &format!("warning      {w}\n");
    }
    out
}

pub fn model_report(m: &engine::Model) -> String {
    let mut out = String::new();
    out += &format!("model        {} ({})\n", m.path.display(), m.format);
    out += &format!(
        "models       {} (atoms per model: {})\n",
        m.atoms_per_model.len(),
        m.atoms_per_model.iter().map(|n| n.to_string()).collect::<Vec<_>>().join(", ")
    );
    out += &format!("chains       {}\nresidues     {}\natoms        {}\n", m.chains, m.residues, m.atoms.len());
    out += &format!(
        "elements     {}\n",
        m.element_counts().iter().map(|(e, n)| format!("{e} {n}")).collect::<Vec<_>>().join(", ")
    );
    out += &format!("altlocs      {} alternative positions dropped (highest occupancy kept)\n", m.altlocs_dropped);
    if let Some((lo, hi)) = m.bounding_box() {
        out += &format!(
            "bounding box x {:.2}..{:.2}, y {:.2}..{:.2}, z {:.2}..{:.2} Å\n",
            lo.x, hi.x, lo.y, hi.y, lo.z, hi.z
        );
    }
    if let Some(r) = m.resolution {
        out += &format!("resolution   {r} Å (from the file)\n");
    }
    for w in m.warnings.iter().take(10) {
        out += &format!("warning      {w}\n");
    }
    out
}
