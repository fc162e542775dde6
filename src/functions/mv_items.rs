//! `kql_mv_items(value[, limit])`: the elements `mv-expand` makes rows of, as a list of
//! JSON texts: an array's elements, a property bag's entries as one-entry bags, any other
//! value as itself; null stays null (one row with null), and an empty array gives no rows.

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
        let limit = match args.args.get(1) {
            Some(ColumnarValue::Scalar(s)) => match s {
                datafusion::common::ScalarValue::Int64(Some(l)) if *l >= 0 => Some(*l as usize),
                _ => None,
            },
            _ => None,
        };
        let mut out = ListBuilder::new(StringBuilder::new());
        for i in 0..texts.len() {
            if texts.is_null(i) {
                out.append_null();
                continue;
            }
            let v: Value = serde_json::from_str(texts.value(i)).unwrap_or_else(|_| Value::String(texts.value(i).to_string()));
            let items: Vec<Value> = match v {
                Value::Array(items) => items,
                Value::Object(map) => map.into_iter().map(|(k, v)| Value::Object([(k, v)].into_iter().collect())).collect(),
                Value::Null => {
                    out.append_null();
                    continue;
                }
                other => vec![other],
            };
            for item in items.into_iter().take(limit.unwrap_or(usize::MAX)) {
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
