//! KQL functions that DataFusion lacks, as DataFusion UDFs, with one [`Registry`] that
//! both the planner (to build calls) and every session (to run them, and to run the SQL
//! that `translate` prints) use.

pub mod arg_extreme;
pub mod arrays;
pub mod calendar;
pub mod kv_pairs;
pub mod make_bag;
pub mod make_dynamic;
pub mod dynamic;
pub mod mv_items;
pub mod parse_groups;
pub mod percentile;
pub mod restart_sum;
pub mod rowwise;
pub mod strings;
pub mod text;
pub mod text_edit;
pub mod time_text;

use std::collections::BTreeMap;
use std::sync::Arc;

use datafusion::logical_expr::{AggregateUDF, Expr, ScalarUDF, WindowUDF};
use datafusion::prelude::SessionContext;

/// `array` as Utf8 text: SQL string literals arrive as Utf8View, dictionary-encoded
/// columns as dictionaries.
pub(crate) fn utf8(array: &datafusion::arrow::array::ArrayRef) -> datafusion::common::Result<datafusion::arrow::array::StringArray> {
    use datafusion::arrow::array::AsArray;
    let text = datafusion::arrow::compute::cast(array, &datafusion::arrow::datatypes::DataType::Utf8)?;
    // The cast made it Utf8, so this view of it cannot fail.
    Ok(text.as_string::<i32>().clone())
}

/// A text argument's `rows` values (see [`utf8`]).
pub(crate) fn text_rows(arg: &datafusion::logical_expr::ColumnarValue, rows: usize) -> datafusion::common::Result<datafusion::arrow::array::StringArray> {
    utf8(&arg.to_array(rows)?)
}

/// Every KQL UDF, by name.
#[derive(Debug, Clone)]
pub struct Registry {
    scalars: BTreeMap<String, Arc<ScalarUDF>>,
    aggregates: BTreeMap<String, Arc<AggregateUDF>>,
    windows: BTreeMap<String, Arc<WindowUDF>>,
}

impl Default for Registry {
    fn default() -> Self {
        Self::new()
    }
}

impl Registry {
    /// All of lakehunt's functions.
    pub fn new() -> Self {
        let mut scalars = BTreeMap::new();
        for f in strings::StrMatch::all() {
            let udf = ScalarUDF::new_from_impl(f);
            scalars.insert(udf.name().to_string(), Arc::new(udf));
        }
        for f in dynamic::functions().into_iter().chain(text::functions()).chain(calendar::functions()).chain(arrays::functions()).chain(text_edit::functions()) {
            let udf = ScalarUDF::new_from_impl(f);
            scalars.insert(udf.name().to_string(), Arc::new(udf));
        }
        for udf in [ScalarUDF::new_from_impl(mv_items::MvItems::default()), ScalarUDF::new_from_impl(mv_items::MvIndex::default()), ScalarUDF::new_from_impl(parse_groups::ParseGroups::default()), ScalarUDF::new_from_impl(kv_pairs::function()), ScalarUDF::new_from_impl(make_dynamic::JsonList::default())] {
            scalars.insert(udf.name().to_string(), Arc::new(udf));
        }
        let aggregates = [
            AggregateUDF::new_from_impl(arg_extreme::ArgExtreme::new(true)),
            AggregateUDF::new_from_impl(arg_extreme::ArgExtreme::new(false)),
            AggregateUDF::new_from_impl(percentile::Percentile::default()),
            AggregateUDF::new_from_impl(make_bag::MakeBag::default()),
            AggregateUDF::new_from_impl(make_dynamic::MakeDynamic::new(true)),
            AggregateUDF::new_from_impl(make_dynamic::MakeDynamic::new(false)),
        ]
        .into_iter()
        .map(|udaf| (udaf.name().to_string(), Arc::new(udaf)))
        .collect();
        let windows = [WindowUDF::new_from_impl(restart_sum::RestartSum::default())].into_iter().map(|w| (w.name().to_string(), Arc::new(w))).collect();
        Self { scalars, aggregates, windows }
    }

    /// A call of the aggregate `name` (see [`Registry::call`]).
    pub fn aggregate(&self, name: &str, args: Vec<Expr>) -> datafusion::common::Result<Expr> {
        match self.aggregates.get(name) {
            Some(udaf) => Ok(udaf.call(args)),
            None => datafusion::common::plan_err!("internal: no KQL aggregate {name}"),
        }
    }

    /// A call of the window function `name` (see [`Registry::call`]); the caller adds the
    /// order.
    pub fn window(&self, name: &str, args: Vec<Expr>) -> datafusion::common::Result<Expr> {
        use datafusion::logical_expr::expr::{WindowFunction, WindowFunctionDefinition};
        match self.windows.get(name) {
            Some(udwf) => Ok(Expr::from(WindowFunction::new(WindowFunctionDefinition::WindowUDF(Arc::clone(udwf)), args))),
            None => datafusion::common::plan_err!("internal: no KQL window function {name}"),
        }
    }

    /// A call of the UDF `name`. The planner only asks for names this registry defines;
    /// an unknown name is a planner bug, reported as an error rather than a panic.
    pub fn call(&self, name: &str, args: Vec<Expr>) -> datafusion::common::Result<Expr> {
        match self.scalars.get(name) {
            Some(udf) => Ok(udf.call(args)),
            None => datafusion::common::plan_err!("internal: no KQL function {name}"),
        }
    }

    /// Makes every function callable in `ctx` (so the SQL that `translate` prints runs).
    pub fn register(&self, ctx: &SessionContext) {
        for udf in self.scalars.values() {
            ctx.register_udf(udf.as_ref().clone());
        }
        for udaf in self.aggregates.values() {
            ctx.register_udaf(udaf.as_ref().clone());
        }
        for udwf in self.windows.values() {
            ctx.register_udwf(udwf.as_ref().clone());
        }
    }
}
