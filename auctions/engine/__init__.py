"""The bid engine: Redis hot state driven by one Lua script, and the pure-Python reference rules."""
