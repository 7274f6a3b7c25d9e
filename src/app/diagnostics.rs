//! Diagnostics: what could make the labels wrong. Atoms outside the grid, atoms sharing a
//! voxel, atoms on zero simulated density, and the map's grid and header warnings.

use eframe::egui::{self, Color32, RichText, Ui};

use super::session::Session;

#[derive(Default)]
pub struct DiagnosticsPanel;

fn warn(ui: &mut Ui, text: impl Into<String>) {
    ui.label(RichText::new(format!("Warning: {}", text.into())).color(Color32::from_rgb(0xF0, 0xE4, 0x42)));
}

impl DiagnosticsPanel {
    pub fn ui(&mut self, ui: &mut Ui, s: &mut Session) {
        egui::Grid::new("diag-grid").num_columns(2).striped(true).show(ui, |ui| {
            if let Some(m) = &s.map {
                let g = m.volume.grid;
                ui.label("Map grid");
                ui.label(format!("{} × {} × {} voxels", g.shape[0], g.shape[1], g.shape[2]));
                ui.end_row();
                ui.label("Voxel");
                ui.label(format!("{:.4} × {:.4} × {:.4} Å", g.voxel[0], g.voxel[1], g.voxel[2]));
                ui.end_row();
                ui.label("Origin");
                ui.label(format!("({:.2}, {:.2}, {:.2}) Å", g.origin[0], g.origin[1], g.origin[2]));
                ui.end_row();
                let h = &m.file.header;
                ui.label("Header");
                ui.label(format!(
                    "mode {}, axes {:?}, NSTART {:?}, ISPG {}",
                    h.mode, h.axis_order, h.nstart_crs, h.ispg
                ));
                ui.end_row();
            }
            if s.simulated.is_some() || s.simulated_path.is_some() {
                ui.label("Simulated");
                match (s.simulated_made, &s.simulated_path) {
                    (true, _) => ui.label(format!(
                        "made from the model at {} Å (pdb2vol rules)",
                        s.simulation_resolution().unwrap_or_default()
                    )),
                    (false, Some(p)) => ui.label(p.file_name().unwrap_or_default().to_string_lossy()),
                    _ => ui.label("-"),
                };
                ui.end_row();
            }
            if let Some(model) = &s.model {
                ui.label("Model");
                ui.label(format!(
                    "{} atoms, {} chains, {} residues ({})",
                    model.atoms.len(),
                    model.info.chains,
                    model.info.residues,
                    model.info.format
                ));
                ui.end_row();
            }
            if let Some(l) = &s.labels {
                let st = &l.stats;
                ui.label("Atoms outside grid");
                ui.label(st.atoms_outside.to_string());
                ui.end_row();
                ui.label("Colliding atoms");
                ui.label(format!("{} voxels hold more than one atom", st.collisions))
                    .on_hover_text("Only one atom can label a voxel; the others are lost from the atom-type map");
                ui.end_row();
                ui.label("No density");
                ui.label(format!("{} atoms sit on zero simulated density", st.atoms_without_density));
                ui.end_row();
            }
        });
        let mut any = false;
        let lists = [
            ("map", s.map.as_ref().map(|m| &m.file.warnings)),
            ("simulated", Some(&s.simulated_warnings)),
            ("model", s.model.as_ref().map(|m| &m.info.warnings)),
            ("labels", s.labels.as_ref().map(|l| &l.stats.warnings)),
        ];
        for (what, list) in lists {
            for w in list.into_iter().flatten() {
                warn(ui, format!("{what}: {w}"));
                any = true;
            }
        }
        if let Some(l) = &s.labels {
            if l.stats.atoms_outside > 0 {
                warn(ui, format!("{} atoms lie outside the map and were skipped", l.stats.atoms_outside));
                any = true;
            }
        }
        if !any {
            ui.small("No warnings.");
        }
    }
}
