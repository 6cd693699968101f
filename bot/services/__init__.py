"""Use cases: the engine plus the repository, one transaction each (owned by the caller)."""
