//! **Receive Hugging Face Hub webhooks.**

pub use webhooks_core::*;
