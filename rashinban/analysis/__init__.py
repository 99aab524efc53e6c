"""Analysis over actuals: pace and status, funnels, forecasts."""
