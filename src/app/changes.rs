//! "What changed": voxels per class before and after the last parameter change, and a
//! toggle that marks the voxels whose class changed on the slices.

use eframe::egui::{Color32, Ui};
use egui_plot::{Bar, BarChart, Legend, Plot};

use super::session::Session;
use crate::render::palette::{CLASS_COLOURS, CLASS_NAMES};

#[derive(Default)]
pub struct ChangesPanel;

impl ChangesPanel {
    pub fn ui(&mut self, ui: &mut Ui, s: &mut Session) {
        let (Some(now), Some(before)) = (&s.labels, &s.previous) else {
            ui.label("Change a labeling parameter to compare");
            return;
        };
        ui.checkbox(&mut s.view.style.show_changed, "Show changed voxels")
            .on_hover_text("Mark voxels whose class differs from the previous labels (white)");
        let changed = now.classification.data.iter().zip(&before.classification.data).filter(|(a, b)| a != b).count();
        ui.small(format!("{changed} voxels changed class (radius {} -> {})", before.params.radius, now.params.radius));
        let (b, a) = (&before.stats.class_counts, &now.stats.class_counts);
        ui.small(format!("atom {} -> {}, neighbour {} -> {}", b[1], a[1], b[2], a[2]));
        let bars = |counts: &[usize; 3], offset: f64, name: &str, faded: bool| {
            let bars = (1..3)
                .map(|c| {
                    let col = if faded { CLASS_COLOURS[c].gamma_multiply(0.45) } else { CLASS_COLOURS[c] };
                    Bar::new(c as f64 + offset, counts[c] as f64).width(0.35).fill(col).name(CLASS_NAMES[c])
                })
                .collect();
            // The chart colour is what the legend shows: faded grey before, white after.
            BarChart::new(name, bars).color(if faded { Color32::from_gray(110) } else { Color32::WHITE })
        };
        Plot::new("class-counts")
            .height(100.0)
            .allow_zoom(false)
            .allow_drag(false)
            .allow_scroll(false)
            .allow_boxed_zoom(false)
            .show_x(false)
            .legend(Legend::default())
            .x_axis_formatter(|m, _| match m.value.round() as i64 {
                1 => "atom".into(),
                2 => "neighbour".into(),
                _ => String::new(),
            })
            .show(ui, |plot| {
                plot.bar_chart(bars(&before.stats.class_counts, -0.2, "before", true));
                plot.bar_chart(bars(&now.stats.class_counts, 0.2, "after", false));
            })
            .response
            .on_hover_text("Voxels per class: faded bars before, solid bars after");
    }
}
