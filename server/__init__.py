"""asnflow core: settings, database, ORM models, audit, rules, seed data and the command line."""
