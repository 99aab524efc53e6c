"""Authentication helpers shared by the CLI, the web layer and the demo generator."""
