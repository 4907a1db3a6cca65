"""Brands' products and surveys, and users' survey responses."""
