enum _PlaceholderWaybillEngine {}
