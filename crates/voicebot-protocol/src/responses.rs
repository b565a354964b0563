//! responses wire types (being written).
