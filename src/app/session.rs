//! The one state every panel reads: what is loaded, the labels, the view settings and the
//! jobs in flight. Panels change it; `Session::after_frame` starts whatever work that implies.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use eframe::egui::Color32;

use super::jobs::{Done, FscInputs, FscResult, JobError, Jobs, QualityInputs, QualityResult, Role};
use crate::engine::{Atom, LabelParams, Labels, MapFile, Model, Preset, Stats, Volume};
use crate::render::palette::{self, CLASS_COLOURS, TYPE_COLOURS};
use crate::render::slice::{ClassStyle, ScalarStyle};
use crate::render::{Axis, Histogram, SliceLayers, SliceStyle};

/// A loaded map with what the view needs precomputed.
pub struct LoadedMap {
    pub file: MapFile,
    pub volume: Arc<Volume<f32>>,
    pub stats: Stats,
    pub histogram: Histogram,
}

impl LoadedMap {
    pub fn new(mut file: MapFile) -> Self {
        let grid = file.volume.grid;
        let volume = Arc::new(std::mem::replace(&mut file.volume, Volume { grid, data: Vec::new() }));
        let stats = Stats::of(&volume.data);
        let histogram = Histogram::of(&volume.data, 256);
        LoadedMap { file, volume, stats, histogram }
    }
}

/// A loaded model; atoms shared with labeling jobs.
pub struct LoadedModel {
    pub info: Model,
    pub atoms: Arc<Vec<Atom>>,
}

/// How things are drawn; owned by the session so every panel sees the same choices.
pub struct ViewSettings {
    pub style: SliceStyle,
    pub atoms: ScalarStyle,
    /// Atoms within this many voxels of the slice plane are drawn.
    pub atom_depth: f32,
    pub contour_level: f32,
    pub show_contour: bool,
    pub axis: Axis,
    /// Three linked orthogonal slices instead of one.
    pub ortho: bool,
    /// The voxel the slices pass through (one slice index per axis).
    pub focus: [usize; 3],
}

impl Default for ViewSettings {
    fn default() -> Self {
        let scalar = |visible, opacity, colour| ScalarStyle { visible, opacity, colour };
        ViewSettings {
            style: SliceStyle {
                map: scalar(true, 1.0, Color32::WHITE),
                map_window: (0.0, 1.0),
                simulated: scalar(false, 0.6, palette::SIMULATED_COLOUR),
                simulated_max: 1.0,
                regression: scalar(false, 0.6, palette::REGRESSION_COLOUR),
                regression_max: 1.0,
                classification: ClassStyle {
                    visible: true,
                    opacity: 0.4,
                    colours: CLASS_COLOURS.to_vec(),
                    shown: vec![false, true, true],
                },
                atom_types: ClassStyle {
                    visible: false,
                    opacity: 0.8,
                    colours: TYPE_COLOURS.to_vec(),
                    shown: vec![true; 6],
                },
                outline: false,
                contour: None,
                show_changed: false,
            },
            atoms: scalar(true, 0.9, palette::ATOM_COLOUR),
            atom_depth: 0.5,
            contour_level: 0.0,
            show_contour: true,
            axis: Axis::Z,
            ortho: false,
            focus: [0; 3],
        }
    }
}

/// Everything loaded, derived and in flight.
pub struct Session {
    pub map: Option<LoadedMap>,
    pub map_path: Option<PathBuf>,
    pub simulated: Option<Arc<Volume<f32>>>,
    pub simulated_path: Option<PathBuf>,
    pub simulated_warnings: Vec<String>,
    /// The simulated map was made here from the model (remade when map or model change).
    pub simulated_made: bool,
    simulating: bool,
    sim_generation: u64,
    pub model: Option<LoadedModel>,
    pub labels: Option<Arc<Labels>>,
    /// The labels before the last parameter change, for "what changed".
    pub previous: Option<Arc<Labels>>,
    pub params: LabelParams,
    pub preset: Preset,
    /// Parameters of the newest label request (None: inputs changed, labels are due).
    requested: Option<LabelParams>,
    pub last_label_ms: Option<f64>,
    /// Resolution asked for on the command line; used once simulation is in the engine.
    pub resolution: Option<f32>,
    pub view: ViewSettings,
    pub jobs: Jobs,
    /// The last error, shown in the window until dismissed; loaded data is kept.
    pub error: Option<String>,
    pub notice: Option<String>,
    /// A folder picked in a dialog, for the export panel to take.
    pub picked_folder: Option<PathBuf>,
    /// Bumped whenever data that slices draw changes.
    pub revision: u64,
    /// The last map-model FSC; stale when its `revision` is not the session's.
    pub fsc: Option<FscResult>,
    /// Contour level for the next map that loads (an EMDB entry's author's level).
    pub pending_contour: Option<f32>,
    /// `resolution` came from an EMDB header, not from --resolution.
    pub resolution_from_header: bool,
    /// The last label-quality assessment; stale when its revision or contour is not the session's.
    pub quality: Option<QualityResult>,
}

impl Default for Session {
    fn default() -> Self {
        Session {
            map: None,
            map_path: None,
            simulated: None,
            simulated_path: None,
            simulated_warnings: Vec::new(),
            simulated_made: false,
            simulating: false,
            sim_generation: 0,
            model: None,
            labels: None,
            previous: None,
            params: LabelParams::preset(Preset::DenoiseCryoData),
            preset: Preset::DenoiseCryoData,
            requested: None,
            last_label_ms: None,
            resolution: None,
            view: ViewSettings::default(),
            jobs: Jobs::default(),
            error: None,
            notice: None,
            picked_folder: None,
            revision: 0,
            fsc: None,
            pending_contour: None,
            resolution_from_header: false,
            quality: None,
        }
    }
}

impl Session {
    /// Start reading a file; the role is told from its content when not given.
    pub fn open(&mut self, path: &Path, role: Option<Role>) {
        match role.map(Ok).unwrap_or_else(|| Role::guess(path)) {
            Ok(role) => self.jobs.load(path.to_path_buf(), role, self.params.read_options()),
            Err(e) => self.error = Some(e),
        }
    }

    /// Read the model again when the labeling rules now choose altlocs differently from
    /// the rules it was read with (the presets differ in which residue and altloc they keep).
    pub fn reread_model_if_rules_changed(&mut self) {
        if let Some(m) = &mut self.model
            && m.info.altloc_rule != self.params.altlocs
        {
            // ask once: the model read under the new rule replaces this one when it arrives
            m.info.altloc_rule = self.params.altlocs;
            let path = m.info.path.clone();
            self.jobs.load(path, Role::Model, self.params.read_options());
        }
    }

    /// Take finished jobs into the session.
    pub fn poll(&mut self) {
        for done in self.jobs.poll() {
            self.apply(done);
        }
    }

    fn apply(&mut self, done: Done) {
        match done {
            Done::Map(Ok(m)) => {
                let path = m.file.path.clone();
                let grid = m.volume.grid;
                self.view.focus = grid.shape.map(|n| n / 2);
                self.view.contour_level =
                    self.pending_contour.take().unwrap_or_else(|| m.histogram.level_enclosing(0.01));
                self.view.style.map_window = (m.histogram.quantile(0.05), m.histogram.level_enclosing(0.002));
                self.map = Some(m);
                self.map_path = Some(path);
                self.forget_made_simulation();
                self.labels_out_of_date();
            }
            Done::SimulatedMade { generation, .. } if generation != self.sim_generation => {}
            Done::SimulatedMade { result: Ok((vol, warnings)), .. } => {
                self.simulating = false;
                if self.simulated.is_none() && self.map.as_ref().is_some_and(|m| m.volume.grid == vol.grid) {
                    self.view.style.simulated_max = Stats::of(&vol.data).max;
                    self.simulated = Some(Arc::new(vol));
                    self.simulated_warnings = warnings;
                    self.simulated_made = true;
                    self.labels_out_of_date();
                }
            }
            Done::SimulatedMade { result: Err(e), .. } => {
                self.simulating = false;
                self.error = Some(format!("simulation failed: {e}"));
            }
            Done::Simulated(Ok(file)) => {
                self.simulated_made = false;
                self.simulated_path = Some(file.path.clone());
                self.simulated_warnings = file.warnings.clone();
                let max = Stats::of(&file.volume.data).max;
                self.view.style.simulated_max = max;
                self.simulated = Some(Arc::new(file.volume));
                self.labels_out_of_date();
            }
            Done::Model(Ok(mut model)) => {
                let atoms = Arc::new(std::mem::take(&mut model.atoms));
                self.model = Some(LoadedModel { info: model, atoms });
                self.forget_made_simulation();
                self.labels_out_of_date();
            }
            Done::Map(Err(e)) | Done::Simulated(Err(e)) | Done::Model(Err(e)) => self.error = Some(e),
            Done::Labels { result, wall_ms, .. } => match result {
                Ok((labels, regridded)) => {
                    if let Some(sim) = regridded {
                        self.simulated = Some(sim);
                    }
                    // found by the labeling pass: no sweep of the map on the UI thread
                    self.view.style.regression_max = labels.stats.regression_max.max(f32::MIN_POSITIVE);
                    let new = Arc::new(labels);
                    // the labels no longer shown lend their buffers to the next relabel
                    let dropped = match self.labels.replace(new.clone()) {
                        Some(old) if old.params != new.params => self.previous.replace(old),
                        old => old,
                    };
                    if let Some(d) = dropped {
                        self.jobs.recycle_labels(d);
                    }
                    self.last_label_ms = Some(wall_ms);
                    self.revision += 1;
                }
                Err(JobError::Cancelled) => {}
                Err(JobError::Failed(e)) => self.error = Some(format!("labeling failed: {e}")),
            },
            Done::Exported(Ok(paths)) => {
                self.notice = Some(format!(
                    "wrote {} files to {}",
                    paths.len(),
                    paths[0].parent().unwrap_or(Path::new(".")).display()
                ))
            }
            Done::Exported(Err(e)) => self.error = Some(format!("export failed: {e}")),
            Done::Fsc { result: Ok(r), .. } => self.fsc = Some(r),
            Done::Fsc { result: Err(JobError::Cancelled), .. } => {}
            Done::Fsc { result: Err(JobError::Failed(e)), .. } => self.error = Some(format!("FSC failed: {e}")),
            Done::Crashed(e) => self.error = Some(e),
            Done::Picked { role, path: Some(p) } => self.open(&p, role),
            Done::PickedFolder(p) => self.picked_folder = p.or(self.picked_folder.take()),
            Done::Picked { path: None, .. } => {}
            Done::Accession(Ok(r)) => {
                self.pending_contour = r.contour();
                if let Some(res) = r.resolution() {
                    self.resolution = Some(res as f32);
                    self.resolution_from_header = true;
                }
                let opened = [(&r.map, Role::Map), (&r.model, Role::Model)];
                for (p, role) in opened {
                    if let Some(p) = p {
                        self.open(p, Some(role));
                    }
                }
                let ids: Vec<String> =
                    r.emdb.iter().map(|e| e.to_string()).chain(r.pdb.iter().map(|p| format!("pdb:{p}"))).collect();
                self.notice = Some(format!("opened {}", ids.join(" ")));
            }
            Done::Accession(Err(e)) => self.error = Some(e),
            Done::Quality { result: Ok(r), .. } => self.quality = Some(r),
            Done::Quality { result: Err(JobError::Cancelled), .. } => {}
            Done::Quality { result: Err(JobError::Failed(e)), .. } => {
                self.error = Some(format!("label quality failed: {e}"))
            }
        }
    }

    /// New inputs: the old labels no longer describe them.
    fn labels_out_of_date(&mut self) {
        self.requested = None;
        if let Some(p) = self.previous.take() {
            self.jobs.recycle_labels(p);
        }
        if let (Some(map), Some(l)) = (&self.map, &self.labels)
            && l.regression.grid != map.volume.grid
        {
            self.labels = None;
        }
        self.revision += 1;
    }

    /// A simulation made from the old map or model no longer fits.
    fn forget_made_simulation(&mut self) {
        self.sim_generation += 1;
        self.simulating = false;
        if self.simulated_made {
            self.simulated = None;
            self.simulated_made = false;
            self.simulated_warnings.clear();
        }
    }

    /// Resolution for simulation: the command line's, else the model file's.
    pub fn simulation_resolution(&self) -> Option<f64> {
        self.resolution
            .map(|r| r as f64)
            .or_else(|| self.model.as_ref().and_then(|m| crate::engine::simulate::model_resolution(&m.info)))
    }

    /// Resolution of the model map for map-model FSC, and where it came from: the model's
    /// stated resolution, else the command line's, else 3 Å.
    pub fn fsc_resolution(&self) -> (f32, &'static str) {
        // the same order as the CLI and the viewer's simulation: what the user said wins
        if let Some(r) = self.resolution {
            (r, if self.resolution_from_header { "from the EMDB header" } else { "from --resolution" })
        } else if let Some(r) = self.model.as_ref().and_then(|m| crate::engine::simulate::model_resolution(&m.info)) {
            (r as f32, "stated in the model file")
        } else {
            (3.0, "default; the model states none")
        }
    }

    /// Why FSC cannot be computed yet, if it cannot.
    pub fn fsc_missing(&self) -> Option<&'static str> {
        match (&self.map, &self.model) {
            (None, _) => Some("open an experimental map"),
            (_, None) => Some("open a model"),
            _ => None,
        }
    }

    /// Start map-model FSC of the map and (when labels exist) the regression label.
    pub fn start_fsc(&mut self, masked: bool) {
        let (Some(map), Some(model)) = (&self.map, &self.model) else { return };
        let inputs = FscInputs {
            map: map.volume.clone(),
            labels: self.labels.clone(),
            atoms: model.atoms.clone(),
            resolution: self.fsc_resolution().0,
            masked,
            revision: self.revision,
        };
        self.jobs.fsc(inputs);
    }

    /// Start the label-quality assessment at the view's contour level.
    pub fn start_quality(&mut self) {
        let (Some(map), Some(model)) = (&self.map, &self.model) else { return };
        let mut params = crate::engine::quality::QualityParams::new(self.fsc_resolution().0);
        params.contour = crate::engine::quality::Contour::Level(self.view.contour_level);
        let inputs = QualityInputs {
            map: map.volume.clone(),
            atoms: model.atoms.clone(),
            path: model.info.path.clone(),
            params,
            revision: self.revision,
        };
        self.jobs.quality(inputs);
    }

    /// The label-quality result describes the data and contour shown now.
    pub fn quality_current(&self) -> bool {
        self.quality.as_ref().is_some_and(|q| {
            q.revision == self.revision
                && q.params.contour == crate::engine::quality::Contour::Level(self.view.contour_level)
        })
    }

    /// Per-atom Q-score of the loaded model (same order as its atoms; NaN = not scored), for
    /// colouring atoms in the slices and the 3-D view; None until computed or when stale.
    pub fn atom_q(&self) -> Option<Vec<f32>> {
        let q = self.quality.as_ref().filter(|_| self.quality_current())?;
        Some(q.quality.atoms.iter().map(|a| a.q).collect())
    }

    /// The FSC result describes the data loaded now.
    pub fn fsc_current(&self) -> bool {
        self.fsc.as_ref().is_some_and(|f| f.revision == self.revision)
    }

    /// Why labels cannot be made yet, if they cannot.
    pub fn missing_inputs(&self) -> Option<&'static str> {
        match (&self.map, &self.model, &self.simulated) {
            (None, _, _) => Some("open an experimental map"),
            (_, None, _) => Some("open a model"),
            (_, _, None) if self.simulating => Some("simulating the model's map…"),
            (_, _, None) if self.simulation_resolution().is_none() => {
                Some("give --resolution (the model states none) or open a simulated map")
            }
            (_, _, None) => Some("simulating the model's map…"),
            _ => None,
        }
    }

    /// Start a relabel when the parameters or the inputs changed since the last request.
    pub fn after_frame(&mut self) {
        if self.requested == Some(self.params) {
            return;
        }
        if let (Some(map), Some(model), None, false) = (&self.map, &self.model, &self.simulated, self.simulating)
            && let Some(r) = self.simulation_resolution()
        {
            self.jobs.simulate(self.sim_generation, model.atoms.clone(), model.info.path.clone(), map.volume.grid, r);
            self.simulating = true;
            return;
        }
        let (Some(map), Some(model), Some(sim)) = (&self.map, &self.model, &self.simulated) else { return };
        let p = &mut self.params;
        p.radius = if p.radius.is_finite() { p.radius.clamp(0.0, 64.0) } else { 6.0 };
        self.jobs.label(sim.clone(), map.volume.grid, model.atoms.clone(), self.params);
        self.requested = Some(self.params);
    }

    /// The volumes a slice draws.
    pub fn slice_layers(&self) -> SliceLayers<'_> {
        let on_grid = |v: &Arc<Volume<f32>>| self.map.as_ref().is_some_and(|m| m.volume.grid == v.grid);
        SliceLayers {
            map: self.map.as_ref().map(|m| m.volume.as_ref()),
            simulated: self.simulated.as_ref().filter(|v| on_grid(v)).map(|v| v.as_ref()),
            regression: self.labels.as_ref().map(|l| &l.regression),
            classification: self.labels.as_ref().map(|l| &l.classification),
            atom_types: self.labels.as_ref().map(|l| &l.atom_types),
            previous_classification: self.previous.as_ref().map(|l| &l.classification),
        }
    }

    /// Style for this frame: the view's layers plus the contour level if shown.
    pub fn slice_style(&self) -> SliceStyle {
        let mut s = self.view.style.clone();
        s.contour = (self.view.show_contour && self.map.is_some()).then_some(self.view.contour_level);
        s.show_changed = s.show_changed && self.previous.is_some();
        s
    }

    /// The map's standard deviation (σ), for levels shown in sigma.
    pub fn sigma(&self) -> f32 {
        self.map.as_ref().map(|m| m.stats.rms).filter(|s| *s > 0.0).unwrap_or(1.0)
    }
}
