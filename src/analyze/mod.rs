//! analyze stage (work in progress).
