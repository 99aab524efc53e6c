"""The typed results the facade returns to the web and the CLI: frozen Pydantic models, one
module per area (``common`` holds the shared pieces and the API's error bodies).  The
presentation layers import them from ``rashinban.service``."""
