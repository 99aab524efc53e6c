"""The organisation: the team tree and its scopes, roles and what each may do, who sees what.

Pure (no I/O): the store loads teams, members and users; this package decides.
"""
