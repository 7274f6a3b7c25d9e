//! The viewer: egui state and panels. One `Session` holds the data; each panel is a struct
//! with a `ui` method that reads and edits it; `CryolabelApp` lays them out and routes
//! files, keys and the screenshot.

pub mod accession;
pub mod changes;
pub mod contour;
pub mod diagnostics;
pub mod export;
pub mod jobs;
pub mod labeling;
pub mod layers;
pub mod quality;
pub mod readout;
pub mod sample;
pub mod session;
pub mod slices;
pub mod validation;
pub mod view3d;
pub mod view3d_atoms;
pub mod view3d_scene;
pub mod widgets;

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use eframe::egui::{self, Key, Ui};

pub use jobs::Role;
pub use session::Session;

/// What to open at start.
#[derive(Clone, Debug, Default)]
pub struct StartOptions {
    pub map: Option<PathBuf>,
    pub model: Option<PathBuf>,
    pub simulated: Option<PathBuf>,
    pub resolution: Option<f32>,
    /// Render once everything is loaded and labelled, write this PNG, close.
    pub screenshot: Option<PathBuf>,
    /// Start in the 3-D view instead of the slices.
    pub view3d: bool,
    /// Initial contour level (an EMDB entry's author's level) instead of the 1% level.
    pub contour: Option<f32>,
    /// `resolution` is an EMDB header's (said so in the Validation panel).
    pub resolution_from_header: bool,
}

/// The screenshot requested on the command line: taken when the data are ready.
struct Screenshot {
    path: PathBuf,
    started: Instant,
    requested: bool,
    done: Arc<AtomicBool>,
}

pub struct CryolabelApp {
    pub session: Session,
    pub slices: slices::SliceView,
    pub view3d: view3d::View3d,
    layers: layers::LayersPanel,
    contour: contour::ContourPanel,
    labeling: labeling::LabelingPanel,
    changes: changes::ChangesPanel,
    diagnostics: diagnostics::DiagnosticsPanel,
    pub validation: validation::ValidationPanel,
    pub quality: quality::QualityPanel,
    pub export: export::ExportPanel,
    /// File > Open accession… and its recent entries.
    pub accession: accession::AccessionDialog,
    /// The "open a path" text field.
    path_field: String,
    hover: Option<slices::Hover>,
    screenshot: Option<Screenshot>,
}

impl CryolabelApp {
    pub fn new(cc: &eframe::CreationContext<'_>, opts: StartOptions) -> Self {
        cc.egui_ctx.set_visuals(egui::Visuals::dark());
        let mut session = Session::default();
        session.jobs.set_context(cc.egui_ctx.clone());
        session.resolution = opts.resolution;
        session.pending_contour = opts.contour;
        session.resolution_from_header = opts.resolution_from_header;
        for (p, role) in [(&opts.map, Role::Map), (&opts.model, Role::Model), (&opts.simulated, Role::Simulated)] {
            if let Some(p) = p {
                session.open(p, Some(role));
            }
        }
        CryolabelApp {
            session,
            slices: Default::default(),
            view3d: view3d::View3d::new(cc, opts.view3d),
            layers: Default::default(),
            contour: Default::default(),
            labeling: Default::default(),
            changes: Default::default(),
            diagnostics: Default::default(),
            validation: Default::default(),
            quality: Default::default(),
            export: Default::default(),
            accession: Default::default(),
            path_field: String::new(),
            hover: None,
            screenshot: opts.screenshot.map(|path| Screenshot {
                path,
                started: Instant::now(),
                requested: false,
                done: Arc::new(AtomicBool::new(false)),
            }),
        }
    }

    /// Dropped files open by their names (maps, models; "sim" in a map's name = simulated).
    fn handle_drops(&mut self, ctx: &egui::Context) {
        let dropped = ctx.input(|i| i.raw.dropped_files.clone());
        for f in dropped {
            self.session.open(f.path(), None);
        }
    }

    /// Keys act on the view unless a text field has the keyboard.
    fn handle_keys(&mut self, ctx: &egui::Context) {
        if ctx.egui_wants_keyboard_input() {
            return;
        }
        let v = &mut self.session.view;
        let sigma = self.session.map.as_ref().map(|m| m.stats.rms).unwrap_or(1.0);
        let shape = self.session.map.as_ref().map(|m| m.volume.grid.shape);
        ctx.input(|i| {
            let a = v.axis.index();
            let mut step = 0i64;
            for (k, d) in [(Key::PageUp, 1), (Key::ArrowUp, 1), (Key::PageDown, -1), (Key::ArrowDown, -1)] {
                if i.key_pressed(k) {
                    step += d * if i.modifiers.shift { 10 } else { 1 };
                }
            }
            if let (Some(shape), true) = (shape, step != 0) {
                v.focus[a] = (v.focus[a] as i64 + step).clamp(0, shape[a] as i64 - 1) as usize;
            }
            if i.key_pressed(Key::Plus) || i.key_pressed(Key::Equals) {
                v.contour_level += 0.1 * sigma;
            }
            if i.key_pressed(Key::Minus) {
                v.contour_level -= 0.1 * sigma;
            }
        });
    }

    fn menu(&mut self, ui: &mut Ui) {
        egui::MenuBar::new().ui(ui, |ui| {
            ui.menu_button("File", |ui| {
                for (name, role) in [
                    ("Open…", None),
                    ("Open map…", Some(Role::Map)),
                    ("Open model…", Some(Role::Model)),
                    ("Open simulated map…", Some(Role::Simulated)),
                ] {
                    if ui.button(name).clicked() {
                        self.session.jobs.pick_file(role);
                    }
                }
                if ui.button("Open accession…").clicked() {
                    self.accession.open = true;
                }
                ui.separator();
                if ui.add_enabled(self.session.labels.is_some(), egui::Button::new("Export…")).clicked() {
                    if self.export.folder.trim().is_empty() {
                        self.session.jobs.pick_folder();
                    } else {
                        let id = if self.export.id.trim().is_empty() {
                            "labels".into()
                        } else {
                            self.export.id.trim().into()
                        };
                        self.export.export(&mut self.session, id);
                    }
                }
                ui.separator();
                if ui.button("Quit").clicked() {
                    ui.ctx().send_viewport_cmd(egui::ViewportCommand::Close);
                }
            });
            ui.menu_button("View", |ui| {
                ui.checkbox(&mut self.session.view.ortho, "Three linked views");
                ui.checkbox(&mut self.session.view.style.outline, "Label outlines");
                ui.checkbox(&mut self.session.view.show_contour, "Contour on slice");
            });
            ui.separator();
            let l = ui.label("Open path");
            let field = ui
                .add(
                    egui::TextEdit::singleline(&mut self.path_field)
                        .hint_text("/path/to/map.mrc or model.pdb")
                        .desired_width(320.0),
                )
                .labelled_by(l.id)
                .on_hover_text("Type a path and press Enter; maps named like *sim* open as the simulated map");
            let enter = field.lost_focus() && ui.input(|i| i.key_pressed(Key::Enter));
            if (ui.button("Open").on_hover_text("Open the typed path").clicked() || enter)
                && !self.path_field.trim().is_empty()
            {
                let p = PathBuf::from(self.path_field.trim());
                self.session.open(&p, None);
            }
            if self.session.jobs.busy() {
                ui.spinner();
                let jobs = &self.session.jobs;
                ui.label(if jobs.labeling {
                    "labeling…"
                } else if jobs.fsc_running {
                    "computing FSC…"
                } else {
                    "working…"
                });
            }
        });
    }

    /// Write the command-line screenshot once nothing is in flight (or after 60 s).
    fn screenshot(&mut self, ctx: &egui::Context) {
        let Some(shot) = &mut self.screenshot else { return };
        if shot.done.load(Ordering::Acquire) {
            ctx.send_viewport_cmd(egui::ViewportCommand::Close);
            return;
        }
        ctx.request_repaint_after(Duration::from_millis(50));
        let ready = !self.session.jobs.busy()
            && !self.view3d.contouring()
            && (self.session.labels.is_some() || self.session.missing_inputs().is_some());
        let settled = shot.started.elapsed() > Duration::from_millis(800);
        if shot.requested || !(settled && ready || shot.started.elapsed() > Duration::from_secs(60)) {
            return;
        }
        shot.requested = true;
        let (path, done) = (shot.path.clone(), shot.done.clone());
        ctx.request_screenshot(move |img| {
            let rgba: Vec<u8> = img.pixels.iter().flat_map(|c| c.to_srgba_unmultiplied()).collect();
            let r = image::RgbaImage::from_raw(img.size[0] as u32, img.size[1] as u32, rgba)
                .ok_or_else(|| "bad image size".to_string())
                .and_then(|im| im.save(&path).map_err(|e| e.to_string()));
            match r {
                Ok(()) => eprintln!("wrote {}", path.display()),
                Err(e) => eprintln!("error: writing {}: {e}", path.display()),
            }
            done.store(true, Ordering::Release);
        });
    }
}

impl eframe::App for CryolabelApp {
    fn ui(&mut self, ui: &mut Ui, _frame: &mut eframe::Frame) {
        let ctx = ui.ctx().clone();
        self.session.poll();
        if let Some(p) = self.session.picked_folder.take() {
            self.export.folder = p.display().to_string();
        }
        self.handle_drops(&ctx);
        self.handle_keys(&ctx);

        egui::Panel::top("menu").show(ui, |ui| self.menu(ui));
        self.accession.ui(&ctx, &mut self.session);
        egui::Panel::bottom("status").show(ui, |ui| readout::status_bar(ui, &mut self.session, self.hover));
        egui::Panel::left("left").default_size(300.0).resizable(true).show(ui, |ui| {
            egui::ScrollArea::vertical().show(ui, |ui| {
                egui::CollapsingHeader::new("Layers")
                    .default_open(true)
                    .show(ui, |ui| self.layers.ui(ui, &mut self.session));
                egui::CollapsingHeader::new("Labeling")
                    .default_open(true)
                    .show(ui, |ui| self.labeling.ui(ui, &mut self.session));
            });
        });
        egui::Panel::right("right").default_size(420.0).resizable(true).show(ui, |ui| {
            egui::ScrollArea::vertical().show(ui, |ui| {
                egui::CollapsingHeader::new("Contour")
                    .default_open(true)
                    .show(ui, |ui| self.contour.ui(ui, &mut self.session));
                egui::CollapsingHeader::new("What changed")
                    .default_open(true)
                    .show(ui, |ui| self.changes.ui(ui, &mut self.session));
                egui::CollapsingHeader::new("Diagnostics")
                    .default_open(true)
                    .show(ui, |ui| self.diagnostics.ui(ui, &mut self.session));
                egui::CollapsingHeader::new("Validation")
                    .default_open(true)
                    .show(ui, |ui| self.validation.ui(ui, &mut self.session));
                egui::CollapsingHeader::new("Label quality")
                    .default_open(true)
                    .show(ui, |ui| self.quality.ui(ui, &mut self.session));
                egui::CollapsingHeader::new("Export")
                    .default_open(true)
                    .show(ui, |ui| self.export.ui(ui, &mut self.session));
            });
        });
        egui::CentralPanel::default().show(ui, |ui| {
            if self.view3d.tab(ui) {
                self.view3d.ui(ui, &mut self.session);
            } else {
                self.hover = self.slices.ui(ui, &mut self.session);
            }
        });
        self.session.after_frame();
        self.screenshot(&ctx);
        if self.session.jobs.busy() {
            ctx.request_repaint_after(Duration::from_millis(100));
        }
    }
}

/// Open the viewer window (blocks until it closes).
pub fn run(opts: StartOptions) -> anyhow::Result<()> {
    let native = eframe::NativeOptions {
        viewport: egui::ViewportBuilder::default().with_inner_size([1400.0, 880.0]).with_title("cryolabel"),
        renderer: eframe::Renderer::Wgpu,
        ..Default::default()
    };
    eframe::run_native("cryolabel", native, Box::new(move |cc| Ok(Box::new(CryolabelApp::new(cc, opts)))))
        .map_err(|e| anyhow::anyhow!("could not open the window: {e}"))
}
