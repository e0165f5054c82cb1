//! SMTP placeholder
