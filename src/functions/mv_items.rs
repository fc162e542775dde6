//! `kql_mv_items(value[, limit[, bags_as_arrays]])`: the elements `mv-expand` makes rows
//! of, as a list of JSON texts: an array's elements, a property bag's entries as one-entry
//! bags (or `[key, value]` arrays with `bagexpansion=array`), any other value as itself;
//! null becomes one null item (one row with null), and an empty array gives no rows. The
//! null item is in the list itself, not left to the unnest's null handling, so that SQL's
//! `UNNEST` (which drops a null list) gives the same rows.
//! `kql_mv_index(limit, bags_as_arrays, value…)`: the item indexes (0, 1, …) of the rows `mv-expand` makes
//! of the values expanded together, for `with_itemindex=`.

use std::sync::Arc;

use datafusion::arrow::array::{Array, ListBuilder, StringBuilder};
use datafusion::arrow::datatypes::{DataType, Field};
use datafusion::common::{Result, exec_err};
use datafusion::logical_expr::{ColumnarValue, ScalarFunctionArgs, ScalarUDFImpl, Signature, Volatility};
use serde_json::Value;

/// The function.
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct MvItems {
    signature: Signature,
}

impl Default for MvItems {
    fn default() -> Self {
        Self { signature: Signature::variadic_any(Volatility::Immutable) }
    }
}

impl ScalarUDFImpl for MvItems {
    fn name(&self) -> &str {
        "kql_mv_items"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        Ok(DataType::List(Arc::new(Field::new("item", DataType::Utf8, true))))
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let n = args.number_rows;
        let Some(first) = args.args.first() else { return exec_err!("kql_mv_items takes a value") };
        let texts = super::text_rows(first, n)?;
        let limit = limit_arg(args.args.get(1));
        let bags_as_arrays = matches!(args.args.get(2), Some(ColumnarValue::Scalar(datafusion::common::ScalarValue::Boolean(Some(true)))));
        let mut out = ListBuilder::new(StringBuilder::new());
        for i in 0..texts.len() {
            let items = items_of(texts.is_valid(i).then(|| texts.value(i)), bags_as_arrays);
            for item in items.into_iter().take(limit) {
                match item {
                    Value::Null => out.values().append_null(),
                    v => out.values().append_value(v.to_string()),
                }
            }
            out.append(true);
        }
        Ok(ColumnarValue::Array(Arc::new(out.finish())))
    }
}

/// A constant limit argument; no limit when absent or null.
fn limit_arg(arg: Option<&ColumnarValue>) -> usize {
    match arg {
        Some(ColumnarValue::Scalar(datafusion::common::ScalarValue::Int64(Some(l)))) if *l >= 0 => usize::try_from(*l).unwrap_or(usize::MAX),
        _ => usize::MAX,
    }
}

/// The items of one value; one null item for null (which expands to one row of null).
fn items_of(text: Option<&str>, bags_as_arrays: bool) -> Vec<Value> {
    let Some(text) = text else { return vec![Value::Null] };
    let v: Value = serde_json::from_str(text).unwrap_or_else(|_| Value::String(text.to_string()));
    match v {
        Value::Array(items) => items,
        Value::Object(map) if bags_as_arrays => map.into_iter().map(|(k, v)| Value::Array(vec![Value::String(k), v])).collect(),
        Value::Object(map) => map.into_iter().map(|(k, v)| Value::Object([(k, v)].into_iter().collect())).collect(),
        Value::Null => vec![Value::Null],
        other => vec![other],
    }
}

/// `kql_mv_index(limit, bags_as_arrays, value…)`.
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct MvIndex {
    signature: Signature,
}

impl Default for MvIndex {
    fn default() -> Self {
        Self { signature: Signature::variadic_any(Volatility::Immutable) }
    }
}

impl ScalarUDFImpl for MvIndex {
    fn name(&self) -> &str {
        "kql_mv_index"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        Ok(DataType::List(Arc::new(Field::new("item", DataType::Int64, true))))
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let n = args.number_rows;
        let limit = limit_arg(args.args.first());
        let bags_as_arrays = matches!(args.args.get(1), Some(ColumnarValue::Scalar(datafusion::common::ScalarValue::Boolean(Some(true)))));
        let values = args.args.iter().skip(2).map(|a| super::text_rows(a, n)).collect::<Result<Vec<_>>>()?;
        let mut out = ListBuilder::new(datafusion::arrow::array::Int64Builder::new());
        for i in 0..n {
            // As many rows as the longest value makes; a null value makes one.
            let rows = values
                .iter()
                .map(|t| items_of(t.is_valid(i).then(|| t.value(i)), bags_as_arrays).len())
                .max()
                .unwrap_or(0)
                .min(limit);
            for k in 0..rows {
                out.values().append_value(k as i64);
            }
            out.append(true);
        }
        Ok(ColumnarValue::Array(Arc::new(out.finish())))
    }
}
