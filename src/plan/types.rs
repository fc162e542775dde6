//! Kusto types of planned expressions: from the `kusto_type` field metadata when present
//! (it tells `dynamic` and `guid` apart from `string`), else from the Arrow type.

use std::collections::BTreeMap;

use datafusion::arrow::datatypes::{DataType, TimeUnit};
use datafusion::common::{DFSchema, ScalarValue};
use datafusion::logical_expr::{Expr, ExprSchemable, expr::FieldMetadata};

use crate::catalog::{KUSTO_TYPE_KEY, KustoType};

pub use crate::catalog::{arrow_kusto, field_type};

/// The Kusto type of `e` over `schema`.
pub fn expr_type(e: &Expr, schema: &DFSchema) -> datafusion::common::Result<KustoType> {
    let (_, field) = e.to_field(schema)?;
    Ok(field_type(&field))
}

/// Metadata marking a field as Kusto type `ty`.
pub fn metadata(ty: KustoType) -> FieldMetadata {
    FieldMetadata::from(BTreeMap::from([(KUSTO_TYPE_KEY.to_string(), ty.name().to_string())]))
}

/// A literal of Kusto type `ty` (dynamic and guid literals are text marked with their type).
pub fn typed_lit(value: ScalarValue, ty: KustoType) -> Expr {
    match ty {
        KustoType::Dynamic | KustoType::Guid => Expr::Literal(value, Some(metadata(ty))),
        _ => Expr::Literal(value, None),
    }
}

/// A typed null of Kusto type `ty`.
pub fn null_of(ty: KustoType) -> ScalarValue {
    match ty {
        KustoType::String | KustoType::Dynamic | KustoType::Guid => ScalarValue::Utf8(None),
        KustoType::Long => ScalarValue::Int64(None),
        KustoType::Int => ScalarValue::Int32(None),
        KustoType::Bool => ScalarValue::Boolean(None),
        KustoType::Real => ScalarValue::Float64(None),
        KustoType::DateTime => ScalarValue::TimestampNanosecond(None, Some("UTC".into())),
        KustoType::TimeSpan => ScalarValue::DurationNanosecond(None),
    }
}

/// The Arrow type of a Kusto timestamp.
pub fn timestamp_type() -> DataType {
    DataType::Timestamp(TimeUnit::Nanosecond, Some("UTC".into()))
}

/// Unix nanoseconds (a long) as a datetime. `arrow_cast` rather than `CAST`, because SQL
/// reads `CAST(n AS TIMESTAMP)` as seconds: the SQL that `translate` prints must mean the
/// same as the plan.
pub fn nanos_to_datetime(e: Expr) -> Expr {
    arrow_cast(e, &timestamp_type())
}

/// Nanoseconds (a long) as a timespan (see [`nanos_to_datetime`]).
pub fn nanos_to_timespan(e: Expr) -> Expr {
    arrow_cast(e, &DataType::Duration(TimeUnit::Nanosecond))
}

fn arrow_cast(e: Expr, to: &DataType) -> Expr {
    datafusion::functions::expr_fn::arrow_cast(e, datafusion::logical_expr::lit(to.to_string()))
}

