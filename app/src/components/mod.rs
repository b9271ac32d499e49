//! The design system's pieces, shared by every page. Pages compose these and
//! the classes in `style/main.css`; they add no styling of their own.

pub mod badge;
pub mod button;
pub mod card;
pub mod form_field;
pub mod icon;
pub mod lang_toggle;
pub mod list_row;
pub mod nav;
pub mod photo;
pub mod scanner;
pub mod shell;
pub mod sync_indicator;
pub mod toast;
