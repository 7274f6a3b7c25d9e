"""Type stubs for cryolabel (the extension module cryolabel._cryolabel)."""

import os
from typing import Literal, Optional, Sequence, TypedDict, Union

import numpy as np
import numpy.typing as npt

__version__: str

PathLike = Union[str, "os.PathLike[str]"]

class Map:
    """A density map: float32 voxels (nz, ny, nx) and where they sit in space (Å)."""

    @property
    def data(self) -> npt.NDArray[np.float32]:
        """float32 (nz, ny, nx), owned by this Map (not a copy); [k, j, i] is voxel x=i, y=j, z=k."""
    @property
    def voxel_size(self) -> tuple[float, float, float]:
        """Voxel edge lengths (x, y, z), Å."""
    @property
    def origin(self) -> tuple[float, float, float]:
        """World position (x, y, z), Å, of the centre of voxel 0."""
    @property
    def nstart(self) -> tuple[int, int, int]:
        """The header's NSTART (x, y, z), kept by maps written like this one."""
    @property
    def shape(self) -> tuple[int, int, int]:
        """(nz, ny, nx), as data.shape."""
    @property
    def path(self) -> Optional[str]:
        """The file it was read from (None for a computed map)."""
    @property
    def warnings(self) -> list[str]:
        """Unusual header facts the reader noticed."""

class Model:
    """An atomic model: every atom of every MODEL, in file order."""

    def __len__(self) -> int: ...
    @property
    def positions(self) -> npt.NDArray[np.float32]:
        """float32 (N, 3): x, y, z in Å."""
    @property
    def resseq(self) -> npt.NDArray[np.int64]:
        """int64 (N,): residue sequence numbers."""
    @property
    def elements(self) -> list[str]:
        """Element symbols."""
    @property
    def names(self) -> list[str]:
        """Atom names (CA, CB, ...)."""
    @property
    def resnames(self) -> list[str]:
        """Residue names."""
    @property
    def chains(self) -> list[str]:
        """Chain ids."""
    @property
    def atoms_per_model(self) -> list[int]:
        """Atoms per MODEL record."""
    @property
    def resolution(self) -> Optional[float]:
        """The resolution the file states, Å."""
    @property
    def format(self) -> str:
        """File format as detected."""
    @property
    def path(self) -> str:
        """The file it was read from."""
    @property
    def warnings(self) -> list[str]:
        """What the reader skipped or found odd."""

class Labels:
    """The three label maps on the map's grid."""

    @property
    def regression(self) -> npt.NDArray[np.float32]:
        """float32 (nz, ny, nx): simulated density at atom and neighbour voxels, else 0."""
    @property
    def classification(self) -> npt.NDArray[np.int16]:
        """int16 (nz, ny, nx): 0 background, 1 atom, 2 neighbour."""
    @property
    def types(self) -> npt.NDArray[np.float32]:
        """float32 (nz, ny, nx): CA 1, CB 2, C 3, O 4, N 5, else 0."""
    @property
    def params(self) -> dict[str, Union[str, float]]:
        """index, neighbourhood, atom_types, radius."""
    @property
    def stats(self) -> dict[str, object]:
        """The counts `cryolabel label` prints, and the label time in seconds."""
    def write(self, dir: PathLike, id: Optional[str] = None) -> list[str]:
        """Write the three files exactly as `cryolabel label --out DIR --id ID`; returns their paths."""

class Fsc:
    """A Fourier shell correlation curve and its crossings."""

    @property
    def d05(self) -> Optional[float]:
        """Resolution (Å) at FSC = 0.5; None when never below it."""
    @property
    def d0143(self) -> Optional[float]:
        """Resolution (Å) at FSC = 0.143; None when never below it."""
    @property
    def nyquist(self) -> Optional[float]:
        """Nyquist resolution (Å)."""
    @property
    def curve(self) -> npt.NDArray[np.float64]:
        """float64 (shells, 4): frequency 1/Å, resolution Å, FSC, voxel count."""
    def to_csv(self) -> str:
        """The curve as `cryolabel fsc --csv` writes it."""

class Cube(TypedDict):
    map: npt.NDArray[np.float32]
    regression: npt.NDArray[np.float32]
    classification: npt.NDArray[np.int16]
    types: npt.NDArray[np.float32]
    id: str
    offset: tuple[int, int, int]
    world: Optional[tuple[float, float, float]]

class CubeDataset:
    """Training cubes of a data-set folder, cut on demand from memory-mapped maps."""

    def __init__(
        self,
        folder: PathLike,
        size: int = 64,
        stride: int = 50,
        keep_empty: bool = False,
        ids: Optional[Sequence[str]] = None,
    ) -> None: ...
    def __len__(self) -> int: ...
    def __getitem__(self, i: int) -> Cube: ...
    @property
    def ids(self) -> list[str]:
        """The entry ids, sorted."""
    @property
    def cubes(self) -> list[tuple[str, tuple[int, int, int]]]:
        """(id, (i, j, k)) of every cube: the rows of `cryolabel cubes`' index.csv."""
    @property
    def folder(self) -> str:
        """The data-set folder."""
    def split(
        self,
        fractions: tuple[float, float, float] = (0.8, 0.1, 0.1),
        seed: int = 0,
        bins: Optional[Sequence[float]] = None,
    ) -> dict[Literal["train", "validation", "test"], "CubeDataset"]:
        """Split by entry as `cryolabel split` does (stratified by resolution, seeded)."""

def read_map(path: PathLike) -> Map:
    """Read a map (.mrc/.map/.ccp4, optionally .gz); FileNotFoundError/ValueError name the file."""

def write_map(path: PathLike, array: npt.ArrayLike, like: Map, label: str = "cryolabel python") -> None:
    """Write an (nz, ny, nx) float32 or int16 array on like's grid as MRC (other dtypes as float32)."""

def read_model(path: PathLike, preset: str = "denoisecryodata") -> Model:
    """Read a model (PDB, mmCIF, assembly file, optionally .gz) as the labeling preset reads it:
    "denoisecryodata" yields Biopython's atoms in Biopython's order, "precise" file order with
    the highest-occupancy residue and altloc."""

def simulate(
    model: Model, like: Optional[Map] = None, resolution: Optional[float] = None, spacing: float = 1.0
) -> Map:
    """A noise-free map with Situs pdb2vol's rules, on like's grid (else the model's box at spacing Å)."""

def label(
    map: Map,
    model: Model,
    simulated: Optional[Union[Map, PathLike]] = None,
    resolution: Optional[float] = None,
    preset: Literal["denoisecryodata", "precise"] = "denoisecryodata",
    radius: float = 6.0,
    index: Optional[Literal["reference", "nearest"]] = None,
    neighbourhood: Optional[Literal["cube", "sphere"]] = None,
    atom_types: Optional[Literal["names", "residues"]] = None,
) -> Labels:
    """`cryolabel label` as a function: the three label maps of map and model."""

def fsc(
    map: Map,
    model: Optional[Model] = None,
    map2: Optional[Map] = None,
    resolution: Optional[float] = None,
    mask: bool = False,
) -> Fsc:
    """`cryolabel fsc`: FSC of map against model (model map) or map2."""
