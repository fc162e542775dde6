//! `kql_parse_groups(text, regex)`: what the `parse` operator extracts. The regex names the
//! groups of the extracted columns `lhN` (a user's regex in `kind=regex` may have groups of
//! its own, which are not columns); the result lists those groups' texts in order, or is
//! null when the text does not match.

use std::sync::Arc;

use datafusion::arrow::array::{Array, ListBuilder, StringBuilder};
use datafusion::arrow::datatypes::{DataType, Field};
use datafusion::common::{Result, ScalarValue, exec_err};
use datafusion::logical_expr::{ColumnarValue, ScalarFunctionArgs, ScalarUDFImpl, Signature, Volatility};

/// The prefix of the group names that are columns.
pub const GROUP_PREFIX: &str = "lh";

/// The function.
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct ParseGroups {
    signature: Signature,
}

impl Default for ParseGroups {
    fn default() -> Self {
        Self { signature: Signature::any(2, Volatility::Immutable) }
    }
}

impl ScalarUDFImpl for ParseGroups {
    fn name(&self) -> &str {
        "kql_parse_groups"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        Ok(DataType::List(Arc::new(Field::new("item", DataType::Utf8, true))))
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let n = args.number_rows;
        let [text, pattern] = args.args.as_slice() else { return exec_err!("kql_parse_groups takes a text and a regex") };
        let pattern = match pattern {
            ColumnarValue::Scalar(ScalarValue::Utf8(Some(p)) | ScalarValue::Utf8View(Some(p)) | ScalarValue::LargeUtf8(Some(p))) => p,
            _ => return exec_err!("kql_parse_groups: the regex must be a constant string"),
        };
        let re = match regex::Regex::new(pattern) {
            Ok(re) => re,
            Err(e) => return exec_err!("kql_parse_groups: {e}"),
        };
        let columns: Vec<usize> = re
            .capture_names()
            .enumerate()
            .filter(|(_, name)| name.is_some_and(|n| n.starts_with(GROUP_PREFIX)))
            .map(|(i, _)| i)
            .collect();
        let texts = super::text_rows(text, n)?;
        let mut out = ListBuilder::new(StringBuilder::new());
        let mut locs = re.capture_locations();
        for i in 0..texts.len() {
            let t = texts.value(i);
            if texts.is_null(i) || re.captures_read(&mut locs, t).is_none() {
                out.append_null();
                continue;
            }
            for &g in &columns {
                let value = locs.get(g).map_or("", |(s, e)| &t[s..e]);
                out.values().append_value(value);
            }
            out.append(true);
        }
        Ok(ColumnarValue::Array(Arc::new(out.finish())))
    }
}

#[cfg(test)]
mod tests {
    use datafusion::arrow::array::StringArray;

    use super::*;

    #[test]
    fn only_named_column_groups_are_returned() {
        let udf = ParseGroups::default();
        let text = ColumnarValue::Array(Arc::new(StringArray::from(vec![Some("a=1 (x)"), Some("nope"), None])));
        let re = ColumnarValue::Scalar(ScalarValue::Utf8(Some(r"^a=(?P<lh0>\d+) (\()(?P<lh1>.*?)\)$".into())));
        let args = ScalarFunctionArgs {
            args: vec![text, re],
            arg_fields: vec![],
            number_rows: 3,
            return_field: Arc::new(Field::new("r", udf.return_type(&[]).expect("type"), true)),
            config_options: Arc::new(Default::default()),
        };
        let out = udf.invoke_with_args(args).expect("runs").to_array(3).expect("array");
        let list = out.as_any().downcast_ref::<datafusion::arrow::array::ListArray>().expect("list");
        let first = list.value(0);
        let first = first.as_any().downcast_ref::<StringArray>().expect("strings");
        assert_eq!((first.value(0), first.value(1), first.len()), ("1", "x", 2));
        assert!(list.is_null(1) && list.is_null(2));
    }
}
