"""Guards, effects and preconditions of workflows added as data: every module here is imported by the catalog
before the definitions load, so a new workflow's own checks register themselves (``@guard``, ``@effect``,
``@precondition``) without an import added anywhere else (docs/architecture.md, "Adding a workflow")."""
