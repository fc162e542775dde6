//! [`LakeTable`]: a listing table over one lake table that turns `Timestamp` bounds into
//! `date` partition bounds, so a query over one day opens only that day's files.

use std::sync::Arc;

use async_trait::async_trait;
use datafusion::arrow::datatypes::SchemaRef;
use datafusion::catalog::{ScanArgs, ScanResult, Session, TableProvider};
use datafusion::common::{Result, ScalarValue};
use datafusion::datasource::TableType;
use datafusion::logical_expr::{
    Between, BinaryExpr, Expr, Operator, TableProviderFilterPushDown, col, lit,
};
use datafusion::physical_plan::ExecutionPlan;

use super::PARTITION_COLUMN;

/// The event-time column whose bounds imply partition bounds.
const TIME_COLUMN: &str = "Timestamp";

/// A lake table: the listing table over `<lake>/<Table>/date=*/` plus partition bounds
/// derived from the query's `Timestamp` filters.
#[derive(Debug)]
pub struct LakeTable {
    inner: Arc<dyn TableProvider>,
}

impl LakeTable {
    /// Wraps the listing table of one lake table.
    pub fn new(inner: Arc<dyn TableProvider>) -> Self {
        Self { inner }
    }
}

#[async_trait]
impl TableProvider for LakeTable {
    fn schema(&self) -> SchemaRef {
        self.inner.schema()
    }

    fn table_type(&self) -> TableType {
        TableType::Base
    }

    fn supports_filters_pushdown(
        &self,
        filters: &[&Expr],
    ) -> Result<Vec<TableProviderFilterPushDown>> {
        self.inner.supports_filters_pushdown(filters)
    }

    async fn scan(
        &self,
        state: &dyn Session,
        projection: Option<&Vec<usize>>,
        filters: &[Expr],
        limit: Option<usize>,
    ) -> Result<Arc<dyn ExecutionPlan>> {
        let filters = with_partition_bounds(filters);
        self.inner.scan(state, projection, &filters, limit).await
    }

    async fn scan_with_args<'a>(
        &self,
        state: &dyn Session,
        args: ScanArgs<'a>,
    ) -> Result<ScanResult> {
        let filters = with_partition_bounds(args.filters().unwrap_or(&[]));
        let args = ScanArgs::default()
            .with_projection(args.projection())
            .with_limit(args.limit())
            .with_statistics_requests(args.statistics_requests())
            .with_filters(Some(&filters));
        self.inner.scan_with_args(state, args).await
    }
}

/// The filters plus, for each bound on `Timestamp`, the bound it implies on `date`. The
/// added filters are implied by the originals, so they never change the result; the
/// listing table evaluates them against partition paths and skips whole days.
fn with_partition_bounds(filters: &[Expr]) -> Vec<Expr> {
    let mut out = filters.to_vec();
    for f in filters {
        out.extend(partition_bounds(f));
    }
    out
}

/// Partition bounds implied by one filter; empty when the filter bounds nothing we know.
fn partition_bounds(filter: &Expr) -> Vec<Expr> {
    match filter {
        Expr::BinaryExpr(BinaryExpr { left, op, right }) => match (&**left, &**right) {
            (Expr::Column(c), Expr::Literal(v, _)) if c.name == TIME_COLUMN => {
                bound(*op, v).into_iter().collect()
            }
            (Expr::Literal(v, _), Expr::Column(c)) if c.name == TIME_COLUMN => {
                op.swap().and_then(|op| bound(op, v)).into_iter().collect()
            }
            _ if *op == Operator::And => {
                let mut v = partition_bounds(left);
                v.extend(partition_bounds(right));
                v
            }
            _ => Vec::new(),
        },
        Expr::Between(Between { expr, negated: false, low, high }) => match (&**expr, &**low, &**high) {
            (Expr::Column(c), Expr::Literal(lo, _), Expr::Literal(hi, _)) if c.name == TIME_COLUMN => {
                bound(Operator::GtEq, lo).into_iter().chain(bound(Operator::LtEq, hi)).collect()
            }
            _ => Vec::new(),
        },
        _ => Vec::new(),
    }
}

/// `Timestamp <op> value` as a bound on the `date` partition column.
fn bound(op: Operator, value: &ScalarValue) -> Option<Expr> {
    let nanos = timestamp_nanos(value)?;
    let (op, instant) = match op {
        Operator::Gt | Operator::GtEq => (Operator::GtEq, nanos),
        Operator::LtEq => (Operator::LtEq, nanos),
        // `< t` admits nothing at t itself, so its last day is the day of t - 1ns.
        Operator::Lt => (Operator::LtEq, nanos.checked_sub(1)?),
        Operator::Eq => {
            let day = day_of(nanos)?;
            return Some(col(PARTITION_COLUMN).eq(lit(day)));
        }
        _ => return None,
    };
    let day = day_of(instant)?;
    Some(Expr::BinaryExpr(BinaryExpr::new(
        Box::new(col(PARTITION_COLUMN)),
        op,
        Box::new(lit(day)),
    )))
}

fn timestamp_nanos(value: &ScalarValue) -> Option<i64> {
    match value {
        ScalarValue::TimestampNanosecond(Some(v), _) => Some(*v),
        ScalarValue::TimestampMicrosecond(Some(v), _) => v.checked_mul(1_000),
        ScalarValue::TimestampMillisecond(Some(v), _) => v.checked_mul(1_000_000),
        ScalarValue::TimestampSecond(Some(v), _) => v.checked_mul(1_000_000_000),
        _ => None,
    }
}

/// The `YYYY-MM-DD` partition value (UTC) holding an instant.
fn day_of(nanos: i64) -> Option<String> {
    let dt = chrono::DateTime::from_timestamp_nanos(nanos);
    Some(dt.format("%Y-%m-%d").to_string())
}
