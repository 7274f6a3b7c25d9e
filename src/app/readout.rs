//! Status bar: the cursor readout (world Å, voxel, every layer's value there) and the last
//! error or notice.

use eframe::egui::{self, Color32, RichText, Ui};

use super::session::Session;
use super::slices::Hover;
use crate::render::palette::{CLASS_NAMES, TYPE_NAMES};

pub fn status_bar(ui: &mut Ui, s: &mut Session, hover: Option<Hover>) {
    if let Some(e) = s.error.clone() {
        ui.horizontal(|ui| {
            ui.label(RichText::new(format!("Error: {e}")).color(Color32::from_rgb(0xD5, 0x5E, 0x00)));
            if ui.small_button("Dismiss").on_hover_text("Hide this message").clicked() {
                s.error = None;
            }
        });
    } else if let Some(n) = s.notice.clone() {
        ui.horizontal(|ui| {
            ui.label(n);
            if ui.small_button("Dismiss").on_hover_text("Hide this message").clicked() {
                s.notice = None;
            }
        });
    }
    ui.horizontal(|ui| {
        let Some(h) = hover else {
            ui.weak("Wheel: zoom · drag: pan · click: move slices here · PageUp/PageDown, Up/Down: slice · +/−, Ctrl+wheel: contour");
            return;
        };
        let [i, j, k] = h.voxel;
        ui.monospace(format!("x {:7.2} y {:7.2} z {:7.2} Å   voxel {i} {j} {k}", h.world.x, h.world.y, h.world.z));
        let mut parts = Vec::new();
        if let Some(m) = &s.map {
            parts.push(format!("map {:.4} ({:+.2} σ)", m.volume.at(h.voxel), (m.volume.at(h.voxel) - m.stats.mean) / s.sigma()));
        }
        if let Some(sim) = &s.simulated
            && s.map.as_ref().is_some_and(|m| m.volume.grid == sim.grid)
        {
            parts.push(format!("simulated {:.4}", sim.at(h.voxel)));
        }
        if let Some(l) = &s.labels {
            let c = l.classification.at(h.voxel).max(0) as usize;
            let t = l.atom_types.at(h.voxel).max(0.0) as usize;
            parts.push(format!("regression {:.4}", l.regression.at(h.voxel)));
            parts.push(format!("class {c} {}", CLASS_NAMES.get(c).unwrap_or(&"?")));
            parts.push(format!("type {t} {}", TYPE_NAMES.get(t).unwrap_or(&"?")));
        }
        if let Some(model) = &s.model {
            // The nearest atom within 1.5 Å of the voxel centre, so a dot can be identified.
            let p = h.world.as_vec3();
            let near = model.atoms.iter().map(|a| (a.pos.distance_squared(p), a)).filter(|(d, _)| *d <= 2.25).min_by(|a, b| a.0.total_cmp(&b.0));
            if let Some((d, a)) = near {
                parts.push(format!("atom {} {} {}{} ({:.1} Å)", a.name, a.res_name, a.chain, a.res_seq, d.sqrt()));
            }
        }
        ui.add(egui::Label::new(RichText::new(parts.join(" · ")).monospace()).truncate());
    });
}
