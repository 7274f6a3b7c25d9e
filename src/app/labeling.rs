//! Labeling controls: preset, radius and the rules. Any change relabels in the background
//! (the session cancels the stale job), so the view follows the slider.

use eframe::egui::{self, Ui};

use super::session::Session;
use crate::engine::{AtomTypeRule, IndexRule, LabelParams, Neighbourhood, Preset};

#[derive(Default)]
pub struct LabelingPanel;

impl LabelingPanel {
    pub fn ui(&mut self, ui: &mut Ui, s: &mut Session) {
        let p = &mut s.params;
        ui.horizontal(|ui| {
            ui.label("Preset");
            let before = s.preset;
            egui::ComboBox::from_id_salt("preset")
                .selected_text(preset_name(s.preset))
                .show_ui(ui, |ui| {
                    for pr in [Preset::DenoiseCryoData, Preset::Precise] {
                        ui.selectable_value(&mut s.preset, pr, preset_name(pr));
                    }
                })
                .response
                .on_hover_text("DenoiseCryoData: the published rules, bit for bit. Precise: nearest voxel, sphere in Å, protein atom types");
            if s.preset != before {
                let radius = p.radius;
                *p = LabelParams::preset(s.preset);
                p.radius = radius;
            }
        });
        s.reread_model_if_rules_changed();
        let p = &mut s.params;
        let (range, unit, step) = match p.neighbourhood {
            Neighbourhood::Cube => (0.0..=16.0, "voxels", 1.0),
            Neighbourhood::Sphere => (0.0..=16.0, "Å", 0.1),
        };
        ui.add(egui::Slider::new(&mut p.radius, range).step_by(step).suffix(format!(" {unit}")).text("radius"))
            .on_hover_text("Neighbour radius: a cube of ± this many voxels, or a sphere of this many Å");
        ui.horizontal(|ui| {
            ui.label("Neighbourhood");
            let c = ui
                .radio_value(&mut p.neighbourhood, Neighbourhood::Cube, "cube")
                .on_hover_text("Chebyshev distance in voxels (published)");
            let sph = ui
                .radio_value(&mut p.neighbourhood, Neighbourhood::Sphere, "sphere")
                .on_hover_text("Voxel centres within R Å of an atom");
            if c.changed() || sph.changed() {
                p.radius = p.radius.round();
            }
        });
        ui.horizontal(|ui| {
            ui.label("Atom to voxel");
            ui.radio_value(&mut p.index, IndexRule::Reference, "reference")
                .on_hover_text("The published ceil(floor(c - o) / v): may land one voxel off");
            ui.radio_value(&mut p.index, IndexRule::Nearest, "nearest")
                .on_hover_text("The voxel whose centre is nearest");
        });
        ui.horizontal(|ui| {
            ui.label("Atom-type rule");
            ui.radio_value(&mut p.atom_types, AtomTypeRule::Names, "by name")
                .on_hover_text("By atom name only, last atom wins (an ion named CA counts as CA)");
            ui.radio_value(&mut p.atom_types, AtomTypeRule::Residues, "amino acids")
                .on_hover_text("Only atoms of standard amino acids; nearest atom wins");
        });
        if p.matching_preset() != Some(s.preset) {
            ui.small("custom rules (differs from the preset)");
        }
        ui.horizontal(|ui| {
            if s.jobs.labeling {
                ui.spinner();
                ui.label("labeling…");
            } else if let Some(why) = s.missing_inputs() {
                ui.label(egui::RichText::new(why).weak());
            } else if let (Some(l), Some(ms)) = (&s.labels, s.last_label_ms) {
                ui.label(format!("labels ready in {ms:.0} ms (engine {:.0} ms)", l.stats.elapsed.as_secs_f64() * 1e3));
            }
        });
    }
}

pub fn preset_name(p: Preset) -> &'static str {
    match p {
        Preset::DenoiseCryoData => "DenoiseCryoData",
        Preset::Precise => "Precise",
    }
}
