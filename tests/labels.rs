//! The published labels, bit for bit, from real EMDB/PDB data (../shared/data).

mod common;

use common::data;
use cryolabel::engine::{self, LabelParams, Preset, label::label};

struct Case {
    map: &'static str,
    model: &'static str,
    expected: &'static str,
    id: &'static str,
}

fn labels_for(map: &str, model: &str, sim: &str, params: &LabelParams) -> engine::Labels {
    let map = engine::read_map(&data(map)).unwrap();
    let model = engine::read_model(&data(model)).unwrap();
    let sim = engine::read_map(&data(sim)).unwrap();
    let sim = engine::resample::resample_onto(&sim.volume, &map.volume.grid);
    label(&sim, &model.atoms, params, None).unwrap()
}

fn assert_bit_exact(c: &Case) {
    let sim = format!("{}/{}_situs_simulated.mrc.gz", c.expected, c.id);
    let l = labels_for(c.map, c.model, &sim, &LabelParams::preset(Preset::DenoiseCryoData));
    let names = ["regression_situs", "classification_situs", "classification_types_situs"];
    let ours: [Vec<f32>; 3] = [
        l.regression.data.clone(),
        l.classification.data.iter().map(|&v| v as f32).collect(),
        l.atom_types.data.clone(),
    ];
    for (name, got) in names.iter().zip(&ours) {
        let exp = engine::read_map(&data(&format!("{}/{}_{name}.mrc.gz", c.expected, c.id))).unwrap();
        assert_eq!(exp.volume.grid.shape, l.regression.grid.shape);
        let differ = exp.volume.data.iter().zip(got).filter(|(a, b)| a.to_bits() != b.to_bits()).count();
        assert_eq!(differ, 0, "{} {name}: {differ} voxels differ from the published output", c.model);
    }
    assert!(l.stats.class_counts[1] > 1000 && l.stats.class_counts[2] > 10 * l.stats.class_counts[1] / 2);
}

#[test]
fn bit_exact_5ni1_pdb() {
    assert_bit_exact(&Case { map: "5ni1/emd_3488.mrc", model: "5ni1/5me2.pdb", expected: "5ni1/expected", id: "5me2" });
}

#[test]
fn bit_exact_5ni1_assembly_pdb1() {
    // MODEL 2 reuses chain ids A,B: every MODEL must count.
    assert_bit_exact(&Case {
        map: "5ni1/emd_3488.mrc",
        model: "5ni1/5me2.pdb1",
        expected: "5ni1/expected",
        id: "5me2",
    });
}

#[test]
fn bit_exact_6vyb_origin_in_header() {
    assert_bit_exact(&Case {
        map: "6vyb/emd_21457_seg.mrc",
        model: "6vyb/6vyb_Ndom.pdb",
        expected: "6vyb/expected",
        id: "6vyb",
    });
}

#[test]
fn nstart_placement_gives_the_same_labels_as_origin_placement() {
    let sim = "6vyb/expected/6vyb_situs_simulated.mrc.gz";
    let p = LabelParams::preset(Preset::DenoiseCryoData);
    let seg = labels_for("6vyb/emd_21457_seg.mrc", "6vyb/6vyb_Ndom.pdb", sim, &p);
    let nst = labels_for("6vyb/emd_21457_seg_nstart.mrc", "6vyb/6vyb_Ndom.pdb", sim, &p);
    assert!((seg.regression.grid.origin[0] - nst.regression.grid.origin[0]).abs() < 1e-3);
    assert!(seg.classification.data == nst.classification.data, "classification differs");
    assert!(seg.atom_types.data == nst.atom_types.data, "atom types differ");
    let differ = seg.regression.data.iter().zip(&nst.regression.data).filter(|(a, b)| a != b).count();
    assert!(differ <= 3, "{differ} regression voxels differ");
    // and the shifted model on the zero-origin map lands on the same voxels
    let o0 = labels_for(
        "6vyb/emd_21457_seg_orig0.mrc",
        "6vyb/6vyb_Ndom_shifted.pdb",
        sim,
        &LabelParams::preset(Preset::Precise),
    );
    let sp = labels_for("6vyb/emd_21457_seg.mrc", "6vyb/6vyb_Ndom.pdb", sim, &LabelParams::preset(Preset::Precise));
    assert_eq!(o0.stats.atoms_outside, sp.stats.atoms_outside);
    assert_eq!(o0.stats.atoms_outside, 3, "SOURCE.txt: 3 of 1615 atoms lie outside the box");
}

#[test]
fn negative_nstart_is_honoured() {
    // EMD-5168: NSTART -50 with ORIGIN 0; 18 atoms of 3MFP lie below z = -87.1 Å.
    let map = engine::read_map(&data("3mfp/emd_5168.map")).unwrap();
    assert!((map.volume.grid.origin[2] + 87.1).abs() < 1e-3, "{:?}", map.volume.grid.origin);
    let model = engine::read_model(&data("3mfp/3MFP.pdb")).unwrap();
    let l = label(&map.volume, &model.atoms, &LabelParams::preset(Preset::Precise), None).unwrap();
    // 18 atoms lie below the lowest voxel centre (z = -87.1 Å); 4 of them within half a voxel
    // (0.871 Å), which the nearest-voxel rule keeps. Ignoring NSTART would put every atom outside.
    assert_eq!(l.stats.atoms_outside, 14);
    assert!(l.stats.class_counts[1] > 2000, "{:?}", l.stats);
}

#[test]
fn precise_preset_differs_where_the_paper_meant_otherwise() {
    let sim = "5ni1/expected/5me2_situs_simulated.mrc.gz";
    let r = labels_for("5ni1/emd_3488.mrc", "5ni1/5me2.pdb", sim, &LabelParams::preset(Preset::DenoiseCryoData));
    let mut pp = LabelParams::preset(Preset::Precise);
    pp.radius = 6.0;
    let p = labels_for("5ni1/emd_3488.mrc", "5ni1/5me2.pdb", sim, &pp);
    // a 6 Å sphere holds fewer voxels than a 13-voxel (13.65 Å) cube
    assert!(p.stats.class_counts[2] < r.stats.class_counts[2]);
    assert!(p.stats.class_counts[1] > 4000);
    // nearest voxel: fewer collisions, so nearly every protein O gets its own typed voxel
    let model = engine::read_model(&data("5ni1/5me2.pdb")).unwrap();
    let protein_o = model.atoms.iter().filter(|a| a.name == "O" && engine::model::is_amino_acid(&a.res_name)).count();
    let all_o = protein_o;
    assert!(
        p.stats.type_counts[4] <= protein_o && p.stats.type_counts[4] + 20 > protein_o,
        "{:?} {protein_o} {all_o}",
        p.stats
    );
}

/// The mmCIF reader and the PDB reader give the same atoms for one molecule: 5NI1's mmCIF
/// against the PDB file gemmi writes from it, atom by atom (chain, residue, name, element,
/// position to the file's 0.001 Å). 5me2.pdb cannot be the reference: it is another
/// deposition for the same map, with other coordinates.
#[test]
fn mmcif_reads_the_same_molecule() {
    let cif = data("5ni1/5ni1_updated.cif");
    let m = engine::read_model(&cif).unwrap();
    assert_eq!(m.atoms.len(), 4579);
    assert_eq!(m.resolution, Some(3.2));
    let p = engine::read_model(&data("5ni1/5me2.pdb1")).unwrap();
    assert_eq!(p.atoms_per_model, vec![2234, 2234]);
    if !common::python_with("gemmi") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let pdb = dir.path().join("5ni1_by_gemmi.pdb");
    let o = std::process::Command::new("python3")
        .args(["-c", "import gemmi, sys; gemmi.read_structure(sys.argv[1]).write_pdb(sys.argv[2])"])
        .args([&cif, &pdb])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let q = engine::read_model(&pdb).unwrap();
    // gemmi writes atoms grouped by chain; compare the two as sorted lists of whole atoms
    let atoms = |m: &engine::Model| {
        let mut v: Vec<_> = m
            .atoms
            .iter()
            .map(|a| {
                let p = a.pos.to_array().map(|c| (c * 1000.0).round() as i64);
                (a.chain.clone(), a.res_seq, a.res_name.clone(), a.name.clone(), a.element.clone(), a.hetero, p)
            })
            .collect();
        v.sort();
        v
    };
    let (from_cif, from_pdb) = (atoms(&m), atoms(&q));
    assert_eq!(from_cif.len(), from_pdb.len());
    let differ: Vec<_> = from_cif.iter().zip(&from_pdb).filter(|(a, b)| a != b).take(5).collect();
    assert!(differ.is_empty(), "mmCIF vs PDB atoms differ, e.g. {differ:?}");
    assert_eq!(from_cif.iter().filter(|a| a.4 == "FE").count(), 4, "one iron per haem");
}
