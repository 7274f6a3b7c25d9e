//! Layers panel: one row per layer (eye toggle, opacity, colour) and, for label maps, one
//! toggle per class with its fixed palette colour, as in napari's labels layer.

use eframe::egui::{self, Ui};

use super::session::Session;
use super::widgets::{colour_button, opacity, swatch};
use crate::render::palette::{CLASS_NAMES, TYPE_NAMES};
use crate::render::slice::{ClassStyle, ScalarStyle};

#[derive(Default)]
pub struct LayersPanel;

impl LayersPanel {
    pub fn ui(&mut self, ui: &mut Ui, s: &mut Session) {
        let has_labels = s.labels.is_some();
        let st = &mut s.view.style;
        scalar_row(ui, "Experimental map", &mut st.map, s.map.is_some(), false, "The map being labelled, in grey");
        scalar_row(
            ui,
            "Simulated map",
            &mut st.simulated,
            s.simulated.is_some(),
            true,
            "The noise-free map made from the model",
        );
        scalar_row(
            ui,
            "Regression",
            &mut st.regression,
            has_labels,
            true,
            "Simulated density kept where the classification is not background",
        );
        class_rows(
            ui,
            "Classification",
            &mut st.classification,
            &CLASS_NAMES,
            has_labels,
            "0 background, 1 atom voxel, 2 neighbour",
        );
        class_rows(ui, "Atom types", &mut st.atom_types, &TYPE_NAMES, has_labels, "CA 1, CB 2, C 3, O 4, N 5");
        scalar_row(
            ui,
            "Atoms",
            &mut s.view.atoms,
            s.model.is_some(),
            true,
            "Model atoms near the slice plane, as dots",
        );
        ui.indent("atom-depth", |ui| {
            ui.add_enabled_ui(s.model.is_some() && s.view.atoms.visible, |ui| {
                ui.add(
                    egui::Slider::new(&mut s.view.atom_depth, 0.5..=5.0).step_by(0.5).suffix(" voxels").text("depth"),
                )
                .on_hover_text("Atoms this close to the slice plane are drawn");
            });
        });
        let st = &mut s.view.style;
        ui.separator();
        ui.checkbox(&mut st.outline, "Label outlines")
            .on_hover_text("Draw label maps as class boundaries instead of filled voxels");
        ui.horizontal(|ui| {
            ui.checkbox(&mut s.view.show_contour, "Contour on slice")
                .on_hover_text("Outline where the map crosses the contour level, tint above it");
        });
    }
}

fn scalar_row(ui: &mut Ui, name: &str, st: &mut ScalarStyle, loaded: bool, editable: bool, tip: &str) {
    ui.horizontal(|ui| {
        let eye = ui.add_enabled(loaded, egui::Checkbox::new(&mut st.visible, name)).on_hover_text(tip);
        if editable {
            colour_button(ui, &eye, &mut st.colour);
        }
    });
    ui.indent(name, |ui| {
        ui.add_enabled_ui(loaded && st.visible, |ui| opacity(ui, &mut st.opacity));
    });
}

fn class_rows(ui: &mut Ui, name: &str, st: &mut ClassStyle, names: &[&str], loaded: bool, tip: &str) {
    ui.add_enabled(loaded, egui::Checkbox::new(&mut st.visible, name)).on_hover_text(tip);
    ui.indent(name, |ui| {
        ui.add_enabled_ui(loaded && st.visible, |ui| {
            opacity(ui, &mut st.opacity);
            ui.horizontal_wrapped(|ui| {
                for (c, class) in names.iter().enumerate() {
                    swatch(ui, st.colours[c]);
                    ui.checkbox(&mut st.shown[c], format!("{c} {class}"))
                        .on_hover_text(format!("Show class {c} ({class}) of {name}"));
                }
            });
        });
    });
}
