"""The staff console: static pages under /console that call the staff API with the login cookie."""
