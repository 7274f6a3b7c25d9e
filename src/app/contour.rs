//! Contour panel: the map's histogram with the level as a marker you drag (or click), the
//! level in absolute units and in σ, and ChimeraX's 1%-of-voxels default one click away.

use eframe::egui::{self, Color32, Ui};
use egui_plot::{Bar, BarChart, Plot, VLine};

use super::session::Session;
use crate::render::palette::CONTOUR_COLOUR;

#[derive(Default)]
pub struct ContourPanel;

impl ContourPanel {
    pub fn ui(&mut self, ui: &mut Ui, s: &mut Session) {
        let Some(map) = &s.map else {
            ui.label("No map loaded");
            return;
        };
        let sigma = s.sigma();
        let mean = map.stats.mean;
        let hist = &map.histogram;
        let bars: Vec<Bar> = hist
            .counts
            .iter()
            .enumerate()
            .map(|(b, &c)| Bar::new(hist.bin_centre(b) as f64, (c as f64 + 1.0).log10()).width(hist.bin_width() as f64))
            .collect();
        let level = &mut s.view.contour_level;
        let resp = Plot::new("contour-histogram")
            .height(110.0)
            .allow_zoom(false)
            .allow_drag(false)
            .allow_scroll(false)
            .allow_boxed_zoom(false)
            .allow_double_click_reset(false)
            .show_y(false)
            .y_axis_label("log10 count")
            .show(ui, |plot| {
                plot.bar_chart(BarChart::new("voxels", bars).color(Color32::from_gray(150)));
                plot.vline(VLine::new("level", *level as f64).color(CONTOUR_COLOUR).width(2.0));
                plot.pointer_coordinate()
            });
        if (resp.response.dragged() || resp.response.clicked())
            && let Some(p) = resp.inner
        {
            *level = p.x as f32;
        }
        resp.response.on_hover_text("Drag or click to set the contour level; + / - and Ctrl+wheel step it by 0.1 σ");
        ui.horizontal(|ui| {
            ui.label("Level");
            ui.add(egui::DragValue::new(level).speed(0.01 * sigma).max_decimals(4))
                .on_hover_text("Contour level in the map's units");
            let mut in_sigma = (*level - mean) / sigma;
            if ui
                .add(egui::DragValue::new(&mut in_sigma).speed(0.02).suffix(" σ").max_decimals(2))
                .on_hover_text("Contour level in standard deviations above the mean")
                .changed()
            {
                *level = mean + in_sigma * sigma;
            }
            if ui.button("1%").on_hover_text("The level enclosing 1% of voxels (ChimeraX's default)").clicked() {
                *level = hist.level_enclosing(0.01);
            }
        });
        let above = hist.total as f64 * {
            let l = *level;
            let mut n = 0u64;
            for (b, &c) in hist.counts.iter().enumerate() {
                if hist.bin_centre(b) >= l {
                    n += c;
                }
            }
            n as f64 / hist.total.max(1) as f64
        };
        ui.small(format!(
            "range {:.3} … {:.3}, mean {:.4}, σ {:.4}; ≈{:.2}% of voxels above",
            map.stats.min,
            map.stats.max,
            mean,
            sigma,
            100.0 * above / hist.total.max(1) as f64
        ));
    }
}
