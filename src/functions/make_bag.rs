//! `kql_make_bag(bag)`: the property bags of a group merged into one (JSON text).
//! Values that are not bags are skipped; a key seen again keeps its first value (Kusto
//! picks one of them); no bags give `{}` (make-bag-aggregation-function.md).

use std::sync::Arc;

use datafusion::arrow::array::{Array, ArrayRef};
use datafusion::arrow::datatypes::{DataType, Field, FieldRef};
use datafusion::common::{Result, ScalarValue, exec_err};
use datafusion::logical_expr::function::{AccumulatorArgs, StateFieldsArgs};
use datafusion::logical_expr::{Accumulator, AggregateUDFImpl, Signature, Volatility};
use serde_json::{Map, Value};

/// The aggregate.
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct MakeBag {
    signature: Signature,
}

impl Default for MakeBag {
    fn default() -> Self {
        Self { signature: Signature::any(1, Volatility::Immutable) }
    }
}

impl AggregateUDFImpl for MakeBag {
    fn name(&self) -> &str {
        "kql_make_bag"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        Ok(DataType::Utf8)
    }

    fn accumulator(&self, _args: AccumulatorArgs) -> Result<Box<dyn Accumulator>> {
        Ok(Box::new(Bag::default()))
    }

    fn state_fields(&self, args: StateFieldsArgs) -> Result<Vec<FieldRef>> {
        Ok(vec![Arc::new(Field::new(format!("{}_bag", args.name), DataType::Utf8, true))])
    }
}

/// The merged bag so far.
#[derive(Debug, Default)]
struct Bag {
    entries: Map<String, Value>,
}

impl Bag {
    fn add_texts(&mut self, texts: &ArrayRef) -> Result<()> {
        let texts = super::utf8(texts)?;
        for i in 0..texts.len() {
            if texts.is_null(i) {
                continue;
            }
            if let Ok(Value::Object(map)) = serde_json::from_str::<Value>(texts.value(i)) {
                for (k, v) in map {
                    self.entries.entry(k).or_insert(v);
                }
            }
        }
        Ok(())
    }
}

impl Accumulator for Bag {
    fn update_batch(&mut self, values: &[ArrayRef]) -> Result<()> {
        let [bags] = values else { return exec_err!("kql_make_bag takes one value") };
        self.add_texts(bags)
    }

    fn merge_batch(&mut self, states: &[ArrayRef]) -> Result<()> {
        let [bags] = states else { return exec_err!("kql_make_bag state has one part") };
        self.add_texts(bags)
    }

    fn state(&mut self) -> Result<Vec<ScalarValue>> {
        Ok(vec![self.evaluate()?])
    }

    fn evaluate(&mut self) -> Result<ScalarValue> {
        Ok(ScalarValue::Utf8(Some(Value::Object(self.entries.clone()).to_string())))
    }

    fn size(&self) -> usize {
        std::mem::size_of_val(self) + self.entries.iter().map(|(k, v)| k.len() + v.to_string().len()).sum::<usize>()
    }
}
