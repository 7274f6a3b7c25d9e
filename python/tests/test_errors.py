"""Bad input raises the right exception, carrying the CLI's message, naming the path."""

import pytest

import cryolabel as cl


def test_missing_files_raise_file_not_found_naming_the_path(tmp_path, cli):
    p = tmp_path / "nope.mrc"
    with pytest.raises(FileNotFoundError) as e:
        cl.read_map(p)
    assert str(p) in str(e.value)
    c = cli("info", p, check=False)
    assert c.returncode != 0 and str(e.value) in c.stderr
    with pytest.raises(FileNotFoundError, match="nope.pdb"):
        cl.read_model(tmp_path / "nope.pdb")
    with pytest.raises(FileNotFoundError, match="no_such_dir"):
        cl.CubeDataset(tmp_path / "no_such_dir")


def test_bad_content_raises_value_error_naming_the_path(tmp_path, real, cli):
    bad = tmp_path / "not_a_map.mrc"
    bad.write_bytes(b"HEADER    this is a PDB file\n" * 60)
    with pytest.raises(ValueError) as e:
        cl.read_map(bad)
    assert str(bad) in str(e.value)
    # `info` tells files apart by content (this one reads as a PDB model); `resample` reads a map
    c = cli("resample", "--map", bad, "--spacing", 2, "--out", tmp_path / "r.mrc", check=False)
    assert c.returncode != 0 and str(e.value) in c.stderr
    empty = tmp_path / "empty.pdb"
    empty.write_text("REMARK nothing\nEND\n")
    with pytest.raises(ValueError, match="empty.pdb"):
        cl.read_model(empty)
    with pytest.raises(ValueError, match="no entries"):
        cl.CubeDataset(tmp_path)


def test_bad_options_raise_value_error(real):
    m = cl.read_map(real / "6vyb/emd_21457_seg.mrc")
    model = cl.read_model(real / "6vyb/6vyb_Ndom.pdb")
    with pytest.raises(ValueError, match="outside 0..=64"):
        cl.label(m, model, resolution=4.1, radius=100)
    with pytest.raises(ValueError, match="preset"):
        cl.label(m, model, resolution=4.1, preset="bogus")
    with pytest.raises(ValueError, match="sphere"):
        cl.label(m, model, resolution=4.1, neighbourhood="ball")
    with pytest.raises(ValueError, match="not both"):
        cl.label(m, model, simulated=m, resolution=4.1)
    with pytest.raises(ValueError, match="model or map2"):
        cl.fsc(m)
