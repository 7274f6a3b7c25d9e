//! Slice view: the experimental map in grey with labels over it, one slice or three linked
//! orthogonal slices. Wheel zooms about the cursor, drag pans, a click moves the shared
//! focus voxel (so the other two slices follow), Ctrl+wheel steps the contour level.
//!
//! Slice images are built on the CPU and uploaded as textures only when their inputs change.

use eframe::egui::{self, Color32, Pos2, Rect, Sense, TextureHandle, TextureOptions, Ui, Vec2};
use glam::DVec3;

use super::session::Session;
use crate::render::slice::build_slice;
use crate::render::{Axis, SliceStyle};

/// What is under the mouse.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Hover {
    pub voxel: [usize; 3],
    pub world: DVec3,
}

#[derive(Default)]
struct Pane {
    texture: Option<TextureHandle>,
    key: Option<(u64, usize, SliceStyle)>,
    zoom: f32,
    pan: Vec2,
}

pub struct SliceView {
    panes: [Pane; 3],
    /// Slice textures rebuilt so far (tests and the status line read it).
    pub uploads: u64,
}

impl Default for SliceView {
    fn default() -> Self {
        let pane = || Pane { zoom: 1.0, ..Default::default() };
        SliceView { panes: [pane(), pane(), pane()], uploads: 0 }
    }
}

impl SliceView {
    /// Toolbar plus the slice pane(s); returns what the pointer is over.
    pub fn ui(&mut self, ui: &mut Ui, s: &mut Session) -> Option<Hover> {
        let grid = s.map.as_ref().map(|m| m.volume.grid);
        ui.horizontal(|ui| {
            ui.label("Axis");
            for a in Axis::ALL {
                ui.selectable_value(&mut s.view.axis, a, a.name())
                    .on_hover_text(format!("Show slices normal to {}", a.name()));
            }
            ui.checkbox(&mut s.view.ortho, "Three views").on_hover_text("Three linked orthogonal slices");
            if let Some(g) = grid {
                let a = s.view.axis.index();
                let n = g.shape[a].max(1) - 1;
                ui.add(egui::Slider::new(&mut s.view.focus[a], 0..=n).text("slice"))
                    .on_hover_text("Slice index along the axis (PageUp/PageDown, arrow keys)");
                let w = g.origin[a] + s.view.focus[a] as f32 * g.voxel[a];
                ui.label(format!("{} = {w:.1} Å", s.view.axis.name().to_lowercase()));
            }
            if ui.button("Reset view").on_hover_text("Fit the slice to the window").clicked() {
                for p in &mut self.panes {
                    p.zoom = 1.0;
                    p.pan = Vec2::ZERO;
                }
            }
        });
        let Some(grid) = grid else {
            ui.centered_and_justified(|ui| {
                ui.label("Open a map and a model (File > Open, the path field, or drop files here)");
            });
            return None;
        };
        let area = ui.available_rect_before_wrap();
        ui.allocate_rect(area, Sense::hover());
        let mut hover = None;
        if s.view.ortho {
            let half = area.size() * 0.5;
            let cells = [
                (Axis::Z, Rect::from_min_size(area.min, half)),
                (Axis::Y, Rect::from_min_size(area.min + egui::vec2(half.x, 0.0), half)),
                (Axis::X, Rect::from_min_size(area.min + egui::vec2(0.0, half.y), half)),
            ];
            for (axis, rect) in cells {
                hover = self.pane(ui, s, axis, rect.shrink(2.0), &grid).or(hover);
            }
            legend(ui, Rect::from_min_size(area.min + half, half).shrink(8.0));
        } else {
            hover = self.pane(ui, s, s.view.axis, area, &grid);
        }
        hover
    }

    fn pane(
        &mut self,
        ui: &mut Ui,
        s: &mut Session,
        axis: Axis,
        rect: Rect,
        grid: &crate::engine::Grid,
    ) -> Option<Hover> {
        let a = axis.index();
        let slice = s.view.focus[a].min(grid.shape[a] - 1);
        let style = s.slice_style();
        let pane = &mut self.panes[a];
        let key = (s.revision, slice, style);
        if pane.key.as_ref() != Some(&key) || pane.texture.is_none() {
            let img = build_slice(&s.slice_layers(), &key.2, axis, slice);
            match &mut pane.texture {
                Some(t) => t.set(img, TextureOptions::NEAREST),
                None => {
                    pane.texture =
                        Some(ui.ctx().load_texture(format!("slice-{}", axis.name()), img, TextureOptions::NEAREST))
                }
            }
            pane.key = Some(key);
            self.uploads += 1;
        }
        let pane = &mut self.panes[a];
        let id = ui.make_persistent_id(("slice-pane", a));
        let resp = ui.interact(rect, id, Sense::click_and_drag());
        let (u, v) = axis.plane();
        let [w, h] = axis.size(grid);
        // Physical aspect: a pixel is one voxel, voxels may be anisotropic.
        let phys = egui::vec2(w as f32 * grid.voxel[u], h as f32 * grid.voxel[v]);
        let fit = (rect.width() / phys.x).min(rect.height() / phys.y);
        if resp.dragged() {
            pane.pan += resp.drag_delta();
        }
        if resp.hovered() {
            let (scroll, zoom_delta, pointer) =
                ui.input(|i| (i.smooth_scroll_delta().y, i.zoom_delta(), i.pointer.hover_pos()));
            if zoom_delta != 1.0 {
                // Ctrl+wheel: contour level, about a tenth of σ per notch (egui spreads a
                // notch's zoom over several frames, so step in proportion).
                s.view.contour_level += 0.4 * zoom_delta.ln() * s.sigma();
            } else if scroll != 0.0
                && let Some(p) = pointer
            {
                let old = pane.zoom;
                pane.zoom = (pane.zoom * (scroll * 0.0025).exp()).clamp(0.25, 64.0);
                // Keep the point under the cursor still.
                let c = rect.center() + pane.pan;
                pane.pan += (p - c) * (1.0 - pane.zoom / old);
            }
        }
        let size = phys * fit * pane.zoom;
        let img_rect = Rect::from_center_size(rect.center() + pane.pan, size);
        let painter = ui.painter_at(rect);
        painter.rect_filled(rect, 0.0, Color32::from_gray(12));
        if let Some(t) = &pane.texture {
            painter.image(t.id(), img_rect, Rect::from_min_max(Pos2::ZERO, egui::pos2(1.0, 1.0)), Color32::WHITE);
        }
        let px = egui::vec2(img_rect.width() / w as f32, img_rect.height() / h as f32);
        // Screen position of a fractional voxel index (voxel centres at integers).
        let to_screen = |fu: f64, fv: f64| {
            egui::pos2(
                img_rect.left() + (fu as f32 + 0.5) * px.x,
                img_rect.top() + ((h - 1) as f32 - fv as f32 + 0.5) * px.y,
            )
        };
        if let (Some(model), true) = (&s.model, s.view.atoms.visible) {
            let colour = s.view.atoms.colour.gamma_multiply(s.view.atoms.opacity);
            // Label quality computed for what is shown: atoms coloured by Q (viridis).
            let q = s.atom_q();
            let r = (0.3 * px.x.min(px.y)).clamp(1.5, 6.0);
            for (i, atom) in model.atoms.iter().enumerate() {
                let f = grid.world_to_fractional(atom.pos.as_dvec3());
                if (f[a] - slice as f64).abs() <= s.view.atom_depth as f64 {
                    let p = to_screen(f[u], f[v]);
                    let colour = match q.as_ref().and_then(|q| q.get(i)).filter(|q| q.is_finite()) {
                        Some(&q) => crate::render::palette::viridis(q).gamma_multiply(s.view.atoms.opacity),
                        None => colour,
                    };
                    if rect.contains(p) {
                        // A dark rim keeps dots visible over label colours of similar hue.
                        painter.circle(p, r, colour, egui::Stroke::new(1.0, Color32::from_black_alpha(200)));
                    }
                }
            }
        }
        if let Some(qr) = s.quality.as_ref().filter(|_| s.quality_current()) {
            outline_blobs(&painter, &qr.quality.blobs, grid, [a, u, v], slice, &to_screen);
        }
        // Where the other two slices cut this one (linked views).
        if s.view.ortho {
            let f = s.view.focus;
            let c = to_screen(f[u] as f64, f[v] as f64);
            let stroke = egui::Stroke::new(1.0, Color32::from_rgba_unmultiplied(255, 255, 255, 60));
            painter.vline(c.x, rect.y_range(), stroke);
            painter.hline(rect.x_range(), c.y, stroke);
        }
        painter.text(
            rect.left_top() + egui::vec2(6.0, 4.0),
            egui::Align2::LEFT_TOP,
            format!("{} = {slice}", axis.name()),
            egui::FontId::monospace(12.0),
            Color32::LIGHT_GRAY,
        );

        let pointer = resp.hover_pos().or(resp.interact_pointer_pos())?;
        let col = ((pointer.x - img_rect.left()) / px.x).floor();
        let row = ((pointer.y - img_rect.top()) / px.y).floor();
        if col < 0.0 || row < 0.0 || col >= w as f32 || row >= h as f32 {
            return None;
        }
        let voxel = axis.voxel(grid, slice, col as usize, row as usize);
        if resp.clicked() || (resp.is_pointer_button_down_on() && ui.input(|i| i.modifiers.shift)) {
            s.view.focus[u] = voxel[u];
            s.view.focus[v] = voxel[v];
        }
        if s.view.ortho && resp.hovered() {
            s.view.axis = axis;
        }
        let world = grid.index_to_world(voxel.map(|x| x as f64));
        Some(Hover { voxel, world })
    }
}

/// Colour key for the fourth cell of the three-view layout.
fn legend(ui: &Ui, rect: Rect) {
    use crate::render::palette::*;
    let painter = ui.painter_at(rect);
    let mut y = rect.top();
    let rows: Vec<(Color32, String)> = CLASS_NAMES
        .iter()
        .zip(CLASS_COLOURS)
        .skip(1)
        .map(|(n, c)| (c, format!("class {n}")))
        .chain(TYPE_NAMES.iter().zip(TYPE_COLOURS).skip(1).map(|(n, c)| (c, format!("type {n}"))))
        .chain([
            (REGRESSION_COLOUR, "regression".into()),
            (SIMULATED_COLOUR, "simulated".into()),
            (CONTOUR_COLOUR, "contour".into()),
            (ATOM_COLOUR, "atoms".into()),
            (UNMODELLED_COLOUR, "unmodelled density".into()),
        ])
        .collect();
    for (c, name) in rows {
        painter.rect_filled(Rect::from_min_size(egui::pos2(rect.left(), y + 2.0), egui::vec2(12.0, 12.0)), 2.0, c);
        painter.text(
            egui::pos2(rect.left() + 18.0, y),
            egui::Align2::LEFT_TOP,
            name,
            egui::FontId::proportional(13.0),
            Color32::LIGHT_GRAY,
        );
        y += 18.0;
    }
}

/// Outline, in this slice, the unmodelled density blobs of the label-quality result: the
/// edges between a blob voxel and a voxel outside it.
fn outline_blobs(
    painter: &egui::Painter,
    blobs: &[crate::engine::quality::Blob],
    grid: &crate::engine::Grid,
    [a, u, v]: [usize; 3],
    slice: usize,
    to_screen: &dyn Fn(f64, f64) -> Pos2,
) {
    let mut cells = std::collections::HashSet::new();
    for b in blobs {
        for &o in &b.voxels {
            let ijk = grid.ijk(o);
            if ijk[a] == slice {
                cells.insert((ijk[u], ijk[v]));
            }
        }
    }
    let stroke = egui::Stroke::new(1.5, crate::render::palette::UNMODELLED_COLOUR);
    for &(cu, cv) in &cells {
        let (x0, x1, y0, y1) = (cu as f64 - 0.5, cu as f64 + 0.5, cv as f64 - 0.5, cv as f64 + 0.5);
        if cu == 0 || !cells.contains(&(cu - 1, cv)) {
            painter.line_segment([to_screen(x0, y0), to_screen(x0, y1)], stroke);
        }
        if !cells.contains(&(cu + 1, cv)) {
            painter.line_segment([to_screen(x1, y0), to_screen(x1, y1)], stroke);
        }
        if cv == 0 || !cells.contains(&(cu, cv - 1)) {
            painter.line_segment([to_screen(x0, y0), to_screen(x1, y0)], stroke);
        }
        if !cells.contains(&(cu, cv + 1)) {
            painter.line_segment([to_screen(x0, y1), to_screen(x1, y1)], stroke);
        }
    }
}
