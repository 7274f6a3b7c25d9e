"""cryolabel: labels, simulation, FSC and training cubes for cryo-EM machine learning.

The same Rust engine as the ``cryolabel`` command line, as numpy arrays. Arrays the engine
makes (maps, labels, cubes) are handed over without a copy, and the GIL is released while
the engine works, so a DataLoader's threads and other Python threads keep running.

>>> import cryolabel as cl
>>> m = cl.read_map("emd_3488.mrc")                 # Map: .data (nz, ny, nx) float32
>>> model = cl.read_model("5me2.pdb1")              # Model: .positions (N, 3) float32
>>> sim = cl.simulate(model, like=m, resolution=3.2)
>>> lab = cl.label(m, model, simulated=sim, preset="denoisecryodata", radius=6)
>>> lab.write("out/", "5ni1")                       # the files `cryolabel label` writes
>>> ds = cl.CubeDataset("dataset/", size=64, stride=50)

Errors are Python exceptions carrying the command line's messages, which name the file:
FileNotFoundError for a missing file, ValueError for bad content or arguments.
"""

from ._cryolabel import (
    CubeDataset,
    Fsc,
    Labels,
    Map,
    Model,
    __version__,
    fsc,
    label,
    read_map,
    read_model,
    simulate,
    write_map,
)

__all__ = [
    "CubeDataset",
    "Fsc",
    "Labels",
    "Map",
    "Model",
    "__version__",
    "fsc",
    "label",
    "read_map",
    "read_model",
    "simulate",
    "write_map",
]
