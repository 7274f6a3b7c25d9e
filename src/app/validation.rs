//! Validation: map-model FSC of the experimental map and of the regression label against the
//! model (the paper's Figure 1 check), computed in the background on request, with the
//! resolutions where each curve drops below 0.5 and 0.143.

use eframe::egui::{self, Color32, RichText, Ui};
use egui_plot::{Corner, HLine, Legend, Line, LineStyle, Plot};

use super::session::Session;
use crate::engine::FscCurve;
use crate::engine::fsc::{FSC_05, FSC_0143};
use crate::render::palette::REGRESSION_COLOUR;
use crate::render::palette::okabe_ito::YELLOW;

/// Row names in the resolution table (also the curves' names in the legend).
pub const MAP_ROW: &str = "Map vs model";
pub const LABEL_ROW: &str = "Label vs model";

const MAP_COLOUR: Color32 = Color32::from_gray(220);

#[derive(Default)]
pub struct ValidationPanel {
    /// Multiply both maps by a soft mask around the atoms (3 Å + 3 Å cosine edge).
    pub masked: bool,
}

/// A resolution for the table: "3.46 Å", or "< Nyquist (2.10 Å)" when the curve never drops
/// below the threshold.
pub fn format_resolution(curve: &FscCurve, threshold: f64) -> String {
    match (curve.resolution_at(threshold), curve.nyquist()) {
        (Some(d), _) => format!("{d:.2} Å"),
        (None, Some(n)) => format!("< Nyquist ({n:.2} Å)"),
        (None, None) => "-".into(),
    }
}

fn points(curve: &FscCurve) -> Vec<[f64; 2]> {
    curve.shells.iter().map(|s| [s.freq, s.fsc]).collect()
}

impl ValidationPanel {
    pub fn ui(&mut self, ui: &mut Ui, s: &mut Session) {
        let (res, source) = s.fsc_resolution();
        ui.horizontal(|ui| {
            let can = s.fsc_missing().is_none() && !s.jobs.fsc_running;
            let b = ui.add_enabled(can, egui::Button::new("Compute FSC")).on_hover_text(
                "Map-model FSC of the experimental map and of the regression label (runs in the background)",
            );
            if b.clicked() {
                s.start_fsc(self.masked);
            }
            ui.checkbox(&mut self.masked, "Masked")
                .on_hover_text("Multiply both maps by a soft mask around the atoms (3 Å radius + 3 Å cosine edge)");
            if s.jobs.fsc_running {
                ui.spinner();
                if ui.button("Cancel").on_hover_text("Stop the FSC computation").clicked() {
                    s.jobs.cancel_fsc();
                }
            }
        });
        if let Some(why) = s.fsc_missing() {
            ui.small(format!("To compute FSC: {why}"));
        }
        ui.small(format!("Model map at {res} Å ({source})"));
        let Some(f) = &s.fsc else {
            if !s.jobs.fsc_running {
                ui.label("No FSC computed yet");
            }
            return;
        };
        if f.revision != s.revision {
            ui.label(
                RichText::new("Out of date: the map, model or labels changed since. Compute again.").color(YELLOW),
            );
        }
        if f.label.is_none() {
            ui.small("No labels yet when computed: the map's curve only.");
        }
        egui::Grid::new("fsc-table").num_columns(3).striped(true).show(ui, |ui| {
            ui.strong("Curve");
            ui.strong("FSC = 0.5");
            ui.strong("FSC = 0.143");
            ui.end_row();
            let rows = [(MAP_ROW, Some(&f.map)), (LABEL_ROW, f.label.as_ref())];
            for (name, curve) in rows {
                let Some(c) = curve else { continue };
                ui.label(name);
                ui.label(format_resolution(c, FSC_05));
                ui.label(format_resolution(c, FSC_0143));
                ui.end_row();
            }
        });
        let nyquist = f.map.shells.last().map(|s| s.freq).unwrap_or(0.5);
        Plot::new("fsc-curves")
            .height(180.0)
            .legend(Legend::default().position(Corner::LeftBottom))
            .x_axis_label("spatial frequency (1/Å)")
            .y_axis_label("FSC")
            .include_x(0.0)
            .include_x(nyquist)
            .include_y(-0.1)
            .include_y(1.05)
            .allow_scroll(false)
            .show(ui, |plot| {
                plot.hline(
                    HLine::new("FSC 0.5", FSC_05).color(Color32::from_gray(120)).style(LineStyle::dashed_loose()),
                );
                plot.hline(
                    HLine::new("FSC 0.143", FSC_0143).color(Color32::from_gray(90)).style(LineStyle::dotted_loose()),
                );
                plot.line(Line::new(MAP_ROW, points(&f.map)).color(MAP_COLOUR).width(2.0));
                if let Some(l) = &f.label {
                    plot.line(Line::new(LABEL_ROW, points(l)).color(REGRESSION_COLOUR).width(2.0));
                }
            })
            .response
            .on_hover_text("FSC against the model map, per Fourier shell; dashed 0.5, dotted 0.143");
        ui.small(format!(
            "{}model map at {} Å; {:.1} s",
            if f.masked { "masked; " } else { "" },
            f.resolution,
            f.wall_ms / 1e3
        ));
    }
}
