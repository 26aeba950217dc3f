"""The position registry's SQL: every read of units, positions, employees and their histories."""
