"""Publish a refinery output folder to the Hugging Face Hub: repo layout, dataset card, upload."""
