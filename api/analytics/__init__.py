"""Demand analytics for staff: volumes, outcomes, satisfaction, requests, knowledge gaps clustered by meaning."""
