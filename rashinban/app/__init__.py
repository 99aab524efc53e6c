"""Application services: one module per use-case area over an :class:`AppContext`.

``rashinban.service.Rashinban`` composes them; the CLI, the web app and the jobs runner
call the facade, never these modules' collaborators (store, metrics, analysis) directly.
"""
