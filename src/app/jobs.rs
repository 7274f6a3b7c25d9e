//! Background work: reading files, labeling, exporting and file dialogs run on their own
//! threads and report back over one channel, so the window never waits on disk or CPU.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, Sender, channel};
use std::time::Instant;

use eframe::egui;

use super::session::LoadedMap;
use crate::engine::formats::{self, Kind};
use crate::engine::{self, EngineError, Grid, LabelParams, Labels, MapFile, Model, Volume};

/// What a file is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    Map,
    Simulated,
    Model,
}

impl Role {
    /// Guess from the content (engine::formats, as `info` decides); a map whose name says
    /// "sim" is the simulated one. The error says what the file looks like instead.
    pub fn guess(path: &Path) -> Result<Role, String> {
        let name = path.file_name().map(|n| n.to_string_lossy().to_lowercase()).unwrap_or_default();
        match formats::identify(path).map_err(|e| e.to_string())? {
            Kind::Model => Ok(Role::Model),
            Kind::Map if name.contains("sim") => Ok(Role::Simulated),
            Kind::Map => Ok(Role::Map),
        }
    }
}

/// Why a labeling or FSC job gave no result. Cancellation is its own variant, not a word in a
/// message: a newer request superseded the job and nothing is shown, while a failure (even one
/// on a path that contains "cancel") always is.
#[derive(Debug)]
pub enum JobError {
    Cancelled,
    Failed(String),
}

impl From<EngineError> for JobError {
    fn from(e: EngineError) -> Self {
        match e {
            EngineError::Cancelled => JobError::Cancelled,
            e => JobError::Failed(e.to_string()),
        }
    }
}

impl std::fmt::Display for JobError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            JobError::Cancelled => f.write_str("cancelled"),
            JobError::Failed(e) => f.write_str(e),
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
        result: Result<(Labels, Option<Arc<Volume<f32>>>), JobError>,
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
        result: Result<FscResult, JobError>,
    },
    Picked {
        role: Option<Role>,
        path: Option<PathBuf>,
    },
    PickedFolder(Option<PathBuf>),
    /// A job with no error slot of its own (a file dialog) panicked.
    Crashed(String),
    /// Files of an accession (File > Open accession…), fetched into the cache.
    Accession(Result<engine::archive::Resolved, String>),
    /// Label quality (engine::quality) of the model against the map.
    Quality {
        generation: u64,
        result: Result<QualityResult, JobError>,
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
    /// Labels the session no longer shows: the next relabel writes into their buffers
    /// (`engine::label::label_into`) instead of fresh memory the kernel must zero first.
    spare_labels: Arc<std::sync::Mutex<Option<Labels>>>,
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
            spare_labels: Default::default(),
        }
    }
}

impl Jobs {
    /// The context to wake when a job finishes (set once the window exists).
    pub fn set_context(&mut self, ctx: egui::Context) {
        self.ctx = Some(ctx);
    }

    /// Run `f` on its own thread. A panic in it is caught and becomes `failed(message)`, the
    /// job's own failed result, so the session shows the error and clears that job's "busy"
    /// state instead of waiting forever for a result that never comes.
    pub(super) fn spawn(
        &mut self,
        f: impl FnOnce() -> Done + Send + 'static,
        failed: impl FnOnce(String) -> Done + Send + 'static,
    ) {
        self.in_flight += 1;
        let tx = self.tx.clone();
        let ctx = self.ctx.clone();
        std::thread::spawn(move || {
            let done = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f))
                .unwrap_or_else(|p| failed(panic_message(p.as_ref())));
            let _ = tx.send(done);
            if let Some(ctx) = ctx {
                ctx.request_repaint();
            }
        });
    }

    /// Read a file; a model is read with `opts` (the labeling preset's altloc rule).
    pub fn load(&mut self, path: PathBuf, role: Role, opts: engine::ReadOptions) {
        let what = format!("reading {}", path.display());
        self.spawn(
            move || match role {
                Role::Map => Done::Map(engine::read_map(&path).map(LoadedMap::new).map_err(|e| e.to_string())),
                Role::Simulated => Done::Simulated(engine::read_map(&path).map_err(|e| e.to_string())),
                Role::Model => Done::Model(engine::read_model_with(&path, opts).map_err(|e| e.to_string())),
            },
            move |m| {
                let e = format!("{what} crashed: {m}");
                match role {
                    Role::Map => Done::Map(Err(e)),
                    Role::Simulated => Done::Simulated(Err(e)),
                    Role::Model => Done::Model(Err(e)),
                }
            },
        );
    }

    /// Keep labels the session dropped, unshared, for the next relabel to write into.
    pub fn recycle_labels(&mut self, labels: Arc<Labels>) {
        if let Ok(l) = Arc::try_unwrap(labels)
            && let Ok(mut spare) = self.spare_labels.lock()
        {
            *spare = Some(l);
        }
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
        let spare = self.spare_labels.clone();
        let failed = move |m: String| Done::Labels {
            generation,
            result: Err(JobError::Failed(format!("labeling crashed: {m}"))),
            wall_ms: 0.0,
        };
        self.spawn(
            move || {
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
                    // a job cancelled before it ran leaves the spare buffers to the next one
                    let reuse = if cancel.load(Ordering::Relaxed) {
                        None
                    } else {
                        spare.lock().ok().and_then(|mut s| s.take())
                    };
                    engine::label::label_into(on_grid, &atoms, &params, Some(&cancel), reuse).map(|l| (l, regridded))
                })();
                Done::Labels {
                    generation,
                    result: result.map_err(JobError::from),
                    wall_ms: t0.elapsed().as_secs_f64() * 1e3,
                }
            },
            failed,
        );
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
        self.spawn(
            move || {
                let model = engine::simulate::model_of(atoms.as_ref().clone(), &path);
                let p = engine::simulate::SimParams::new(resolution, grid.voxel[0] as f64);
                Done::SimulatedMade {
                    generation,
                    result: engine::simulate::simulate_on(&model, &p, &grid)
                        .map(|(sim, vol)| (vol, sim.warnings))
                        .map_err(|e| e.to_string()),
                }
            },
            move |m| Done::SimulatedMade { generation, result: Err(format!("the simulation crashed: {m}")) },
        );
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
        let failed =
            move |m: String| Done::Fsc { generation, result: Err(JobError::Failed(format!("the FSC crashed: {m}"))) };
        self.spawn(
            move || {
                let t0 = Instant::now();
                let FscInputs { map, labels, atoms, resolution, masked, revision } = inputs;
                let result = (|| {
                    let map_curve = engine::map_model_fsc(&map, &atoms, resolution, masked);
                    if cancel.load(Ordering::Relaxed) {
                        return Err(JobError::Cancelled);
                    }
                    let label = labels.map(|l| engine::map_model_fsc(&l.regression, &atoms, resolution, masked));
                    if map_curve.shells.len() < 2 {
                        return Err(JobError::Failed("the map is too small for an FSC curve".to_string()));
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
            },
            failed,
        );
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
        self.spawn(
            move || {
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
                    .map_err(JobError::from);
                Done::Quality { generation, result }
            },
            move |m| Done::Quality { generation, result: Err(JobError::Failed(format!("label quality crashed: {m}"))) },
        );
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
        self.spawn(
            move || {
                Done::Exported((|| {
                    // the viewer's export syncs only when CRYOLABEL_SYNC asks, like the CLI's --sync
                    let d = engine::Durability::from_env();
                    let mut paths = engine::export::write_labels(&dir, &id, &labels, d).map_err(|e| e.to_string())?;
                    if let Some(map) = map {
                        let p = dir.join(format!("{id}_map.mrc"));
                        engine::write_map(&p, &map, &format!("cryolabel {id} map"), d).map_err(|e| e.to_string())?;
                        paths.push(p);
                    }
                    Ok(paths)
                })())
            },
            |m| Done::Exported(Err(format!("the export crashed: {m}"))),
        );
    }

    /// A file dialog on its own thread: portal dialogs block their caller.
    pub fn pick_file(&mut self, role: Option<Role>) {
        self.spawn(
            move || {
                let kind = role.map(|r| if r == Role::Model { Kind::Model } else { Kind::Map });
                let (label, exts) = formats::dialog_filter(kind);
                let d = rfd::FileDialog::new().add_filter(label, &exts[..]);
                Done::Picked { role, path: d.pick_file() }
            },
            |m| Done::Crashed(format!("the file dialog crashed: {m}")),
        );
    }

    /// Fetch the entries typed into Open accession (`emdb:3488 pdb:5me2`) in the background,
    /// through the same `engine::archive::resolve` as the command line. `settings` None: from
    /// the environment (CRYOLABEL_EMDB_URL, CRYOLABEL_CACHE, …).
    pub fn fetch_accession(&mut self, text: String, settings: Option<engine::archive::Settings>) {
        self.spawn(
            move || {
                Done::Accession((|| {
                    use engine::archive::{Input, Slot, quiet, resolve};
                    let s = match settings {
                        Some(s) => s,
                        None => engine::archive::Settings::from_env(None, false).map_err(|e| e.to_string())?,
                    };
                    let words: Vec<Input> =
                        text.split_whitespace().map(|word| Input { word, slot: Slot::Id }).collect();
                    if words.is_empty() {
                        return Err("type an id, e.g. emdb:3488 pdb:5me2".to_string());
                    }
                    resolve(&words, Path::new("."), true, &s, &quiet).map_err(|e| e.to_string())
                })())
            },
            |m| Done::Accession(Err(format!("fetching the accession crashed: {m}"))),
        );
    }

    pub fn pick_folder(&mut self) {
        self.spawn(
            || Done::PickedFolder(rfd::FileDialog::new().pick_folder()),
            |m| Done::Crashed(format!("the folder dialog crashed: {m}")),
        );
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

/// The text of a panic's payload (`panic!` gives a `&str` or a `String`).
fn panic_message(p: &(dyn std::any::Any + Send)) -> String {
    p.downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| p.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic without a message".into())
}

#[cfg(test)]
#[path = "jobs_tests.rs"]
mod tests;
