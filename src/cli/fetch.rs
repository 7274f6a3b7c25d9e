//! `cryolabel fetch`: download entries by id into the cache and nothing else, e.g. on a
//! cluster's login node before the compute nodes run `--offline`.

use std::path::PathBuf;

use anyhow::{Result, bail};
use clap::Args;

use super::accession::{self, ArchiveOptions, Words};
use crate::engine::archive::{Accession, Slot, ids};
use crate::engine::dataset::manifest::read_manifest;

#[derive(Args, Debug, Clone)]
pub struct FetchArgs {
    /// Ids: an EMDB id (emdb:3488, EMD-3488, emd_3488) brings its map, header and first fitted
    /// model unless a PDB id (pdb:5me2, 5me2) follows it, which is then its model.
    pub ids: Vec<String>,
    /// Also every entry of a batch manifest (columns id,emdb,pdb[,resolution] or id,map,model).
    #[arg(long)]
    pub manifest: Option<PathBuf>,
    /// Entries fetched at once.
    #[arg(long, default_value_t = 4)]
    pub jobs: usize,
    #[command(flatten)]
    pub archive: ArchiveOptions,
}

/// Ids into entries: each EMDB id starts one; a PDB id is the model of the entry before it
/// when that has none yet, else an entry of its own.
fn group(ids: &[String]) -> Result<Vec<Words>> {
    let mut groups: Vec<(Words, bool)> = Vec::new();
    for w in ids {
        match ids::classify(w, Slot::Id, std::path::Path::new(".")) {
            Some(Accession::Emdb(_)) => groups.push((vec![(w.clone(), Slot::Id)], false)),
            Some(Accession::Pdb(_)) => match groups.last_mut() {
                Some((g, has_model)) if !*has_model => {
                    g.push((w.clone(), Slot::Id));
                    *has_model = true;
                }
                _ => groups.push((vec![(w.clone(), Slot::Id)], true)),
            },
            None => bail!("{w:?}: not an id (emdb:3488, EMD-3488, emd_3488; pdb:5me2, 5me2)"),
        }
    }
    Ok(groups.into_iter().map(|(g, _)| g).collect())
}

pub fn run(args: &FetchArgs) -> Result<()> {
    let mut entries = group(&args.ids)?;
    if let Some(m) = &args.manifest {
        for e in read_manifest(m)? {
            let mut words = vec![(e.map.to_string_lossy().to_string(), Slot::Map)];
            if !e.model.as_os_str().is_empty() {
                words.push((e.model.to_string_lossy().to_string(), Slot::Model));
            }
            entries.push(words);
        }
    }
    if entries.is_empty() {
        bail!("nothing to fetch: give ids (emdb:3488 pdb:5me2) or --manifest");
    }
    let results = accession::resolve_many(&entries, true, args.jobs, &args.archive)?;
    let mut failed = Vec::new();
    for (words, r) in entries.iter().zip(results) {
        let name = words.iter().map(|(w, _)| w.as_str()).collect::<Vec<_>>().join(" ");
        match r {
            Ok(r) => {
                for line in accession::describe(&r) {
                    println!("{line}");
                }
            }
            Err(e) => {
                eprintln!("error: {name}: {e}");
                failed.push(name);
            }
        }
    }
    if !failed.is_empty() {
        bail!("{} of {} entries could not be fetched: {}", failed.len(), entries.len(), failed.join(", "));
    }
    Ok(())
}
