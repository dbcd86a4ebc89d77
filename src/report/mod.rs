//! report stage (work in progress).
