"""The web app: FastAPI, Jinja2 templates, HTMX, vendored ECharts."""
