//! text stage (work in progress).
