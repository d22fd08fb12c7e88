//! cutover: move shared-inbox settings from old email accounts to new ones, changing
//! nothing but the referenced values.
//!
//! The flow, one module a step: [`load`] (bytes to spanned documents) → [`locate`]
//! (profile selectors, evaluated by [`select`], to references with spans) → [`plan`] (mapping to edits, verified by
//! [`verify`]) → [`patch`] and [`summary`] (what a reviewer reads) or [`write`] (atomic
//! apply) and [`check`] (findings for CI).

pub mod accounts;
pub mod address;
pub mod check;
pub mod cli;
pub mod commands;
pub mod config;
pub mod decode;
pub mod diagnostic;
pub mod edit;
pub mod exclude;
pub mod export;
pub mod fast_hash;
pub mod file_name;
pub mod hiargs;
pub mod inputs;
pub mod layout;
pub mod load;
pub mod locate;
pub mod mapping;
pub mod names;
pub mod node;
pub mod output;
pub mod parallel;
pub mod patch;
pub mod patch_root;
pub mod path;
pub mod plan;
pub mod profile;
pub mod review;
pub mod saved_plan;
pub mod scalar;
pub mod select;
pub mod settings;
pub mod source;
pub mod suggest;
pub mod summary;
pub mod text;
pub mod verbosity;
pub mod verify;
pub mod write;
