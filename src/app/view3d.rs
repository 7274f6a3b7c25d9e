//! The 3-D view: isosurfaces of the map and labels with the atoms, drawn by a wgpu paint
//! callback. Mouse as in ChimeraX: left-drag rotates, right/middle or Shift+left drag
//! translates, the wheel zooms, a double-click centres on the surface or atom under the
//! pointer and moves the slices there.

use std::path::PathBuf;

use eframe::egui::{self, Rect, Sense, Ui};
use eframe::egui_wgpu::{self, wgpu};
use glam::Vec3;

use super::session::Session;
use super::view3d_atoms::{describe, residue_of};
use super::view3d_scene::{Options3d, Plane, SceneCache};
use crate::render::atoms::ColourBy;
use crate::render::camera::Camera;
use crate::render::isosurface::auto_step;
use crate::render::pick::{ray_mesh, ray_spheres, ray_spheres_index};
use crate::render::scene3d::{Frame, Lighting, Scene3dGpu, Style};

const HELP: &str = "Mouse (as in ChimeraX)\n\
  Left drag: rotate (trackball)\n\
  Right or middle drag, Shift + left drag: move\n\
  Wheel: zoom\n\
  Hover an atom: chain, residue, atom and the three labels at it\n\
  Click an atom: select its residue (green); click empty space: clear\n\
  Double-click: centre on the atom or surface under the pointer and move the slices there\n\n\
Toolbar\n\
  Map surface/mesh style, opacity, step (auto for big maps), zone: map within R Å of the\n\
  selection (of all atoms if none); label surfaces (smooth, or exact voxels); atom colours;\n\
  slice plane; lighting simple/soft/full (full: soft plus key-light shadows), silhouettes;\n\
  fast moving: half resolution while the camera moves; near/far clip; projection; Save PNG\n\n\
Layers, colours and opacities come from the Layers panel; the map contour level from the\n\
Contour panel (or +/- keys).";

pub struct View3d {
    /// Show the 3-D view instead of the slices.
    pub active: bool,
    pub camera: Camera,
    pub options: Options3d,
    pub white_background: bool,
    cache: SceneCache,
    /// The map grid and model (its atoms' address, 0: none) the camera was last fitted to.
    fitted: Option<(crate::engine::Grid, usize)>,
    help: bool,
    render_state: Option<egui_wgpu::RenderState>,
    pub png_path: String,
    last_size: [u32; 2],
    /// What the pointer is over (an atom and its labels), shown at the view's foot.
    pub hover: Option<String>,
    /// The camera moved this frame: draw an interactive frame, then a full one.
    moving: bool,
}

impl View3d {
    pub fn new(cc: &eframe::CreationContext<'_>, active: bool) -> Self {
        let render_state = cc.wgpu_render_state.clone();
        if let Some(rs) = &render_state {
            let gpu = Scene3dGpu::new(&rs.device, rs.target_format);
            rs.renderer.write().callback_resources.insert(gpu);
        }
        // A software GPU (llvmpipe) cannot draw full frames at an interactive rate.
        let cpu = render_state.as_ref().is_some_and(|rs| rs.adapter.get_info().device_type == wgpu::DeviceType::Cpu);
        View3d {
            active,
            camera: Camera::default(),
            options: Options3d { interactive: cpu, ..Options3d::default() },
            white_background: false,
            cache: SceneCache::default(),
            fitted: None,
            help: false,
            render_state,
            png_path: "cryolabel-3d.png".into(),
            last_size: [1, 1],
            hover: None,
            moving: false,
        }
    }

    /// The Slices | 3D switch; true when the 3-D view is showing.
    pub fn tab(&mut self, ui: &mut Ui) -> bool {
        ui.horizontal(|ui| {
            ui.selectable_value(&mut self.active, false, "Slices").on_hover_text("Slice view");
            ui.selectable_value(&mut self.active, true, "3D")
                .on_hover_text("Isosurfaces of the map and labels with the atoms");
        });
        self.active
    }

    /// Bonds of the model shown as sticks.
    pub fn bond_count(&self) -> usize {
        self.cache.bond_count()
    }

    /// A surface is being extracted in the background (its layer shows the previous one).
    pub fn contouring(&self) -> bool {
        self.cache.pending()
    }

    /// Fit what is displayed, as ChimeraX's `view`: the model when one is shown, else the map's box.
    fn reset(&mut self, s: &Session) {
        let atoms = s.model.as_ref().filter(|_| s.view.atoms.visible).map(|m| m.atoms.clone());
        let model_box = atoms
            .iter()
            .flat_map(|a| a.iter())
            .map(|a| a.pos)
            .filter(|p| p.is_finite())
            .fold(None, |b: Option<(Vec3, Vec3)>, p| Some(b.map_or((p, p), |(lo, hi)| (lo.min(p), hi.max(p)))));
        let map_box = s.map.as_ref().map(|m| {
            let (lo, hi) = m.volume.grid.bounds();
            (lo.as_vec3(), hi.as_vec3())
        });
        let Some((lo, hi)) = model_box.or(map_box) else { return };
        let p = self.camera.perspective;
        self.camera = Camera { perspective: p, ..Camera::default() };
        self.camera.fit(lo, hi);
    }

    fn toolbar(&mut self, ui: &mut Ui, s: &mut Session) {
        let o = &mut self.options;
        ui.horizontal_wrapped(|ui| {
            ui.label("Map");
            ui.selectable_value(&mut o.map_style, Style::Surface, "surface")
                .on_hover_text("Map isosurface as a lit surface");
            ui.selectable_value(&mut o.map_style, Style::Mesh, "mesh").on_hover_text("Map isosurface as a square mesh");
            ui.add(egui::Slider::new(&mut o.map_opacity, 0.05..=1.0).text("opacity"))
                .on_hover_text("Map surface opacity when a model is shown");
            let step_label = if o.step == o.auto_step && o.auto_step > 1 {
                format!("step {} (auto)", o.step)
            } else {
                format!("step {}", o.step)
            };
            egui::ComboBox::from_id_salt("step3d").selected_text(step_label).show_ui(ui, |ui| {
                for st in [1, 2, 4, 8] {
                    ui.selectable_value(&mut o.step, st, format!("{st}"));
                }
            });
            ui.checkbox(&mut o.zone, "zone")
                .on_hover_text("Contour only within R Å of the selected residue (of all atoms if none is selected)");
            ui.add_enabled(o.zone, egui::DragValue::new(&mut o.zone_radius).range(0.5..=50.0).speed(0.1).suffix(" Å"))
                .on_hover_text("Zone radius R");
            ui.separator();
            ui.label("Labels");
            ui.checkbox(&mut o.classes, "classes").on_hover_text("Surfaces of the shown classification classes");
            ui.checkbox(&mut o.voxels, "voxels")
                .on_hover_text("Exact voxel blocks instead of smoothed envelopes for the class surfaces");
            ui.checkbox(&mut o.regression, "regression").on_hover_text("Regression label isosurface");
            ui.add_enabled(o.regression, egui::Slider::new(&mut o.regression_level, 0.01..=1.0).text("level"))
                .on_hover_text("Regression isosurface level, as a fraction of its maximum");
            ui.checkbox(&mut o.type_voxels, "type voxels").on_hover_text("Atom-type label voxels as small spheres");
        });
        ui.horizontal_wrapped(|ui| {
            ui.label("Atoms");
            ui.selectable_value(&mut o.colour_by, ColourBy::Element, "element")
                .on_hover_text("ChimeraX's element colours: C tan, N blue, O red, S yellow");
            ui.selectable_value(&mut o.colour_by, ColourBy::AtomTypeLabel, "atom type")
                .on_hover_text("The atom-type label at each atom, in the slices' palette (grey: none)");
            // Q-score colouring: the Label quality panel's per-atom Q, while it describes the data
            let is_q = matches!(o.colour_by, ColourBy::Scalar { .. });
            if s.quality_current() {
                let q = ui.selectable_label(is_q, "Q-score").on_hover_text(
                    "Per-atom Q-score from the Label quality panel: viridis from 0 to 1, grey = not scored",
                );
                if q.clicked()
                    && !is_q
                    && let Some(values) = s.atom_q()
                {
                    o.colour_by =
                        ColourBy::Scalar { name: "Q".into(), values: std::sync::Arc::new(values), range: [0.0, 1.0] };
                }
            } else {
                if is_q {
                    o.colour_by = ColourBy::Element;
                }
                ui.add_enabled_ui(false, |ui| ui.selectable_label(false, "Q-score"))
                    .response
                    .on_disabled_hover_text("Compute the Label quality panel first");
            }
            if let Some(sel) = &o.selection {
                ui.label(format!("selected {} {} {}", sel.chain, sel.name, sel.seq));
                if ui.small_button("clear").clicked() {
                    o.selection = None;
                }
            }
            ui.separator();
            ui.label("Slice plane");
            ui.selectable_value(&mut o.plane, Plane::Off, "off");
            ui.selectable_value(&mut o.plane, Plane::Outline, "outline").on_hover_text("The current slice's outline");
            ui.selectable_value(&mut o.plane, Plane::Filled, "filled").on_hover_text("The current slice as a plane");
            ui.separator();
            ui.label("Lighting");
            ui.selectable_value(&mut o.lighting, Lighting::Simple, "simple")
                .on_hover_text("Directional lights: fastest");
            ui.selectable_value(&mut o.lighting, Lighting::Soft, "soft")
                .on_hover_text("Ambient occlusion: crevices darken (ChimeraX's lighting soft)");
            ui.selectable_value(&mut o.lighting, Lighting::Full, "full")
                .on_hover_text("Ambient occlusion and shadows from the key light (ChimeraX's lighting full)");
            ui.checkbox(&mut o.silhouettes, "silhouettes").on_hover_text("Dark edges where the depth steps");
            ui.checkbox(&mut o.interactive, "fast moving").on_hover_text(
                "While the camera moves, render at half resolution with fewer ambient-occlusion samples; \
                 full quality when it stops (on by default on a software GPU)",
            );
        });
        ui.horizontal_wrapped(|ui| {
            let c = &mut self.camera;
            ui.add(egui::Slider::new(&mut c.near_clip, 0.0..=1.0).text("near"))
                .on_hover_text("Front clip plane (fraction of depth)");
            ui.add(egui::Slider::new(&mut c.far_clip, 0.0..=1.0).text("far"))
                .on_hover_text("Back clip plane (fraction of depth)");
            ui.selectable_value(&mut c.perspective, false, "ortho").on_hover_text("Orthographic projection");
            ui.selectable_value(&mut c.perspective, true, "perspective").on_hover_text("Perspective projection");
            ui.checkbox(&mut self.white_background, "white").on_hover_text("White background (black when off)");
            if ui.button("Reset view").on_hover_text("Fit the model (or, without one, the map) in the view").clicked() {
                self.reset(s);
            }
            let l = ui.label("PNG");
            ui.add(egui::TextEdit::singleline(&mut self.png_path).desired_width(140.0)).labelled_by(l.id);
            if ui.button("Save PNG").on_hover_text("Write the 3-D view, at its size on screen, to the path").clicked() {
                let path = PathBuf::from(self.png_path.trim());
                // in the status bar, where the user looks, and in the log
                match self.save_png(s, &path) {
                    Ok(()) => s.notice = Some(format!("wrote {}", path.display())),
                    Err(e) => {
                        log::error!("Save PNG: {e}");
                        s.error = Some(format!("Save PNG: {e}"));
                    }
                }
            }
            if ui.button("?").on_hover_text("Mouse and controls").clicked() {
                self.help = !self.help;
            }
            if self.cache.pending() {
                ui.spinner();
                ui.label(if self.cache.bonds_pending() { "finding bonds…" } else { "contouring…" });
            }
            match self.cache.last_ms {
                Some(ms) => ui.label(format!("{} triangles, last contour {ms:.0} ms", self.cache.triangles)),
                None => ui.label(""),
            };
        });
    }

    fn frame(&mut self, s: &Session, size: [u32; 2]) -> Frame {
        let scene = self.cache.build(s, &self.options);
        Frame {
            background: if self.white_background { [1.0; 3] } else { [0.0; 3] },
            meshes: scene.meshes,
            spheres: scene.spheres,
            sticks: scene.sticks,
            lighting: self.options.lighting,
            silhouettes: self.options.silhouettes,
            interactive: self.options.interactive && self.moving,
            ..Frame::new(self.camera, size)
        }
    }

    /// Render the current view offscreen and write it as PNG.
    pub fn save_png(&mut self, s: &Session, path: &std::path::Path) -> Result<(), String> {
        let rs = self.render_state.clone().ok_or("no wgpu renderer")?;
        let mut frame = self.frame(s, self.last_size);
        frame.interactive = false;
        let mut r = rs.renderer.write();
        let gpu = r.callback_resources.get_mut::<Scene3dGpu>().ok_or("3-D view not set up")?;
        let img = gpu.render_image(&rs.device, &rs.queue, &frame).ok_or("could not read the image back")?;
        img.save(path).map_err(|e| format!("writing {}: {e}", path.display()))
    }

    /// Toolbar and the 3-D view.
    pub fn ui(&mut self, ui: &mut Ui, s: &mut Session) {
        if self.cache.ctx.is_none() {
            self.cache.ctx = Some(ui.ctx().clone());
        }
        self.cache.poll();
        if let Some(e) = self.cache.failed.take() {
            s.error = Some(e);
        }
        let grid = s.map.as_ref().map(|m| m.volume.grid);
        let model = s.model.as_ref().map_or(0, |m| std::sync::Arc::as_ptr(&m.atoms) as usize);
        if let Some(g) = grid
            && self.fitted != Some((g, model))
        {
            if self.fitted.is_none_or(|(old, _)| old != g) {
                self.options.auto_step = auto_step(g.shape);
                self.options.step = self.options.auto_step;
            }
            self.reset(s);
            self.fitted = Some((g, model));
        }
        self.toolbar(ui, s);
        let Some(grid) = grid else {
            ui.centered_and_justified(|ui| ui.label("Open a map to see it in 3-D"));
            return;
        };
        if self.render_state.is_none() {
            ui.label("The 3-D view needs the wgpu renderer");
            return;
        }
        let rect = ui.available_rect_before_wrap();
        let resp = ui.allocate_rect(rect, Sense::click_and_drag());
        let before = self.camera;
        self.input(ui, &resp, rect, s, &grid);
        self.moving = self.camera != before;
        if self.moving && self.options.interactive {
            // The next frame, if the camera stops, is drawn at full quality.
            ui.ctx().request_repaint();
        }
        let ppp = ui.ctx().pixels_per_point();
        let size = [(rect.width() * ppp).round().max(1.0) as u32, (rect.height() * ppp).round().max(1.0) as u32];
        self.last_size = size;
        let frame = self.frame(s, size);
        if self.cache.pending() {
            // The toolbar above was drawn before this frame's requests: show "contouring…" soon.
            ui.ctx().request_repaint_after(std::time::Duration::from_millis(50));
        }
        ui.painter().add(egui_wgpu::Callback::new_paint_callback(rect, Paint(frame)));
        if let Some(text) = &self.hover {
            let at = egui::pos2(rect.min.x + 8.0, rect.max.y - 8.0);
            let galley =
                ui.painter().layout_no_wrap(text.clone(), egui::FontId::proportional(13.0), egui::Color32::WHITE);
            let r = Rect::from_min_size(at - egui::vec2(0.0, galley.size().y), galley.size()).expand(4.0);
            ui.painter().rect_filled(r, 4.0, egui::Color32::from_black_alpha(190));
            ui.painter().galley(r.min + egui::vec2(4.0, 4.0), galley, egui::Color32::WHITE);
        }
        if self.help {
            let r = Rect::from_min_size(rect.min + egui::vec2(10.0, 10.0), egui::vec2(520.0, 250.0));
            ui.painter().rect_filled(r, 6.0, egui::Color32::from_black_alpha(200));
            ui.painter().text(
                r.min + egui::vec2(10.0, 10.0),
                egui::Align2::LEFT_TOP,
                HELP,
                egui::FontId::proportional(13.0),
                egui::Color32::WHITE,
            );
        }
    }

    fn input(&mut self, ui: &Ui, resp: &egui::Response, rect: Rect, s: &mut Session, grid: &crate::engine::Grid) {
        let (shift, delta) = ui.input(|i| (i.modifiers.shift, i.pointer.delta()));
        let h = rect.height();
        if resp.dragged_by(egui::PointerButton::Primary) && !shift {
            self.camera.rotate(delta.x, delta.y, h);
        } else if resp.dragged_by(egui::PointerButton::Secondary)
            || resp.dragged_by(egui::PointerButton::Middle)
            || (resp.dragged_by(egui::PointerButton::Primary) && shift)
        {
            self.camera.pan(delta.x, delta.y, h);
        }
        if resp.hovered() {
            let scroll = ui.input(|i| i.smooth_scroll_delta.y);
            if scroll != 0.0 {
                self.camera.zoom((scroll * 0.0015).exp());
            }
        }
        let atoms = s.model.as_ref().map(|m| m.atoms.clone());
        self.hover = resp
            .hover_pos()
            .and_then(|p| self.pick_atom(p - rect.min, rect))
            .and_then(|(_, i)| atoms.as_ref()?.get(i).map(|a| describe(a, s.labels.as_deref())));
        if resp.double_clicked()
            && let Some(p) = resp.interact_pointer_pos()
            && let Some(hit) = self.pick(p - rect.min, rect)
        {
            self.camera.centre = hit;
            let f = grid.world_to_fractional(hit.as_dvec3());
            for a in 0..3 {
                s.view.focus[a] = f[a].round().clamp(0.0, (grid.shape[a].max(1) - 1) as f64) as usize;
            }
        } else if resp.clicked()
            && let Some(p) = resp.interact_pointer_pos()
        {
            // Click an atom: select its residue; click empty space: clear (as ChimeraX's ctrl-click).
            let hit = self.pick_atom(p - rect.min, rect);
            self.options.selection = hit.and_then(|(_, i)| residue_of(atoms.as_deref()?, i));
        }
    }

    /// The atom under a position in the view: the hit point and the atom's index, when no
    /// opaque surface is in front of it.
    pub fn pick_atom(&self, at: egui::Vec2, rect: Rect) -> Option<(Vec3, usize)> {
        let (o, d) = self.camera.ray(at.x, at.y, rect.width(), rect.height());
        let spheres = self.cache.atom_spheres()?;
        // Atoms count as 0.8 Å balls for pointing: sticks are 0.2 Å thin.
        let (t, i) = ray_spheres_index(o, d, &spheres, 0.8)?;
        Some((o + d * t, i))
    }

    /// The atom under a position in the view (seen through the transparent map), else the
    /// first surface or sphere point.
    pub fn pick(&self, at: egui::Vec2, rect: Rect) -> Option<Vec3> {
        if let Some((p, _)) = self.pick_atom(at, rect) {
            return Some(p);
        }
        let (o, d) = self.camera.ray(at.x, at.y, rect.width(), rect.height());
        let (meshes, spheres) = self.cache.pickables();
        let t = meshes
            .iter()
            .filter_map(|m| ray_mesh(o, d, m))
            .chain(spheres.iter().filter_map(|s| ray_spheres(o, d, s)))
            .min_by(|a, b| a.total_cmp(b))?;
        Some(o + d * t)
    }
}

/// The paint callback: renders the frame offscreen in `prepare`, copies it in `paint`.
struct Paint(Frame);

impl egui_wgpu::CallbackTrait for Paint {
    fn prepare(
        &self,
        device: &wgpu::Device,
        queue: &wgpu::Queue,
        _screen: &egui_wgpu::ScreenDescriptor,
        encoder: &mut wgpu::CommandEncoder,
        resources: &mut egui_wgpu::CallbackResources,
    ) -> Vec<wgpu::CommandBuffer> {
        if let Some(gpu) = resources.get_mut::<Scene3dGpu>() {
            gpu.render(device, queue, encoder, &self.0);
        }
        Vec::new()
    }

    fn paint(
        &self,
        _info: egui::PaintCallbackInfo,
        pass: &mut wgpu::RenderPass<'static>,
        resources: &egui_wgpu::CallbackResources,
    ) {
        if let Some(gpu) = resources.get::<Scene3dGpu>() {
            gpu.paint(pass);
        }
    }
}
