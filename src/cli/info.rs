//! `cryolabel info FILE`: a map's grid and header, or a model's contents.

use std::path::PathBuf;

use anyhow::Result;
use clap::Args;

use crate::engine;
use crate::engine::formats::{self, Compression, Kind};

#[derive(Args, Debug, Clone)]
pub struct InfoArgs {
    /// A map or a model, told apart by content (MRC/CCP4 header, PDB or mmCIF text), plain,
    /// gzip or bzip2; or an id (emdb:3488, EMD-3488; pdb:5me2, 5me2), fetched into the cache.
    pub file: PathBuf,
    /// For a model: read it as this labeling preset does (which altloc, which residue of a
    /// microheterogeneous position).
    #[arg(long, value_enum, default_value = "denoisecryodata")]
    pub preset: super::PresetArg,
    #[command(flatten)]
    pub archive: super::accession::ArchiveOptions,
}

pub fn run(args: &InfoArgs) -> Result<()> {
    let mut args = args.clone();
    // one word, map or model: an EMDB id resolves to the map, anything else stands as the model
    super::accession::localize(None, Some(&mut args.file), &args.archive)?;
    match formats::identify(&args.file)? {
        Kind::Map => print!("{}", map_report(&engine::read_map(&args.file)?)),
        Kind::Model => {
            let opts = engine::LabelParams::preset(args.preset.into()).read_options();
            print!("{}", model_report(&engine::read_model_with(&args.file, opts)?))
        }
    }
    Ok(())
}

pub fn map_report(m: &engine::MapFile) -> String {
    let g = &m.volume.grid;
    let h = &m.header;
    // Statistics of the values as stored (a skewed map's, not its resampled copy's), over
    // the finite voxels as mrcfile computes them.
    let stored = m.skewed.as_ref().map_or(&m.volume.data, |k| &k.data);
    let s = engine::Stats::of(stored);
    let non_finite = engine::grid::count_non_finite(stored);
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
    let packed =
        if h.compression == Compression::None { String::new() } else { format!(" ({})", h.compression.name()) };
    out += &format!("map          {}{packed}\n", m.path.display());
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
    out += &format!(
        "cell         a {:.3}, b {:.3}, c {:.3} Å; alpha {:.3}, beta {:.3}, gamma {:.3} degrees ({})\n",
        h.cell[0],
        h.cell[1],
        h.cell[2],
        h.angles[0],
        h.angles[1],
        h.angles[2],
        if m.skewed.is_some() {
            "non-orthogonal: shape, voxel and box above are the orthogonal grid it was resampled onto"
        } else {
            "orthogonal"
        }
    );
    if let Some(k) = &m.skewed {
        let g = &k.grid;
        let o = g.origin;
        out += &format!(
            "stored       {} x {} x {} lattice points (a, b, c), steps {:.4} x {:.4} x {:.4} Å, point 0 at ({:.3}, {:.3}, {:.3}) Å\n",
            g.shape[0], g.shape[1], g.shape[2], g.step[0], g.step[1], g.step[2], o.x, o.y, o.z
        );
    }
    out += &format!("axis order   MAPC,MAPR,MAPS = {},{},{}\n", h.axis_order[0], h.axis_order[1], h.axis_order[2]);
    out += &format!(
        "mode         {mode}, {} endian, ISPG {}, NSYMBT {}, NVERSION {}\n",
        if h.big_endian { "big" } else { "little" },
        h.ispg,
        h.nsymbt,
        h.nversion
    );
    out += &format!("values       min {:.5}, max {:.5}, mean {:.5}, sd {:.5}", s.min, s.max, s.mean, s.rms);
    out += &if non_finite > 0 {
        format!(" (over the finite voxels; {non_finite} NaN or infinite)\n")
    } else {
        "\n".into()
    };
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
    let (alt_rule, res_rule) = match m.altloc_rule {
        engine::AltlocRule::Biopython => {
            ("as Biopython: highest occupancy, first on a tie", "as Biopython: the one read last")
        }
        engine::AltlocRule::HighestOccupancy => ("highest occupancy kept, first on a tie", "highest occupancy kept"),
    };
    out += &format!("altlocs      {} alternative positions dropped ({alt_rule})\n", m.altlocs_dropped);
    out += &format!(
        "microhet     {} residues ({} atoms) dropped where two residues share a position ({res_rule})\n",
        m.residues_dropped, m.residue_atoms_dropped
    );
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
