//! `kql_arg_max(target, value)` and `kql_arg_min(target, value)`: the value from a row
//! whose target is the largest (smallest). They back `arg_max()`/`arg_min()`, one call per
//! returned column.
//!
//! An aggregate of its own rather than `first_value(value ORDER BY target)`: the SQL that
//! `translate` prints loses an aggregate's ORDER BY, while a plain call prints as it is.
//! Rows whose target is null lose unless every row's is null (reference notes §3.4); of
//! equal targets the first row seen wins, so every column of one `arg_max()` reads the
//! same row when they see the rows in the same order.

use std::cmp::Ordering;
use std::sync::Arc;

use datafusion::arrow::array::ArrayRef;
use datafusion::arrow::datatypes::{DataType, Field, FieldRef};
use datafusion::common::{Result, ScalarValue, exec_err};
use datafusion::logical_expr::function::{AccumulatorArgs, StateFieldsArgs};
use datafusion::logical_expr::{Accumulator, AggregateUDFImpl, Signature, Volatility};

/// The aggregate.
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct ArgExtreme {
    max: bool,
    signature: Signature,
}

impl ArgExtreme {
    /// `kql_arg_max` (`max`) or `kql_arg_min`.
    pub fn new(max: bool) -> Self {
        Self { max, signature: Signature::any(2, Volatility::Immutable) }
    }
}

impl AggregateUDFImpl for ArgExtreme {
    fn name(&self) -> &str {
        if self.max { "kql_arg_max" } else { "kql_arg_min" }
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, arg_types: &[DataType]) -> Result<DataType> {
        match arg_types {
            [_, value] => Ok(value.clone()),
            _ => exec_err!("{} takes a target and a value", self.name()),
        }
    }

    fn accumulator(&self, args: AccumulatorArgs) -> Result<Box<dyn Accumulator>> {
        let [target, value] = args.expr_fields else { return exec_err!("{} takes a target and a value", self.name()) };
        let null = |f: &FieldRef| ScalarValue::try_from(f.data_type());
        Ok(Box::new(Best { max: self.max, target: null(target)?, value: null(value)?, seen: false }))
    }

    fn state_fields(&self, args: StateFieldsArgs) -> Result<Vec<FieldRef>> {
        let [target, value] = args.input_fields else { return exec_err!("{} takes a target and a value", self.name()) };
        Ok(vec![
            Arc::new(Field::new(format!("{}_target", args.name), target.data_type().clone(), true)),
            Arc::new(Field::new(format!("{}_value", args.name), value.data_type().clone(), true)),
            Arc::new(Field::new(format!("{}_seen", args.name), DataType::Boolean, true)),
        ])
    }
}

/// The best row so far.
#[derive(Debug)]
struct Best {
    max: bool,
    target: ScalarValue,
    value: ScalarValue,
    /// Whether any row was seen (a null target is kept only until a real one comes).
    seen: bool,
}

impl Best {
    fn offer(&mut self, target: ScalarValue, value: ScalarValue) {
        let better = if !self.seen {
            true
        } else if target.is_null() {
            false
        } else if self.target.is_null() {
            true
        } else {
            let order = target.partial_cmp(&self.target).unwrap_or(Ordering::Equal);
            if self.max { order == Ordering::Greater } else { order == Ordering::Less }
        };
        if better {
            self.target = target;
            self.value = value;
        }
        self.seen = true;
    }
}

impl Accumulator for Best {
    fn update_batch(&mut self, values: &[ArrayRef]) -> Result<()> {
        let [targets, items] = values else { return exec_err!("arg_max/arg_min takes a target and a value") };
        for i in 0..targets.len() {
            self.offer(ScalarValue::try_from_array(targets, i)?, ScalarValue::try_from_array(items, i)?);
        }
        Ok(())
    }

    fn merge_batch(&mut self, states: &[ArrayRef]) -> Result<()> {
        let [targets, items, seen] = states else { return exec_err!("arg_max/arg_min state has three parts") };
        for i in 0..targets.len() {
            if ScalarValue::try_from_array(seen, i)? == ScalarValue::Boolean(Some(true)) {
                self.offer(ScalarValue::try_from_array(targets, i)?, ScalarValue::try_from_array(items, i)?);
            }
        }
        Ok(())
    }

    fn state(&mut self) -> Result<Vec<ScalarValue>> {
        Ok(vec![self.target.clone(), self.value.clone(), ScalarValue::Boolean(Some(self.seen))])
    }

    fn evaluate(&mut self) -> Result<ScalarValue> {
        Ok(self.value.clone())
    }

    fn size(&self) -> usize {
        std::mem::size_of_val(self) + self.target.size() + self.value.size()
    }
}
