//! File > Open accession…: a text field taking ids as ChimeraX does (`emdb:3488 pdb:5me2`,
//! `EMD-3488`, `5me2`), fetched in the background (jobs::fetch_accession), and the recent
//! entries, kept in a small file in the user's config folder.

use std::path::PathBuf;

use eframe::egui::{self, Key};

use super::Session;
use crate::engine::archive::Settings;

const RECENT_MAX: usize = 10;

pub struct AccessionDialog {
    pub open: bool,
    pub text: String,
    pub recent: Vec<String>,
    /// Where the recent entries are kept (None: not kept).
    pub recent_file: Option<PathBuf>,
    /// Archive settings; None: from the environment when a fetch starts.
    pub settings: Option<Settings>,
}

impl Default for AccessionDialog {
    fn default() -> Self {
        let recent_file = dirs::config_dir().map(|d| d.join("cryolabel").join("recent-accessions.txt"));
        let recent = recent_file.as_ref().map(|p| read_recent(p)).unwrap_or_default();
        AccessionDialog { open: false, text: String::new(), recent, recent_file, settings: None }
    }
}

fn read_recent(path: &std::path::Path) -> Vec<String> {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    text.lines().map(str::trim).filter(|l| !l.is_empty()).take(RECENT_MAX).map(String::from).collect()
}

impl AccessionDialog {
    pub fn ui(&mut self, ctx: &egui::Context, session: &mut Session) {
        if !self.open {
            return;
        }
        let mut open = self.open;
        let mut go: Option<String> = None;
        egui::Window::new("Open accession").open(&mut open).collapsible(false).resizable(false).show(ctx, |ui| {
            ui.label("EMDB and PDB ids: the map, its fitted model and the author's contour");
            let field =
                ui.add(egui::TextEdit::singleline(&mut self.text).hint_text("emdb:3488 pdb:5me2").desired_width(260.0));
            let enter = field.lost_focus() && ui.input(|i| i.key_pressed(Key::Enter));
            if (ui.button("Fetch and open").clicked() || enter) && !self.text.trim().is_empty() {
                go = Some(self.text.trim().to_string());
            }
            if !self.recent.is_empty() {
                ui.separator();
                ui.label("Recent");
                for r in &self.recent {
                    if ui.button(r).clicked() {
                        go = Some(r.clone());
                    }
                }
            }
        });
        self.open = open;
        if let Some(text) = go {
            self.remember(&text);
            session.jobs.fetch_accession(text, self.settings.clone());
            self.open = false;
        }
    }

    /// Put `text` first in the recent entries and save them (a failed save only loses the list).
    fn remember(&mut self, text: &str) {
        self.recent.retain(|r| r != text);
        self.recent.insert(0, text.to_string());
        self.recent.truncate(RECENT_MAX);
        if let Some(p) = &self.recent_file {
            let body = self.recent.join("\n") + "\n";
            let saved = p.parent().map(std::fs::create_dir_all).unwrap_or(Ok(())).and_then(|_| std::fs::write(p, body));
            if let Err(e) = saved {
                log::warn!("{}: cannot save recent accessions: {e}", p.display());
            }
        }
    }
}
