"""Lambda function package (see app.py)."""
