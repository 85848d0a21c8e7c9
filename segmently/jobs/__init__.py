"""The scheduler loop and its tasks (``segmently worker``; also started by ``segmently serve``)."""
