//! The viewer, rendered headless with egui_kittest (wgpu on lavapipe; no X server needed).

use std::time::Duration;

use cryolabel::app::{CryolabelApp, sample::sample_options};
use eframe::egui;
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;

fn harness() -> Harness<'static, CryolabelApp> {
    let opts = sample_options().expect("sample files");
    Harness::builder().with_size(egui::vec2(1400.0, 880.0)).wgpu().build_eframe(move |cc| CryolabelApp::new(cc, opts))
}

/// Step frames until the background jobs are done and labels exist.
fn wait_for_labels(h: &mut Harness<'_, CryolabelApp>) {
    for _ in 0..1500 {
        h.step();
        let s = &h.state().session;
        if !s.jobs.busy() && s.labels.is_some() {
            h.run_steps(3);
            return;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    panic!("labels did not arrive; error: {:?}", h.state().session.error);
}

/// Only label colours count: no contour tint, no atom dots.
fn plain_view(h: &mut Harness<'_, CryolabelApp>) {
    let v = &mut h.state_mut().session.view;
    v.show_contour = false;
    v.atoms.visible = false;
}

/// Pixels whose hue matches vermillion (class 1) and sky blue (class 2) blended over grey.
fn label_pixels(img: &image::RgbaImage) -> (usize, usize) {
    let (mut atom, mut neighbour) = (0, 0);
    for p in img.pixels() {
        let [r, g, b, _] = p.0.map(|c| c as i32);
        if r - b > 60 && r > g && g > b {
            atom += 1;
        }
        if b - r > 40 && g > r {
            neighbour += 1;
        }
    }
    (atom, neighbour)
}

#[test]
fn panels_exist() {
    let mut h = harness();
    h.run_steps(2);
    for name in [
        "Layers",
        "Labeling",
        "Contour",
        "What changed",
        "Diagnostics",
        "Validation",
        "Export",
        "Experimental map",
        "Classification",
        "Atom types",
    ] {
        h.get_by_label(name);
    }
}

#[test]
fn labels_show_and_radius_changes_the_image() {
    let mut h = harness();
    wait_for_labels(&mut h);
    plain_view(&mut h);
    h.run_steps(2);
    let before = h.render().expect("render");
    let (atom, neighbour) = label_pixels(&before);
    assert!(atom > 200, "class-1 colour on screen: {atom} pixels");
    assert!(neighbour > 2000, "class-2 colour on screen: {neighbour} pixels");

    h.state_mut().session.params.radius = 2.0;
    h.run_steps(1);
    wait_for_labels(&mut h);
    assert_eq!(h.state().session.labels.as_ref().unwrap().params.radius, 2.0);
    let after = h.render().expect("render");
    let (_, neighbour2) = label_pixels(&after);
    let differing = before.pixels().zip(after.pixels()).filter(|(a, b)| a != b).count();
    assert!(differing > 1000, "radius 6 → 2 changed {differing} pixels");
    assert!(neighbour2 < neighbour, "fewer neighbour pixels at a smaller radius: {neighbour} → {neighbour2}");
    assert!(h.state().session.previous.is_some(), "the old labels are kept for 'what changed'");
}

#[test]
fn simulates_when_no_simulated_map_is_given() {
    let mut opts = sample_options().expect("sample files");
    opts.simulated = None; // the model states 3.2 Å (REMARK 2)
    let mut h = Harness::builder()
        .with_size(egui::vec2(1400.0, 880.0))
        .wgpu()
        .build_eframe(move |cc| CryolabelApp::new(cc, opts));
    wait_for_labels(&mut h);
    let s = &h.state().session;
    assert!(s.simulated_made, "the simulated map was made from the model");
    let l = s.labels.as_ref().unwrap();
    assert!(l.stats.class_counts[1] > 1000, "atom voxels: {:?}", l.stats.class_counts);
}

#[test]
fn bad_file_keeps_what_was_loaded() {
    let mut h = harness();
    wait_for_labels(&mut h);
    let bad = std::env::temp_dir().join("cryolabel-test-not-a-map.mrc");
    std::fs::write(&bad, b"not a map").unwrap();
    h.state_mut().session.open(&bad, None);
    for _ in 0..500 {
        h.step();
        if h.state().session.error.is_some() {
            break;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    let s = &h.state().session;
    assert!(s.error.is_some(), "an error message is shown");
    assert!(s.map.is_some() && s.labels.is_some(), "the loaded map and labels stay");
}

#[test]
fn export_writes_the_data_set_files() {
    let mut h = harness();
    wait_for_labels(&mut h);
    let dir = tempfile::tempdir().unwrap();
    {
        let app = h.state_mut();
        app.export.folder = dir.path().display().to_string();
        app.export.id = "5me2".into();
        app.export.export(&mut app.session, "5me2".into());
    }
    for _ in 0..500 {
        h.step();
        if !h.state().session.jobs.busy() {
            break;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    for n in cryolabel::engine::export::label_file_names("5me2") {
        assert!(dir.path().join(&n).is_file(), "{n} written");
    }
}

/// Click "Compute FSC" and step frames until the FSC job is done.
fn compute_fsc(h: &mut Harness<'_, CryolabelApp>) {
    h.get_by_label("Compute FSC").click();
    h.step();
    for _ in 0..3000 {
        h.step();
        let s = &h.state().session;
        if !s.jobs.busy() && s.fsc.is_some() {
            h.run_steps(3);
            return;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    panic!("FSC did not arrive; error: {:?}", h.state().session.error);
}

#[test]
fn validation_panel_shows_map_and_label_fsc() {
    use cryolabel::app::validation::{LABEL_ROW, MAP_ROW, format_resolution};
    use cryolabel::engine::fsc::{FSC_05, FSC_0143};
    let mut h = harness();
    wait_for_labels(&mut h);
    h.get_by_label("No FSC computed yet");
    compute_fsc(&mut h);
    let s = &h.state().session;
    assert!(s.fsc_current(), "the result describes the loaded data");
    let f = s.fsc.as_ref().unwrap();
    let label = f.label.as_ref().expect("the regression label's curve");
    // Both rows are on screen with their resolutions.
    // (the names are in the table and in the plot's legend)
    assert!(h.get_all_by_label(MAP_ROW).count() >= 1 && h.get_all_by_label(LABEL_ROW).count() >= 1);
    for c in [&f.map, label] {
        for t in [FSC_05, FSC_0143] {
            assert!(h.query_all_by_label(&format_resolution(c, t)).count() >= 1, "{} shown", format_resolution(c, t));
        }
    }
    // The map crosses 0.5 on the sample; the label agrees with the model further out.
    let map05 = f.map.d05().expect("the map's curve drops below 0.5");
    assert!(map05 > 2.5 && map05 < 6.0, "map FSC-0.5 at {map05} Å");
    match label.d05() {
        None => assert!(format_resolution(label, FSC_05).starts_with("< Nyquist")),
        Some(d) => assert!(d < map05, "label FSC-0.5 {d} Å better than the map's {map05} Å"),
    }
    // New labels make the result stale; it says so.
    h.state_mut().session.params.radius = 3.0;
    h.run_steps(1);
    wait_for_labels(&mut h);
    assert!(!h.state().session.fsc_current());
    h.get_by_label_contains("Out of date");
}

/// A tool, not a check: writes the README screenshots into CRYOLABEL_SHOTS (default docs/).
/// Run by hand: `cargo test --test viewer docs_screenshots -- --ignored`.
#[test]
#[ignore = "a tool that writes the README screenshots: cargo test --test viewer docs_screenshots -- --ignored"]
fn docs_screenshots() {
    let dir = std::env::var_os("CRYOLABEL_SHOTS")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| concat!(env!("CARGO_MANIFEST_DIR"), "/docs").into());
    let mut h = harness();
    wait_for_labels(&mut h);
    h.state_mut().session.view.ortho = true;
    h.run_steps(3);
    h.render().unwrap().save(dir.join("screenshot-three-views.png")).unwrap();
    h.state_mut().session.view.ortho = false;
    h.state_mut().session.params.radius = 3.0;
    h.run_steps(1);
    wait_for_labels(&mut h);
    h.state_mut().session.view.style.show_changed = true;
    h.run_steps(3);
    h.render().unwrap().save(dir.join("screenshot-what-changed.png")).unwrap();
    h.state_mut().session.view.style.show_changed = false;
    compute_fsc(&mut h);
    for panel in ["Contour", "What changed"] {
        h.get_by_label(panel).click();
        h.run_steps(2);
    }
    h.run_steps(3);
    h.render().unwrap().save(dir.join("screenshot-validation.png")).unwrap();
}

#[derive(Debug)]
struct Dropped(std::path::PathBuf);

impl egui::DroppedFile for Dropped {
    fn path(&self) -> &std::path::Path {
        &self.0
    }
    fn bytes(&self) -> Result<Vec<u8>, String> {
        std::fs::read(&self.0).map_err(|e| e.to_string())
    }
}

#[test]
fn dropped_files_open_by_their_names() {
    let all = sample_options().expect("sample files");
    let map_only = cryolabel::app::StartOptions { map: all.map.clone(), ..Default::default() };
    let mut h = Harness::builder()
        .with_size(egui::vec2(1400.0, 880.0))
        .wgpu()
        .build_eframe(move |cc| CryolabelApp::new(cc, map_only));
    h.step();
    for p in [all.model.unwrap(), all.simulated.unwrap()] {
        h.input_mut().dropped_files.push(std::sync::Arc::new(Dropped(p)));
    }
    wait_for_labels(&mut h);
    let s = &h.state().session;
    assert!(
        s.model.is_some() && s.simulated_path.is_some() && !s.simulated_made,
        "model and simulated map came from the drop"
    );
}

#[test]
fn keys_step_the_slice_and_the_contour() {
    let mut h = harness();
    wait_for_labels(&mut h);
    let (z, level) = (h.state().session.view.focus[2], h.state().session.view.contour_level);
    h.key_press(egui::Key::PageUp);
    h.step();
    h.key_press(egui::Key::Plus);
    h.step();
    let v = &h.state().session.view;
    assert_eq!(v.focus[2], z + 1);
    assert!(v.contour_level > level);
}

/// Collapse the panels above Label quality so it is on screen, then compute it.
fn compute_quality(h: &mut Harness<'_, CryolabelApp>) {
    for panel in ["Contour", "What changed", "Diagnostics", "Validation"] {
        h.get_by_label(panel).click();
        h.run_steps(2);
    }
    h.get_by_label("Compute quality").click();
    h.step();
    for _ in 0..3000 {
        h.step();
        let s = &h.state().session;
        if !s.jobs.busy() && s.quality.is_some() {
            h.run_steps(3);
            return;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    panic!("label quality did not arrive; error: {:?}", h.state().session.error);
}

#[test]
fn label_quality_panel_computes_in_the_background_and_goes_stale() {
    let mut h = harness();
    wait_for_labels(&mut h);
    compute_quality(&mut h);
    let s = &h.state().session;
    let q = s.atom_q().expect("per-atom Q on the session");
    assert_eq!(q.len(), s.model.as_ref().unwrap().atoms.len());
    let mean = s.quality.as_ref().unwrap().quality.summary.mean_q;
    assert!(mean > 0.1 && mean < 1.0, "mean Q {mean}");
    h.get_by_label("Residues");
    // Clicking the worst residue moves the slices to it.
    let before = h.state().session.view.focus;
    let worst = h.state().session.quality.as_ref().unwrap().quality.worst_residues(1)[0].residue.label();
    h.get_by_label(&worst).click();
    h.run_steps(2);
    assert_ne!(h.state().session.view.focus, before, "focus moved to {worst}");
    // A new contour makes the result stale.
    h.state_mut().session.view.contour_level *= 1.5;
    h.run_steps(2);
    assert!(h.state().session.atom_q().is_none());
    h.get_by_label_contains("Out of date: the data or the contour");
}

/// In 3-D, atoms can be coloured by the panel's per-atom Q once it is computed; a stale
/// result gives back the element colours.
#[test]
fn three_d_atoms_take_their_colour_from_q() {
    use cryolabel::render::atoms::ColourBy;
    let mut h = harness();
    wait_for_labels(&mut h);
    compute_quality(&mut h);
    h.get_by_label("3D").click();
    h.run_steps(3);
    h.get_by_label("Q-score").click();
    h.run_steps(3);
    match &h.state().view3d.options.colour_by {
        ColourBy::Scalar { values, range, .. } => {
            assert_eq!(values.len(), h.state().session.model.as_ref().unwrap().atoms.len());
            assert_eq!(*range, [0.0, 1.0]);
        }
        other => panic!("atoms coloured by {other:?}, not Q"),
    }
    h.state_mut().session.view.contour_level *= 1.5;
    h.run_steps(3);
    assert_eq!(h.state().view3d.options.colour_by, ColourBy::Element, "stale Q is not shown");
}

/// A tool, not a check: writes docs/screenshot-quality.png into the folder CRYOLABEL_SHOTS names
/// (`CRYOLABEL_SHOTS=docs cargo test --test viewer docs_screenshot_quality -- --ignored`).
#[test]
#[ignore]
fn docs_screenshot_quality() {
    let Some(dir) = std::env::var_os("CRYOLABEL_SHOTS") else { return };
    let dir = std::path::PathBuf::from(dir);
    let mut h = harness();
    wait_for_labels(&mut h);
    compute_quality(&mut h);
    h.run_steps(3);
    h.render().unwrap().save(dir.join("screenshot-quality.png")).unwrap();
}
