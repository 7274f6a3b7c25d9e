//! A wgpu device with no window (lavapipe, the CPU Vulkan driver, under
//! `WGPU_BACKEND=vulkan`), for the 3-D tests and the 3-D bench: one place for both. Not in
//! common/mod.rs: the tests built without the `gui` feature include that module too.

use eframe::wgpu;

/// The device, its queue and the adapter's name; None when no adapter is there.
pub fn device() -> Option<(wgpu::Device, wgpu::Queue, String)> {
    let instance = wgpu::Instance::new(wgpu::InstanceDescriptor {
        backends: wgpu::Backends::from_env().unwrap_or(wgpu::Backends::all()),
        ..wgpu::InstanceDescriptor::new_without_display_handle()
    });
    let adapter = pollster::block_on(instance.request_adapter(&wgpu::RequestAdapterOptions {
        power_preference: Default::default(),
        force_fallback_adapter: false,
        compatible_surface: None,
        apply_limit_buckets: false,
    }))
    .ok()?;
    let name = adapter.get_info().name;
    let (device, queue) = pollster::block_on(adapter.request_device(&wgpu::DeviceDescriptor::default())).ok()?;
    Some((device, queue, name))
}
