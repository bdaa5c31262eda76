//! The payload types against real and mutated Hub bodies, as one test binary.

mod common;

mod fixtures;
mod mutations;
mod strictness;
