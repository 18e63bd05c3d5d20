enum _PlaceholderWaybillSQLite {}
