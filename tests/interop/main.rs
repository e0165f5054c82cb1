//! Real third-party peers.
