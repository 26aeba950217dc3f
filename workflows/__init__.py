"""Workflow definitions, the engine that loads them into shared state machines, guards, effects and commands."""
