"""Forecasts you can check: the stage model, win probabilities and lead scores with their
factors, the period forecast by simulation (P10/P50/P90, P(KGI achieved)) and the
rolling-origin backtest that measures them — pure functions over typed inputs.

Everything here sees the facts only through :func:`data.deals_at` / :func:`data.leads_at`,
which keep what was known at an instant: a deal's stage from its history rows entered by
then, its outcome only when it closed by then, its activities only those that occurred by
then.  The store-reading side (``app/forecast_data.py``) loads the facts once.
"""
