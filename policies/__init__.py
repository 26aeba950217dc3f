"""Authorization: the casbin model and policy, the viewer with their dated grants, and read scopes."""
