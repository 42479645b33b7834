"""`blocklint serve`: the registry over HTTP, speaking the Press API (optional extra `server`)."""
