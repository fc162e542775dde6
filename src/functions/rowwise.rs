//! [`RowFn`]: a scalar UDF evaluated one row at a time over JSON-like values. It serves
//! the functions whose work per row dwarfs the dispatch (dynamic values, packing,
//! formatting); the hot predicates have vectorised kernels of their own.

use std::sync::Arc;

use datafusion::arrow::array::{Array, ArrayRef};
use datafusion::arrow::datatypes::{DataType, Field, FieldRef};
use datafusion::common::{Result, ScalarValue};
use datafusion::logical_expr::{
    ColumnarValue, ReturnFieldArgs, ScalarFunctionArgs, ScalarUDFImpl, Signature, Volatility,
};

use crate::catalog::{KUSTO_TYPE_KEY, KustoType, arrow_kusto};

/// One argument of one row, with its Kusto type.
pub struct Arg<'a> {
    /// The whole argument column.
    pub array: &'a ArrayRef,
    /// The row.
    pub row: usize,
    /// The argument's Kusto type: from its Arrow type, with text read as the function
    /// declares (see [`RowFn::new`]).
    pub kusto: Option<KustoType>,
}

impl Arg<'_> {
    /// Whether the cell is null.
    pub fn is_null(&self) -> bool {
        self.array.is_null(self.row)
    }

    /// The cell as a JSON value (dynamic text parsed; see `output::value::cell_json`).
    pub fn json(&self) -> serde_json::Value {
        crate::output::value::cell_json(self.array, self.row, self.kusto)
    }

    /// The cell as text, the way `tostring()` shows it.
    pub fn text(&self) -> Option<String> {
        if self.is_null() {
            return None;
        }
        if self.kusto == Some(KustoType::DateTime) {
            return Some(crate::output::value::format_datetime_ticks(crate::output::value::timestamp_nanos(self.array, self.row)));
        }
        if let Some(v) = self.array.as_any().downcast_ref::<datafusion::arrow::array::Float64Array>().map(|a| a.value(self.row))
            && v.is_infinite()
        {
            // .NET's text for the infinities (measured: tostring(1.0 / 0) is "inf").
            return Some(if v > 0.0 { "inf" } else { "-inf" }.to_string());
        }
        Some(match self.json() {
            // .NET spells booleans with a capital: tostring(true) is "True".
            serde_json::Value::Bool(b) if self.kusto != Some(KustoType::Dynamic) => if b { "True" } else { "False" }.to_string(),
            serde_json::Value::String(s) if self.kusto == Some(KustoType::Dynamic) || is_string(self.array) => s,
            serde_json::Value::String(_) => crate::output::value::cell_text(self.array, self.row, self.kusto),
            v if self.kusto == Some(KustoType::Dynamic) => v.to_string(),
            _ => crate::output::value::cell_text(self.array, self.row, self.kusto),
        })
    }
}

fn is_string(a: &ArrayRef) -> bool {
    matches!(a.data_type(), DataType::Utf8 | DataType::Utf8View | DataType::LargeUtf8)
}

/// A dynamic result; JSON null is a null value (`isnull(parse_json("null"))` is true).
pub(crate) fn dynamic(v: Option<serde_json::Value>) -> ScalarValue {
    ScalarValue::Utf8(v.filter(|v| !v.is_null()).map(|v| v.to_string()))
}

/// Argument `i` as text (see [`Arg::text`]); `None` when absent or null.
pub(crate) fn text(args: &[Arg<'_>], i: usize) -> Option<String> {
    args.get(i).and_then(|a| a.text())
}

/// The function body: the row's arguments in, one value out.
pub type RowBody = fn(&[Arg<'_>]) -> ScalarValue;

/// A row-at-a-time scalar UDF. Two are the same function when their names are (names
/// are unique in the registry).
#[derive(Debug)]
pub struct RowFn {
    name: &'static str,
    ret: KustoType,
    text: KustoType,
    body: RowBody,
    signature: Signature,
}

impl RowFn {
    /// A function `name` returning Kusto type `ret`, whose text arguments are `text`:
    /// `Dynamic` (JSON text) or `String`. Field metadata cannot say which at run time (the
    /// optimizer merges projections and drops aliases with it), so each function declares
    /// it and the planner converts arguments to match.
    pub fn new(name: &'static str, ret: KustoType, text: KustoType, body: RowBody) -> Self {
        Self { name, ret, text, body, signature: Signature::variadic_any(Volatility::Immutable) }
    }
}

impl PartialEq for RowFn {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name
    }
}

impl Eq for RowFn {}

impl std::hash::Hash for RowFn {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.name.hash(state);
    }
}

impl ScalarUDFImpl for RowFn {
    fn name(&self) -> &str {
        self.name
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        Ok(self.ret.arrow_type())
    }

    fn return_field_from_args(&self, _args: ReturnFieldArgs) -> Result<FieldRef> {
        Ok(Arc::new(kusto_field(self.name, self.ret)))
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let n = args.number_rows;
        let all_scalar = args.args.iter().all(|a| matches!(a, ColumnarValue::Scalar(_)));
        let rows = if all_scalar { 1 } else { n };
        let arrays = args.args.iter().map(|a| a.to_array(rows)).collect::<Result<Vec<_>>>()?;
        let kinds: Vec<Option<KustoType>> = arrays
            .iter()
            .map(|a| match arrow_kusto(a.data_type()) {
                KustoType::String => Some(self.text),
                other => Some(other),
            })
            .collect();
        let mut out = Vec::with_capacity(rows);
        for row in 0..rows {
            let cells: Vec<Arg<'_>> = arrays
                .iter()
                .zip(&kinds)
                .map(|(array, &kusto)| Arg { array, row, kusto })
                .collect();
            out.push((self.body)(&cells));
        }
        let data_type = self.ret.arrow_type();
        let array = if out.is_empty() {
            datafusion::arrow::array::new_empty_array(&data_type)
        } else {
            ScalarValue::iter_to_array(out)?
        };
        if all_scalar {
            return Ok(ColumnarValue::Scalar(ScalarValue::try_from_array(&array, 0)?));
        }
        Ok(ColumnarValue::Array(array))
    }
}

/// A field of Kusto type `ty`, marked with its Kusto type.
pub fn kusto_field(name: &str, ty: KustoType) -> Field {
    let meta = [(KUSTO_TYPE_KEY.to_string(), ty.name().to_string())].into_iter().collect();
    Field::new(name, ty.arrow_type(), true).with_metadata(meta)
}
