//! `kql_make_list_dynamic(v, max)` and `kql_make_set_dynamic(v, max)`: `make_list` and
//! `make_set` of a dynamic value (JSON text in, a JSON array out).
//!
//! Kusto treats dynamic values differently from scalars here. Both add the elements of an
//! array value one by one: `make_set` per the docs ("Set from array column"), `make_list`
//! as the real engine does (a make_list of lists `[1,2,3]`, `[1,2]`, `[1]` is
//! `[1,2,3,1,2,1]`; kusto-oracle 6d374d39f4a4781d). Other values are added whole.
//! `make_set` skips nulls; `make_list` keeps a dynamic null: the real engine gives
//! `[{"x":1}, null, {"y":2}]` for the bags `{"x":1}`, `null`, `{"y":2}` (kusto-oracle
//! agent-aggregation-0005). Rows a `make_*_if` condition rejects never reach the
//! accumulator (the planner filters them), so a null here is a value.
//!
//! Over sorted rows `make_list` must keep their order, which an accumulator of its own
//! is not given; there the planner collects the texts with an ordered `array_agg` and
//! `kql_json_list(list, max)` turns that list into the same JSON array.

use std::collections::HashSet;
use std::sync::Arc;

use datafusion::arrow::array::{Array, ArrayRef, AsArray};
use datafusion::arrow::datatypes::{DataType, Field, FieldRef, Int64Type};
use datafusion::common::{Result, ScalarValue, exec_err};
use datafusion::logical_expr::function::{AccumulatorArgs, StateFieldsArgs};
use datafusion::logical_expr::{Accumulator, AggregateUDFImpl, ColumnarValue, ScalarFunctionArgs, ScalarUDFImpl, Signature, Volatility};
use serde_json::Value;

/// The aggregate; `set` chooses make_set's flattening and deduplication.
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct MakeDynamic {
    set: bool,
    signature: Signature,
}

impl MakeDynamic {
    /// `make_set` when `set`, else `make_list`.
    pub fn new(set: bool) -> Self {
        Self { set, signature: Signature::any(2, Volatility::Immutable) }
    }
}

impl AggregateUDFImpl for MakeDynamic {
    fn name(&self) -> &str {
        if self.set { "kql_make_set_dynamic" } else { "kql_make_list_dynamic" }
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        Ok(DataType::Utf8)
    }

    fn accumulator(&self, _args: AccumulatorArgs) -> Result<Box<dyn Accumulator>> {
        Ok(Box::new(Items { set: self.set, max: usize::MAX, items: Vec::new(), seen: HashSet::new() }))
    }

    fn state_fields(&self, args: StateFieldsArgs) -> Result<Vec<FieldRef>> {
        Ok(vec![
            Arc::new(Field::new(format!("{}_items", args.name), DataType::Utf8, true)),
            Arc::new(Field::new(format!("{}_max", args.name), DataType::Int64, true)),
        ])
    }
}

/// The values so far, as JSON text; `seen` holds a set's members.
#[derive(Debug)]
struct Items {
    set: bool,
    max: usize,
    items: Vec<String>,
    seen: HashSet<String>,
}

impl Items {
    fn push(&mut self, value: &Value) {
        if self.items.len() >= self.max {
            return;
        }
        let text = value.to_string();
        if self.set && !self.seen.insert(text.clone()) {
            return;
        }
        self.items.push(text);
    }

    /// One input value: text of a dynamic value, or null.
    fn add(&mut self, text: Option<&str>) {
        // Text that is not JSON is a string value (a dynamic built from a plain string).
        let value = text.map(|t| serde_json::from_str(t).unwrap_or_else(|_| Value::String(t.to_string())));
        match (self.set, value) {
            (true, None | Some(Value::Null)) => {}
            (_, Some(Value::Array(items))) => items.iter().for_each(|v| self.push(v)),
            (_, Some(v)) => self.push(&v),
            (false, None) => self.push(&Value::Null),
        }
    }

    fn read_max(&mut self, max: &ArrayRef) {
        let max = max.as_primitive_opt::<Int64Type>();
        if let Some(n) = max.and_then(|m| m.iter().flatten().next()) {
            self.max = usize::try_from(n).unwrap_or(0);
        }
    }
}

impl Accumulator for Items {
    fn update_batch(&mut self, values: &[ArrayRef]) -> Result<()> {
        let [v, max] = values else { return exec_err!("kql_make_*_dynamic takes a value and a maximum size") };
        self.read_max(max);
        let texts = super::utf8(v)?;
        for i in 0..texts.len() {
            self.add(texts.is_valid(i).then(|| texts.value(i)));
        }
        Ok(())
    }

    fn merge_batch(&mut self, states: &[ArrayRef]) -> Result<()> {
        let [lists, max] = states else { return exec_err!("kql_make_*_dynamic state has two parts") };
        self.read_max(max);
        let lists = super::utf8(lists)?;
        for i in 0..lists.len() {
            if lists.is_null(i) {
                continue;
            }
            // A state is the JSON array this accumulator's `evaluate` printed.
            if let Ok(Value::Array(items)) = serde_json::from_str::<Value>(lists.value(i)) {
                items.iter().for_each(|v| self.push(v));
            }
        }
        Ok(())
    }

    fn state(&mut self) -> Result<Vec<ScalarValue>> {
        let max = i64::try_from(self.max).unwrap_or(i64::MAX);
        Ok(vec![self.evaluate()?, ScalarValue::Int64(Some(max))])
    }

    fn evaluate(&mut self) -> Result<ScalarValue> {
        Ok(ScalarValue::Utf8(Some(format!("[{}]", self.items.join(",")))))
    }

    fn size(&self) -> usize {
        std::mem::size_of_val(self) + self.items.iter().map(|s| s.capacity() * if self.set { 2 } else { 1 }).sum::<usize>()
    }
}

/// `kql_json_list(list_of_json_texts, max)`: the elements as make_list adds them.
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct JsonList {
    signature: Signature,
}

impl Default for JsonList {
    fn default() -> Self {
        Self { signature: Signature::any(2, Volatility::Immutable) }
    }
}

impl ScalarUDFImpl for JsonList {
    fn name(&self) -> &str {
        "kql_json_list"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        Ok(DataType::Utf8)
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let [lists, max] = args.args.as_slice() else { return exec_err!("kql_json_list takes a list and a maximum size") };
        let lists = lists.to_array(args.number_rows)?;
        let max = max.to_array(args.number_rows)?;
        let lists = lists.as_list_opt::<i32>().ok_or_else(|| datafusion::common::DataFusionError::Execution("kql_json_list takes a list".into()))?;
        let mut out = datafusion::arrow::array::StringBuilder::new();
        for row in 0..lists.len() {
            let mut items = Items { set: false, max: usize::MAX, items: Vec::new(), seen: HashSet::new() };
            items.read_max(&max.slice(row, 1));
            if lists.is_valid(row) {
                let texts = super::utf8(&lists.value(row))?;
                for i in 0..texts.len() {
                    items.add(texts.is_valid(i).then(|| texts.value(i)));
                }
            }
            out.append_value(format!("[{}]", items.items.join(",")));
        }
        Ok(ColumnarValue::Array(Arc::new(out.finish())))
    }
}
