//! Reading fields of an arguments object, with errors the model can act on.

use serde_json::Value;

use crate::error::ToolError;

/// A required string field.
pub(crate) fn required_str<'a>(arguments: &'a Value, field: &str) -> Result<&'a str, ToolError> {
    match arguments.get(field) {
        Some(Value::String(text)) => Ok(text),
        Some(_) => Err(ToolError::bad_arguments(format!("{field:?} must be a string"))),
        None => Err(ToolError::bad_arguments(format!("{field:?} is required"))),
    }
}

/// An optional string field (`null` counts as absent).
pub(crate) fn optional_str<'a>(arguments: &'a Value, field: &str) -> Result<Option<&'a str>, ToolError> {
    match arguments.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(text)) => Ok(Some(text)),
        Some(_) => Err(ToolError::bad_arguments(format!("{field:?} must be a string"))),
    }
}

/// An optional positive integer field; a whole float (`10.0`) or a numeric string (`"10"`) is accepted too.
pub(crate) fn optional_count(arguments: &Value, field: &str) -> Result<Option<u64>, ToolError> {
    let bad = || ToolError::bad_arguments(format!("{field:?} must be a positive whole number"));
    let value = match arguments.get(field) {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::Number(n)) => {
            n.as_u64().or_else(|| n.as_f64().filter(|f| f.fract() == 0.0 && *f >= 0.0).map(|f| f as u64))
        }
        Some(Value::String(s)) => s.trim().parse().ok(),
        Some(_) => None,
    };
    value.filter(|n| *n > 0).map(Some).ok_or_else(bad)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn counts_accept_numbers_floats_and_strings_only_when_positive() {
        let read = |v: Value| optional_count(&json!({ "n": v }), "n");
        assert_eq!(read(json!(5)).unwrap(), Some(5));
        assert_eq!(read(json!(5.0)).unwrap(), Some(5));
        assert_eq!(read(json!("7")).unwrap(), Some(7));
        assert_eq!(read(Value::Null).unwrap(), None);
        for bad in [json!(0), json!(-1), json!(1.5), json!("ten"), json!([1])] {
            assert!(read(bad).is_err());
        }
    }
}
