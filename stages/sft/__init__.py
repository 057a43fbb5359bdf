"""Post-training data: read and write SFT and preference formats through the canonical records in
`schemas/conversation.py` (`convert.convert` is the entry point; `formats.FORMATS` lists what is supported)."""
