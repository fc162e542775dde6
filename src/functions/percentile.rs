//! `kql_percentile(x, p)`: the nearest-rank percentile, exactly: of the N non-null values
//! in order, the one at rank max(1, ceil(p / 100 × N)). Kusto estimates this rank with a
//! T-digest whose error is at most 1 % of the rank (reference notes §3.4); the exact value
//! is within that bound, and it is the same from run to run, which an estimate over
//! differently split input would not be. No values give null.

use std::cmp::Ordering;
use std::sync::Arc;

use datafusion::arrow::array::{Array, ArrayRef, AsArray};
use datafusion::arrow::datatypes::{DataType, Field, FieldRef};
use datafusion::common::{Result, ScalarValue, exec_err};
use datafusion::logical_expr::function::{AccumulatorArgs, StateFieldsArgs};
use datafusion::logical_expr::{Accumulator, AggregateUDFImpl, Signature, Volatility};

/// The aggregate.
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct Percentile {
    signature: Signature,
}

impl Default for Percentile {
    fn default() -> Self {
        Self { signature: Signature::any(2, Volatility::Immutable) }
    }
}

impl AggregateUDFImpl for Percentile {
    fn name(&self) -> &str {
        "kql_percentile"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, arg_types: &[DataType]) -> Result<DataType> {
        match arg_types {
            [value, _] => Ok(value.clone()),
            _ => exec_err!("kql_percentile takes a value and a percentage"),
        }
    }

    fn accumulator(&self, args: AccumulatorArgs) -> Result<Box<dyn Accumulator>> {
        let Some(value) = args.expr_fields.first() else { return exec_err!("kql_percentile takes a value and a percentage") };
        Ok(Box::new(Ranks { data_type: value.data_type().clone(), values: Vec::new(), percent: None }))
    }

    fn state_fields(&self, args: StateFieldsArgs) -> Result<Vec<FieldRef>> {
        let Some(value) = args.input_fields.first() else { return exec_err!("kql_percentile takes a value and a percentage") };
        let item = Arc::new(Field::new("item", value.data_type().clone(), true));
        Ok(vec![
            Arc::new(Field::new(format!("{}_values", args.name), DataType::List(item), true)),
            Arc::new(Field::new(format!("{}_percent", args.name), DataType::Float64, true)),
        ])
    }
}

/// The values seen, and the percentage asked for.
#[derive(Debug)]
struct Ranks {
    data_type: DataType,
    values: Vec<ScalarValue>,
    percent: Option<f64>,
}

impl Ranks {
    fn take_percent(&mut self, p: &ArrayRef) -> Result<()> {
        if self.percent.is_none()
            && let Some(i) = (0..p.len()).find(|&i| !p.is_null(i))
        {
            self.percent = match ScalarValue::try_from_array(p, i)? {
                ScalarValue::Float64(Some(v)) => Some(v),
                ScalarValue::Int64(Some(v)) => Some(v as f64),
                ScalarValue::Int32(Some(v)) => Some(f64::from(v)),
                other => return exec_err!("kql_percentile: the percentage must be a number, not {other}"),
            };
        }
        Ok(())
    }
}

impl Accumulator for Ranks {
    fn update_batch(&mut self, values: &[ArrayRef]) -> Result<()> {
        let [xs, p] = values else { return exec_err!("kql_percentile takes a value and a percentage") };
        self.take_percent(p)?;
        for i in 0..xs.len() {
            if !xs.is_null(i) {
                self.values.push(ScalarValue::try_from_array(xs, i)?);
            }
        }
        Ok(())
    }

    fn merge_batch(&mut self, states: &[ArrayRef]) -> Result<()> {
        let [lists, p] = states else { return exec_err!("kql_percentile state has two parts") };
        self.take_percent(p)?;
        let lists = lists.as_list::<i32>();
        for i in 0..lists.len() {
            if lists.is_null(i) {
                continue;
            }
            let items = lists.value(i);
            for j in 0..items.len() {
                if !items.is_null(j) {
                    self.values.push(ScalarValue::try_from_array(&items, j)?);
                }
            }
        }
        Ok(())
    }

    fn state(&mut self) -> Result<Vec<ScalarValue>> {
        let list = ScalarValue::new_list_nullable(&self.values, &self.data_type);
        Ok(vec![ScalarValue::List(list), ScalarValue::Float64(self.percent)])
    }

    fn evaluate(&mut self) -> Result<ScalarValue> {
        let (Some(p), false) = (self.percent, self.values.is_empty()) else { return ScalarValue::try_from(&self.data_type) };
        self.values.sort_by(|a, b| a.partial_cmp(b).unwrap_or(Ordering::Equal));
        let n = self.values.len();
        let rank = ((p / 100.0 * n as f64).ceil() as usize).clamp(1, n);
        Ok(self.values[rank - 1].clone())
    }

    fn size(&self) -> usize {
        std::mem::size_of_val(self) + self.values.iter().map(ScalarValue::size).sum::<usize>()
    }
}
