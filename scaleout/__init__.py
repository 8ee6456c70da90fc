"""The scale-out path: the compiled indicator SQL on Apache Spark over Parquet exports (docs/SCALE_OUT.md)."""
