//! openai wire types (being written).
