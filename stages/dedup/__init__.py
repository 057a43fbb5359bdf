"""Exact and MinHash near-duplicate removal: shingling, signatures, LSH clustering, and the steps that run them."""
