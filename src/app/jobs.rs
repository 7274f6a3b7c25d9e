//! Background work: reading files, labeling, exporting and file dialogs run on their own
//! threads and report back over one channel, so the window never waits on disk or CPU.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, Sender, channel};
use std::time::Instant;

use eframe::egui;

use super::session::LoadedMap;
use crate::engine::{self, Grid, LabelParams, Labels, MapFile, Model, Volume};

/// What a file is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    Map,
    Simulated,
    Model,
}

impl Role {
    /// Guess from the name: models by extension; maps named like "sim" are simulated.
    pub fn guess(path: &Path) -> Option<Role> {
        let name = path.file_name()?.to_string_lossy().to_lowercase();
        let name = name.strip_suffix(".gz").unwrap_or(&name);
        let ext = name.rsplit('.').next().unwrap_or("");
        if matches!(ext, "pdb" | "ent" | "cif" | "mmcif") || (ext.starts_with("pdb") && ext.len() <= 5) {
            Some(Role::Model)
        } else if matches!(ext, "mrc" | "map" | "ccp4" | "rec") {
            Some(if name.contains("sim") { Role::Simulated } else { Role::Map })
        } else {
            None
        }
    }
}

/// A finished job.
pub enum Done {
    /// Statistics and histogram are computed on the loading thread too.
    Map(Result<LoadedMap, String>),
    Simulated(Result<MapFile, String>),
    Model(Result<Model, String>),
    /// `regridded` is the simulated map put on the map's grid, when the job had to do that.
    Labels {
        generation: u64,
        result: Result<(Labels, Option<Arc<Volume<f32>>>), String>,
        wall_ms: f64,
    },
    /// A simulated map made from the model on the map's grid (with the simulation's warnings).
    SimulatedMade {
        generation: u64,
        result: Result<(Volume<f32>, Vec<String>), String>,
    },
    Exported(Result<Vec<PathBuf>, String>),
    /// Map-model FSC of the experimental map and of the regression label.
    Fsc {
        generation: u64,
        result: Result<FscResult, String>,
    },
    Picked {
        role: Option<Role>,
        path: Option<PathBuf>,
    },
    PickedFolder(Option<PathBuf>),
    /// Label quality (engine::quality) of the model against the map.
    Quality {
        generation: u64,
        result: Result<QualityResult, String>,
    },
}

/// Spawns jobs and collects their results. Labeling is special: only the newest request
/// matters, so each new one raises the cancel flag of the one before.
pub struct Jobs {
    tx: Sender<Done>,
    rx: Receiver<Done>,
    ctx: Option<egui::Context>,
    pub in_flight: usize,
    pub label_generation: u64,
    label_cancel: Option<Arc<AtomicBool>>,
    pub labeling: bool,
    pub fsc_generation: u64,
    fsc_cancel: Option<Arc<AtomicBool>>,
    /// An FSC job is in flight.
    pub fsc_running: bool,
    pub quality_generation: u64,
    quality_cancel: Option<Arc<AtomicBool>>,
    /// A label-quality job is in flight.
    pub quality_running: bool,
}

/// What a label-quality job needs (`revision` and `contour` say later whether it went stale).
pub struct QualityInputs {
    pub map: Arc<Volume<f32>>,
    pub atoms: Arc<Vec<engine::Atom>>,
    pub path: PathBuf,
    pub params: engine::quality::QualityParams,
    pub revision: u64,
}

/// A finished label-quality assessment and what it was computed from.
pub struct QualityResult {
    pub quality: Arc<engine::quality::Quality>,
    pub params: engine::quality::QualityParams,
    pub revision: u64,
    pub wall_ms: f64,
}

/// What an FSC job needs: the inputs, shared with the session, and the model-map settings.
pub struct FscInputs {
    pub map: Arc<Volume<f32>>,
    /// The regression label, when labels exist.
    pub labels: Option<Arc<Labels>>,
    pub atoms: Arc<Vec<engine::Atom>>,
    /// Model-map resolution, Å.
    pub resolution: f32,
    pub masked: bool,
    /// `Session::revision` when the inputs were taken, so the panel can say when they went stale.
    pub revision: u64,
}

/// The FSC curves of one computation and the settings they were made with.
pub struct FscResult {
    pub map: engine::FscCurve,
    pub label: Option<engine::FscCurve>,
    pub resolution: f32,
    pub masked: bool,
    pub revision: u64,
    pub wall_ms: f64,
}

impl Default for Jobs {
    fn default() -> Self {
        let (tx, rx) = channel();
        Jobs {
            tx,
            rx,
            ctx: None,
            in_flight: 0,
            label_generation: 0,
            label_cancel: None,
            labeling: false,
            fsc_generation: 0,
            fsc_cancel: None,
            fsc_running: false,
            quality_generation: 0,
            quality_cancel: None,
            quality_running: false,
        }
    }
}

impl Jobs {
    /// The context to wake when a job finishes (set once the window exists).
    pub fn set_context(&mut self, ctx: egui::Context) {
        self.ctx = Some(ctx);
    }

    fn spawn(&mut self, f: impl FnOnce() -> Done + Send + 'static) {
        self.in_flight += 1;
        let tx = self.tx.clone();
        let ctx = self.ctx.clone();
        std::thread::spawn(move || {
            let done = f();
            let _ = tx.send(done);
            if let Some(ctx) = ctx {
                ctx.request_repaint();
            }
        });
    }

    pub fn load(&mut self, path: PathBuf, role: Role) {
        self.spawn(move || match role {
            Role::Map => Done::Map(engine::read_map(&path).map(LoadedMap::new).map_err(|e| e.to_string())),
            Role::Simulated => Done::Simulated(engine::read_map(&path).map_err(|e| e.to_string())),
            Role::Model => Done::Model(read_model_guarded(&path)),
        });
    }

    /// Relabel in the background; a newer call cancels this one.
    pub fn label(
        &mut self,
        simulated: Arc<Volume<f32>>,
        grid: Grid,
        atoms: Arc<Vec<engine::Atom>>,
        params: LabelParams,
    ) {
        if let Some(c) = self.label_cancel.take() {
            c.store(true, Ordering::Relaxed);
        }
        let cancel = Arc::new(AtomicBool::new(false));
        self.label_cancel = Some(cancel.clone());
        self.label_generation += 1;
        self.labeling = true;
        let generation = self.label_generation;
        self.spawn(move || {
            let t0 = Instant::now();
            let result = (|| {
                // The simulated map is put on the map's exact grid once; the session keeps the
                // result, so later relabels skip this step.
                let regridded = if simulated.grid == grid {
                    None
                } else {
                    // copies (no interpolation) when only header noise separates the grids
                    Some(Arc::new(engine::resample::resample_onto(&simulated, &grid)))
                };
                let on_grid = regridded.as_deref().unwrap_or(simulated.as_ref());
                engine::label::label(on_grid, &atoms, &params, Some(&cancel))
                    .map(|l| (l, regridded))
                    .map_err(|e| e.to_string())
            })();
            Done::Labels { generation, result, wall_ms: t0.elapsed().as_secs_f64() * 1e3 }
        });
    }

    /// Simulate the model's map on `grid` at `resolution` Å (pdb2vol's rules), as the
    /// published pipeline did before labeling.
    pub fn simulate(
        &mut self,
        generation: u64,
        atoms: Arc<Vec<engine::Atom>>,
        path: PathBuf,
        grid: Grid,
        resolution: f64,
    ) {
        self.spawn(move || {
            let model = engine::simulate::model_of(atoms.as_ref().clone(), &path);
            let p = engine::simulate::SimParams::new(resolution, grid.voxel[0] as f64);
            Done::SimulatedMade {
                generation,
                result: engine::simulate::simulate_on(&model, &p, &grid)
                    .map(|(sim, vol)| (vol, sim.warnings))
                    .map_err(|e| e.to_string()),
            }
        });
    }

    /// Map-model FSC of the map and of the regression label in the background. A newer call
    /// (or `cancel_fsc`) cancels this one: the second curve is skipped and the result dropped.
    pub fn fsc(&mut self, inputs: FscInputs) {
        self.cancel_fsc();
        let cancel = Arc::new(AtomicBool::new(false));
        self.fsc_cancel = Some(cancel.clone());
        self.fsc_generation += 1;
        self.fsc_running = true;
        let generation = self.fsc_generation;
        self.spawn(move || {
            let t0 = Instant::now();
            let FscInputs { map, labels, atoms, resolution, masked, revision } = inputs;
            let result = (|| {
                let map_curve = engine::map_model_fsc(&map, &atoms, resolution, masked);
                if cancel.load(Ordering::Relaxed) {
                    return Err("cancelled".to_string());
                }
                let label = labels.map(|l| engine::map_model_fsc(&l.regression, &atoms, resolution, masked));
                if map_curve.shells.len() < 2 {
                    return Err("the map is too small for an FSC curve".to_string());
                }
                Ok(FscResult {
                    map: map_curve,
                    label,
                    resolution,
                    masked,
                    revision,
                    wall_ms: t0.elapsed().as_secs_f64() * 1e3,
                })
            })();
            Done::Fsc { generation, result }
        });
    }

    /// Drop the FSC job in flight, if any (its result is ignored when it arrives).
    pub fn cancel_fsc(&mut self) {
        if let Some(c) = self.fsc_cancel.take() {
            c.store(true, Ordering::Relaxed);
        }
        if self.fsc_running {
            self.fsc_generation += 1;
            self.fsc_running = false;
        }
    }

    /// Label quality in the background; a newer call (or `cancel_quality`) cancels this one.
    pub fn quality(&mut self, inputs: QualityInputs) {
        self.cancel_quality();
        let cancel = Arc::new(AtomicBool::new(false));
        self.quality_cancel = Some(cancel.clone());
        self.quality_generation += 1;
        self.quality_running = true;
        let generation = self.quality_generation;
        self.spawn(move || {
            let t0 = Instant::now();
            let QualityInputs { map, atoms, path, params, revision } = inputs;
            let model = engine::simulate::model_of(atoms.as_ref().clone(), &path);
            let result = engine::quality::assess(&map, &model, &params, Some(&*cancel))
                .map(|q| QualityResult {
                    quality: Arc::new(q),
                    params,
                    revision,
                    wall_ms: t0.elapsed().as_secs_f64() * 1e3,
                })
                .map_err(|e| e.to_string());
            Done::Quality { generation, result }
        });
    }

    /// Drop the label-quality job in flight, if any.
    pub fn cancel_quality(&mut self) {
        if let Some(c) = self.quality_cancel.take() {
            c.store(true, Ordering::Relaxed);
        }
        if self.quality_running {
            self.quality_generation += 1;
            self.quality_running = false;
        }
    }

    pub fn export(&mut self, dir: PathBuf, id: String, labels: Arc<Labels>, map: Option<Arc<Volume<f32>>>) {
        self.spawn(move || {
            Done::Exported((|| {
                let mut paths = engine::export::write_labels(&dir, &id, &labels).map_err(|e| e.to_string())?;
                if let Some(map) = map {
                    let p = dir.join(format!("{id}_map.mrc"));
                    engine::write_map(&p, &map, &format!("cryolabel {id} map")).map_err(|e| e.to_string())?;
                    paths.push(p);
                }
                Ok(paths)
            })())
        });
    }

    /// A file dialog on its own thread: portal dialogs block their caller.
    pub fn pick_file(&mut self, role: Option<Role>) {
        self.spawn(move || {
            let mut d = rfd::FileDialog::new();
            d = match role {
                Some(Role::Model) => d.add_filter("Model", &["pdb", "pdb1", "cif", "mmcif", "ent", "gz"]),
                Some(_) => d.add_filter("Map", &["mrc", "map", "ccp4", "gz"]),
                None => d.add_filter("Map or model", &["mrc", "map", "ccp4", "pdb", "pdb1", "cif", "mmcif", "gz"]),
            };
            Done::Picked { role, path: d.pick_file() }
        });
    }

    pub fn pick_folder(&mut self) {
        self.spawn(|| Done::PickedFolder(rfd::FileDialog::new().pick_folder()));
    }

    /// Results that arrived since the last call. Stale label results are dropped here.
    pub fn poll(&mut self) -> Vec<Done> {
        let mut out = Vec::new();
        while let Ok(d) = self.rx.try_recv() {
            self.in_flight -= 1;
            if let Done::Labels { generation, .. } = &d {
                if *generation != self.label_generation {
                    continue;
                }
                self.labeling = false;
            }
            if let Done::Fsc { generation, .. } = &d {
                if *generation != self.fsc_generation {
                    continue;
                }
                self.fsc_running = false;
            }
            if let Done::Quality { generation, .. } = &d {
                if *generation != self.quality_generation {
                    continue;
                }
                self.quality_running = false;
            }
            out.push(d);
        }
        out
    }

    pub fn busy(&self) -> bool {
        self.in_flight > 0
    }
}

/// The model reader can panic on malformed records (pdbtbx-style parsers do); a bad file
/// must be an error message, not a crash of the viewer.
fn read_model_guarded(path: &Path) -> Result<Model, String> {
    let p = path.to_path_buf();
    std::panic::catch_unwind(move || engine::read_model(&p))
        .map_err(|_| format!("{}: the model reader crashed on this file", path.display()))?
        .map_err(|e| e.to_string())
}
