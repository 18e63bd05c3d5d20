enum _PlaceholderWaybillStore {}
