//! Output writers of a run (being built).
