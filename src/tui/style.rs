//! The TUI's palette: how a tier and an alarm look. A leaf, read by the detail text and
//! the view.

use ratatui::style::{Color, Modifier, Style};

use crate::audit::Tier;

/// How a tier looks: colour marks it, and the word itself is always there too.
pub fn tier_style(tier: Tier) -> Style {
    match tier {
        Tier::Direct => Style::new().fg(Color::Red).add_modifier(Modifier::BOLD),
        Tier::Notice => Style::new().fg(Color::Yellow),
        Tier::Potential => Style::new(),
    }
}

/// The style of a cell that holds a tier's name (plain for any other text).
pub fn tier_text_style(text: &str) -> Style {
    Tier::from_name(text).map_or_else(Style::new, tier_style)
}

/// An alarm (an overdue deadline) looks like the most urgent tier.
pub fn alarm_style() -> Style {
    tier_style(Tier::Direct)
}
