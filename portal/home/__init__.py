"""Home: each role's landing page."""
