//! classify stage (work in progress).
