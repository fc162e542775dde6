//! `kql_restart_sum(x, restart)`: a window function over serialized rows, the running sum
//! of `x` that starts again at each row where `restart` is true. It is `row_cumsum(x,
//! restart)`, and `row_number(start, restart)` is it over ones (row-cumsum-function.md,
//! row-number-function.md). A null `x` adds nothing; a null `restart` does not restart.

use std::sync::Arc;

use datafusion::arrow::array::{Array, ArrayRef, AsArray, Float64Array, Int64Array};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{DataType, Field, FieldRef, Float64Type, Int64Type};
use datafusion::common::{Result, exec_err};
use datafusion::logical_expr::function::{PartitionEvaluatorArgs, WindowUDFFieldArgs};
use datafusion::logical_expr::{PartitionEvaluator, Signature, Volatility, WindowUDFImpl};

/// The window function.
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct RestartSum {
    signature: Signature,
}

impl Default for RestartSum {
    fn default() -> Self {
        Self { signature: Signature::any(2, Volatility::Immutable) }
    }
}

/// Reals sum as reals; every integer type sums as a long.
fn sum_type(input: &DataType) -> DataType {
    if matches!(input, DataType::Float16 | DataType::Float32 | DataType::Float64) { DataType::Float64 } else { DataType::Int64 }
}

impl WindowUDFImpl for RestartSum {
    fn name(&self) -> &str {
        "kql_restart_sum"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn partition_evaluator(&self, args: PartitionEvaluatorArgs) -> Result<Box<dyn PartitionEvaluator>> {
        let ty = args.input_fields().first().map_or(DataType::Int64, |f| sum_type(f.data_type()));
        Ok(Box::new(Evaluator { ty }))
    }

    fn field(&self, args: WindowUDFFieldArgs) -> Result<FieldRef> {
        let ty = args.get_input_field(0).map_or(DataType::Int64, |f| sum_type(f.data_type()));
        Ok(Arc::new(Field::new(args.name(), ty, true)))
    }
}

#[derive(Debug)]
struct Evaluator {
    ty: DataType,
}

impl PartitionEvaluator for Evaluator {
    fn evaluate_all(&mut self, values: &[ArrayRef], num_rows: usize) -> Result<ArrayRef> {
        let [x, restart] = values else { return exec_err!("kql_restart_sum takes a value and a restart condition") };
        let restart = cast(restart, &DataType::Boolean)?;
        let restart = restart.as_boolean();
        let starts = |i: usize| restart.is_valid(i) && restart.value(i);
        let x = cast(x, &self.ty)?;
        if self.ty == DataType::Float64 {
            let x = x.as_primitive::<Float64Type>();
            let mut total = 0.0;
            let out: Float64Array = (0..num_rows)
                .map(|i| {
                    if starts(i) {
                        total = 0.0;
                    }
                    if x.is_valid(i) {
                        total += x.value(i);
                    }
                    Some(total)
                })
                .collect();
            return Ok(Arc::new(out));
        }
        let x = x.as_primitive::<Int64Type>();
        let mut total: i64 = 0;
        let out: Int64Array = (0..num_rows)
            .map(|i| {
                if starts(i) {
                    total = 0;
                }
                if x.is_valid(i) {
                    // Kusto's longs wrap on overflow, as .NET's unchecked arithmetic does.
                    total = total.wrapping_add(x.value(i));
                }
                Some(total)
            })
            .collect();
        Ok(Arc::new(out))
    }
}
