//! The catalog against `../shared/reference/mde_tables.yaml`, the Kusto → Arrow type
//! mapping of DESIGN.md §3, and registration errors that name the path at fault.

use datafusion::arrow::datatypes::{DataType, TimeUnit};
use lakehunt::catalog::{Catalog, KustoType, RegisterError, new_session, register_lake};
use lakehunt::synth::GENERATED_TABLES;

use super::common::{shared, sql_count};

#[test]
fn catalog_equals_reference_table_by_table() {
    let text = std::fs::read_to_string(shared().join("reference/mde_tables.yaml")).expect("reference schema file");
    let doc: serde_yaml::Value = serde_yaml::from_str(&text).expect("reference is YAML");
    let tables = doc["tables"].as_mapping().expect("tables mapping");
    assert_eq!(tables.len(), Catalog.tables().len(), "number of tables");
    for (name, table) in tables {
        let name = name.as_str().expect("table name");
        let ours = Catalog.table(name).unwrap_or_else(|| panic!("catalog lacks {name}"));
        let columns = table["columns"].as_sequence().expect("columns");
        let expected: Vec<(String, String)> = columns
            .iter()
            .map(|c| (c["name"].as_str().unwrap_or_default().to_string(), c["kusto_type"].as_str().unwrap_or_default().to_string()))
            .collect();
        let actual: Vec<(String, String)> = ours.columns.iter().map(|c| (c.name.to_string(), c.ty.name().to_string())).collect();
        assert_eq!(actual, expected, "columns of {name}");
        assert_eq!(ours.streaming_category, table["streaming_category"].as_str().unwrap_or_default(), "category of {name}");
    }
}

#[test]
fn kusto_types_map_to_arrow_as_designed() {
    // DESIGN.md §3: datetime → Timestamp(ns, UTC); string, dynamic, guid → Utf8; long → Int64;
    // int → Int32; bool → Boolean.
    let utc = DataType::Timestamp(TimeUnit::Nanosecond, Some("UTC".into()));
    assert_eq!(KustoType::DateTime.arrow_type(), utc);
    assert_eq!(KustoType::String.arrow_type(), DataType::Utf8);
    assert_eq!(KustoType::Dynamic.arrow_type(), DataType::Utf8);
    assert_eq!(KustoType::Guid.arrow_type(), DataType::Utf8);
    assert_eq!(KustoType::Long.arrow_type(), DataType::Int64);
    assert_eq!(KustoType::Int.arrow_type(), DataType::Int32);
    assert_eq!(KustoType::Bool.arrow_type(), DataType::Boolean);
    let dpe = Catalog.table("DeviceProcessEvents").expect("table");
    let schema = dpe.table_schema();
    assert_eq!(schema.field_with_name("ProcessCreationTime").expect("column").data_type(), &utc);
    assert_eq!(schema.field_with_name("ProcessId").expect("column").data_type(), &DataType::Int64);
    assert_eq!(schema.fields().last().expect("date").name(), "date");
}

#[test]
fn every_generated_table_is_in_the_catalog() {
    for t in GENERATED_TABLES {
        assert!(Catalog.table(t).is_some(), "{t}");
    }
}

#[tokio::test]
async fn absent_tables_are_empty_with_their_schema() {
    let dir = tempfile::tempdir().expect("temp dir");
    let ctx = new_session();
    let lake = register_lake(&ctx, dir.path()).expect("an empty lake registers");
    assert!(lake.present().next().is_none());
    assert_eq!(sql_count(dir.path(), "SELECT count(*) FROM AlertInfo").await, 0);
    let df = ctx.sql("SELECT * FROM EmailEvents").await.expect("plan");
    let names: Vec<String> = df.schema().fields().iter().map(|f| f.name().clone()).collect();
    let expected: Vec<String> = Catalog.table("EmailEvents").expect("table").columns.iter().map(|c| c.name.to_string()).chain(["date".to_string()]).collect();
    assert_eq!(names, expected);
}

#[test]
fn a_missing_lake_is_named() {
    let dir = tempfile::tempdir().expect("temp dir");
    let missing = dir.path().join("nope");
    let err = register_lake(&new_session(), &missing).expect_err("missing lake");
    assert!(matches!(err, RegisterError::LakeNotFound { .. }), "{err:?}");
    assert!(err.to_string().contains(&missing.display().to_string()), "{err}");
}

#[test]
fn a_lake_that_is_a_file_is_named() {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("lake.txt");
    std::fs::write(&file, "x").expect("write");
    let err = register_lake(&new_session(), &file).expect_err("file as lake");
    assert!(matches!(err, RegisterError::NotADirectory { .. }), "{err:?}");
    assert!(err.to_string().contains("lake.txt"), "{err}");
}

#[test]
fn an_unreadable_parquet_file_is_named() {
    let dir = tempfile::tempdir().expect("temp dir");
    let part = dir.path().join("DeviceInfo/date=2026-11-26");
    std::fs::create_dir_all(&part).expect("mkdir");
    std::fs::write(part.join("part-0.parquet"), b"not parquet at all").expect("write");
    let err = register_lake(&new_session(), dir.path()).expect_err("corrupt file");
    assert!(matches!(err, RegisterError::BadParquet { .. }), "{err:?}");
    assert!(err.to_string().contains("date=2026-11-26/part-0.parquet"), "{err}");
}

#[test]
fn a_file_whose_schema_disagrees_is_named() {
    use std::sync::Arc;

    use datafusion::arrow::array::{Int64Array, RecordBatch, TimestampNanosecondArray};
    use datafusion::arrow::datatypes::{Field, Schema};

    let dir = tempfile::tempdir().expect("temp dir");
    let part = dir.path().join("DeviceProcessEvents/date=2026-11-26");
    std::fs::create_dir_all(&part).expect("mkdir");
    // DeviceName is a string in the catalog; this file says Int64.
    let schema = Arc::new(Schema::new(vec![
        Field::new("Timestamp", DataType::Timestamp(TimeUnit::Nanosecond, Some("UTC".into())), true),
        Field::new("DeviceName", DataType::Int64, true),
    ]));
    let batch = RecordBatch::try_new(
        schema,
        vec![Arc::new(TimestampNanosecondArray::from(vec![1]).with_timezone("UTC")), Arc::new(Int64Array::from(vec![7]))],
    )
    .expect("batch");
    lakehunt::catalog::write_sorted_file(&part.join("part-0.parquet"), &batch).expect("write");
    let err = register_lake(&new_session(), dir.path()).expect_err("schema mismatch");
    let text = err.to_string();
    assert!(matches!(err, RegisterError::SchemaMismatch { .. }), "{err:?}");
    assert!(text.contains("part-0.parquet") && text.contains("DeviceName") && text.contains("Int64"), "{text}");
}
