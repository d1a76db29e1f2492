"""HTTP tests of the web app and its JSON API."""
