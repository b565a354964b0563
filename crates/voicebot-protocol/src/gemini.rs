//! gemini wire types (being written).
