"""Liveness and readiness probes for load balancers and the run script."""
