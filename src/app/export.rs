//! Export: writes the data-set files with the same code as `cryolabel label`
//! (`engine::export::write_labels`), showing the names before anything is written.

use std::path::PathBuf;

use eframe::egui::{self, Ui};

use super::session::Session;
use crate::engine::export::label_file_names;

#[derive(Default)]
pub struct ExportPanel {
    pub folder: String,
    pub id: String,
    pub with_map: bool,
}

impl ExportPanel {
    pub fn ui(&mut self, ui: &mut Ui, s: &mut Session) {
        if self.id.is_empty()
            && let Some(m) = &s.model
        {
            self.id = crate::cli::label::default_id(&m.info.path);
        }
        ui.horizontal(|ui| {
            let l = ui.label("Folder");
            ui.add(egui::TextEdit::singleline(&mut self.folder).hint_text("output folder").desired_width(150.0))
                .labelled_by(l.id)
                .on_hover_text("Folder to write into (created if missing)");
            if ui.button("Choose…").on_hover_text("Pick the folder in a dialog").clicked() {
                s.jobs.pick_folder();
            }
        });
        ui.horizontal(|ui| {
            let l = ui.label("Id");
            ui.add(egui::TextEdit::singleline(&mut self.id).hint_text("file id").desired_width(100.0))
                .labelled_by(l.id)
                .on_hover_text("File names start with this id (default: the model's name)");
        });
        ui.checkbox(&mut self.with_map, "Also write the map")
            .on_hover_text("A copy of the experimental map beside the labels");
        let id = if self.id.trim().is_empty() { "labels".to_string() } else { self.id.trim().to_string() };
        let mut names: Vec<String> = label_file_names(&id).into();
        if self.with_map {
            names.push(format!("{id}_map.mrc"));
        }
        for n in &names {
            ui.monospace(n);
        }
        let ready = s.labels.is_some() && !self.folder.trim().is_empty();
        if ui
            .add_enabled(ready, egui::Button::new("Export now"))
            .on_hover_text("Write the files above (each written atomically)")
            .on_disabled_hover_text("Needs labels and a folder")
            .clicked()
        {
            self.export(s, id);
        }
    }

    pub fn export(&mut self, s: &mut Session, id: String) {
        let Some(labels) = s.labels.clone() else { return };
        let map = self.with_map.then(|| s.map.as_ref().map(|m| m.volume.clone())).flatten();
        s.jobs.export(PathBuf::from(self.folder.trim()), id, labels, map);
    }
}
