//! Tests of the background jobs (split from `jobs.rs`, as the engine keeps `simulate_tests.rs`).

use super::*;

fn wait(jobs: &mut Jobs) -> Vec<Done> {
    for _ in 0..500 {
        let d = jobs.poll();
        if !d.is_empty() {
            return d;
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    panic!("the job never reported back");
}

#[test]
fn a_panicking_job_reports_its_failure_and_is_no_longer_in_flight() {
    let mut jobs = Jobs::default();
    jobs.spawn(|| panic!("boom at voxel 7"), |m| Done::Exported(Err(format!("the export crashed: {m}"))));
    assert!(jobs.busy());
    let done = wait(&mut jobs);
    assert!(!jobs.busy(), "in_flight back to 0");
    match &done[..] {
        [Done::Exported(Err(e))] => assert_eq!(e, "the export crashed: boom at voxel 7"),
        _ => panic!("expected the export's own failure"),
    }
    // a String payload (panic! with arguments) keeps its text too
    let n = 3;
    jobs.spawn(move || panic!("index {n} out of range"), Done::Crashed);
    assert!(matches!(&wait(&mut jobs)[..], [Done::Crashed(e)] if e == "index 3 out of range"));
}

#[test]
fn a_panicking_label_job_clears_labeling_and_reaches_the_session() {
    let mut s = super::super::session::Session::default();
    s.jobs.label_generation += 1;
    s.jobs.labeling = true;
    let generation = s.jobs.label_generation;
    s.jobs.spawn(
        || panic!("neighbour pass"),
        move |m| Done::Labels {
            generation,
            result: Err(JobError::Failed(format!("labeling crashed: {m}"))),
            wall_ms: 0.0,
        },
    );
    for _ in 0..500 {
        s.poll();
        if !s.jobs.busy() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    assert!(!s.jobs.busy() && !s.jobs.labeling);
    assert_eq!(s.error.as_deref(), Some("labeling failed: labeling crashed: neighbour pass"));
}

/// Cancellation is a variant, not a word: a failure whose text says "cancel" (a path) is
/// shown; a real cancellation is not.
#[test]
fn only_a_typed_cancellation_is_silent() {
    let mut s = super::super::session::Session::default();
    let io = std::io::Error::new(std::io::ErrorKind::NotFound, "No such file or directory");
    let e = EngineError::Write("/data/cancelled-runs/x_regression_situs.mrc".into(), io);
    s.jobs.in_flight = 2;
    s.jobs.fsc_running = true;
    s.jobs.tx.send(Done::Fsc { generation: 0, result: Err(JobError::Cancelled) }).unwrap();
    s.jobs.tx.send(Done::Labels { generation: 0, result: Err(e.into()), wall_ms: 1.0 }).unwrap();
    s.poll();
    let shown = s.error.expect("the failure is shown");
    assert!(shown.contains("/data/cancelled-runs/x_regression_situs.mrc"), "{shown}");
    assert!(matches!(JobError::from(EngineError::Cancelled), JobError::Cancelled));
    s.error = None;
    s.jobs.in_flight = 1;
    s.jobs.tx.send(Done::Fsc { generation: 0, result: Err(JobError::Cancelled) }).unwrap();
    s.poll();
    assert_eq!(s.error, None, "a cancellation says nothing");
}
/// Drag-and-drop and the text box open a file by what it holds, as `info` does.
#[test]
fn roles_come_from_content_not_names() {
    let dir = tempfile::tempdir().unwrap();
    let asset = |n: &str| std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("assets").join(n)).unwrap();
    let put = |n: &str, bytes: &[u8]| {
        let p = dir.path().join(n);
        std::fs::write(&p, bytes).unwrap();
        p
    };
    let map = asset("emd_3488_crop.mrc");
    assert_eq!(Role::guess(&put("tomo.rec", &map)), Ok(Role::Map));
    assert_eq!(Role::guess(&put("no_extension", &map)), Ok(Role::Map));
    assert_eq!(Role::guess(&put("x_sim.msk", &map)), Ok(Role::Simulated));
    assert_eq!(Role::guess(&put("model.ent", &asset("5me2_crop.pdb"))), Ok(Role::Model));
    assert_eq!(Role::guess(&put("renamed.map", &asset("5me2_crop.pdb"))), Ok(Role::Model));
    let e = Role::guess(&put("notes.txt", b"hello")).unwrap_err();
    assert!(e.contains("notes.txt") && e.contains("not a map") && e.contains("nor a model"), "{e}");
}
