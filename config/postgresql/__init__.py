"""Django's PostgreSQL backend with a connection pool that notices a restarted server at once."""
