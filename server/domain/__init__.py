"""The vocabulary of DOMAIN.md: ranks, education levels, position types, predicates and the NIP."""
