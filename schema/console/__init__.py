"""The web console for approvers and auditors: static assets served at ``/``, speaking only to ``/graphql``."""
