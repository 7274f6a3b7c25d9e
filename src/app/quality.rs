//! Label quality: where the model and the map disagree (engine::quality), computed in the
//! background at the view's contour level. Coot's density-fit graph per chain (residue Q as
//! bars, click to go there), a sortable worst-residues table, the Q histogram with the summary,
//! and the unmodelled density blobs (click to go there). Colours: viridis over Q 0..1.

use eframe::egui::{self, Color32, RichText, Ui, Vec2};
use egui_plot::{Bar, BarChart, Plot};

use super::session::Session;
use crate::engine::quality::{Quality, ResidueQuality};
use crate::render::palette::okabe_ito::YELLOW;
use crate::render::palette::viridis;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum SortBy {
    #[default]
    Q,
    MainChain,
    SideChain,
    Cc,
}

#[derive(Default)]
pub struct QualityPanel {
    /// Chain shown in the density-fit graph (first chain when None).
    pub chain: Option<String>,
    pub sort: SortBy,
    /// Highest first instead of lowest first.
    pub descending: bool,
}

/// Move the slices to a world position (Å).
fn go_to(s: &mut Session, p: glam::Vec3) {
    let Some(map) = &s.map else { return };
    let g = map.volume.grid;
    let ijk = g.world_to_index(p, crate::engine::IndexRule::Nearest);
    let clamp = |a: usize| ijk[a].clamp(0, g.shape[a] as i64 - 1) as usize;
    s.view.focus = [clamp(0), clamp(1), clamp(2)];
}

/// The residue's CA (else its first atom).
fn residue_position(s: &Session, r: &ResidueQuality) -> Option<glam::Vec3> {
    let atoms = &s.model.as_ref()?.atoms;
    let i = r.residue.atoms.iter().copied().find(|&i| atoms.get(i).is_some_and(|a| a.name == "CA"));
    atoms.get(i.or(r.residue.atoms.first().copied())?).map(|a| a.pos)
}

fn fmt(x: f32) -> String {
    if x.is_finite() { format!("{x:.2}") } else { "–".into() }
}

impl QualityPanel {
    pub fn ui(&mut self, ui: &mut Ui, s: &mut Session) {
        ui.horizontal(|ui| {
            let can = s.map.is_some() && s.model.is_some() && !s.jobs.quality_running;
            let b = ui.add_enabled(can, egui::Button::new("Compute quality")).on_hover_text(
                "Q-score per atom, Q and CC per residue, unmodelled density at the current contour (in the background)",
            );
            if b.clicked() {
                s.start_quality();
            }
            if s.jobs.quality_running {
                ui.spinner();
                if ui.button("Cancel").on_hover_text("Stop the label-quality computation").clicked() {
                    s.jobs.cancel_quality();
                }
            }
        });
        let Some(r) = &s.quality else {
            if !s.jobs.quality_running {
                ui.label(if s.map.is_some() && s.model.is_some() {
                    "Not computed yet"
                } else {
                    "Open a map and a model"
                });
            }
            return;
        };
        if !s.quality_current() {
            ui.label(RichText::new("Out of date: the data or the contour changed since. Compute again.").color(YELLOW));
        }
        let q = r.quality.clone();
        let wall = r.wall_ms;
        summary(ui, &q, wall);
        legend(ui);
        histogram(ui, &q);
        ui.separator();
        self.density_fit(ui, s, &q);
        ui.separator();
        self.worst_table(ui, s, &q);
        ui.separator();
        blobs(ui, s, &q);
    }

    /// Coot's density-fit graph: one bar per residue of a chain, height and colour = Q.
    fn density_fit(&mut self, ui: &mut Ui, s: &mut Session, q: &Quality) {
        let mut chains: Vec<String> = Vec::new();
        for r in &q.residues {
            if !chains.contains(&r.residue.chain) {
                chains.push(r.residue.chain.clone());
            }
        }
        let Some(first) = chains.first().cloned() else { return };
        let chain = self.chain.clone().filter(|c| chains.contains(c)).unwrap_or(first);
        ui.horizontal(|ui| {
            ui.strong("Residue Q, chain");
            egui::ComboBox::from_id_salt("quality-chain").selected_text(&chain).show_ui(ui, |ui| {
                for c in &chains {
                    if ui.selectable_label(*c == chain, c).clicked() {
                        self.chain = Some(c.clone());
                    }
                }
            });
        });
        let rows: Vec<&ResidueQuality> =
            q.residues.iter().filter(|r| r.residue.chain == chain && r.q.is_finite()).collect();
        let bars: Vec<Bar> = rows
            .iter()
            .map(|r| {
                Bar::new(r.residue.res_seq as f64, r.q as f64).width(0.9).fill(viridis(r.q)).name(r.residue.label())
            })
            .collect();
        let resp = Plot::new("quality-density-fit")
            .height(110.0)
            .include_y(0.0)
            .include_y(1.0)
            .allow_scroll(false)
            .allow_zoom(egui::Vec2b::new(true, false))
            .x_axis_label("residue")
            .y_axis_label("Q")
            .show(ui, |plot| {
                plot.bar_chart(BarChart::new("residue Q", bars));
                plot.pointer_coordinate()
            });
        if resp.response.clicked()
            && let Some(p) = resp.inner
            && let Some(r) = rows.iter().min_by_key(|r| ((r.residue.res_seq as f64 - p.x).abs() * 100.0) as i64)
            && let Some(pos) = residue_position(s, r)
        {
            go_to(s, pos);
        }
        resp.response.on_hover_text("Q per residue (Coot's density-fit graph); click a bar to move the slices there");
    }

    fn worst_table(&mut self, ui: &mut Ui, s: &mut Session, q: &Quality) {
        ui.strong("Residues");
        let key = |r: &ResidueQuality| match self.sort {
            SortBy::Q => r.q,
            SortBy::MainChain => r.q_main,
            SortBy::SideChain => r.q_side,
            SortBy::Cc => r.cc,
        };
        let mut rows: Vec<&ResidueQuality> = q.residues.iter().filter(|r| key(r).is_finite()).collect();
        rows.sort_by(|a, b| key(a).total_cmp(&key(b)));
        if self.descending {
            rows.reverse();
        }
        let mut go = None;
        egui::Grid::new("quality-worst").num_columns(5).striped(true).show(ui, |ui| {
            ui.strong("Residue");
            for (name, by) in
                [("Q", SortBy::Q), ("main", SortBy::MainChain), ("side", SortBy::SideChain), ("CC", SortBy::Cc)]
            {
                let arrow = if self.sort == by { if self.descending { " v" } else { " ^" } } else { "" };
                if ui.button(format!("{name}{arrow}")).on_hover_text("Sort by this column; again to reverse").clicked()
                {
                    if self.sort == by {
                        self.descending = !self.descending;
                    } else {
                        self.sort = by;
                        self.descending = false;
                    }
                }
            }
            ui.end_row();
            for r in rows.iter().take(10) {
                if ui.link(r.residue.label()).on_hover_text("Move the slices to this residue").clicked() {
                    go = Some(*r);
                }
                // Heat-map cells: the viridis colour behind, dark or light text to stay readable.
                for v in [r.q, r.q_main, r.q_side] {
                    let text = RichText::new(format!(" {} ", fmt(v)));
                    ui.label(if v.is_finite() {
                        text.background_color(viridis(v)).color(if v < 0.55 { Color32::WHITE } else { Color32::BLACK })
                    } else {
                        text.color(Color32::GRAY)
                    });
                }
                ui.label(fmt(r.cc));
                ui.end_row();
            }
        });
        if let Some(r) = go
            && let Some(p) = residue_position(s, r)
        {
            go_to(s, p);
        }
    }
}

fn summary(ui: &mut Ui, q: &Quality, wall_ms: f64) {
    let m = &q.summary;
    egui::Grid::new("quality-summary").num_columns(2).show(ui, |ui| {
        let mut row = |k: &str, v: String| {
            ui.label(k);
            ui.label(v);
            ui.end_row();
        };
        row("Mean Q", format!("{:.3} over {} atoms", m.mean_q, m.atoms_scored));
        row(&format!("Q < {}", m.low_q), format!("{:.1}% of atoms", 100.0 * m.low_q_fraction));
        row("Mean residue CC", format!("{:.3}", m.mean_cc));
        row("Unsupported atoms", format!("{} below the contour ({:.3})", m.unsupported_atoms, m.contour));
        row(
            "Unmodelled density",
            format!("{:.1}% of the volume above the contour, {} blobs", 100.0 * m.unmodelled_fraction, m.blobs),
        );
    });
    ui.small(format!(
        "{} hydrogens skipped, {} atoms without a Q; {:.2} s",
        m.hydrogens_skipped,
        m.atoms_unscored,
        wall_ms / 1e3
    ));
}

/// The viridis colour bar for Q from 0 to 1.
fn legend(ui: &mut Ui) {
    ui.horizontal(|ui| {
        ui.small("Q 0");
        let (rect, _) = ui.allocate_exact_size(Vec2::new(160.0, 10.0), egui::Sense::hover());
        let n = 32;
        for i in 0..n {
            let x0 = rect.left() + rect.width() * i as f32 / n as f32;
            let x1 = rect.left() + rect.width() * (i + 1) as f32 / n as f32;
            let r = egui::Rect::from_min_max(egui::pos2(x0, rect.top()), egui::pos2(x1, rect.bottom()));
            ui.painter().rect_filled(r, 0.0, viridis((i as f32 + 0.5) / n as f32));
        }
        ui.small("1");
    });
}

fn histogram(ui: &mut Ui, q: &Quality) {
    let bins = 24;
    let (lo, hi) = (-0.2f32, 1.0f32);
    let mut counts = vec![0u32; bins];
    for a in q.atoms.iter().filter(|a| a.q.is_finite()) {
        let b = (((a.q - lo) / (hi - lo)) * bins as f32).floor().clamp(0.0, bins as f32 - 1.0) as usize;
        counts[b] += 1;
    }
    let w = (hi - lo) / bins as f32;
    let bars: Vec<Bar> = counts
        .iter()
        .enumerate()
        .map(|(i, &c)| {
            let x = lo + (i as f32 + 0.5) * w;
            Bar::new(x as f64, c as f64).width(w as f64 * 0.95).fill(viridis(x))
        })
        .collect();
    Plot::new("quality-histogram")
        .height(90.0)
        .allow_zoom(false)
        .allow_drag(false)
        .allow_scroll(false)
        .show_y(false)
        .x_axis_label("atom Q")
        .show(ui, |plot| plot.bar_chart(BarChart::new("atoms", bars)))
        .response
        .on_hover_text("Atoms per Q bin");
}

fn blobs(ui: &mut Ui, s: &mut Session, q: &Quality) {
    ui.strong(format!("Unmodelled density ({} blobs)", q.blobs.len()));
    let mut go = None;
    egui::Grid::new("quality-blobs").num_columns(4).striped(true).show(ui, |ui| {
        ui.label("Blob");
        ui.label("Å³");
        ui.label("peak");
        ui.label("to atom (Å)");
        ui.end_row();
        for b in q.blobs.iter().take(8) {
            if ui.link(format!("#{}", b.id)).on_hover_text("Move the slices to this blob").clicked() {
                go = Some(b.centroid);
            }
            ui.label(format!("{:.0}", b.volume_a3));
            ui.label(format!("{:.3}", b.peak));
            ui.label(fmt(b.nearest_atom));
            ui.end_row();
        }
    });
    if let Some(c) = go {
        go_to(s, glam::Vec3::new(c[0] as f32, c[1] as f32, c[2] as f32));
    }
}
