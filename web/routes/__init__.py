"""The HTML pages, one module per concern."""
