"""cl.label(...).write(...) against `cryolabel label` (byte for byte) and against the published
pipeline's expected/ outputs read by mrcfile; simulate, fsc and write_map against the CLI."""

import numpy as np
import pytest

import cryolabel as cl

# The README's label commands: map, model, published simulated map, id.
CASES = {
    "5ni1": ("5ni1/emd_3488.mrc", "5ni1/5me2.pdb", "5ni1/expected/5me2_situs_simulated.mrc.gz", "5me2"),
    "6vyb": ("6vyb/emd_21457_seg.mrc", "6vyb/6vyb_Ndom.pdb", "6vyb/expected/6vyb_situs_simulated.mrc.gz", "6vyb"),
}
KINDS = ["regression_situs", "classification_situs", "classification_types_situs"]


@pytest.mark.parametrize("case", sorted(CASES))
def test_label_write_is_byte_identical_to_the_cli(case, real, cli, mrcfile, tmp_path):
    map_rel, model_rel, sim_rel, ident = CASES[case]
    mp, model_path, sim = real / map_rel, real / model_rel, real / sim_rel
    cli("label", "--map", mp, "--model", model_path, "--simulated", sim, "--out", tmp_path / "cli", "--id", ident)

    m = cl.read_map(mp)
    model = cl.read_model(model_path)
    lab = cl.label(m, model, simulated=cl.read_map(sim), preset="denoisecryodata", radius=6)
    written = lab.write(tmp_path / "py", ident)
    assert [p.rsplit("/", 1)[1] for p in written] == [f"{ident}_{k}.mrc" for k in KINDS]
    for k in KINDS:
        a = (tmp_path / "cli" / f"{ident}_{k}.mrc").read_bytes()
        b = (tmp_path / "py" / f"{ident}_{k}.mrc").read_bytes()
        assert a == b, f"{case} {k}: python and CLI files differ"

    # the arrays equal what mrcfile reads from the published outputs
    arrays = {"regression_situs": lab.regression, "classification_situs": lab.classification,
              "classification_types_situs": lab.types}
    dtypes = {"regression_situs": np.float32, "classification_situs": np.int16,
              "classification_types_situs": np.float32}
    for k in KINDS:
        with mrcfile.open(real / f"{case}/expected/{ident}_{k}.mrc.gz", permissive=True) as f:
            exp = np.asarray(f.data)
        got = arrays[k]
        assert got.dtype == dtypes[k] and got.shape == m.data.shape == exp.shape, (k, got.dtype, got.shape)
        assert np.array_equal(got, exp), f"{case} {k} differs from expected/"

    # a path for `simulated` gives the same labels; the default id is the model's stem
    again = cl.label(m, model, simulated=str(sim))
    assert np.array_equal(again.regression, lab.regression)
    assert again.write(tmp_path / "py2")[0].endswith(f"{model_path.name.split('.')[0]}_regression_situs.mrc")
    assert lab.stats["atoms"] == len(model)


def test_label_options_and_simulation_follow_the_cli(real, cli, tmp_path):
    mp, model_path = real / "5ni1/emd_3488.mrc", real / "5ni1/5me2.pdb"
    cli("label", "--map", mp, "--model", model_path, "--resolution", 3.2, "--preset", "precise",
        "--radius", 4.5, "--atom-types", "names", "--out", tmp_path / "cli", "--id", "x")
    m, model = cl.read_map(mp), cl.read_model(model_path)
    sim = cl.simulate(model, like=m, resolution=3.2)
    assert sim.data.shape == m.data.shape and sim.origin == m.origin
    lab = cl.label(m, model, simulated=sim, preset="precise", radius=4.5, atom_types="names")
    lab.write(tmp_path / "py", "x")
    for k in KINDS:
        assert (tmp_path / "cli" / f"x_{k}.mrc").read_bytes() == (tmp_path / "py" / f"x_{k}.mrc").read_bytes(), k
    assert lab.params == {"index": "nearest", "neighbourhood": "sphere", "atom_types": "names", "radius": 4.5}
    # simulate == `cryolabel simulate --like`
    cli("simulate", "--model", model_path, "--like", mp, "--resolution", 3.2, "--out", tmp_path / "sim.mrc")
    assert np.array_equal(cl.read_map(tmp_path / "sim.mrc").data, sim.data)


def test_fsc_equals_the_cli_csv(real, cli, tmp_path):
    mp, model_path = real / "5ni1/emd_3488.mrc", real / "5ni1/5me2.pdb"
    cli("fsc", "--map", mp, "--model", model_path, "--resolution", 3.2, "--csv", tmp_path / "f.csv")
    r = cl.fsc(cl.read_map(mp), model=cl.read_model(model_path), resolution=3.2)
    assert r.to_csv() == (tmp_path / "f.csv").read_text()
    assert r.curve.shape[1] == 4 and r.curve.dtype == np.float64
    assert r.d05 is not None and r.d0143 is not None and r.d0143 <= r.d05
    i = np.argmax(r.curve[1:, 2] < 0.5) + 1  # first shell below 0.5 lies beyond d05
    assert r.curve[i, 1] <= r.d05 + 1e-9


def test_write_map_on_a_maps_grid(real, mrcfile, tmp_path):
    m = cl.read_map(real / "6vyb/emd_21457_seg.mrc")
    a = np.arange(m.data.size, dtype=np.float64).reshape(m.data.shape) % 7
    cl.write_map(tmp_path / "a.mrc", a, like=m)
    cl.write_map(tmp_path / "b.mrc", a.astype(np.int16), like=m)
    with mrcfile.open(tmp_path / "a.mrc") as f, mrcfile.open(tmp_path / "b.mrc") as g, \
            mrcfile.open(real / "6vyb/emd_21457_seg.mrc", permissive=True) as e:
        assert f.data.dtype == np.float32 and g.data.dtype == np.int16
        assert np.array_equal(f.data, a.astype(np.float32)) and np.array_equal(g.data, a.astype(np.int16))
        assert np.allclose(f.voxel_size.tolist(), e.voxel_size.tolist())
        assert np.allclose(f.header.origin.tolist(), e.header.origin.tolist())
    back = cl.read_map(tmp_path / "a.mrc")
    assert back.origin == m.origin and back.voxel_size == m.voxel_size and back.nstart == m.nstart
    with pytest.raises(ValueError, match="shape"):
        cl.write_map(tmp_path / "c.mrc", a[:, :, 1:], like=m)


def test_model_columns(real):
    path = real / "5ni1/5me2.pdb"
    model = cl.read_model(path, preset="precise")
    # the file's atom records in file order (one MODEL, no altlocs), by PDB columns; the default
    # preset reads Biopython's order instead (hetero residues join their chain): same atoms
    bio = cl.read_model(path)
    assert len(bio) == len(model) and sorted(map(tuple, bio.positions.tolist())) == sorted(map(tuple, model.positions.tolist()))
    rows = [l for l in path.read_text().splitlines() if l.startswith(("ATOM", "HETATM"))]
    assert len(model) == len(rows) == 4468
    assert model.positions.shape == (4468, 3) and model.positions.dtype == np.float32
    pos = np.array([[float(l[30:38]), float(l[38:46]), float(l[46:54])] for l in rows], dtype=np.float32)
    assert np.array_equal(model.positions, pos)
    assert model.names == [l[12:16].strip() for l in rows]
    assert model.resnames == [l[17:20].strip() for l in rows]
    assert model.chains == [l[21].strip() for l in rows]
    assert model.resseq.tolist() == [int(l[22:26]) for l in rows]
    assert model.elements[:2] == ["N", "C"] and set(model.elements) >= {"C", "N", "O", "S", "FE"}
