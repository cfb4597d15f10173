"""Submissions as a domain: storing a synced interview, editing with history, review states,
exports. Views (API, back office) and commands call these services."""
