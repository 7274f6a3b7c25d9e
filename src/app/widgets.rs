//! Small widget helpers that keep every input labelled (screen readers and kittest's
//! accessibility check need a name on each control).

use eframe::egui::{self, Color32, Response, Ui};

/// A colour button named after the widget beside it (the layer's checkbox).
pub fn colour_button(ui: &mut Ui, named_by: &Response, colour: &mut Color32) -> Response {
    ui.color_edit_button_srgba(colour).labelled_by(named_by.id).on_hover_text("Colour of this layer")
}

/// A fixed colour swatch (palette entries that are documented, not user-editable).
pub fn swatch(ui: &mut Ui, colour: Color32) {
    let (rect, _) = ui.allocate_exact_size(egui::vec2(14.0, 14.0), egui::Sense::hover());
    ui.painter().rect_filled(rect, 2.0, colour);
}

/// An opacity slider 0..1.
pub fn opacity(ui: &mut Ui, value: &mut f32) -> Response {
    ui.add(egui::Slider::new(value, 0.0..=1.0).text("opacity").fixed_decimals(2))
        .on_hover_text("How strongly this layer covers the ones below it")
}
