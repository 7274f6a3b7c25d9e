//! cryolabel: viewer and labeler for cryo-EM machine-learning data.
//!
//! Layers: `engine` (pure geometry, I/O and labeling), `cli` (commands), `app` (egui state and
//! panels), `render` (wgpu pipelines and meshing).

#[cfg(feature = "gui")]
pub mod app;
pub mod cli;
pub mod engine;
#[cfg(feature = "gui")]
pub mod render;
